"""Where a stack's credential bundles live: (repository root, stack, account) → a bundle source.

The operator's side of the client, for `svcaccounts token ACCOUNT --stack`, `env --stack` and
`verify --stack`: it reads the stack file and the definitions (YAML, through svcaccounts.core.settings
and the loader), so the runtime package `svcaccounts.client` does not import it. No Pulumi.

`StackBundles.source` is the one place that maps a stack's secret store to a source: one branch
per store. Secret names come from svcaccounts.core.naming, the functions the program writes with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svcaccounts.client.aws_secrets import AwsSecretsManagerSource, SecretValueReader, secrets_manager_client
from svcaccounts.client.keyvault import KeyVaultSource, SecretReader, key_vault_url
from svcaccounts.client.sources import BundleSource
from svcaccounts.core.model import EffectiveAccount, EnvironmentView
from svcaccounts.core.naming import aws_secret_name, key_vault_secret_name
from svcaccounts.core.settings import AwsSecretsManagerSettings, KeyVaultSettings, StackSettings
from svcaccounts.definitions.findings import Finding, has_errors
from svcaccounts.definitions.stack_settings import settings_of


class StackError(Exception):
    """The stack cannot be used (unknown stack or account, invalid settings or definitions): a
    message for the user, with the located findings behind it."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass(frozen=True, slots=True)
class LoadedStack:
    settings: StackSettings
    view: EnvironmentView
    # Warnings about the stack's settings (errors end in StackError).
    warnings: tuple[Finding, ...]

    def account(self, name: str) -> EffectiveAccount:
        for account in self.view.accounts:
            if account.name == name:
                return account
        known = ", ".join(sorted(account.name for account in self.view.accounts)) or "none"
        raise StackError(
            f"no account {name!r} in stack {self.settings.stack} "
            f"(environment {self.settings.environment}); its accounts: {known}"
        )


def load_stack(root: Path, stack: str) -> LoadedStack:
    """The stack's settings and its environment's accounts, as `svcaccounts validate` reads them."""
    from svcaccounts.definitions.loader import DEFINITIONS_DIR, load_files, read_repository_files

    if not root.is_dir():
        raise StackError(f"repository root {root} is not a directory")
    files = read_repository_files(root)
    result = load_files(files)
    found = next((candidate for candidate in result.stacks if candidate.name == stack), None)
    if found is None:
        known = ", ".join(candidate.name for candidate in result.stacks) or "none"
        raise StackError(
            f"no stack {stack!r} (Pulumi.{stack}.yaml) in {root.resolve()}; known stacks: {known}",
            tuple(f for f in result.findings if f.path.startswith("Pulumi.")),
        )
    settings_result = settings_of(found, files.get(found.path))
    settings = settings_result.settings
    if settings is None:
        raise StackError(f"invalid settings in {found.path}", settings_result.findings)
    if settings.definitions_dir != DEFINITIONS_DIR:
        result = load_files(
            read_repository_files(root, definitions_dir=settings.definitions_dir),
            definitions_dir=settings.definitions_dir,
        )
    if has_errors(result.findings) or result.catalog is None:
        raise StackError("invalid definitions: fix them first (svcaccounts validate)", result.findings)
    return LoadedStack(
        settings=settings,
        view=result.catalog.for_environment(settings.environment),
        warnings=settings_result.findings,
    )


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
    loaded = load_stack(root, stack)
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
                from azure.identity import DefaultAzureCredential
                from azure.keyvault.secrets import SecretClient

                self._client = SecretClient(vault_url=self.vault_url, credential=DefaultAzureCredential())
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
