"""`TokenClient`: tokens for threads (and plain scripts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from svcaccounts.client.bundle import CredentialBundle
from svcaccounts.client.core import TokenClientCore
from svcaccounts.client.errors import (
    InvalidClientError,
    TokenClientError,
    TokenEndpointUnavailable,
    TokenRequestError,
)
from svcaccounts.client.flow import Flow, Obtained, Reload, Request, Sleep
from svcaccounts.client.sources import BundleSource
from svcaccounts.client.token import AccessToken, scope_key

if TYPE_CHECKING:
    import httpx
    import requests

from svcaccounts.client.transport import request_token


class TokenClient(TokenClientCore):
    """Client-credentials tokens from a credential bundle, cached per scope set and renewed ahead
    of expiry. Safe to share between threads: concurrent callers that need the same scope set
    wait for one token request (single flight).

    Options (keyword-only): retry (RetryPolicy), breaker (CircuitBreaker), telemetry (a callback
    taking a TokenEvent, or a TelemetryObserver), timeout (seconds per HTTP operation), deadline
    (seconds one token() call may spend obtaining a token, retries included), and for tests clock,
    sleep, monotonic and random.
    """

    def __init__(
        self, source: BundleSource, *, sleep: Callable[[float], None] = time.sleep, **options: Any
    ) -> None:
        super().__init__(source, **options)
        self._sleep = sleep
        self._bundle_lock = threading.Lock()
        self._flights_lock = threading.Lock()
        self._flights: dict[frozenset[str], Future[AccessToken]] = {}

    def bundle(self) -> CredentialBundle:
        """The bundle in use (read from the source on first use)."""
        if (bundle := self._bundle) is not None:
            return bundle
        with self._bundle_lock:
            if self._bundle is None:
                self._bundle = self.source.load()
            return self._bundle

    def token(self, scopes: Iterable[str] | None = None) -> AccessToken:
        """An unexpired access token for `scopes` (default: all of the bundle's scopes)."""
        requested = self._requested(self.bundle(), scopes)
        key = scope_key(requested)
        if (token := self._fresh(key)) is not None:
            return self._cache_hit(token)
        with self._flights_lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = Future()
        if not leader:
            # Someone is renewing; a token that is still valid need not wait for them.
            if (token := self._usable(key)) is not None:
                return self._cache_hit(token)
            self._cache_miss()
            return flight.result()
        self._cache_miss()
        try:
            token = self._renew(key, requested)
        except BaseException as error:
            self._land(key, flight, error=error)
            raise
        self._land(key, flight, token=token)
        return token

    def httpx_auth(self, scopes: Iterable[str] | None = None) -> httpx.Auth:
        """An `httpx.Auth` for `httpx.Client` that sends this client's token for `scopes` and, on
        a 401, retries once with a new one (svcaccounts.client.http_auth)."""
        from svcaccounts.client.http_auth import HttpxAuth

        return HttpxAuth(self, scopes)

    def requests_auth(self, scopes: Iterable[str] | None = None) -> requests.auth.AuthBase:
        """The same for requests (`pip install 'svcaccounts[requests]'`)."""
        from svcaccounts.client.requests_auth import RequestsAuth

        return RequestsAuth(self, scopes)

    def _land(
        self,
        key: frozenset[str],
        flight: Future[AccessToken],
        *,
        token: AccessToken | None = None,
        error: BaseException | None = None,
    ) -> None:
        # Unregister before resolving, so that a caller arriving later starts a new flight
        # instead of reading an old failure.
        with self._flights_lock:
            del self._flights[key]
        if error is not None:
            flight.set_exception(error)
        else:
            assert token is not None
            flight.set_result(token)

    def _renew(self, key: frozenset[str], requested: tuple[str, ...]) -> AccessToken:
        if (token := self._fresh(key)) is not None:  # renewed while we queued for the flight
            return token
        bundle = self.bundle()
        if not self.breaker.allow(self.clock()):
            return self._fallback(key, self._circuit_open(bundle, key))
        rotation_wait = self._rotation_wait_for(bundle, key)
        try:
            obtained = self._drive(self._flow(bundle, requested, rotation_wait))
        except TokenEndpointUnavailable as error:
            self.breaker.record_failure(self.clock())
            return self._fallback(key, error)
        except InvalidClientError as error:
            self.breaker.record_success()  # the server answered
            self._rejected_after_wait(rotation_wait)
            return self._fallback(key, error)
        except TokenRequestError as error:
            self.breaker.record_success()  # the server answered
            return self._fallback(key, error)
        except TokenClientError as error:  # e.g. the re-read bundle is invalid
            self.breaker.release()
            return self._fallback(key, error)
        except Exception as error:  # see TokenClientCore._unexpected
            self.breaker.release()
            return self._fallback(key, self._unexpected(bundle, error))
        except BaseException:
            self.breaker.release()
            raise
        self.breaker.record_success()
        return self._store(key, obtained.cached)

    def _drive(self, flow: Flow) -> Obtained:
        reply: object = None
        while True:
            try:
                action = flow.send(reply)
            except StopIteration as stop:
                obtained: Obtained = stop.value
                return obtained
            if isinstance(action, Request):
                started = self.monotonic()
                result = request_token(
                    action.bundle, action.scopes, timeout=self.timeout, deadline=action.time_left
                )
                self._record(
                    action.bundle,
                    action.scopes,
                    action.attempt,
                    result,
                    self.monotonic() - started,
                )
                reply = result
            elif isinstance(action, Reload):
                # No lock: callers keep using the current bundle (and cached tokens) meanwhile.
                bundle = self.source.load()
                self._bundle = reply = bundle
            elif isinstance(action, Sleep):
                self._sleep(action.seconds)
                reply = None
