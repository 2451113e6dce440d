"""The steps of obtaining one token, as a generator of actions (sans I/O).

The sync and async clients drive the same generator: it yields `Request` (send the token request,
reply with its `transport.Result`), `Reload` (re-read the bundle, reply with it) and `Sleep`
(wait, reply with None), and returns an `Obtained`. So the retry rules, the re-read on
`invalid_client` and the messages exist once, whatever the concurrency model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from svcaccounts.client.bundle import CredentialBundle
from svcaccounts.client.errors import (
    InvalidClientError,
    TokenEndpointUnavailable,
    TokenRequestError,
)
from svcaccounts.client.policy import RetryPolicy, RotationWait, parse_retry_after
from svcaccounts.client.telemetry import Outcome
from svcaccounts.client.token import AccessToken, CachedToken, renew_at
from svcaccounts.client.transport import (
    DEFAULT_DEADLINE_SECONDS,
    Granted,
    Rejected,
    Result,
    Unavailable,
)

log = logging.getLogger("svcaccounts.client")


@dataclass(frozen=True, slots=True)
class Request:
    bundle: CredentialBundle
    scopes: tuple[str, ...]
    attempt: int
    # Seconds this request may take in all: what is left of the call's deadline.
    time_left: float = DEFAULT_DEADLINE_SECONDS


@dataclass(frozen=True, slots=True)
class Reload:
    pass


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Obtained:
    cached: CachedToken
    bundle: CredentialBundle


Action = Request | Reload | Sleep
Flow = Generator[Action, Any, Obtained]


def outcome_of(result: Result) -> Outcome:
    if isinstance(result, Granted):
        return "success"
    if isinstance(result, Rejected):
        return "invalid_client" if result.error == "invalid_client" else "rejected"
    return result.outcome


def fetch_token(
    bundle: CredentialBundle,
    scopes: tuple[str, ...],
    *,
    retry: RetryPolicy,
    clock: Callable[[], datetime],
    random: Callable[[], float],
    source_name: str,
    default_lifetime: timedelta,
    rotation_wait: RotationWait | None = None,
    deadline: float = DEFAULT_DEADLINE_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> Flow:
    """Obtain one token. With `rotation_wait`, an `invalid_client` answer whose re-read bundle is
    unchanged is followed by further re-reads (see RotationWait) before giving up.

    All of it happens within `deadline` seconds by `monotonic`: every request (each is given what
    is left), every backoff wait (one that would end past the deadline is not started). The
    rotation wait is not counted: it has its own bound, and waiting out a rotation is its purpose.
    """
    attempt = 0
    reread = False
    ends_at = monotonic() + deadline
    while True:
        time_left = ends_at - monotonic()
        if time_left <= 0:  # spent re-reading the bundle after invalid_client
            raise _out_of_time(bundle, attempt, deadline, "invalid_client, then the bundle was re-read")
        attempt += 1
        started = clock()
        result = yield Request(bundle, scopes, attempt, time_left)

        if isinstance(result, Granted):
            # expires_in is finite, at most a year and at least -1 (transport.read_answer), so
            # neither this timedelta nor `started + lifetime` below can overflow.
            lifetime = (
                timedelta(seconds=result.expires_in) if result.expires_in is not None else default_lifetime
            )
            if lifetime <= timedelta(0):
                raise TokenRequestError(
                    client_id=bundle.client_id,
                    token_url=bundle.token_url,
                    error="expired_token_issued",
                    description="the server issued a token whose expires_in is not positive",
                    status_code=None,
                )
            # Counted from when the request was sent: the server's clock started no later.
            expires_at = started + lifetime
            granted = tuple(result.scope.split()) if result.scope else scopes
            token = AccessToken(value=result.access_token, expires_at=expires_at, scopes=granted)
            return Obtained(CachedToken(token, renew_at(started, expires_at)), bundle)

        if isinstance(result, Rejected):
            if result.error == "invalid_client" and not reread:
                # The credential may have rotated since the bundle was read: read it once more.
                reread = True
                fresh: CredentialBundle = yield Reload()
                if fresh == bundle and rotation_wait is not None:
                    paused_at = monotonic()
                    fresh = yield from _wait_for_new_bundle(bundle, fresh, rotation_wait, clock, source_name)
                    ends_at += monotonic() - paused_at
                if fresh != bundle:
                    bundle = fresh
                    continue
                why = "the bundle has not changed"
                if rotation_wait is not None and rotation_wait.max_wait > timedelta(0):
                    why += f" in {rotation_wait.max_wait.total_seconds():g} s of re-reading it"
                raise _invalid_client(result, bundle, source_name, why)
            if result.error == "invalid_client":
                raise _invalid_client(result, bundle, source_name, "also after re-reading it")
            raise TokenRequestError(
                client_id=bundle.client_id,
                token_url=bundle.token_url,
                error=result.error,
                description=result.description,
                status_code=result.status_code,
            )

        retry_after = parse_retry_after(result.retry_after, clock())
        delay = retry.delay(attempt, retry_after, random)
        time_left = ends_at - monotonic()
        if time_left <= 0 or (delay is not None and delay >= time_left):
            raise _out_of_time(bundle, attempt, deadline, result.reason)
        if delay is None:
            raise _unavailable(result, bundle, attempt, retry_after, retry)
        yield Sleep(delay)


def _wait_for_new_bundle(
    rejected: CredentialBundle,
    fresh: CredentialBundle,
    wait: RotationWait,
    clock: Callable[[], datetime],
    source_name: str,
) -> Generator[Action, Any, CredentialBundle]:
    """Re-read the bundle every `wait.interval` until it differs from `rejected` or `wait.max_wait`
    has passed (by the clock, so that slow reads count too). Returns the last bundle read."""
    started = clock()
    if wait.max_wait > timedelta(0):
        log.warning(
            "client %s: credential generation %d from %s was rejected (invalid_client) and the "
            "bundle has not changed; a rotation may be under way: re-reading it every %g s for up "
            "to %g s",
            rejected.client_id,
            rejected.generation,
            source_name,
            wait.interval.total_seconds(),
            wait.max_wait.total_seconds(),
        )
    while fresh == rejected:
        remaining = wait.max_wait - (clock() - started)
        if remaining <= timedelta(0):
            break
        yield Sleep(min(wait.interval, remaining).total_seconds())
        fresh = yield Reload()
    return fresh


def _invalid_client(
    result: Rejected, bundle: CredentialBundle, source_name: str, why: str
) -> InvalidClientError:
    return InvalidClientError(
        client_id=bundle.client_id,
        token_url=bundle.token_url,
        error=result.error,
        description=result.description,
        status_code=result.status_code,
        hint=(
            f"credential generation {bundle.generation} from {source_name} was rejected, {why}; "
            "check that the bundle matches the deployed account"
        ),
    )


def _out_of_time(
    bundle: CredentialBundle, attempts: int, deadline: float, last: str
) -> TokenEndpointUnavailable:
    return TokenEndpointUnavailable(
        f"token endpoint {bundle.token_url} unavailable for client {bundle.client_id} (no token "
        f"within the {deadline:g} s deadline, {attempts} attempt{'s' if attempts != 1 else ''}; "
        f"last: {last})"
    )


def _unavailable(
    result: Unavailable,
    bundle: CredentialBundle,
    attempts: int,
    retry_after: float | None,
    retry: RetryPolicy,
) -> TokenEndpointUnavailable:
    if retry_after is not None and retry_after > retry.max_retry_after:
        why = f"the server asked to retry after {retry_after:g} s"
    else:
        why = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    return TokenEndpointUnavailable(
        f"token endpoint {bundle.token_url} unavailable for client {bundle.client_id} "
        f"({why}; last: {result.reason})"
    )
