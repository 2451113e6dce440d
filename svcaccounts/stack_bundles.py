"""Where a stack's credential bundles live: (repository root, stack, account) → a bundle source.

The operator's side of the client, for `svcaccounts token ACCOUNT --stack`, `env --stack` and
`verify --stack`: it opens the stack through svcaccounts.workspace (the stack file and the
definitions, as `validate` reads them), so the runtime package `svcaccounts.client` does not
import it. No Pulumi.

`StackBundles.source` is the one place that maps a stack's secret store to a source: one branch
per store. Secret names come from svcaccounts.core.naming, the functions the program writes with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from svcaccounts.client.aws_secrets import AwsSecretsManagerSource, SecretValueReader, secrets_manager_client
from svcaccounts.client.keyvault import KeyVaultSource, SecretReader, key_vault_url
from svcaccounts.client.sources import BundleSource
from svcaccounts.client.store_sdks import KEY_VAULT, store_sdk
from svcaccounts.core.naming import aws_secret_name, key_vault_secret_name
from svcaccounts.core.settings import AwsSecretsManagerSettings, KeyVaultSettings, StackSettings
from svcaccounts.workspace import StackError, open_stack_at


class StackBundles:
    """The bundle sources of one stack's accounts. Sources of one stack share one client per
    store, so that checking every account authenticates once.

    `key_vault_client` replaces the Azure SecretClient, `aws_client` the boto3 Secrets Manager
    client (tests, or a caller with its own)."""

    def __init__(
        self,
        settings: StackSettings,
        *,
        key_vault_client: SecretReader | None = None,
        aws_client: SecretValueReader | None = None,
    ) -> None:
        self.settings = settings
        self._key_vault_client = key_vault_client
        self._aws_client = aws_client

    def source(self, account: str) -> BundleSource:
        """Where `account`'s bundle lives in the stack's secret store."""
        store = self.settings.store
        match store:
            case KeyVaultSettings():
                vault_url = key_vault_url(store.name)
                if self._key_vault_client is None:
                    self._key_vault_client = _SharedSecretClient(vault_url)
                return KeyVaultSource(
                    vault_url,
                    key_vault_secret_name(account, self.settings.environment),
                    secret_client=self._key_vault_client,
                )
            case AwsSecretsManagerSettings():
                if self._aws_client is None:
                    self._aws_client = _SharedAwsClient(store.region)
                return AwsSecretsManagerSource(
                    aws_secret_name(store.name_prefix, account, self.settings.environment),
                    store.region,
                    client=self._aws_client,
                )


OpenBundles = Callable[[StackSettings], StackBundles]


def bundle_source_for(
    root: Path, stack: str, account: str, *, open_bundles: OpenBundles = StackBundles
) -> BundleSource:
    """The source of `account`'s bundle in `stack`; StackError when the stack or the account is
    unknown or the account is disabled in the stack's environment (its app is inactive)."""
    loaded = open_stack_at(root, stack)
    definition = loaded.account(account)
    if not definition.enabled:
        raise StackError(
            f"account {account!r} is disabled in environment {loaded.settings.environment}: "
            "its app is inactive and issues no tokens"
        )
    return open_bundles(loaded.settings).source(account)


class _SharedSecretClient:
    """One azure SecretClient for a vault, created (with DefaultAzureCredential) on first read and
    then shared by every account's source."""

    def __init__(self, vault_url: str) -> None:
        self.vault_url = vault_url
        self._lock = threading.Lock()
        self._client: SecretReader | None = None

    def get_secret(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                secrets = store_sdk("azure.keyvault.secrets", KEY_VAULT)
                credential = store_sdk("azure.identity", KEY_VAULT).DefaultAzureCredential()
                self._client = secrets.SecretClient(vault_url=self.vault_url, credential=credential)
        return self._client.get_secret(name)


class _SharedAwsClient:
    """One boto3 Secrets Manager client for the stack's region (default credential chain), created
    on first read and then shared by every account's source."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._lock = threading.Lock()
        self._client: SecretValueReader | None = None

    def get_secret_value(self, *, SecretId: str, VersionStage: str) -> Any:
        with self._lock:
            if self._client is None:
                self._client = secrets_manager_client(self.region)
        return self._client.get_secret_value(SecretId=SecretId, VersionStage=VersionStage)
