"""Where a credential bundle comes from: a file, an environment variable (Key Vault: keyvault.py).

A source is anything with `load() -> CredentialBundle` and a `__str__` that says where the bundle
lives (used in messages). The client calls `load()` on first use and once more when the server
answers `invalid_client`, because the bundle may have rotated since it was read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from svcaccounts.client.bundle import CredentialBundle, parse_bundle
from svcaccounts.client.errors import BundleFileRefused, BundleSourceError
from svcaccounts.client.limits import BUNDLE_LIMIT, InputRefused, read_limited

DEFAULT_ENV_VARIABLE = "SVCACCOUNTS_BUNDLE"


class BundleSource(Protocol):
    def load(self) -> CredentialBundle: ...

    def __str__(self) -> str: ...


@dataclass(frozen=True, slots=True)
class FileSource:
    path: Path

    def load(self) -> CredentialBundle:
        try:
            data = read_limited(self.path, BUNDLE_LIMIT)
        except InputRefused as error:
            raise BundleFileRefused(
                f"{self.path}: cannot read credential bundle: {error.reason.removeprefix('cannot read: ')}"
            ) from None
        return parse_bundle(data, origin=str(self.path))

    def __str__(self) -> str:
        return str(self.path)


@dataclass(frozen=True, slots=True)
class EnvSource:
    """The bundle's JSON text in an environment variable (`environ` defaults to os.environ, read
    at each load so that a re-read sees a changed value)."""

    variable: str = DEFAULT_ENV_VARIABLE
    # repr=False: the mapping holds the bundle itself.
    environ: Mapping[str, str] | None = field(default=None, repr=False)

    def load(self) -> CredentialBundle:
        environ = os.environ if self.environ is None else self.environ
        value = environ.get(self.variable)
        if value is None or not value.strip():
            raise BundleSourceError(
                f"environment variable {self.variable} is not set; it must hold the credential bundle's JSON"
            )
        return parse_bundle(value, origin=str(self))

    def __str__(self) -> str:
        return f"environment variable {self.variable}"
