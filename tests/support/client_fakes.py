"""Helpers the client tests share: a controllable clock and bundle files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


class FakeClock:
    """Wall-clock time that moves only when a test (or an injected sleep) moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def write_bundle(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


class FakeKeyVault:
    """Stands in for azure.keyvault.secrets.SecretClient at the client's seam (`SecretReader`):
    secret name -> value, with Azure's own not-found error for a missing secret."""

    def __init__(self, secrets: dict[str, str] | None = None) -> None:
        self.secrets = dict(secrets or {})
        self.reads: list[str] = []

    def get_secret(self, name: str) -> Any:
        from types import SimpleNamespace

        from azure.core.exceptions import ResourceNotFoundError

        self.reads.append(name)
        if name not in self.secrets:
            raise ResourceNotFoundError(f"secret {name} not found")
        return SimpleNamespace(name=name, value=self.secrets[name])


class CountingSource:
    """A bundle source that counts its loads (wraps another source)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.loads = 0

    def load(self) -> Any:
        self.loads += 1
        return self.inner.load()

    def __str__(self) -> str:
        return str(self.inner)


def run_cli(argv: list[str], vault: FakeKeyVault) -> int:
    """Run a CLI command whose stack's Key Vault is `vault` (the commands' `open_bundles` seam)."""
    from svcaccounts.cli import build_parser
    from svcaccounts.stack_bundles import StackBundles

    args = build_parser().parse_args(argv)
    code: int = args.func(args, open_bundles=lambda settings: StackBundles(settings, key_vault_client=vault))
    return code
