"""What a stack's identity provider cannot express, as located findings on the definitions.

Definitions do not change with the provider; a provider that cannot express part of one (Entra
ID has no token lifetime per client, limits how long a credential may live and how long an app
role's value may be; Auth0 sets one token lifetime for the whole API; Cognito offers no
private_key_jwt, takes lifetimes of 5 minutes to a day, at most 100 scopes and only some
characters in a scope name) makes that part an error on the stack that would need it, at the
account's (or the catalog scope's) line, naming the stack. Every check reads the environment's
effective account, so a per-environment override (`environments.<env>.auth_method`) is what
the stack of that environment is checked against.
Never a silent drop: the schema's defaults are simply the provider's defaults, but a value
someone wrote down is either deployed or refused.
"""

from __future__ import annotations

from svcaccounts.core.identity_providers import CREDENTIAL_SLACK_DAYS, ProviderDescription, describe
from svcaccounts.core.model import EffectiveAccount, EnvironmentView, Scope
from svcaccounts.core.settings import StackSettings
from svcaccounts.definitions.findings import Finding
from svcaccounts.definitions.layout import SCOPE_CATALOG_FILE

# Cognito: a scope's description at the resource server (ResourceServerScopeType), and one scope
# in an app client's AllowedOAuthScopes, `<identifier>/<scope>`, each hold at most 256 characters.
COGNITO_SCOPE_DESCRIPTION_MAX = 256
COGNITO_CLIENT_SCOPE_MAX = 256


def provider_findings(settings: StackSettings, view: EnvironmentView) -> list[Finding]:
    """Every part of `view`'s accounts that the identity provider of stack `settings` cannot
    express, located in the definition files."""
    findings: list[Finding] = _catalog_findings(settings, view.scopes)
    for account in view.accounts:
        findings.extend(_account_findings(settings, account))
    if describe(settings.identity_provider).per_api_token_lifetime:
        findings.extend(_api_lifetime_findings(settings, view))
    return findings


def _where(settings: StackSettings, provider: ProviderDescription) -> str:
    return f"stack {settings.stack} deploys to {provider.display_name}"


def _catalog_findings(settings: StackSettings, scopes: tuple[Scope, ...]) -> list[Finding]:
    """What a provider that creates every catalog scope (Cognito's resource server) refuses of
    the catalog itself, located in scopes.yaml: a scope no account holds is deployed too."""
    provider = describe(settings.identity_provider)
    findings: list[Finding] = []
    where = _where(settings, provider)
    if provider.max_catalog_scopes is not None and len(scopes) > provider.max_catalog_scopes:
        line, col = scopes[provider.max_catalog_scopes].name_at
        findings.append(
            Finding(
                SCOPE_CATALOG_FILE,
                line,
                col,
                f"the catalog has {len(scopes)} scopes: {where}, whose resource server holds at most "
                f"{provider.max_catalog_scopes}; this is scope {provider.max_catalog_scopes + 1}. Remove "
                "scopes nobody needs, or split the catalog",
            )
        )
    if settings.cognito is None:
        return findings
    prefix = len(settings.cognito.resource_server) + 1
    for scope in scopes:
        line, col = scope.name_at
        problems = []
        if provider.scope_name_pattern is not None and not provider.scope_name_pattern.fullmatch(scope.name):
            problems.append(f"{provider.display_name} takes {provider.scope_name_rule} in a scope name")
        elif prefix + len(scope.name) > COGNITO_CLIENT_SCOPE_MAX:
            problems.append(
                f"as <resourceServer>/<scope> it has {prefix + len(scope.name)} characters, and an app "
                f"client's scopes have at most {COGNITO_CLIENT_SCOPE_MAX}"
            )
        if len(scope.description) > COGNITO_SCOPE_DESCRIPTION_MAX:
            problems.append(
                f"its description has {len(scope.description)} characters, and a resource server's "
                f"scope descriptions at most {COGNITO_SCOPE_DESCRIPTION_MAX}"
            )
        findings.extend(
            Finding(
                SCOPE_CATALOG_FILE, line, col, f"scope '{scope.name}' cannot be deployed: {where}: {problem}"
            )
            for problem in problems
        )
    return findings


def _api_lifetime_findings(settings: StackSettings, view: EnvironmentView) -> list[Finding]:
    """One token lifetime per API (Auth0): the environment's accounts must agree on it.

    An error rather than "the API takes the smallest": with the smallest, one definition's
    lifetime would silently change every other account's tokens, and the review would show a
    change to that one account only. An account that writes no lifetime has the schema's
    default, which counts as its value."""
    lifetimes = sorted({account.token_lifetime_minutes for account in view.accounts})
    if len(lifetimes) < 2:
        return []
    provider = describe(settings.identity_provider)
    by_value = {
        minutes: sorted(a.name for a in view.accounts if a.token_lifetime_minutes == minutes)
        for minutes in lifetimes
    }
    asked = "; ".join(f"{minutes} ({', '.join(names)})" for minutes, names in by_value.items())
    message = (
        f"token_lifetime_minutes differs between the accounts of environment {view.environment}: "
        f"stack {settings.stack} deploys to {provider.display_name}, which sets one access-token "
        f"lifetime for the API, not per client; they ask for {asked} (an account without the key "
        "has the default); give every account of the environment the same lifetime"
    )
    # Lifetimes can differ only where some are written down: each written one is located.
    return [
        Finding(account.source, *account.token_lifetime_at, message)
        for account in view.accounts
        if account.token_lifetime_at is not None
    ]


def _account_findings(settings: StackSettings, account: EffectiveAccount) -> list[Finding]:
    provider = describe(settings.identity_provider)
    where = f"stack {settings.stack} (environment {account.environment}) deploys to {provider.display_name}"
    findings: list[Finding] = []
    if account.auth_method not in provider.auth_methods:
        # The effective method of this environment, at the line that chose it (the environment's
        # override, the account's auth_method, or the file's start for the schema's default):
        # an override for this environment alone keeps key-based rotation everywhere else.
        line, col = account.auth_method_at
        findings.append(
            Finding(
                account.source,
                line,
                col,
                f"auth_method {account.auth_method} is not offered by {provider.display_name}: {where}; "
                f"use {' or '.join(provider.auth_methods)} (environments.{account.environment}.auth_method "
                "changes it for this environment only)",
            )
        )
    lifetime_settable = provider.per_client_token_lifetime or provider.per_api_token_lifetime
    if not lifetime_settable and account.token_lifetime_at is not None:
        line, col = account.token_lifetime_at
        findings.append(
            Finding(
                account.source,
                line,
                col,
                f"token_lifetime_minutes cannot be deployed: {where}, which has no access-token "
                "lifetime per client; remove it (tokens then last the provider's default)",
            )
        )
    if provider.max_credential_days is not None:
        rotation = account.rotation
        needed = rotation.period_days + rotation.grace_days + CREDENTIAL_SLACK_DAYS
        if needed > provider.max_credential_days:
            line, col = account.rotation_at
            findings.append(
                Finding(
                    account.source,
                    line,
                    col,
                    f"rotation period_days + grace_days ({rotation.period_days} + {rotation.grace_days}) "
                    f"plus {CREDENTIAL_SLACK_DAYS} days' slack for a late scheduled deploy is {needed} days: "
                    f"{where}, where a credential's end date may be at most "
                    f"{provider.max_credential_days} days away; shorten the period or the grace",
                )
            )
    lifetimes = provider.token_lifetime_minutes_range
    if lifetimes is not None and account.token_lifetime_at is not None:
        shortest, longest = lifetimes
        if not shortest <= account.token_lifetime_minutes <= longest:
            line, col = account.token_lifetime_at
            findings.append(
                Finding(
                    account.source,
                    line,
                    col,
                    f"token_lifetime_minutes {account.token_lifetime_minutes} cannot be deployed: {where}, "
                    f"whose access tokens last {shortest} to {longest} minutes",
                )
            )
    # A provider that checks scope names on the whole catalog (above) has said it there.
    if provider.max_scope_name_length is not None and provider.max_catalog_scopes is None:
        line, col = account.scopes_at
        for scope in account.scopes:
            if len(scope) > provider.max_scope_name_length:
                findings.append(
                    Finding(
                        account.source,
                        line,
                        col,
                        f"scope '{scope}' has {len(scope)} characters: {where}, whose app role values "
                        f"(the token's roles claim) take at most {provider.max_scope_name_length}; "
                        "grant a scope with a shorter name",
                    )
                )
    return findings
