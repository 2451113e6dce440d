"""The typed settings of one stack: what plan, review and the program read.

Pure data. The stack file's keys and the parser that builds these records (with located findings)
live in svcaccounts/definitions/stack_settings.py; the Pulumi program builds them through that
same parser from the runtime's config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from svcaccounts.core.identity_providers import (
    AUTH0,
    COGNITO,
    ENTRA_ID,
    OKTA,
    IdentityProviderKind,
)

SecretStoreKind = Literal["azure-key-vault", "aws-secrets-manager"]
AZURE_KEY_VAULT: SecretStoreKind = "azure-key-vault"
AWS_SECRETS_MANAGER: SecretStoreKind = "aws-secrets-manager"
SECRET_STORES: tuple[SecretStoreKind, ...] = (AZURE_KEY_VAULT, AWS_SECRETS_MANAGER)

# A stack deploying one of these environments is a production stack unless its file says
# `svcaccounts:production: false`; any other stack is one only with `svcaccounts:production: true`.
PRODUCTION_ENVIRONMENTS: frozenset[str] = frozenset({"prod", "production"})

DEFAULT_OKTA_BASE_URL = "okta.com"
# Percent of each one-minute Okta rate-limit bucket the provider may use: leaves room for the
# org's other API clients (and for consumers' token requests, which share no bucket but the org).
DEFAULT_OKTA_MAX_API_CAPACITY = 50

DEFAULT_AWS_NAME_PREFIX = "svcaccounts/"
# AWS's own default; 0 deletes at once without recovery, else 7-30 days.
DEFAULT_AWS_RECOVERY_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class ExistingAuthServer:
    """A custom authorization server that already exists (its id).

    Several stacks may deploy to one server (two regions of one environment, say), but only one
    of them may create the catalog's scopes there: a second would collide with the first, and
    destroying either would delete scopes the other's rules use. `owns_scopes` False: another
    stack creates them (`scopes: reference`)."""

    id: str
    owns_scopes: bool = True


@dataclass(frozen=True, slots=True)
class NewAuthServer:
    """A custom authorization server the stack creates."""

    name: str
    audience: str


AuthServerSettings = ExistingAuthServer | NewAuthServer


@dataclass(frozen=True, slots=True)
class KeyVaultSettings:
    name: str
    resource_group: str


@dataclass(frozen=True, slots=True)
class AwsSecretsManagerSettings:
    region: str
    # None: Secrets Manager's default key for the account (aws/secretsmanager).
    kms_key_id: str | None = None
    name_prefix: str = DEFAULT_AWS_NAME_PREFIX
    recovery_window_days: int = DEFAULT_AWS_RECOVERY_WINDOW_DAYS


SecretStoreSettings = KeyVaultSettings | AwsSecretsManagerSettings


@dataclass(frozen=True, slots=True)
class OktaSettings:
    org_name: str
    base_url: str = DEFAULT_OKTA_BASE_URL
    max_api_capacity: int = DEFAULT_OKTA_MAX_API_CAPACITY

    @property
    def org_url(self) -> str:
        return f"https://{self.org_name}.{self.base_url}"


# Microsoft Entra ID's sign-in host (the public cloud).
ENTRA_LOGIN_HOST = "login.microsoftonline.com"


@dataclass(frozen=True, slots=True)
class EntraIdSettings:
    """An Entra ID tenant and the API (an application with one app role per catalog scope)
    whose roles the stack's accounts are assigned."""

    tenant_id: str
    identifier_uri: str

    @property
    def token_url(self) -> str:
        """The tenant's v2.0 token endpoint."""
        return f"https://{ENTRA_LOGIN_HOST}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def issuer(self) -> str:
        """The `iss` of the v2.0 access tokens the API's application asks for."""
        return f"https://{ENTRA_LOGIN_HOST}/{self.tenant_id}/v2.0"

    @property
    def request_scope(self) -> str:
        """What a client-credentials request sends as `scope`: Entra takes only `.default`,
        and answers with every app role assigned to the client in the token's `roles` claim."""
        return f"{self.identifier_uri}/.default"


@dataclass(frozen=True, slots=True)
class Auth0Settings:
    """An Auth0 tenant (its domain) and the API (resource server) whose scopes are the catalog's."""

    domain: str
    # The API's identifier: the resource server's `identifier`, and every token request's
    # `audience`.
    audience: str

    @property
    def token_url(self) -> str:
        return f"https://{self.domain}/oauth/token"

    @property
    def issuer(self) -> str:
        """The tenant's issuer (the `iss` of its tokens), with Auth0's trailing slash. Auth0's
        documentation asks private_key_jwt client assertions to name it as their `aud`."""
        return f"https://{self.domain}/"


@dataclass(frozen=True, slots=True)
class CognitoSettings:
    """An existing Amazon Cognito user pool (with a Cognito domain) and the resource server whose
    scopes are the catalog's; the stack creates the resource server and the app clients."""

    region: str
    user_pool_id: str
    # The pool's Cognito domain prefix: https://<domain>.auth.<region>.amazoncognito.com.
    domain: str
    # The resource server's identifier: every scope is `<resource_server>/<scope>` at Cognito.
    resource_server: str

    @property
    def token_url(self) -> str:
        return f"https://{self.domain}.auth.{self.region}.amazoncognito.com/oauth2/token"

    @property
    def issuer(self) -> str:
        """The `iss` of the pool's access tokens."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    def scope_value(self, scope: str) -> str:
        """A catalog scope as Cognito names it in app clients, requests and tokens."""
        return f"{self.resource_server}/{scope}"

    def request_scope(self, scopes: Sequence[str]) -> str:
        """What a client-credentials request sends as `scope`: each granted scope in Cognito's
        form (without one, Cognito grants every scope the client allows; naming them keeps the
        request what the definition says)."""
        return " ".join(self.scope_value(scope) for scope in scopes)


@dataclass(frozen=True, slots=True)
class StackSettings:
    stack: str
    environment: str
    # Okta stacks: the authorization server and the org (None on another provider's stack).
    auth_server: AuthServerSettings | None
    # Exactly one of the two stores is set (parse_settings guarantees it; __post_init__ checks).
    key_vault: KeyVaultSettings | None
    okta: OktaSettings | None
    aws_secrets_manager: AwsSecretsManagerSettings | None = None
    # Production stacks get strict review (no change below medium) and the guardrails' strict
    # rules; `svcaccounts:production`, by default true for the environments below.
    production: bool = False
    # Entra ID stacks (`svcaccounts:identityProvider: entra-id`): the tenant and the API.
    entra_id: EntraIdSettings | None = None
    # Auth0 stacks (`svcaccounts:identityProvider: auth0`): the tenant's domain and the API.
    auth0: Auth0Settings | None = None
    # Amazon Cognito stacks (`svcaccounts:identityProvider: cognito`): the pool and resource server.
    cognito: CognitoSettings | None = None

    def __post_init__(self) -> None:
        if (self.key_vault is None) == (self.aws_secrets_manager is None):
            raise ValueError("a stack has exactly one secret store: key_vault or aws_secrets_manager")
        okta_complete = self.okta is not None and self.auth_server is not None
        okta_partial = self.okta is not None or self.auth_server is not None
        others = [
            name
            for name, provider in (
                ("Entra ID", self.entra_id),
                ("Auth0", self.auth0),
                ("Cognito", self.cognito),
            )
            if provider is not None
        ]
        if len(others) > 1:
            raise ValueError(f"a stack deploys to one identity provider, not {' and '.join(others)}")
        if others and okta_partial:
            raise ValueError(f"a stack on {others[0]} has no Okta org or authorization server")
        if not others and not okta_complete:
            raise ValueError("an Okta stack has an org and an authorization server")

    @property
    def identity_provider(self) -> IdentityProviderKind:
        if self.auth0 is not None:
            return AUTH0
        if self.cognito is not None:
            return COGNITO
        return OKTA if self.entra_id is None else ENTRA_ID

    @property
    def owns_scopes(self) -> bool:
        """Whether this stack creates the catalog's scopes on its authorization server."""
        return not isinstance(self.auth_server, ExistingAuthServer) or self.auth_server.owns_scopes

    def require_okta(self) -> tuple[OktaSettings, AuthServerSettings]:
        """The org and authorization server of an Okta stack; ValueError on another provider's."""
        if self.okta is None or self.auth_server is None:
            raise ValueError(f"stack {self.stack} deploys to {self.identity_provider}, not okta")
        return self.okta, self.auth_server

    @property
    def secret_store(self) -> SecretStoreKind:
        return AZURE_KEY_VAULT if self.aws_secrets_manager is None else AWS_SECRETS_MANAGER

    @property
    def store(self) -> SecretStoreSettings:
        """The settings of the stack's one secret store."""
        if self.aws_secrets_manager is not None:
            return self.aws_secrets_manager
        assert self.key_vault is not None  # __post_init__
        return self.key_vault

    def token_url(self, auth_server_id: str | None = None) -> str | None:
        """The token endpoint: Entra ID's tenant endpoint, the Auth0 tenant's, the Cognito
        domain's, or Okta's custom authorization server's.

        None when the stack creates the Okta server and its id is not known yet (offline plan).
        """
        if self.entra_id is not None:
            return self.entra_id.token_url
        if self.auth0 is not None:
            return self.auth0.token_url
        if self.cognito is not None:
            return self.cognito.token_url
        okta, _ = self.require_okta()
        server_id = auth_server_id
        if server_id is None and isinstance(self.auth_server, ExistingAuthServer):
            server_id = self.auth_server.id
        if server_id is None:
            return None
        return f"{okta.org_url}/oauth2/{server_id}/v1/token"
