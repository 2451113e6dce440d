"""What a stack's identity provider cannot express, as located findings on the definitions.

Definitions do not change with the provider; a provider that cannot express part of one (Entra
ID has no token lifetime per client, limits how long a credential may live and how long an app
role's value may be) makes that part an error on the stack that would need it, at the account's
line, naming the stack. Never a silent drop: the schema's defaults are simply the provider's
defaults, but a value someone wrote down is either deployed or refused.
"""

from __future__ import annotations

from svcaccounts.core.identity_providers import CREDENTIAL_SLACK_DAYS, describe
from svcaccounts.core.model import EffectiveAccount, EnvironmentView
from svcaccounts.core.settings import StackSettings
from svcaccounts.definitions.findings import Finding


def provider_findings(settings: StackSettings, view: EnvironmentView) -> list[Finding]:
    """Every part of `view`'s accounts that the identity provider of stack `settings` cannot
    express, located in the definition files."""
    findings: list[Finding] = []
    for account in view.accounts:
        findings.extend(_account_findings(settings, account))
    if describe(settings.identity_provider).per_api_token_lifetime:
        findings.extend(_api_lifetime_findings(settings, view))
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
    if provider.max_scope_name_length is not None:
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
