"""The token client against the loopback authorization server (tests/support/authz_server.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from svcaccounts.client import (
    AsyncTokenClient,
    BundleError,
    CircuitBreaker,
    CircuitOpenError,
    InvalidClientError,
    TokenClient,
    TokenEndpointUnavailable,
    TokenEvent,
    TokenRequestError,
)
from tests.support.authz_server import ISSUER, AuthzServer
from tests.support.client_fakes import FakeClock, write_bundle

Account = Callable[..., tuple[Path, str]]
MakeClient = Callable[..., TokenClient]


def claims_of(token: str, signing_key: RSAKey) -> dict[str, Any]:
    """The access token's claims, after checking its signature with the server's key."""
    return dict(jwt.decode(token, signing_key).claims)


# --- both client authentication methods -------------------------------------------------------


def test_client_secret_basic_obtains_a_jwt_with_the_requested_scopes(
    basic_account: Account, make_client: MakeClient, signing_key: RSAKey
) -> None:
    path, _ = basic_account()
    token = make_client(path).token(["reports.read"])

    claims = claims_of(token.value, signing_key)
    assert claims["iss"] == ISSUER
    assert claims["client_id"] == "reporting-basic"
    assert claims["scp"] == ["reports.read"]
    assert token.scopes == ("reports.read",)


def test_without_scopes_the_token_carries_all_of_the_bundles_scopes(
    basic_account: Account, make_client: MakeClient, signing_key: RSAKey
) -> None:
    path, _ = basic_account()
    token = make_client(path).token()

    assert sorted(claims_of(token.value, signing_key)["scp"]) == ["reports.read", "reports.write"]


def test_private_key_jwt_obtains_a_token(
    jwt_account: Account, make_client: MakeClient, signing_key: RSAKey
) -> None:
    path, _ = jwt_account()
    token = make_client(path).token()

    assert claims_of(token.value, signing_key)["scp"] == ["reports.read"]


def test_private_key_jwt_assertion_follows_rfc_7523(
    jwt_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = jwt_account()
    make_client(path).token()
    make_client(path).token()  # a second consumer of the same bundle

    assert len(authz.assertions) == 2
    (header, claims), (_, second) = authz.assertions
    assert header["kid"] == "reporting-jwt-g3"
    assert header["alg"] == "RS256"
    assert claims["iss"] == claims["sub"] == "reporting-jwt"
    assert claims["aud"] == authz.token_url
    assert 0 < claims["exp"] - claims["iat"] <= 60
    assert claims["jti"] != second["jti"]


# --- caching and early renewal -----------------------------------------------------------------


def test_a_cached_token_is_reused_for_the_same_scope_set_in_any_order(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    first = client.token(["reports.read", "reports.write"])
    again = client.token(["reports.write", "reports.read"])

    assert again == first
    assert authz.request_count == 1


def test_each_scope_set_has_its_own_token(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, signing_key: RSAKey
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    read = client.token(["reports.read"])
    both = client.token(["reports.read", "reports.write"])

    assert authz.request_count == 2
    assert claims_of(read.value, signing_key)["scp"] == ["reports.read"]
    assert claims_of(both.value, signing_key)["scp"] == ["reports.read", "reports.write"]
    assert client.token(["reports.read"]) == read


def test_expiry_is_counted_from_when_the_request_was_sent(
    basic_account: Account, make_client: MakeClient, clock: FakeClock
) -> None:
    path, _ = basic_account()
    start = clock()
    token = make_client(path).token()

    assert (token.expires_at - start).total_seconds() == 3600


@pytest.mark.parametrize(
    ("lifetime", "renew_ahead"),
    [
        (3600, 300),  # one hour: 10 % would be 6 minutes, so 5 minutes
        (600, 60),  # ten minutes: 10 % is 1 minute, less than 5 minutes
    ],
)
def test_a_token_is_renewed_ahead_of_expiry_by_the_smaller_of_5_minutes_and_10_percent(
    basic_account: Account,
    make_client: MakeClient,
    authz: AuthzServer,
    clock: FakeClock,
    lifetime: int,
    renew_ahead: int,
) -> None:
    authz.token_lifetime = lifetime
    path, _ = basic_account()
    client = make_client(path)
    first = client.token()

    clock.advance(lifetime - renew_ahead - 1)
    assert client.token() == first
    assert authz.request_count == 1

    clock.advance(1)
    renewed = client.token()
    assert renewed != first
    assert authz.request_count == 2
    assert renewed.expires_at > first.expires_at


# --- single flight -------------------------------------------------------------------------------


def test_fifty_threads_asking_at_once_cause_one_token_request(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    client.bundle()  # read the file before the race, so the race is about the token
    authz.gate.clear()  # hold the token response until every caller is in
    start = threading.Barrier(51)
    results: list[Any] = []

    def call() -> None:
        start.wait()
        results.append(client.token())

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    start.wait()
    assert authz.received.wait(timeout=5)
    authz.gate.set()
    for thread in threads:
        thread.join(timeout=10)

    assert len(results) == 50
    assert len({token.value for token in results}) == 1
    assert authz.request_count == 1


def test_fifty_tasks_asking_at_once_cause_one_token_request(
    basic_account: Account,
    make_async_client: Callable[..., AsyncTokenClient],
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    authz.gate.clear()

    async def scenario() -> list[Any]:
        client = make_async_client(path)

        async def release() -> None:
            # Every task has reached its first await before this runs; then let the server answer.
            await asyncio.to_thread(authz.received.wait, 5)
            authz.gate.set()

        results = await asyncio.gather(*(client.token() for _ in range(50)), release())
        return list(results[:50])

    tokens = asyncio.run(scenario())

    assert len({token.value for token in tokens}) == 1
    assert authz.request_count == 1


# --- rotation: invalid_client, re-read, success ------------------------------------------------


def rotate(authz: AuthzServer, path: Path, client_id: str, new_secret: str) -> None:
    """What a rotation does: the server takes the new secret and Key Vault (here, the file) gets
    the next bundle generation."""
    import json

    authz.rotate_secret(client_id, new_secret)
    document = json.loads(path.read_text())
    document["client_secret"] = new_secret
    document["generation"] += 1
    write_bundle(path, document)


def test_a_rotated_secret_is_picked_up_by_re_reading_the_bundle(
    basic_account: Account,
    make_client: MakeClient,
    authz: AuthzServer,
    events: list[TokenEvent],
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    client.token(["reports.read"])  # the client now holds generation 1 in memory
    rotate(authz, path, "reporting-basic", "rotated-secret-of-generation-2")

    token = client.token(["reports.write"])

    assert authz.errors() == [None, "invalid_client", None]
    assert [event.outcome for event in events] == ["success", "invalid_client", "success"]
    assert token.scopes == ("reports.write",)
    assert client.bundle().generation == 2


def test_a_rejected_secret_with_an_unchanged_bundle_fails_clearly_after_one_re_read(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, old_secret = basic_account()
    # No rotation wait (tests/client/test_rotation_wait.py covers waiting for a rotated bundle).
    client = make_client(path, rotation_wait=None)
    authz.rotate_secret("reporting-basic", "a-secret-the-bundle-does-not-have")

    with pytest.raises(InvalidClientError) as caught:
        client.token()

    assert authz.request_count == 1  # the same rejected credential is not sent twice
    message = str(caught.value)
    assert "invalid_client" in message
    assert "reporting-basic" in message
    assert f"credential generation 1 from {path}" in message
    assert old_secret not in message


def test_other_oauth_errors_are_neither_retried_nor_re_read(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()

    with pytest.raises(TokenRequestError) as caught:
        make_client(path).token(["admin.everything"])

    assert caught.value.error == "invalid_scope"
    assert authz.request_count == 1


# --- 429, 5xx and retries ------------------------------------------------------------------------


def test_429_is_retried_after_the_retry_after_the_server_asked_for(
    basic_account: Account,
    make_client: MakeClient,
    authz: AuthzServer,
    clock: FakeClock,
    events: list[TokenEvent],
) -> None:
    path, _ = basic_account()
    authz.inject(429, retry_after="7")

    make_client(path).token()

    assert authz.statuses() == [429, 200]
    assert clock.sleeps == [7.0]
    assert [(e.outcome, e.status_code) for e in events] == [("rate_limited", 429), ("success", 200)]


def test_5xx_is_retried_with_growing_jittered_backoff(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    authz.inject(503, times=2)

    make_client(path).token()

    assert authz.statuses() == [503, 503, 200]
    # base 0.5 s doubling, equal jitter at random() = 0.5: 3/4 of each backoff
    assert clock.sleeps == [0.375, 0.75]


def test_retries_are_bounded(basic_account: Account, make_client: MakeClient, authz: AuthzServer) -> None:
    path, _ = basic_account()
    authz.inject(500, times=10)

    with pytest.raises(TokenEndpointUnavailable, match=r"3 attempts; last: HTTP 500"):
        make_client(path).token()

    assert authz.request_count == 3


def test_a_retry_after_longer_than_the_limit_fails_at_once_instead_of_waiting(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    authz.inject(429, retry_after="120")

    with pytest.raises(TokenEndpointUnavailable, match="asked to retry after 120 s"):
        make_client(path).token()

    assert clock.sleeps == []
    assert authz.request_count == 1


# --- server down: circuit breaker, cached token until expiry, then a clear error ----------------


def test_server_down_serves_the_cached_token_until_expiry_then_fails_fast(
    basic_account: Account,
    make_client: MakeClient,
    authz: AuthzServer,
    clock: FakeClock,
    events: list[TokenEvent],
) -> None:
    path, _ = basic_account()
    breaker = CircuitBreaker(failure_threshold=2, reset_after=timedelta(minutes=10))
    client = make_client(path, breaker=breaker)
    cached = client.token()
    authz.down()
    clock.advance(3600 - 300)  # into the renewal window

    # Two renewals fail (3 attempts each, network errors); the cached token is still served.
    assert client.token() == cached
    clock.advance(10)  # the renewal retry interval
    assert client.token() == cached
    attempts_before_open = len(events)
    assert [e.outcome for e in events[1:]] == ["unreachable"] * 6

    # The circuit is open now: no more connection attempts, the cached token still served.
    clock.advance(10)
    assert client.token() == cached
    assert [e.outcome for e in events[attempts_before_open:]] == ["circuit_open"]

    clock.advance(300 - 20)  # the cached token expires
    with pytest.raises(CircuitOpenError) as caught:
        client.token()
    message = str(caught.value)
    assert "circuit open after 2 consecutive failed requests" in message
    assert "no unexpired cached token for scopes reports.read reports.write" in message


def test_after_a_failed_renewal_the_cached_token_is_served_without_asking_again_for_a_while(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    cached = client.token()
    clock.advance(3600 - 300)
    authz.rotate_secret("reporting-basic", "a-secret-the-bundle-does-not-have")

    assert client.token() == cached  # rejected (invalid_client), bundle unchanged: cached served
    clock.advance(9)
    assert client.token() == cached
    assert authz.request_count == 2

    clock.advance(1)
    assert client.token() == cached
    assert authz.errors() == [None, "invalid_client", "invalid_client"]


def test_the_circuit_closes_when_a_trial_request_succeeds(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    client = make_client(path, breaker=CircuitBreaker(failure_threshold=1))
    authz.down()
    with pytest.raises(TokenEndpointUnavailable):
        client.token()
    with pytest.raises(CircuitOpenError):
        client.token()

    authz.up()
    clock.advance(30)  # the breaker's reset_after
    token = client.token()

    assert not token.expired(clock())
    assert client.breaker.open_until is None


def test_an_expired_cached_token_is_never_returned(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    authz.token_lifetime = 60
    path, _ = basic_account()
    client = make_client(path)
    old = client.token()
    clock.advance(60)  # exactly at expiry
    authz.inject(503, times=3)

    with pytest.raises(TokenEndpointUnavailable) as caught:
        client.token()

    assert not isinstance(caught.value, CircuitOpenError)
    assert old.expired(clock())


def test_the_async_client_serves_the_cached_token_while_the_server_is_down(
    basic_account: Account,
    make_async_client: Callable[..., AsyncTokenClient],
    authz: AuthzServer,
    clock: FakeClock,
) -> None:
    path, _ = basic_account()

    async def scenario() -> None:
        breaker = CircuitBreaker(failure_threshold=1, reset_after=timedelta(minutes=10))
        client = make_async_client(path, breaker=breaker)
        cached = await client.token()
        authz.down()
        clock.advance(3600 - 60)
        assert await client.token() == cached
        clock.advance(60)
        with pytest.raises(CircuitOpenError):
            await client.token()

    asyncio.run(scenario())


def test_the_async_client_re_reads_a_rotated_bundle(
    basic_account: Account,
    make_async_client: Callable[..., AsyncTokenClient],
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()

    async def scenario() -> None:
        client = make_async_client(path)
        await client.bundle()
        rotate(authz, path, "reporting-basic", "rotated-secret-of-generation-2")
        await client.token()
        assert (await client.bundle()).generation == 2

    asyncio.run(scenario())
    assert authz.errors() == ["invalid_client", None]


def test_a_rotated_private_key_is_picked_up_by_re_reading_the_bundle(
    jwt_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    import json

    path, _ = jwt_account()
    client = make_client(path)
    client.bundle()
    # The grace window has closed: the app's JWKS holds only the next generation's key.
    next_key = RSAKey.generate_key(2048)
    authz.clients["reporting-jwt"].public_key = RSAKey.import_key(next_key.as_dict(private=False))
    document = json.loads(path.read_text())
    document.update(
        private_key_pem=next_key.as_pem(private=True).decode(),
        key_id="reporting-jwt-g4",
        generation=4,
    )
    write_bundle(path, document)

    client.token()

    assert authz.errors() == ["invalid_client", None]
    assert [header["kid"] for header, _ in authz.assertions] == [
        "reporting-jwt-g3",
        "reporting-jwt-g4",
    ]


def test_the_bundle_can_come_from_an_environment_variable(
    basic_account: Account, monkeypatch: pytest.MonkeyPatch, signing_key: RSAKey
) -> None:
    path, _ = basic_account()
    monkeypatch.setenv("REPORTING_BUNDLE", path.read_text())

    token = TokenClient.from_env("REPORTING_BUNDLE").token(["reports.read"])

    assert claims_of(token.value, signing_key)["scp"] == ["reports.read"]


def test_a_broken_re_read_bundle_does_not_take_away_the_cached_token(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    cached = client.token()
    clock.advance(3600 - 300)
    authz.rotate_secret("reporting-basic", "rotated-secret-of-generation-2")
    path.write_text('{"half-written": ')  # whoever refreshes the file is mid-write

    assert client.token() == cached

    clock.advance(300)
    with pytest.raises(BundleError):
        client.token()
