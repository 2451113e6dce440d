"""The one builder of definitions for tests: `account()` and `catalog()`, with compliant defaults a
test changes one field at a time, and `dev_account()`, the preset the plan and program tests use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial

from svcaccounts.core.model import (
    AuthMethod,
    Catalog,
    EnvironmentOverride,
    Owner,
    Rotation,
    Scope,
    ServiceAccount,
    Status,
)
from svcaccounts.core.settings import ExistingAuthServer, KeyVaultSettings, OktaSettings, StackSettings

SCOPES = (
    Scope("api:read", "Read things"),
    Scope("api:write", "Write things"),
    Scope("api:admin", "Administer things", privileged=True),
)
ENVIRONMENTS = ("dev", "staging", "prod")
OWNER = Owner(team="platform", email="platform@example.com")
ROTATION = Rotation(period_days=90, grace_days=7, force=0)


def account(
    name: str = "svc-reader",
    *,
    scopes: tuple[str, ...] = ("api:read",),
    auth_method: AuthMethod = "private_key_jwt",
    token_lifetime_minutes: int = 60,
    rotation: Rotation = ROTATION,
    status: Status = "active",
    owner: Owner = OWNER,
    environments: Iterable[str] = ENVIRONMENTS,
    overrides: Mapping[str, EnvironmentOverride] | None = None,
    source: str | None = None,
) -> ServiceAccount:
    per_env = {env: EnvironmentOverride() for env in environments}
    per_env.update(overrides or {})
    return ServiceAccount(
        name=name,
        description=f"{name} for tests",
        owner=owner,
        scopes=scopes,
        rotation=rotation,
        environments=per_env,
        auth_method=auth_method,
        token_lifetime_minutes=token_lifetime_minutes,
        status=status,
        source=source if source is not None else f"service_accounts/{name}.yaml",
    )


def catalog(
    *accounts: ServiceAccount,
    scopes: tuple[Scope, ...] = SCOPES,
    environments: tuple[str, ...] = ENVIRONMENTS,
) -> Catalog:
    return Catalog(
        scopes=scopes,
        accounts=tuple(sorted(accounts, key=lambda a: a.name)),
        environments=environments,
    )


# The plan and program tests' accounts: in dev only, granted mcp:projects:read, rotated monthly,
# owned by team-a; planned with DEV_SETTINGS against the tests' own small catalogs.
DEV_SETTINGS = StackSettings(
    stack="dev",
    environment="dev",
    auth_server=ExistingAuthServer("aus1dev"),
    key_vault=KeyVaultSettings("kv-identity-dev", "rg-identity-dev"),
    okta=OktaSettings("dev-1"),
)
MONTHLY = Rotation(period_days=30, grace_days=3, force=0)
dev_account = partial(
    account,
    scopes=("mcp:projects:read",),
    rotation=MONTHLY,
    owner=Owner("team-a", "team-a@example.com"),
    environments=("dev",),
)
