"""The typed, immutable catalog of scopes and service accounts, and its per-environment view.

This is the only thing that crosses from reading definitions to everything else (plan, review,
rotation, the Pulumi program, the policies): nothing after the loader re-reads YAML. No Pulumi here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

AuthMethod = Literal["private_key_jwt", "client_secret_basic"]
Status = Literal["active", "disabled"]

AUTH_METHODS: tuple[AuthMethod, ...] = ("private_key_jwt", "client_secret_basic")
STATUSES: tuple[Status, ...] = ("active", "disabled")

# No defaults here: what a definition leaves out is the schema's `default`
# (svcaccounts/schemas/service-account.schema.json), applied once by the loader.

# Where a field is written in its definition file (line, column, 1-based): kept for the checks
# that need the stack's identity provider (definitions/provider_checks.py), which run after
# loading; never part of an account's identity.
Mark = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Scope:
    name: str
    description: str
    privileged: bool = False
    # Where the scope's name is written in scopes.yaml, for provider checks that refuse it.
    name_at: Mark = field(default=(1, 1), compare=False)


@dataclass(frozen=True, slots=True)
class Owner:
    team: str
    email: str


@dataclass(frozen=True, slots=True)
class Rotation:
    period_days: int
    grace_days: int
    force: int


@dataclass(frozen=True, slots=True)
class RotationOverride:
    """Fields of `rotation` that one environment overrides; None keeps the account's value."""

    period_days: int | None = None
    grace_days: int | None = None
    force: int | None = None

    def apply(self, base: Rotation) -> Rotation:
        return Rotation(
            period_days=base.period_days if self.period_days is None else self.period_days,
            grace_days=base.grace_days if self.grace_days is None else self.grace_days,
            force=base.force if self.force is None else self.force,
        )


@dataclass(frozen=True, slots=True)
class EnvironmentOverride:
    """What one environment changes of an account; None keeps the account's value."""

    scopes: tuple[str, ...] | None = None
    token_lifetime_minutes: int | None = None
    rotation: RotationOverride | None = None
    status: Status | None = None
    # One environment's stack may deploy to a provider that offers only client secrets (Cognito),
    # while the others keep key-based rotation: the method is chosen per environment.
    auth_method: AuthMethod | None = None
    # Where this override writes token_lifetime_minutes, scopes and rotation (when it does).
    token_lifetime_at: Mark | None = field(default=None, compare=False)
    scopes_at: Mark | None = field(default=None, compare=False)
    rotation_at: Mark | None = field(default=None, compare=False)
    auth_method_at: Mark | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class EffectiveAccount:
    """An account as it exists in one environment, overrides applied."""

    name: str
    environment: str
    description: str
    owner: Owner
    scopes: tuple[str, ...]
    auth_method: AuthMethod
    token_lifetime_minutes: int
    rotation: Rotation
    status: Status
    source: str
    # Where the effective values are written in `source`: token_lifetime_minutes only when a
    # definition sets it (None: the schema's default, which means the provider's default).
    token_lifetime_at: Mark | None = field(default=None, compare=False)
    scopes_at: Mark = field(default=(1, 1), compare=False)
    rotation_at: Mark = field(default=(1, 1), compare=False)
    # Where the effective auth_method is written: the override's key, the account's, or the
    # file's first line when the schema's default applies.
    auth_method_at: Mark = field(default=(1, 1), compare=False)

    @property
    def enabled(self) -> bool:
        return self.status == "active"


def _frozen_mapping(value: Mapping[str, EnvironmentOverride]) -> Mapping[str, EnvironmentOverride]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    name: str
    description: str
    owner: Owner
    scopes: tuple[str, ...]
    rotation: Rotation
    environments: Mapping[str, EnvironmentOverride]
    auth_method: AuthMethod
    token_lifetime_minutes: int
    status: Status
    # Repository-relative path of the definition file, for messages; not part of identity.
    source: str = field(default="", compare=False)
    token_lifetime_at: Mark | None = field(default=None, compare=False)
    scopes_at: Mark = field(default=(1, 1), compare=False)
    rotation_at: Mark = field(default=(1, 1), compare=False)
    auth_method_at: Mark = field(default=(1, 1), compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.environments, MappingProxyType):
            object.__setattr__(self, "environments", _frozen_mapping(self.environments))

    def in_environment(self, environment: str) -> EffectiveAccount | None:
        """The account as it exists in `environment`, or None where it is not declared."""
        override = self.environments.get(environment)
        if override is None:
            return None
        rotation = self.rotation if override.rotation is None else override.rotation.apply(self.rotation)
        return EffectiveAccount(
            name=self.name,
            environment=environment,
            description=self.description,
            owner=self.owner,
            scopes=self.scopes if override.scopes is None else override.scopes,
            auth_method=self.auth_method if override.auth_method is None else override.auth_method,
            token_lifetime_minutes=(
                self.token_lifetime_minutes
                if override.token_lifetime_minutes is None
                else override.token_lifetime_minutes
            ),
            rotation=rotation,
            status=self.status if override.status is None else override.status,
            source=self.source,
            token_lifetime_at=(
                self.token_lifetime_at
                if override.token_lifetime_minutes is None
                else override.token_lifetime_at
            ),
            scopes_at=override.scopes_at if override.scopes_at is not None else self.scopes_at,
            rotation_at=override.rotation_at if override.rotation_at is not None else self.rotation_at,
            auth_method_at=(
                override.auth_method_at
                if override.auth_method is not None and override.auth_method_at is not None
                else self.auth_method_at
            ),
        )


@dataclass(frozen=True, slots=True)
class EnvironmentView:
    """Everything one environment holds: the whole scope catalog and the accounts present there."""

    environment: str
    scopes: tuple[Scope, ...]
    accounts: tuple[EffectiveAccount, ...]

    def account(self, name: str) -> EffectiveAccount | None:
        for account in self.accounts:
            if account.name == name:
                return account
        return None


@dataclass(frozen=True, slots=True)
class Catalog:
    """Scopes, accounts (sorted by name) and the environments the stacks declare."""

    scopes: tuple[Scope, ...]
    accounts: tuple[ServiceAccount, ...]
    environments: tuple[str, ...]

    def scope(self, name: str) -> Scope | None:
        for scope in self.scopes:
            if scope.name == name:
                return scope
        return None

    def account(self, name: str) -> ServiceAccount | None:
        for account in self.accounts:
            if account.name == name:
                return account
        return None

    def for_environment(self, environment: str) -> EnvironmentView:
        if environment not in self.environments:
            known = ", ".join(self.environments) or "none"
            raise KeyError(f"unknown environment {environment!r} (known: {known})")
        present = (account.in_environment(environment) for account in self.accounts)
        return EnvironmentView(
            environment=environment,
            scopes=self.scopes,
            accounts=tuple(account for account in present if account is not None),
        )


EMPTY_CATALOG = Catalog(scopes=(), accounts=(), environments=())
