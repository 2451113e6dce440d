"""The typed settings of one stack: what plan, review and the program read.

Pure data. The stack file's keys and the parser that builds these records (with located findings)
live in svcaccounts/definitions/stack_settings.py; the Pulumi program builds them through that
same parser from the runtime's config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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


@dataclass(frozen=True, slots=True)
class StackSettings:
    stack: str
    environment: str
    auth_server: AuthServerSettings
    # Exactly one of the two stores is set (parse_settings guarantees it; __post_init__ checks).
    key_vault: KeyVaultSettings | None
    okta: OktaSettings
    aws_secrets_manager: AwsSecretsManagerSettings | None = None
    # Production stacks get strict review (no change below medium) and the guardrails' strict
    # rules; `svcaccounts:production`, by default true for the environments below.
    production: bool = False

    def __post_init__(self) -> None:
        if (self.key_vault is None) == (self.aws_secrets_manager is None):
            raise ValueError("a stack has exactly one secret store: key_vault or aws_secrets_manager")

    @property
    def owns_scopes(self) -> bool:
        """Whether this stack creates the catalog's scopes on its authorization server."""
        return not isinstance(self.auth_server, ExistingAuthServer) or self.auth_server.owns_scopes

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
        """The token endpoint of the custom authorization server.

        None when the stack creates the server and its id is not known yet (offline plan).
        """
        server_id = auth_server_id
        if server_id is None and isinstance(self.auth_server, ExistingAuthServer):
            server_id = self.auth_server.id
        if server_id is None:
            return None
        return f"{self.okta.org_url}/oauth2/{server_id}/v1/token"
