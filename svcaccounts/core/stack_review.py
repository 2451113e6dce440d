"""The stack-settings half of the access diff: what a change to the stack files does.

A stack file decides where the definitions deploy (the identity provider: the Okta org and
authorization server, the Entra ID tenant and API, or the Cognito user pool and resource
server), where
credentials go (the secret store) and which environment's accounts a stack manages. Pointing prod
at another org, or renaming its environment, changes access as surely as a granted scope, so each
such change is a finding; in a production stack a high one. Pure: no git, no YAML, no Pulumi.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from svcaccounts.core.identity_providers import describe
from svcaccounts.core.review import AccessFinding, MessagePart, Quoted, Severity, severity_rank
from svcaccounts.core.settings import (
    Auth0Settings,
    AwsSecretsManagerSettings,
    CognitoSettings,
    EntraIdSettings,
    ExistingAuthServer,
    KeyVaultSettings,
    StackSettings,
)


@dataclass(frozen=True, slots=True)
class StackState:
    """One stack as a revision has it."""

    # None: the stack file's settings have errors at this revision (validate lists them).
    settings: StackSettings | None
    environment: str
    # How many accounts the stack manages at this revision (its environment's accounts).
    accounts: int


def production_environments(*revisions: Mapping[str, StackState]) -> frozenset[str]:
    """The environments that a production stack deploys in any of `revisions`: account changes
    there are reviewed as production changes."""
    return frozenset(
        state.environment
        for stacks in revisions
        for state in stacks.values()
        if state.settings is not None and state.settings.production
    )


def diff_stacks(base: Mapping[str, StackState], head: Mapping[str, StackState]) -> tuple[AccessFinding, ...]:
    """Every stack-file change from `base` to `head`, highest severity first, then by stack."""
    findings: list[AccessFinding] = []
    for name in sorted(base.keys() | head.keys()):
        findings.extend(_stack_findings(name, base.get(name), head.get(name)))
    return tuple(sorted(findings, key=lambda finding: -severity_rank(finding.severity)))


_Message = tuple[MessagePart, ...]


def _is_production(state: StackState | None) -> bool:
    return state is not None and state.settings is not None and state.settings.production


def _stack_findings(
    name: str, before: StackState | None, after: StackState | None
) -> Iterator[AccessFinding]:
    strict: Severity = "high" if _is_production(before) or _is_production(after) else "medium"
    where = after or before
    assert where is not None

    def finding(rule: str, severity: Severity, message: _Message) -> AccessFinding:
        return AccessFinding.from_parts(
            rule, severity, where.environment, None, ("stack ", Quoted(name), ": ", *message)
        )

    if before is None and after is not None:
        yield finding("stack-added", strict, ("added: ", *_describe(after)))
        return
    if after is None and before is not None:
        yield finding(
            "stack-removed",
            strict,
            (
                "stack file removed (",
                *_describe(before),
                "): deploys stop, and its resources stay until someone runs pulumi destroy",
            ),
        )
        return
    assert before is not None and after is not None
    if before.settings is None or after.settings is None:
        which = "base" if before.settings is None else "head"
        yield finding(
            "stack-settings-unreadable",
            strict,
            (
                f"its settings have errors in the {which}, so their changes cannot be compared; run "
                "svcaccounts validate on that revision",
            ),
        )
    else:
        for rule, severity, message in _settings_changes(before.settings, after.settings, strict):
            yield finding(rule, severity, message)
    if before.environment != after.environment:
        yield finding(
            "stack-environment-changed",
            strict,
            (
                "environment ",
                Quoted(before.environment),
                " → ",
                Quoted(after.environment),
                ": the stack now manages the accounts of ",
                Quoted(after.environment),
                " and deletes those of ",
                Quoted(before.environment),
            ),
        )
    removed = before.accounts - after.accounts
    # One account leaving is an account-removed finding; this is for a stack that empties (a
    # mistyped environment, a deleted folder), not for routine removals.
    if removed >= 2 and removed * 2 > before.accounts:
        yield finding(
            "stack-accounts-mostly-removed",
            "high",
            (
                f"manages {_count(after.accounts, 'account')} instead of {before.accounts}: "
                f"pulumi up deletes {_count(removed, 'app')} and their credentials",
            ),
        )


def _settings_changes(
    before: StackSettings, after: StackSettings, strict: Severity
) -> Iterator[tuple[str, Severity, _Message]]:
    if before.production != after.production:
        state = "now a production stack" if after.production else "no longer a production stack"
        tighter = "tighten" if after.production else "loosen"
        yield ("stack-production-changed", "high", (f"{state}: its review and guardrails {tighter}",))
    if before.identity_provider != after.identity_provider:
        # Every account gets a new client (new id, new credential) at the other provider, and
        # the old provider's clients are deleted: always high, whatever the stack.
        yield (
            "stack-identity-provider-changed",
            "high",
            (
                "identity provider ",
                *_provider(before),
                " → ",
                *_provider(after),
                ": every account gets a new client and credential, and the old ones are deleted",
            ),
        )
    elif before.entra_id is not None and after.entra_id is not None:
        yield from _entra_changes(before.entra_id, after.entra_id, strict)
    elif before.auth0 is not None and after.auth0 is not None:
        yield from _auth0_changes(before.auth0, after.auth0, strict)
    elif before.cognito is not None and after.cognito is not None:
        yield from _cognito_changes(before.cognito, after.cognito, strict)
    elif before.okta is not None and after.okta is not None:
        yield from _okta_changes(before, after, before.okta.org_url, after.okta.org_url, strict)
    if before.store != after.store:
        yield (
            "stack-secret-store-changed",
            strict,
            ("secret store ", *_store(before), " → ", *_store(after)),
        )


def _entra_changes(
    before: EntraIdSettings, after: EntraIdSettings, strict: Severity
) -> Iterator[tuple[str, Severity, _Message]]:
    if before.tenant_id != after.tenant_id:
        yield (
            "stack-tenant-changed",
            "high",
            (
                "Entra ID tenant ",
                Quoted(before.tenant_id),
                " → ",
                Quoted(after.tenant_id),
                ": every account gets a new client and credential in the other tenant",
            ),
        )
    if before.identifier_uri != after.identifier_uri:
        yield (
            "stack-identifier-uri-changed",
            strict,
            (
                "API identifier URI ",
                Quoted(before.identifier_uri),
                " → ",
                Quoted(after.identifier_uri),
                ": tokens are requested for the new URI, and consumers that request the old one fail",
            ),
        )


def _auth0_changes(
    before: Auth0Settings, after: Auth0Settings, strict: Severity
) -> Iterator[tuple[str, Severity, _Message]]:
    if before.domain != after.domain:
        # Another domain is (usually) another tenant: new clients, new ids, new credentials.
        yield (
            "stack-auth0-domain-changed",
            "high",
            (
                "Auth0 domain ",
                Quoted(before.domain),
                " → ",
                Quoted(after.domain),
                ": every account gets a new client and credential at the other tenant",
            ),
        )
    if before.audience != after.audience:
        # A resource server's identifier cannot change: the API is replaced, with its scopes and
        # every client grant on it.
        yield (
            "stack-auth0-audience-changed",
            strict,
            (
                "Auth0 API audience ",
                Quoted(before.audience),
                " → ",
                Quoted(after.audience),
                ": the API and every grant on it are replaced, and consumers that request the old "
                "audience fail",
            ),
        )


def _cognito_changes(
    before: CognitoSettings, after: CognitoSettings, strict: Severity
) -> Iterator[tuple[str, Severity, _Message]]:
    if (before.region, before.user_pool_id) != (after.region, after.user_pool_id):
        # Like another tenant: app clients live in their pool, so each account gets a new one.
        yield (
            "stack-user-pool-changed",
            "high",
            (
                "Cognito user pool ",
                Quoted(before.user_pool_id),
                " → ",
                Quoted(after.user_pool_id),
                ": every account gets a new app client and secret in the other pool",
            ),
        )
    if before.resource_server != after.resource_server:
        yield (
            "stack-resource-server-changed",
            strict,
            (
                "Cognito resource server ",
                Quoted(before.resource_server),
                " → ",
                Quoted(after.resource_server),
                ": every scope gets the new identifier as its prefix, and APIs that check the old "
                "one refuse the new tokens",
            ),
        )
    if before.domain != after.domain:
        yield (
            "stack-cognito-domain-changed",
            strict,
            (
                "Cognito domain ",
                Quoted(before.domain),
                " → ",
                Quoted(after.domain),
                ": bundles name the new token URL; the old one must keep working until consumers "
                "re-read them",
            ),
        )


def _okta_changes(
    before: StackSettings, after: StackSettings, org_before: str, org_after: str, strict: Severity
) -> Iterator[tuple[str, Severity, _Message]]:
    assert before.okta is not None and after.okta is not None
    if org_before != org_after:
        yield (
            "stack-org-changed",
            strict,
            ("Okta org ", Quoted(org_before), " → ", Quoted(org_after)),
        )
    if before.okta.max_api_capacity != after.okta.max_api_capacity:
        yield (
            "stack-api-capacity-changed",
            "low",
            (f"Okta API capacity {before.okta.max_api_capacity}% → {after.okta.max_api_capacity}%",),
        )
    if before.auth_server != after.auth_server:
        yield (
            "stack-auth-server-changed",
            strict,
            ("authorization server ", *_auth_server(before), " → ", *_auth_server(after)),
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _auth_server(settings: StackSettings) -> _Message:
    _, server = settings.require_okta()
    if isinstance(server, ExistingAuthServer):
        return (Quoted(server.id),)
    return (Quoted(server.name), " (created, audience ", Quoted(server.audience), ")")


def _provider(settings: StackSettings) -> _Message:
    """The identity provider and where in it: `Okta ('https://org.okta.com')`."""
    name = describe(settings.identity_provider).display_name
    if settings.entra_id is not None:
        return (f"{name} (tenant ", Quoted(settings.entra_id.tenant_id), ")")
    if settings.auth0 is not None:
        return (f"{name} (", Quoted(settings.auth0.domain), ")")
    if settings.cognito is not None:
        return (f"{name} (user pool ", Quoted(settings.cognito.user_pool_id), ")")
    okta, _ = settings.require_okta()
    return (f"{name} (", Quoted(okta.org_url), ")")


def _deploys_to(settings: StackSettings) -> _Message:
    if settings.entra_id is not None:
        return (
            "Microsoft Entra ID tenant ",
            Quoted(settings.entra_id.tenant_id),
            ", API ",
            Quoted(settings.entra_id.identifier_uri),
        )
    if settings.auth0 is not None:
        return ("Auth0 ", Quoted(settings.auth0.domain), ", API ", Quoted(settings.auth0.audience))
    if settings.cognito is not None:
        return (
            "Amazon Cognito user pool ",
            Quoted(settings.cognito.user_pool_id),
            ", resource server ",
            Quoted(settings.cognito.resource_server),
        )
    okta, _ = settings.require_okta()
    return (Quoted(okta.org_url), ", authorization server ", *_auth_server(settings))


def _store(settings: StackSettings) -> _Message:
    store = settings.store
    if isinstance(store, KeyVaultSettings):
        return ("Key Vault ", Quoted(store.name), " (resource group ", Quoted(store.resource_group), ")")
    assert isinstance(store, AwsSecretsManagerSettings)
    return (
        "AWS Secrets Manager in ",
        Quoted(store.region),
        " (KMS key ",
        Quoted(store.kms_key_id or "aws/secretsmanager"),
        ", prefix ",
        Quoted(store.name_prefix),
        f", recovery {store.recovery_window_days} days)",
    )


def _describe(state: StackState) -> _Message:
    if state.settings is None:
        return ("environment ", Quoted(state.environment), ", settings with errors")
    kind = "production stack" if state.settings.production else "stack"
    return (
        f"{kind} for environment ",
        Quoted(state.environment),
        " on ",
        *_deploys_to(state.settings),
        ", ",
        *_store(state.settings),
        f", {_count(state.accounts, 'account')}",
    )
