"""Where the bundle lives, as environment variables: what `svcaccounts env` prints and what
`TokenClient.from_environment()` reads back.

    SVCACCOUNTS_BUNDLE_FILE=/path/to/bundle.json                         a file, or
    SVCACCOUNTS_KEY_VAULT_URL=https://kv-identity-prod.vault.azure.net/   a Key Vault secret
    SVCACCOUNTS_KEY_VAULT_SECRET=mcp-reporting-service-prod
    SVCACCOUNTS_AWS_SECRET_ID=svcaccounts/prod/mcp-reporting-service/bundle   an AWS secret, or
    SVCACCOUNTS_AWS_REGION=eu-west-1

Exactly one location must be set. The variables hold no credential, only where to find it, so
they may go into an editor's MCP configuration or a container's environment. Both directions live
here, one branch per kind of source: a new store adds its variables to each function.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from svcaccounts.client.aws_secrets import AwsSecretsManagerSource
from svcaccounts.client.errors import BundleSourceError
from svcaccounts.client.keyvault import KeyVaultSource
from svcaccounts.client.sources import BundleSource, FileSource

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

PREFIX = "SVCACCOUNTS_"
BUNDLE_FILE = f"{PREFIX}BUNDLE_FILE"
KEY_VAULT_URL = f"{PREFIX}KEY_VAULT_URL"
KEY_VAULT_SECRET = f"{PREFIX}KEY_VAULT_SECRET"
AWS_SECRET_ID = f"{PREFIX}AWS_SECRET_ID"
AWS_REGION = f"{PREFIX}AWS_REGION"

# Each location: the variables that name it, all required together.
LOCATIONS: tuple[tuple[str, ...], ...] = (
    (BUNDLE_FILE,),
    (KEY_VAULT_URL, KEY_VAULT_SECRET),
    (AWS_SECRET_ID, AWS_REGION),
)


def location_variables(source: BundleSource) -> dict[str, str]:
    """The variables `source_from_environment` turns back into `source`."""
    if isinstance(source, FileSource):
        return {BUNDLE_FILE: str(source.path.resolve())}
    if isinstance(source, KeyVaultSource):
        return {KEY_VAULT_URL: source.vault_url, KEY_VAULT_SECRET: source.secret_name}
    if isinstance(source, AwsSecretsManagerSource) and source.region:
        return {AWS_SECRET_ID: source.secret_id, AWS_REGION: source.region}
    raise ValueError(f"{source}: this kind of bundle source has no environment variables")


def source_from_environment(
    environ: Mapping[str, str] | None = None, *, credential: TokenCredential | None = None
) -> BundleSource:
    """The source the variables name (`environ` defaults to os.environ; `credential` is for Key
    Vault, DefaultAzureCredential when None); BundleSourceError when none, more than one, or only
    part of one location is set."""
    environ = os.environ if environ is None else environ

    def value(name: str) -> str | None:
        text = environ.get(name)
        return text.strip() if text is not None and text.strip() else None

    present = [group for group in LOCATIONS if any(value(name) for name in group)]
    if not present:
        raise BundleSourceError(
            f"no credential bundle location in the environment: set {BUNDLE_FILE}, "
            f"{KEY_VAULT_URL} and {KEY_VAULT_SECRET}, or {AWS_SECRET_ID} and {AWS_REGION}"
            " (svcaccounts env prints them)"
        )
    if len(present) > 1:
        named = " and ".join(" + ".join(group) for group in present)
        raise BundleSourceError(
            f"more than one credential bundle location in the environment: {named}; keep one"
        )
    group = present[0]
    if missing := [name for name in group if value(name) is None]:
        raise BundleSourceError(
            f"{', '.join(missing)} is not set: {' and '.join(group)} name the bundle together"
        )
    if group == (BUNDLE_FILE,):
        return FileSource(Path(str(value(BUNDLE_FILE))))
    if group == (AWS_SECRET_ID, AWS_REGION):
        return AwsSecretsManagerSource(str(value(AWS_SECRET_ID)), str(value(AWS_REGION)))
    url, secret = str(value(KEY_VAULT_URL)), str(value(KEY_VAULT_SECRET))
    if not url.startswith("https://"):
        raise BundleSourceError(f"{KEY_VAULT_URL} must be an https:// vault URL, got {url!r}")
    return KeyVaultSource(url, secret, credential=credential)
