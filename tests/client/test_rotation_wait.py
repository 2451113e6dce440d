"""The client_secret_basic rotation window: Okta refuses the old secret up to ~2 minutes before
the new bundle reaches the store. A caller without a cached token re-reads the bundle every 10 s
for up to 2 minutes instead of failing (RotationWait); against the loopback server, on a fake
clock whose sleeps advance it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.client import AsyncTokenClient, FileSource, InvalidClientError, TokenClient, TokenEvent
from svcaccounts.client.policy import RotationWait
from tests.support.authz_server import AuthzServer
from tests.support.client_fakes import CountingSource, FakeClock, write_bundle

Account = Callable[..., tuple[Path, str]]
NEW_SECRET = "rotated-secret-of-generation-2"


def options(clock: FakeClock, events: list[TokenEvent], **extra: Any) -> dict[str, Any]:
    return {"clock": clock, "telemetry": events.append, "random": lambda: 0.5, "timeout": 5.0, **extra}


def write_next_generation(path: Path, secret: str) -> None:
    """What the program's bundle step does, some time after Okta took the new secret."""
    document = json.loads(path.read_text())
    document.update(client_secret=secret, generation=document["generation"] + 1)
    write_bundle(path, document)


def sleep_then_publish(clock: FakeClock, path: Path, after_sleeps: int) -> Callable[[float], None]:
    """A sleep that advances the clock; the new bundle lands in the store during the Nth sleep."""

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == after_sleeps:
            write_next_generation(path, NEW_SECRET)

    return sleep


def test_without_a_cached_token_the_client_re_reads_until_the_rotated_bundle_arrives(
    basic_account: Account, authz: AuthzServer, clock: FakeClock, events: list[TokenEvent]
) -> None:
    path, _ = basic_account()
    source = CountingSource(FileSource(path))
    client = TokenClient(source, sleep=sleep_then_publish(clock, path, 3), **options(clock, events))
    authz.rotate_secret("reporting-basic", NEW_SECRET)  # Okta first; the bundle not yet

    token = client.token()

    assert not token.expired(clock())
    assert clock.sleeps == [10.0, 10.0, 10.0]
    assert source.loads == 1 + 1 + 3  # first use, the re-read on invalid_client, one per sleep
    assert authz.errors() == ["invalid_client", None]  # the old secret is not sent again
    assert client.bundle().generation == 2


def test_the_wait_is_bounded_then_invalid_client_is_raised_without_the_secret(
    basic_account: Account, authz: AuthzServer, clock: FakeClock, events: list[TokenEvent]
) -> None:
    path, secret = basic_account()
    client = TokenClient(FileSource(path), sleep=clock.sleep, **options(clock, events))
    authz.rotate_secret("reporting-basic", "a-secret-the-bundle-never-gets")

    with pytest.raises(InvalidClientError) as caught:
        client.token()

    assert clock.sleeps == [10.0] * 12  # 2 minutes
    assert authz.request_count == 1
    message = str(caught.value)
    assert "credential generation 1 from" in message
    assert "the bundle has not changed in 120 s of re-reading it" in message
    assert secret not in message


def test_the_last_sleep_stops_at_the_limit(
    basic_account: Account, authz: AuthzServer, clock: FakeClock, events: list[TokenEvent]
) -> None:
    path, _ = basic_account()
    wait = RotationWait(max_wait=timedelta(seconds=25), interval=timedelta(seconds=10))
    client = TokenClient(FileSource(path), sleep=clock.sleep, rotation_wait=wait, **options(clock, events))
    authz.rotate_secret("reporting-basic", "a-secret-the-bundle-never-gets")

    with pytest.raises(InvalidClientError, match="in 25 s of re-reading"):
        client.token()

    assert clock.sleeps == [10.0, 10.0, 5.0]


def test_a_bundle_that_outlasted_one_wait_fails_at_once_the_next_time(
    basic_account: Account, authz: AuthzServer, clock: FakeClock, events: list[TokenEvent]
) -> None:
    path, _ = basic_account()
    client = TokenClient(FileSource(path), sleep=clock.sleep, **options(clock, events))
    authz.rotate_secret("reporting-basic", "a-secret-the-bundle-never-gets")
    with pytest.raises(InvalidClientError):
        client.token()
    sleeps = len(clock.sleeps)

    with pytest.raises(InvalidClientError, match="the bundle has not changed"):
        client.token()

    assert len(clock.sleeps) == sleeps  # a wrong credential, not a rotation: no second wait
    assert authz.errors() == ["invalid_client", "invalid_client"]


def test_a_caller_with_an_unexpired_cached_token_is_served_it_and_does_not_wait(
    basic_account: Account, authz: AuthzServer, clock: FakeClock, events: list[TokenEvent]
) -> None:
    path, _ = basic_account()
    client = TokenClient(FileSource(path), sleep=clock.sleep, **options(clock, events))
    cached = client.token()
    clock.advance(3600 - 300)  # into the renewal window
    authz.rotate_secret("reporting-basic", NEW_SECRET)

    assert client.token() == cached

    assert clock.sleeps == []
    # Ten seconds later (the renewal retry interval) the rotated bundle is there: renewed.
    write_next_generation(path, NEW_SECRET)
    clock.advance(10)
    renewed = client.token()
    assert renewed != cached
    assert authz.errors() == [None, "invalid_client", "invalid_client", None]


def test_without_a_rotation_wait_invalid_client_fails_after_one_re_read(
    basic_account: Account, authz: AuthzServer, clock: FakeClock, events: list[TokenEvent]
) -> None:
    path, _ = basic_account()
    source = CountingSource(FileSource(path))
    client = TokenClient(source, sleep=clock.sleep, rotation_wait=None, **options(clock, events))
    authz.rotate_secret("reporting-basic", NEW_SECRET)

    with pytest.raises(InvalidClientError, match=r"the bundle has not changed; check"):
        client.token()

    assert clock.sleeps == []
    assert source.loads == 2


def test_a_bundle_from_an_environment_variable_is_not_waited_for(
    basic_account: Account,
    authz: AuthzServer,
    clock: FakeClock,
    events: list[TokenEvent],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only this process could change its environment while it waited.
    path, _ = basic_account()
    monkeypatch.setenv("REPORTING_BUNDLE", path.read_text())
    client = TokenClient.from_env("REPORTING_BUNDLE", sleep=clock.sleep, **options(clock, events))
    authz.rotate_secret("reporting-basic", NEW_SECRET)

    with pytest.raises(InvalidClientError):
        client.token()

    assert clock.sleeps == []


def test_the_async_client_waits_for_the_rotated_bundle_too(
    basic_account: Account, authz: AuthzServer, clock: FakeClock, events: list[TokenEvent]
) -> None:
    path, _ = basic_account()
    publish = sleep_then_publish(clock, path, 2)

    async def sleep(seconds: float) -> None:
        publish(seconds)

    async def scenario() -> None:
        client = AsyncTokenClient(FileSource(path), sleep=sleep, **options(clock, events))
        authz.rotate_secret("reporting-basic", NEW_SECRET)
        await client.token()
        assert (await client.bundle()).generation == 2

    asyncio.run(scenario())

    assert clock.sleeps == [10.0, 10.0]
    assert authz.errors() == ["invalid_client", None]


def test_rotation_wait_rejects_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        RotationWait(interval=timedelta(0))
