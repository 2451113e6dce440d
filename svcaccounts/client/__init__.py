"""The consumers' token client: credential bundle -> client-credentials access tokens.

    from svcaccounts.client import TokenClient
    client = TokenClient.from_key_vault("https://kv-example.vault.azure.net/", "reporting-prod")
    token = client.token(["reports.read"])      # AccessToken(value, expires_at, scopes)
    # or TokenClient.from_aws_secrets_manager("svcaccounts/prod/reporting/bundle", "eu-west-1")

Runtime side only: no Pulumi, no YAML. See docs/client.md.
"""

from __future__ import annotations

from svcaccounts.client.async_client import AsyncTokenClient
from svcaccounts.client.aws_secrets import AwsSecretsManagerSource
from svcaccounts.client.bundle import CredentialBundle, parse_bundle
from svcaccounts.client.errors import (
    BundleError,
    BundleSourceError,
    CircuitOpenError,
    InvalidClientError,
    TokenClientError,
    TokenEndpointUnavailable,
    TokenRequestError,
)
from svcaccounts.client.keyvault import KeyVaultSource, key_vault_url
from svcaccounts.client.policy import CircuitBreaker, RetryPolicy, RotationWait
from svcaccounts.client.sources import BundleSource, EnvSource, FileSource
from svcaccounts.client.sync_client import TokenClient
from svcaccounts.client.telemetry import (
    BreakerChange,
    CacheLookup,
    TelemetryHook,
    TelemetryObserver,
    TokenEvent,
)
from svcaccounts.client.token import AccessToken

__all__ = [
    "AccessToken",
    "AsyncTokenClient",
    "AwsSecretsManagerSource",
    "BreakerChange",
    "BundleError",
    "BundleSource",
    "BundleSourceError",
    "CacheLookup",
    "CircuitBreaker",
    "CircuitOpenError",
    "CredentialBundle",
    "EnvSource",
    "FileSource",
    "InvalidClientError",
    "KeyVaultSource",
    "RetryPolicy",
    "RotationWait",
    "TelemetryHook",
    "TelemetryObserver",
    "TokenClient",
    "TokenClientError",
    "TokenEndpointUnavailable",
    "TokenEvent",
    "TokenRequestError",
    "key_vault_url",
    "parse_bundle",
]
