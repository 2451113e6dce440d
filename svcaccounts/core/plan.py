"""The desired state of one environment, offline: what `pulumi up` would manage.

Pure: no Pulumi, no cloud, no YAML. The Pulumi program (svcaccounts/infra/) is built from this
very plan, so names, generations and resources cannot drift between `svcaccounts plan` and
`pulumi up`; a test proves the program registers exactly `EnvironmentPlan.resources()`.
No credential value exists here: only names, generations and key ids. svcaccounts.render.plan
shows a plan and its changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter
from typing import Literal

from svcaccounts.core import naming
from svcaccounts.core.adoption import (
    NO_ADOPTION,
    AccountAdoption,
    LegacyKey,
    StackAdoption,
    secret_config_key,
)
from svcaccounts.core.identity_providers import (
    AUTH0,
    AUTH0_MAX_PRIVATE_KEY_CREDENTIALS,
    COGNITO,
    CREDENTIAL_SLACK_DAYS,
    ENTRA_ID,
    IdentityProviderKind,
    describe,
)
from svcaccounts.core.model import AuthMethod, EffectiveAccount, EnvironmentView, Scope
from svcaccounts.core.rotation import DAY, RotationError, RotationState, rotation_state
from svcaccounts.core.settings import (
    AWS_SECRETS_MANAGER,
    AZURE_KEY_VAULT,
    AwsSecretsManagerSettings,
    NewAuthServer,
    SecretStoreKind,
    SecretStoreSettings,
    StackSettings,
)
from svcaccounts.core.stack_review import StackState, diff_stacks

# adopted_secret: an imported client_secret_basic app's existing secret, kept through its
# adoption window (svcaccounts/core/adoption.py); no resource holds it.
CredentialKind = Literal["private_key", "client_secret", "adopted_secret"]

CREDENTIAL_KIND: dict[AuthMethod, CredentialKind] = {
    "private_key_jwt": "private_key",
    "client_secret_basic": "client_secret",
}

# Every app is a service app that may do client credentials and nothing else.
GRANT_TYPES: tuple[str, ...] = ("client_credentials",)
RESPONSE_TYPES: tuple[str, ...] = ("token",)


@dataclass(frozen=True, slots=True, order=True)
class PlannedResource:
    """One resource the program registers: Pulumi type token, logical name, parent component."""

    type: str
    name: str
    parent: str | None = None


_resource_order = attrgetter("type", "name", "parent")


@dataclass(frozen=True, slots=True)
class Credential:
    """One credential generation (never its value)."""

    kind: CredentialKind
    generation: int
    resource: str
    # The JWK `kid` (private keys only); on Entra ID the certificate's display name; on Auth0
    # the credential's name (Auth0 derives the `kid` from the key itself); on Cognito the app
    # client's name in the pool (each generation is a client of its own).
    key_id: str | None
    # When the provider stops accepting it (Entra ID's credential end date); None: no end date.
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AccountPlan:
    name: str
    environment: str
    description: str
    owner_team: str
    owner_email: str
    enabled: bool
    scopes: tuple[str, ...]
    auth_method: AuthMethod
    # None: the identity provider's default (a provider without a lifetime per client).
    token_lifetime_minutes: int | None
    period_days: int
    grace_days: int
    force: int
    rotation: RotationState
    # The client's name at the provider: Okta's app label, Entra's application display name.
    label: str
    # Okta's access policy and rule (None on another provider).
    policy_name: str | None
    rule_name: str | None
    # Where the bundle lives: the Key Vault secret's name, or the AWS secret's name.
    secret_store: SecretStoreKind
    secret_name: str
    # Live credentials, newest first; the first is the one in the bundle. Empty only for a
    # disabled account on Cognito, whose app clients have no disabled state: it has none.
    credentials: tuple[Credential, ...]
    resources: tuple[PlannedResource, ...]
    identity_provider: IdentityProviderKind = "okta"
    # Adoption (import/<stack>.adoption.yaml): the app's keys from before the import, kept in its
    # JWKS until `adoption_until`; or, for an adopted client secret, the Pulumi config key that
    # holds it and whether the stack file sets it (without it the bundle waits).
    legacy_keys: tuple[LegacyKey, ...] = ()
    adopted_secret_key: str | None = None
    adopted_secret_provided: bool = False
    adoption_until: datetime | None = None

    @property
    def bundle_waits(self) -> bool:
        """An adopted secret the operator has not provided yet: no bundle can be written."""
        return self.adopted_secret_key is not None and not self.adopted_secret_provided

    @property
    def generation(self) -> int:
        return self.rotation.generation

    @property
    def key_vault_secret(self) -> str | None:
        return None if self.secret_store == AWS_SECRETS_MANAGER else self.secret_name

    @property
    def aws_secret(self) -> str | None:
        return self.secret_name if self.secret_store == AWS_SECRETS_MANAGER else None

    @property
    def current(self) -> Credential:
        if not self.credentials:
            raise ValueError(f"account {self.name} has no credential (disabled on {self.identity_provider})")
        return self.credentials[0]

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)

    @property
    def status(self) -> str:
        return "active" if self.enabled else "disabled"


@dataclass(frozen=True, slots=True)
class EnvironmentPlan:
    stack: str
    environment: str
    at: datetime
    settings: StackSettings
    scopes: tuple[Scope, ...]
    # The Okta provider, the authorization server (when the stack creates it) and the scopes.
    shared: tuple[PlannedResource, ...]
    accounts: tuple[AccountPlan, ...]
    # Entra ID: the API's app roles, (scope, role id) for each catalog scope an account of the
    # environment is granted; empty on Okta, whose scopes are `shared` resources of their own.
    app_roles: tuple[tuple[str, str], ...] = ()
    # Auth0: the API's one access-token lifetime (every account of the environment agrees on it,
    # definitions/provider_checks.py); None on other providers, or with no account to ask.
    api_token_lifetime_minutes: int | None = None

    @property
    def identity_provider(self) -> IdentityProviderKind:
        return self.settings.identity_provider

    @property
    def token_url(self) -> str | None:
        return self.settings.token_url()

    def resources(self) -> tuple[PlannedResource, ...]:
        """Everything the program registers, sorted."""
        everything = list(self.shared)
        for account in self.accounts:
            everything.extend(account.resources)
        # The dataclass's own order, by a key: tuples compare in C, the generated __lt__ in
        # Python (a fifth of `plan` at 10,000 accounts).
        return tuple(sorted(everything, key=_resource_order))

    @property
    def resource_count(self) -> int:
        """len(self.resources()), without building and sorting them."""
        return len(self.shared) + sum(len(account.resources) for account in self.accounts)

    def account(self, name: str) -> AccountPlan | None:
        for account in self.accounts:
            if account.name == name:
                return account
        return None


def _credential_end(account: EffectiveAccount, state: RotationState, index: int) -> datetime:
    """The end date of the live generation at `index` (0: the newest): the end of its grace,
    after the rotation that supersedes it, plus slack for a late deploy. Fixed by the schedule,
    so every run gives a generation the same end date (Entra replaces a credential whose end
    date changes)."""
    started = state.last_rotation - index * account.rotation.period_days * DAY
    period_and_grace = account.rotation.period_days + account.rotation.grace_days
    return started + (period_and_grace + CREDENTIAL_SLACK_DAYS) * DAY


def _entra_credentials(account: EffectiveAccount, state: RotationState) -> tuple[Credential, ...]:
    """Every live generation: an Entra application holds several certificates and passwords, so
    both auth methods keep the previous generation's credential through grace."""
    kind = CREDENTIAL_KIND[account.auth_method]
    return tuple(
        Credential(
            kind,
            generation,
            naming.private_key_name(account.name, generation)
            if kind == "private_key"
            else naming.application_password_name(account.name, generation),
            naming.key_id(account.name, generation) if kind == "private_key" else None,
            _credential_end(account, state, index),
        )
        for index, generation in enumerate(state.live_generations)
    )


def _credentials(account: EffectiveAccount, state: RotationState) -> tuple[Credential, ...]:
    kind = CREDENTIAL_KIND[account.auth_method]
    if kind == "private_key":
        # All live generations: the app's JWKS holds the new and the previous key during grace.
        return tuple(
            Credential(
                kind,
                generation,
                naming.private_key_name(account.name, generation),
                naming.key_id(account.name, generation),
            )
            for generation in state.live_generations
        )
    # Okta holds one client secret per app: only the newest generation exists.
    return (
        Credential(kind, state.generation, naming.client_secret_name(account.name, state.generation), None),
    )


def _auth0_credentials(account: EffectiveAccount, state: RotationState) -> tuple[Credential, ...]:
    """Private keys: every live generation, registered on the client together so the previous
    key works through grace (Auth0 takes at most two, and grace < period keeps it at two), each
    ending, like Entra's, at its generation's end of grace plus slack. A client secret: the
    newest only, since Auth0 keeps one secret per client (a cutover, docs/identity-providers.md)."""
    if CREDENTIAL_KIND[account.auth_method] == "client_secret":
        return _credentials(account, state)
    live = tuple(
        Credential(
            "private_key",
            generation,
            naming.private_key_name(account.name, generation),
            naming.key_id(account.name, generation),
            _credential_end(account, state, index),
        )
        for index, generation in enumerate(state.live_generations)
    )
    if len(live) > AUTH0_MAX_PRIVATE_KEY_CREDENTIALS:  # unreachable while grace < period
        raise RotationError(f"{account.name}: {len(live)} live keys, Auth0 takes at most two")
    return live


def _auth0_resources(
    account: EffectiveAccount, credentials: tuple[Credential, ...]
) -> tuple[PlannedResource, ...]:
    component = naming.account_name(account.name)
    credential_type = (
        naming.PRIVATE_KEY_TYPE if account.auth_method == "private_key_jwt" else naming.CLIENT_SECRET_TYPE
    )
    # A disabled account keeps its client, credentials and bundle but has no grant: Auth0 then
    # refuses it tokens for the API, and enabling it again changes nothing else.
    grant: tuple[PlannedResource, ...] = ()
    if account.enabled:
        grant_name = naming.child_name(account.name, "grant")
        grant = (PlannedResource(naming.AUTH0_CLIENT_GRANT_TYPE, grant_name, component),)
    return (
        PlannedResource(naming.SERVICE_ACCOUNT_TYPE, component),
        PlannedResource(naming.AUTH0_CLIENT_TYPE, naming.child_name(account.name, "app"), component),
        *grant,
        PlannedResource(
            naming.AUTH0_CLIENT_CREDENTIALS_TYPE, naming.child_name(account.name, "credentials"), component
        ),
        *(PlannedResource(credential_type, credential.resource, component) for credential in credentials),
    )


def _bundle_resources(account: str, store: SecretStoreSettings) -> tuple[PlannedResource, ...]:
    component = naming.account_name(account)
    bundle = naming.child_name(account, "bundle")
    if isinstance(store, AwsSecretsManagerSettings):
        version = naming.child_name(account, "bundle-version")
        return (
            PlannedResource(naming.AWS_SECRET_TYPE, bundle, component),
            PlannedResource(naming.AWS_SECRET_VERSION_TYPE, version, component),
        )
    return (PlannedResource(naming.KEY_VAULT_SECRET_TYPE, bundle, component),)


def _secret_name(account: EffectiveAccount, store: SecretStoreSettings) -> str:
    if isinstance(store, AwsSecretsManagerSettings):
        return naming.aws_secret_name(store.name_prefix, account.name, account.environment)
    return naming.key_vault_secret_name(account.name, account.environment)


def _entra_resources(
    account: EffectiveAccount, credentials: tuple[Credential, ...]
) -> tuple[PlannedResource, ...]:
    component = naming.account_name(account.name)
    name = account.name
    per_generation: list[PlannedResource] = []
    for credential in credentials:
        if credential.kind == "private_key":
            per_generation += [
                PlannedResource(naming.PRIVATE_KEY_TYPE, credential.resource, component),
                PlannedResource(
                    naming.SELF_SIGNED_CERT_TYPE,
                    naming.certificate_name(name, credential.generation),
                    component,
                ),
                PlannedResource(
                    naming.ENTRA_CERTIFICATE_TYPE,
                    naming.application_certificate_name(name, credential.generation),
                    component,
                ),
            ]
        else:
            per_generation.append(PlannedResource(naming.ENTRA_PASSWORD_TYPE, credential.resource, component))
    return (
        PlannedResource(naming.SERVICE_ACCOUNT_TYPE, component),
        PlannedResource(naming.ENTRA_APPLICATION_TYPE, naming.child_name(name, "app"), component),
        PlannedResource(naming.ENTRA_SERVICE_PRINCIPAL_TYPE, naming.child_name(name, "sp"), component),
        *(
            PlannedResource(
                naming.ENTRA_APP_ROLE_ASSIGNMENT_TYPE, naming.app_role_assignment_name(name, scope), component
            )
            for scope in account.scopes
        ),
        *per_generation,
    )


def _cognito_credentials(account: EffectiveAccount, state: RotationState) -> tuple[Credential, ...]:
    """An app client per live generation (its generated secret is the credential), none for a
    disabled account: Cognito app clients cannot be disabled, only deleted."""
    if not account.enabled:
        return ()
    return tuple(
        Credential(
            "client_secret",
            generation,
            naming.cognito_client_name(account.name, generation),
            naming.cognito_client_display_name(account.name, account.environment, generation),
        )
        for generation in state.live_generations
    )


def _cognito_resources(
    account: EffectiveAccount, credentials: tuple[Credential, ...]
) -> tuple[PlannedResource, ...]:
    component = naming.account_name(account.name)
    return (
        PlannedResource(naming.SERVICE_ACCOUNT_TYPE, component),
        *(
            PlannedResource(naming.COGNITO_USER_POOL_CLIENT_TYPE, credential.resource, component)
            for credential in credentials
        ),
    )


def plan_account(
    account: EffectiveAccount,
    now: datetime,
    store: SecretStoreSettings,
    identity_provider: IdentityProviderKind = "okta",
    adoption: AccountAdoption | None = None,
    *,
    secret_provided: bool = False,
) -> AccountPlan:
    """One account's resources, names and rotation at `now` on `identity_provider`, its bundle in
    the stack's `store`; `adoption` (Okta only) keeps an imported app's credentials for its
    window, `secret_provided` says whether the stack file holds its adopted secret."""
    state = rotation_state(account.name, account.rotation, now)
    component = naming.account_name(account.name)
    if identity_provider == AUTH0:
        credentials = _auth0_credentials(account, state)
        resources = (*_auth0_resources(account, credentials), *_bundle_resources(account.name, store))
        return _account_plan(
            account, state, store, identity_provider, credentials, resources, policy_name=None, rule_name=None
        )
    if identity_provider == COGNITO:
        credentials = _cognito_credentials(account, state)
        # No client, no bundle: a disabled account's bundle would name a client that is gone.
        bundle = _bundle_resources(account.name, store) if credentials else ()
        resources = (*_cognito_resources(account, credentials), *bundle)
        return _account_plan(
            account, state, store, identity_provider, credentials, resources, policy_name=None, rule_name=None
        )
    if identity_provider == ENTRA_ID:
        credentials = _entra_credentials(account, state)
        resources = (*_entra_resources(account, credentials), *_bundle_resources(account.name, store))
        return _account_plan(
            account, state, store, identity_provider, credentials, resources, policy_name=None, rule_name=None
        )
    keeps_secret = adoption is not None and adoption.keeps_secret_for(account.auth_method, now)
    credentials = (
        (Credential("adopted_secret", state.generation, secret_config_key(account.name), None),)
        if keeps_secret
        else _credentials(account, state)
    )
    credential_type = {"private_key": naming.PRIVATE_KEY_TYPE, "client_secret": naming.CLIENT_SECRET_TYPE}
    bundle_waits = keeps_secret and not secret_provided
    resources = (
        PlannedResource(naming.SERVICE_ACCOUNT_TYPE, component),
        PlannedResource(naming.APP_TYPE, naming.child_name(account.name, "app"), component),
        PlannedResource(naming.POLICY_TYPE, naming.child_name(account.name, "policy"), component),
        PlannedResource(naming.RULE_TYPE, naming.child_name(account.name, "rule"), component),
        *(
            PlannedResource(credential_type[credential.kind], credential.resource, component)
            for credential in credentials
            if credential.kind in credential_type
        ),
        *(() if bundle_waits else _bundle_resources(account.name, store)),
    )
    plan = _account_plan(
        account,
        state,
        store,
        identity_provider,
        credentials,
        resources,
        policy_name=naming.policy_name(account.name, account.environment),
        rule_name=naming.rule_name(account.name),
    )
    if adoption is None or not adoption.open_at(now):
        return plan
    return replace(
        plan,
        legacy_keys=adoption.legacy_keys_at(now) if account.auth_method == "private_key_jwt" else (),
        adopted_secret_key=secret_config_key(account.name) if keeps_secret else None,
        adopted_secret_provided=keeps_secret and secret_provided,
        adoption_until=adoption.until,
    )


def _account_plan(
    account: EffectiveAccount,
    state: RotationState,
    store: SecretStoreSettings,
    identity_provider: IdentityProviderKind,
    credentials: tuple[Credential, ...],
    resources: tuple[PlannedResource, ...],
    *,
    policy_name: str | None,
    rule_name: str | None,
) -> AccountPlan:
    provider = describe(identity_provider)
    # Per client (Okta) or per API (Auth0, where every account of the environment agrees).
    lifetime_deployed = provider.per_client_token_lifetime or provider.per_api_token_lifetime
    return AccountPlan(
        name=account.name,
        environment=account.environment,
        description=account.description,
        owner_team=account.owner.team,
        owner_email=account.owner.email,
        enabled=account.enabled,
        scopes=account.scopes,
        auth_method=account.auth_method,
        token_lifetime_minutes=account.token_lifetime_minutes if lifetime_deployed else None,
        period_days=account.rotation.period_days,
        grace_days=account.rotation.grace_days,
        force=account.rotation.force,
        rotation=state,
        label=naming.app_label(account.name, account.environment),
        policy_name=policy_name,
        rule_name=rule_name,
        secret_store=AWS_SECRETS_MANAGER if isinstance(store, AwsSecretsManagerSettings) else AZURE_KEY_VAULT,
        secret_name=_secret_name(account, store),
        credentials=credentials,
        resources=resources,
        identity_provider=identity_provider,
    )


def used_scopes(view: EnvironmentView) -> tuple[Scope, ...]:
    """The catalog's scopes that an account of the environment is granted (disabled accounts
    too: disabling keeps everything), in catalog order."""
    granted = {scope for account in view.accounts for scope in account.scopes}
    return tuple(scope for scope in view.scopes if scope.name in granted)


def _shared_resources(view: EnvironmentView, settings: StackSettings) -> list[PlannedResource]:
    """What the stack's identity provider (and an AWS store) shares between accounts."""
    # Explicit, with the configured region: the program never depends on an ambient region.
    aws = (
        [PlannedResource(naming.AWS_PROVIDER_TYPE, naming.AWS_PROVIDER_NAME)]
        if settings.aws_secrets_manager is not None
        else []
    )
    if settings.identity_provider == AUTH0:
        return [
            PlannedResource(naming.AUTH0_PROVIDER_TYPE, naming.AUTH0_PROVIDER_NAME),
            PlannedResource(naming.AUTH0_RESOURCE_SERVER_TYPE, naming.AUTH0_API_NAME),
            PlannedResource(naming.AUTH0_RESOURCE_SERVER_SCOPES_TYPE, naming.AUTH0_API_SCOPES_NAME),
            *aws,
        ]
    if settings.identity_provider == COGNITO:
        return [
            PlannedResource(naming.AWS_PROVIDER_TYPE, naming.COGNITO_AWS_PROVIDER_NAME),
            PlannedResource(naming.COGNITO_RESOURCE_SERVER_TYPE, naming.COGNITO_RESOURCE_SERVER_NAME),
            *aws,
        ]
    if settings.identity_provider == ENTRA_ID:
        return [
            PlannedResource(naming.AZUREAD_PROVIDER_TYPE, naming.AZUREAD_PROVIDER_NAME),
            PlannedResource(naming.ENTRA_APPLICATION_TYPE, naming.ENTRA_API_NAME),
            PlannedResource(naming.ENTRA_SERVICE_PRINCIPAL_TYPE, naming.ENTRA_API_SERVICE_PRINCIPAL_NAME),
            *aws,
        ]
    shared = [PlannedResource(naming.OKTA_PROVIDER_TYPE, naming.OKTA_PROVIDER_NAME)]
    if isinstance(settings.auth_server, NewAuthServer):
        shared.append(PlannedResource(naming.AUTH_SERVER_TYPE, naming.AUTH_SERVER_NAME))
    shared.extend(aws)
    if settings.owns_scopes:
        # A stack that references a shared server's scopes (`scopes: reference`) creates none.
        shared.extend(
            PlannedResource(naming.SCOPE_TYPE, naming.scope_name(scope.name)) for scope in view.scopes
        )
    return shared


def plan_environment(
    view: EnvironmentView,
    settings: StackSettings,
    now: datetime,
    adoption: StackAdoption = NO_ADOPTION,
) -> EnvironmentPlan:
    """The desired state of `view`'s environment for the stack described by `settings`, with the
    imported accounts' adoption windows of `adoption`."""
    shared = _shared_resources(view, settings)
    entra = settings.identity_provider == ENTRA_ID
    return EnvironmentPlan(
        stack=settings.stack,
        environment=view.environment,
        at=now,
        settings=settings,
        scopes=view.scopes,
        shared=tuple(shared),
        accounts=tuple(
            plan_account(
                account,
                now,
                settings.store,
                settings.identity_provider,
                None if entra else adoption.account(account.name),
                secret_provided=account.name in adoption.secrets_provided,
            )
            for account in sorted(view.accounts, key=lambda a: a.name)
        ),
        app_roles=(
            tuple((scope.name, naming.app_role_id(scope.name)) for scope in used_scopes(view))
            if entra
            else ()
        ),
        api_token_lifetime_minutes=_api_token_lifetime(view) if settings.identity_provider == AUTH0 else None,
    )


def _api_token_lifetime(view: EnvironmentView) -> int | None:
    """The one lifetime the environment's accounts ask for (validate refuses differing ones)."""
    lifetimes = {account.token_lifetime_minutes for account in view.accounts}
    if len(lifetimes) > 1:
        raise RotationError(
            f"environment {view.environment}: accounts ask for token lifetimes {sorted(lifetimes)}, "
            "but Auth0 sets one per API (run svcaccounts validate)"
        )
    return next(iter(lifetimes), None)


# ---- changes between two plans -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanChange:
    account: str
    # "stack": a change of the stack's own settings (org, server, store, environment, production);
    # `account` then names the stack.
    kind: Literal["stack", "added", "removed", "credential-change", "rotation", "changed"]
    message: str


def compare_plans(before: EnvironmentPlan, after: EnvironmentPlan) -> tuple[PlanChange, ...]:
    """What moving from `before` to `after` does to the stack's settings and per account, in
    operator terms (each plan with its own revision's settings).

    A switched auth method is its own kind: Okta then drops the app's old credentials (the JWKS
    or the client secret) and every consumer must switch to the new bundle at once.
    """
    changes = [
        PlanChange(after.stack, "stack", finding.message.split(": ", 1)[1])
        for finding in diff_stacks(
            {before.stack: StackState(before.settings, before.environment, len(before.accounts))},
            {after.stack: StackState(after.settings, after.environment, len(after.accounts))},
        )
    ]
    old = {account.name: account for account in before.accounts}
    new = {account.name: account for account in after.accounts}
    for name in sorted(old.keys() | new.keys()):
        previous, current = old.get(name), new.get(name)
        if previous is None and current is not None:
            changes.append(PlanChange(name, "added", f"new account ({current.auth_method})"))
        elif current is None and previous is not None:
            changes.append(PlanChange(name, "removed", _removed_message(previous, before.settings)))
        elif previous is not None and current is not None:
            if previous.auth_method != current.auth_method:
                provider = describe(current.identity_provider).display_name
                changes.append(
                    PlanChange(
                        name,
                        "credential-change",
                        f"auth method {previous.auth_method} -> {current.auth_method}: "
                        f"{provider} drops the old "
                        f"{CREDENTIAL_KIND[previous.auth_method].replace('_', ' ')}; consumers must re-read "
                        "the bundle",
                    )
                )
            elif (
                previous.credentials != current.credentials
                # A Cognito account disabled or enabled: its status change says what happens.
                and current.has_credentials
                and previous.has_credentials
            ):
                changes.append(
                    PlanChange(
                        name,
                        "rotation",
                        f"credentials g{_generations(previous)} -> g{_generations(current)}",
                    )
                )
            other = _changed_fields(previous, current)
            if other:
                changes.append(PlanChange(name, "changed", ", ".join(other)))
    return tuple(changes)


def _removed_message(account: AccountPlan, settings: StackSettings) -> str:
    aws = settings.aws_secrets_manager
    if account.aws_secret is not None and aws is not None:
        if aws.recovery_window_days == 0:
            fate = "is deleted without recovery (recoveryWindowDays 0)"
        else:
            fate = (
                f"is scheduled for deletion ({aws.recovery_window_days}-day recovery window; "
                "see docs/aws-secrets-manager.md to restore the account later)"
            )
        return f"{_deleted(account)}; AWS secret {account.aws_secret} {fate}"
    return (
        f"{_deleted(account)}; Key Vault secret {account.secret_name} "
        "is soft-deleted (see docs/pulumi-program.md to restore the account later)"
    )


def _lifetime(minutes: int | None) -> str:
    return "the provider's default" if minutes is None else str(minutes)


def _deleted(account: AccountPlan) -> str:
    if account.identity_provider == AUTH0:
        return "client, grant and credentials deleted"
    if account.identity_provider == COGNITO:
        return "app clients deleted"
    if account.identity_provider == ENTRA_ID:
        return "application, service principal, role assignments and credentials deleted"
    return "app, policy and credentials deleted"


def _status_consequence(current: AccountPlan) -> str:
    """What a status change does where the provider cannot disable a client (Cognito)."""
    if not describe(current.identity_provider).client_per_generation:
        return ""
    if current.enabled:
        return ": a new app client (a new client id) and bundle are created"
    return (
        ": its app clients and bundle are deleted (Cognito app clients have no disabled state); "
        "enabling it again creates a new client id"
    )


def _generations(account: AccountPlan) -> str:
    return "+g".join(str(credential.generation) for credential in account.credentials)


def _changed_fields(previous: AccountPlan, current: AccountPlan) -> list[str]:
    fields: list[str] = []
    if previous.scopes != current.scopes:
        fields.append(f"scopes {list(previous.scopes)} -> {list(current.scopes)}")
    if previous.token_lifetime_minutes != current.token_lifetime_minutes:
        fields.append(
            f"token lifetime {_lifetime(previous.token_lifetime_minutes)} -> "
            f"{_lifetime(current.token_lifetime_minutes)} min"
        )
    if previous.enabled != current.enabled:
        fields.append(f"status {previous.status} -> {current.status}{_status_consequence(current)}")
    if previous.secret_store != current.secret_store:
        fields.append(
            f"bundle store {previous.secret_store} -> {current.secret_store}: the old secret is deleted; "
            "consumers must read the new store"
        )
    return fields
