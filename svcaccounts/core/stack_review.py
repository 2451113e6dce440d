"""The stack-settings half of the access diff: what a change to the stack files does.

A stack file decides where the definitions deploy (the Okta org and authorization server), where
credentials go (the secret store) and which environment's accounts a stack manages. Pointing prod
at another org, or renaming its environment, changes access as surely as a granted scope, so each
such change is a finding; in a production stack a high one. Pure: no git, no YAML, no Pulumi.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from svcaccounts.core.review import AccessFinding, MessagePart, Quoted, Severity, severity_rank
from svcaccounts.core.settings import (
    AwsSecretsManagerSettings,
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
    if before.okta.org_url != after.okta.org_url:
        yield (
            "stack-org-changed",
            strict,
            ("Okta org ", Quoted(before.okta.org_url), " → ", Quoted(after.okta.org_url)),
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
    if before.store != after.store:
        yield (
            "stack-secret-store-changed",
            strict,
            ("secret store ", *_store(before), " → ", *_store(after)),
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _auth_server(settings: StackSettings) -> _Message:
    server = settings.auth_server
    if isinstance(server, ExistingAuthServer):
        return (Quoted(server.id),)
    return (Quoted(server.name), " (created, audience ", Quoted(server.audience), ")")


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
        Quoted(state.settings.okta.org_url),
        ", authorization server ",
        *_auth_server(state.settings),
        ", ",
        *_store(state.settings),
        f", {_count(state.accounts, 'account')}",
    )
