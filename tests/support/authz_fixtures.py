"""Fixtures for the token client and the commands that use it: the loopback authorization server,
a controllable clock, and accounts registered on the server with their credential bundles written
to files. A pytest plugin: tests/conftest.py loads it for every test."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from svcaccounts.client import AsyncTokenClient, TokenClient, TokenEvent
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.client_fakes import FakeClock, write_bundle

ROTATES_AT = "2027-01-01T00:00:00Z"


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture(scope="session")
def client_key() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture
def authz(signing_key: RSAKey) -> Iterator[AuthzServer]:
    server = AuthzServer(signing_key)
    server.up()
    yield server
    server.down()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 27, 6, 0, tzinfo=UTC))


@pytest.fixture
def events() -> list[TokenEvent]:
    return []


@pytest.fixture
def basic_account(authz: AuthzServer, tmp_path: Path) -> Callable[..., tuple[Path, str]]:
    """Registers a client_secret_basic client; returns (bundle file, secret)."""

    def make(
        client_id: str = "reporting-basic", scopes: tuple[str, ...] = ("reports.read", "reports.write")
    ) -> tuple[Path, str]:
        secret = secrets.token_urlsafe(32)
        authz.register(RegisteredClient(client_id, "client_secret_basic", scopes, client_secret=secret))
        path = write_bundle(
            tmp_path / f"{client_id}.json",
            {
                "client_id": client_id,
                "token_url": authz.token_url,
                "auth_method": "client_secret_basic",
                "scopes": list(scopes),
                "generation": 1,
                "rotates_at": ROTATES_AT,
                "client_secret": secret,
            },
        )
        return path, secret

    return make


@pytest.fixture
def jwt_account(authz: AuthzServer, tmp_path: Path, client_key: RSAKey) -> Callable[..., tuple[Path, str]]:
    """Registers a private_key_jwt client; returns (bundle file, private key PEM)."""

    def make(
        client_id: str = "reporting-jwt", scopes: tuple[str, ...] = ("reports.read",)
    ) -> tuple[Path, str]:
        pem = client_key.as_pem(private=True).decode()
        public = RSAKey.import_key(client_key.as_dict(private=False))
        authz.register(RegisteredClient(client_id, "private_key_jwt", scopes, public_key=public))
        path = write_bundle(
            tmp_path / f"{client_id}.json",
            {
                "client_id": client_id,
                "token_url": authz.token_url,
                "auth_method": "private_key_jwt",
                "scopes": list(scopes),
                "generation": 3,
                "rotates_at": ROTATES_AT,
                "private_key_pem": pem,
                "key_id": "reporting-jwt-g3",
            },
        )
        return path, pem

    return make


@pytest.fixture
def make_client(clock: FakeClock, events: list[TokenEvent]) -> Callable[..., TokenClient]:
    """A TokenClient on the fake clock (sleeps advance it), reporting to `events`, with
    deterministic jitter."""

    def make(path: Path, **options: Any) -> TokenClient:
        settings: dict[str, Any] = {
            "clock": clock,
            "sleep": clock.sleep,
            "telemetry": events.append,
            "random": lambda: 0.5,
            "timeout": 5.0,
        }
        settings.update(options)
        return TokenClient.from_file(path, **settings)

    return make


@pytest.fixture
def make_async_client(clock: FakeClock, events: list[TokenEvent]) -> Callable[..., AsyncTokenClient]:
    def make(path: Path, **options: Any) -> AsyncTokenClient:
        settings: dict[str, Any] = {
            "clock": clock,
            "sleep": clock.async_sleep,
            "telemetry": events.append,
            "random": lambda: 0.5,
            "timeout": 5.0,
        }
        settings.update(options)
        return AsyncTokenClient.from_file(path, **settings)

    return make
