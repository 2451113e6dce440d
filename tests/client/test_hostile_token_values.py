"""Values a hostile or broken token endpoint controls (expires_in, Retry-After, the JSON itself)
and token URLs the HTTP client refuses: each ends as a TokenClientError, never a raw exception, so
the cached-token fallback and the breaker apply to them as to any other failure."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.client import (
    AsyncTokenClient,
    CredentialBundle,
    FileSource,
    TokenClient,
    TokenClientError,
    TokenEndpointUnavailable,
    TokenEvent,
    TokenRequestError,
)
from svcaccounts.client.claims import NotAJWTError, unverified_claims
from svcaccounts.client.policy import parse_retry_after
from svcaccounts.client.transport import Unavailable, request_token
from tests.support.authz_server import AuthzServer
from tests.support.client_fakes import FakeClock

Account = Callable[..., tuple[Path, str]]
MakeClient = Callable[..., TokenClient]

# Each would overflow (or not convert to) a timedelta or a datetime.
HOSTILE_EXPIRES_IN: dict[str, object] = {
    "1e20": 1e20,
    "10**13": 10**13,
    "Infinity": float("inf"),
    "NaN": float("nan"),
    "a 400-digit integer": 10**400,
    "a 30-digit string": "1" + "0" * 30,
}


def _answer_every_attempt(authz: AuthzServer, body: dict[str, Any], attempts: int = 3) -> None:
    for _ in range(attempts):
        authz.inject_response(200, body)


def _token_answer(expires_in: object) -> dict[str, Any]:
    return {"access_token": "header.payload.signature", "token_type": "Bearer", "expires_in": expires_in}


@pytest.mark.parametrize("expires_in", HOSTILE_EXPIRES_IN.values(), ids=HOSTILE_EXPIRES_IN.keys())
def test_an_out_of_range_expires_in_is_a_token_client_error(
    expires_in: object, basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    _answer_every_attempt(authz, _token_answer(expires_in))

    with pytest.raises(TokenEndpointUnavailable) as caught:
        make_client(path).token()

    assert "expires_in out of range" in str(caught.value)


@pytest.mark.parametrize("expires_in", HOSTILE_EXPIRES_IN.values(), ids=HOSTILE_EXPIRES_IN.keys())
def test_an_out_of_range_expires_in_leaves_the_cached_token_in_service(
    expires_in: object,
    basic_account: Account,
    make_client: MakeClient,
    authz: AuthzServer,
    clock: FakeClock,
    events: list[TokenEvent],
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    cached = client.token()
    clock.advance(3600 - 300)  # into the renewal window
    _answer_every_attempt(authz, _token_answer(expires_in))

    assert client.token() == cached
    assert [event.outcome for event in events[1:]] == ["bad_response"] * 3
    assert client.breaker.consecutive_failures == 1


def test_a_hugely_negative_expires_in_is_an_expired_token_not_an_overflow(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    authz.inject_response(200, _token_answer(-1e20))

    with pytest.raises(TokenRequestError) as caught:
        make_client(path).token()

    assert caught.value.error == "expired_token_issued"


# --- Retry-After --------------------------------------------------------------------------------

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "²",  # str.isdigit() says yes, float() says no
        "١٢٠",  # Arabic-Indic digits: not the ASCII DIGIT of RFC 9110
        "Thu, 01 Jan 99999999999999999999 00:00:00 GMT",
        "Thu, 99999999999999 Jan 2020 00:00:00 GMT",
        "Thu, 01 Jan 2020 99999999999999:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 +9999",
    ],
)
def test_an_unparseable_retry_after_is_ignored(value: str) -> None:
    assert parse_retry_after(value, NOW) is None


def test_retry_after_still_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after(" 7 ", NOW) == 7.0
    assert parse_retry_after("Fri, 27 Nov 2026 06:00:30 GMT", NOW) == 30.0
    assert parse_retry_after("9" * 400, NOW) == float("inf")  # longer than any wait: give up


def test_a_server_sending_a_non_ascii_digit_retry_after_is_retried_with_backoff(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    authz.inject(503, retry_after="²")

    make_client(path).token()

    assert clock.sleeps == [0.375]  # the jittered backoff: no floor from the header


def test_a_server_that_keeps_sending_an_unparseable_retry_after_leaves_the_cached_token_in_service(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    client = make_client(path)
    cached = client.token()
    clock.advance(3600 - 300)
    authz.inject(503, retry_after="²", times=3)

    assert client.token() == cached
    assert clock.sleeps == [0.375, 0.75]  # the usual backoff between the three attempts


# --- token URLs the bundle check refuses but a hand-built bundle could still carry -------------

BAD_URLS = {
    "port not a number": "http://127.0.0.1:abc/token",
    "NUL byte": "http://127.0.0.1/tok\x00en",
    "port out of range": "http://127.0.0.1:99999/token",
    "malformed IDNA label": "https://xn--/token",
}


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_the_transport_turns_an_unusable_token_url_into_a_result(url: str) -> None:
    bundle = CredentialBundle(
        client_id="0oa1reporting",
        token_url=url,
        auth_method="client_secret_basic",
        scopes=("reports.read",),
        generation=1,
        rotates_at=NOW,
        client_secret="s3cr3t-value-that-must-never-show",
    )

    result = request_token(bundle, ("reports.read",), timeout=2.0)

    assert isinstance(result, Unavailable)
    assert result.outcome == "unreachable"


class _SwitchingSource:
    """The real bundle file, until `broken_url` is set: then the same bundle with that token URL
    (as a source built by hand, without parse_bundle's check, could hand out)."""

    def __init__(self, path: Path) -> None:
        self.inner = FileSource(path)
        self.broken_url: str | None = None

    def load(self) -> CredentialBundle:
        bundle = self.inner.load()
        if self.broken_url is None:
            return bundle
        return replace(bundle, token_url=self.broken_url, client_secret="rotated-secret-value-g2")

    def __str__(self) -> str:
        return str(self.inner)


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_an_unusable_token_url_after_a_re_read_leaves_the_cached_token_in_service(
    url: str, basic_account: Account, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    source = _SwitchingSource(path)
    client = TokenClient(source, clock=clock, sleep=clock.sleep, random=lambda: 0.5, timeout=2.0)
    cached = client.token()
    clock.advance(3600 - 300)
    authz.inject_response(401, {"error": "invalid_client"})  # makes the client re-read the bundle
    source.broken_url = url

    assert client.token() == cached

    clock.advance(300)  # expired: the failure itself must be a TokenClientError
    with pytest.raises(TokenClientError):
        client.token()


# --- anything else a renewal raises --------------------------------------------------------------


class _FailingReread:
    """A bundle source of the caller's own whose re-read raises something that is not a
    TokenClientError, with a credential in its text."""

    def __init__(self, path: Path) -> None:
        self.inner = FileSource(path)
        self.loads = 0

    def load(self) -> CredentialBundle:
        self.loads += 1
        if self.loads > 1:
            raise RuntimeError("vault answered: client_secret=s3cr3t-value-that-must-never-show")
        return self.inner.load()

    def __str__(self) -> str:
        return "a custom source"


def test_a_source_raising_on_re_read_leaves_the_cached_token_in_service(
    basic_account: Account, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    client = TokenClient(_FailingReread(path), clock=clock, sleep=clock.sleep, rotation_wait=None)
    cached = client.token()
    clock.advance(3600 - 300)
    authz.inject_response(401, {"error": "invalid_client"})

    assert client.token() == cached

    clock.advance(300)
    authz.inject_response(401, {"error": "invalid_client"})
    with pytest.raises(TokenClientError) as caught:
        client.token()
    assert str(caught.value) == (
        f"token request for client reporting-basic at {authz.token_url} failed unexpectedly (RuntimeError)"
    )
    assert caught.value.__suppress_context__


# --- the token's own payload, decoded for `svcaccounts token --decode` and `verify` --------------


def _jwt_with_payload(payload: bytes) -> str:
    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join(segment(part) for part in (b'{"alg": "RS256"}', payload, b"signature"))


@pytest.mark.parametrize(
    "payload",
    [b"[" * 5000 + b"]" * 5000, b'{"exp": ' + b"9" * 5000 + b"}", b"[1, 2]"],
    ids=["nested 5000 deep", "a 5000-digit number", "not an object"],
)
def test_a_token_payload_the_parser_cannot_take_is_not_a_jwt(payload: bytes) -> None:
    with pytest.raises(NotAJWTError):
        unverified_claims(_jwt_with_payload(payload))


def test_the_async_client_also_serves_the_cached_token_after_a_hostile_answer_or_a_raising_source(
    basic_account: Account, authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    client = AsyncTokenClient(
        _FailingReread(path), clock=clock, sleep=clock.async_sleep, random=lambda: 0.5, rotation_wait=None
    )

    async def scenario() -> None:
        cached = await client.token()
        clock.advance(3600 - 300)
        _answer_every_attempt(authz, _token_answer(float("inf")))
        assert await client.token() == cached  # expires_in out of range
        clock.advance(10)  # the renewal retry interval
        authz.inject_response(401, {"error": "invalid_client"})
        assert await client.token() == cached  # the re-read raised RuntimeError
        clock.advance(300)
        authz.inject_response(401, {"error": "invalid_client"})
        with pytest.raises(TokenClientError, match=r"failed unexpectedly \(RuntimeError\)$"):
            await client.token()

    asyncio.run(scenario())
