"""The store SDKs are optional: a consumer installs the extra for its stack's store
(`svcaccounts[client]` for Key Vault, `svcaccounts[client-aws]` for Secrets Manager). Reading the
other store says which extra to install instead of ending in a ModuleNotFoundError traceback."""

from __future__ import annotations

import importlib
from types import ModuleType

from svcaccounts.client.errors import BundleSourceError

KEY_VAULT = ("Azure Key Vault", "client")
SECRETS_MANAGER = ("AWS Secrets Manager", "client-aws")


def store_sdk(module: str, store: tuple[str, str]) -> ModuleType:
    """`module`, or a BundleSourceError naming the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        name, extra = store
        raise BundleSourceError(
            f"reading a bundle from {name} needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'svcaccounts[{extra}]'"
        ) from None
