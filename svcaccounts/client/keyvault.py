"""Reading the credential bundle from Azure Key Vault.

The vault comes from the stack's `svcaccounts:keyVault.name` (`key_vault_url`); the secret's name
is the program's: `svcaccounts.core.naming.key_vault_secret_name(account, environment)`, the one place
that convention lives (the program writes with it, and consumers' lookups must use it too).

The Azure SDKs are imported inside `KeyVaultSource.load`, so that using the client with a file or an
environment variable (and every CLI command) does not pay for importing them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

from svcaccounts.client.bundle import CredentialBundle, parse_bundle
from svcaccounts.client.errors import BundleSourceError
from svcaccounts.client.store_sdks import KEY_VAULT, store_sdk

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

_VAULT_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")


def key_vault_url(vault_name: str) -> str:
    """The URL of a vault in the public Azure cloud, from the stack's `svcaccounts:keyVault.name`."""
    if not _VAULT_NAME.match(vault_name) or "--" in vault_name:
        raise ValueError(
            f"invalid Key Vault name {vault_name!r}: 3-24 letters, digits and single hyphens, "
            "starting with a letter and not ending with a hyphen"
        )
    return f"https://{vault_name.lower()}.vault.azure.net/"


class SecretReader(Protocol):
    """The part of azure.keyvault.secrets.SecretClient the source uses."""

    def get_secret(self, name: str) -> Any: ...


class KeyVaultSource:
    """A bundle stored as a Key Vault secret's value, read with DefaultAzureCredential unless a
    credential (any azure.core TokenCredential) or a ready SecretClient is given."""

    def __init__(
        self,
        vault_url: str,
        secret_name: str,
        *,
        credential: TokenCredential | None = None,
        secret_client: SecretReader | None = None,
    ) -> None:
        self.vault_url = vault_url
        self.secret_name = secret_name
        self._credential = credential
        self._secret_client = secret_client

    def __str__(self) -> str:
        return f"Key Vault {self.vault_url} secret {self.secret_name}"

    def __repr__(self) -> str:
        return f"KeyVaultSource({self.vault_url!r}, {self.secret_name!r})"

    def load(self) -> CredentialBundle:
        errors = store_sdk("azure.core.exceptions", KEY_VAULT)
        try:
            secret = self._client().get_secret(self.secret_name)
        except errors.ResourceNotFoundError:
            raise BundleSourceError(f"{self}: secret not found") from None
        except errors.ClientAuthenticationError as error:
            raise BundleSourceError(
                f"{self}: could not authenticate to Azure ({type(error).__name__}); sign in "
                "(az login) or configure a managed identity or service principal"
            ) from None
        except errors.HttpResponseError as error:
            raise BundleSourceError(
                f"{self}: Key Vault answered HTTP {error.status_code} ({error.reason})"
            ) from None
        except errors.AzureError as error:
            raise BundleSourceError(f"{self}: cannot reach Key Vault ({type(error).__name__})") from None
        value = getattr(secret, "value", None)
        if not isinstance(value, str) or not value.strip():
            raise BundleSourceError(f"{self}: the secret has no value")
        return parse_bundle(value, origin=str(self))

    def _client(self) -> SecretReader:
        if self._secret_client is None:
            secrets = store_sdk("azure.keyvault.secrets", KEY_VAULT)
            if self._credential is None:
                self._credential = store_sdk("azure.identity", KEY_VAULT).DefaultAzureCredential()
            self._secret_client = secrets.SecretClient(vault_url=self.vault_url, credential=self._credential)
        return self._secret_client
