"""`invalidate(token)`, and the events a `TelemetryObserver` receives besides token requests: a
cache lookup per `token()` call and the circuit breaker opening and closing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from svcaccounts.client import (
    AsyncTokenClient,
    BreakerChange,
    CacheLookup,
    CircuitBreaker,
    CircuitOpenError,
    TelemetryObserver,
    TokenClient,
    TokenEndpointUnavailable,
    TokenEvent,
)
from tests.support.authz_server import AuthzServer
from tests.support.client_fakes import FakeClock

Account = Callable[..., tuple[Path, str]]
MakeClient = Callable[..., TokenClient]


class Recorder(TelemetryObserver):
    def __init__(self) -> None:
        self.events: list[TokenEvent | CacheLookup | BreakerChange] = []

    def token_request(self, event: TokenEvent) -> None:
        self.events.append(event)

    def cache_lookup(self, event: CacheLookup) -> None:
        self.events.append(event)

    def breaker_change(self, event: BreakerChange) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[object]:
        return [event for event in self.events if isinstance(event, kind)]


# --- invalidate --------------------------------------------------------------------------------


def test_an_invalidated_token_is_replaced_on_the_next_call(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    refused = client.token(["reports.read"])

    assert client.invalidate(refused) is True
    renewed = client.token(["reports.read"])

    assert renewed != refused
    assert authz.request_count == 2


def test_a_token_that_was_already_replaced_is_not_invalidated_again(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    refused = client.token(["reports.read"])
    client.invalidate(refused)
    renewed = client.token(["reports.read"])

    # A second caller that was refused the same old token arrives late.
    assert client.invalidate(refused) is False

    assert client.token(["reports.read"]) == renewed
    assert authz.request_count == 2


def test_invalidating_one_scope_set_keeps_the_others(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    read = client.token(["reports.read"])
    write = client.token(["reports.write"])

    client.invalidate(read)

    assert client.token(["reports.write"]) == write
    assert authz.request_count == 2


def test_the_async_client_invalidates_the_same_way(
    basic_account: Account, make_async_client: Callable[..., AsyncTokenClient], authz: AuthzServer
) -> None:
    path, _ = basic_account()

    async def scenario() -> bool:
        client = make_async_client(path)
        refused = await client.token()
        assert client.invalidate(refused) is True
        return await client.token() != refused

    assert asyncio.run(scenario())
    assert authz.request_count == 2


# --- events for observers ------------------------------------------------------------------------


def test_each_token_call_is_a_cache_hit_or_miss(basic_account: Account, make_client: MakeClient) -> None:
    path, _ = basic_account()
    recorder = Recorder()
    client = make_client(path, telemetry=recorder)

    client.token()
    client.token()

    assert [type(event).__name__ for event in recorder.events] == ["CacheLookup", "TokenEvent", "CacheLookup"]
    assert recorder.of(CacheLookup) == [
        CacheLookup("reporting-basic", hit=False),
        CacheLookup("reporting-basic", hit=True),
    ]


def test_token_events_carry_the_bundles_scopes(basic_account: Account, make_client: MakeClient) -> None:
    path, _ = basic_account()
    recorder = Recorder()
    make_client(path, telemetry=recorder).token(["reports.read"])

    (event,) = recorder.of(TokenEvent)
    assert isinstance(event, TokenEvent)
    assert (event.scopes, event.bundle_scopes) == (("reports.read",), ("reports.read", "reports.write"))


def test_a_plain_callable_still_receives_token_events_only(
    basic_account: Account, make_client: MakeClient
) -> None:
    path, _ = basic_account()
    received: list[object] = []
    client = make_client(path, telemetry=received.append)

    client.token()
    client.token()

    assert [type(event) for event in received] == [TokenEvent]


def test_the_breaker_reports_opening_and_closing(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    recorder = Recorder()
    client = make_client(path, telemetry=recorder, breaker=CircuitBreaker(failure_threshold=1))
    authz.down()
    with pytest.raises(TokenEndpointUnavailable):
        client.token()
    assert recorder.of(BreakerChange) == [BreakerChange("reporting-basic", open=True)]

    with pytest.raises(CircuitOpenError):
        client.token()
    clock.advance(30)
    with pytest.raises(TokenEndpointUnavailable):
        client.token()  # the trial fails: still open, not opened a second time
    assert recorder.of(BreakerChange) == [BreakerChange("reporting-basic", open=True)]

    authz.up()
    clock.advance(30)
    client.token()
    assert recorder.of(BreakerChange) == [
        BreakerChange("reporting-basic", open=True),
        BreakerChange("reporting-basic", open=False),
    ]


def test_a_failing_observer_is_logged_and_ignored(
    basic_account: Account, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(TelemetryObserver):
        def cache_lookup(self, event: CacheLookup) -> None:
            raise RuntimeError("observer bug")

    path, _ = basic_account()
    client = make_client(path, telemetry=Broken())

    assert client.token().scopes == ("reports.read", "reports.write")
    assert "telemetry hook failed: RuntimeError" in caplog.text
