"""`AsyncTokenClient`: the asyncio twin of `TokenClient`, with the same rules and options.

Use one instance per event loop. Concurrent tasks that need the same scope set await one token
request; a caller that is cancelled does not cancel the request the others are waiting for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
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

from svcaccounts.client.transport import request_token_async


class AsyncTokenClient(TokenClientCore):
    def __init__(
        self,
        source: BundleSource,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **options: Any,
    ) -> None:
        super().__init__(source, **options)
        self._sleep = sleep
        self._bundle_lock = asyncio.Lock()
        self._flights: dict[frozenset[str], asyncio.Task[AccessToken]] = {}

    async def bundle(self) -> CredentialBundle:
        """The bundle in use (read from the source on first use)."""
        if (bundle := self._bundle) is not None:
            return bundle
        async with self._bundle_lock:
            if self._bundle is None:
                # Sources block (file, Key Vault over HTTP): keep the event loop free.
                self._bundle = await asyncio.to_thread(self.source.load)
            return self._bundle

    async def token(self, scopes: Iterable[str] | None = None) -> AccessToken:
        requested = self._requested(await self.bundle(), scopes)
        key = scope_key(requested)
        if (token := self._fresh(key)) is not None:
            return self._cache_hit(token)
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._renew(key, requested))
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._land(key, done))
        elif (token := self._usable(key)) is not None:
            return self._cache_hit(token)
        self._cache_miss()
        # shield: one waiter's cancellation must not cancel the request the others await.
        return await asyncio.shield(flight)

    def httpx_auth(self, scopes: Iterable[str] | None = None) -> httpx.Auth:
        """An `httpx.Auth` for `httpx.AsyncClient` that sends this client's token for `scopes` and,
        on a 401, retries once with a new one (svcaccounts.client.http_auth)."""
        from svcaccounts.client.http_auth import AsyncHttpxAuth

        return AsyncHttpxAuth(self, scopes)

    def _land(self, key: frozenset[str], done: asyncio.Task[AccessToken]) -> None:
        if self._flights.get(key) is done:
            del self._flights[key]
        if not done.cancelled():
            # Mark the exception retrieved: every waiter may have been cancelled meanwhile.
            done.exception()

    async def _renew(self, key: frozenset[str], requested: tuple[str, ...]) -> AccessToken:
        bundle = await self.bundle()
        if not self.breaker.allow(self.clock()):
            return self._fallback(key, self._circuit_open(bundle, key))
        rotation_wait = self._rotation_wait_for(bundle, key)
        try:
            obtained = await self._drive(self._flow(bundle, requested, rotation_wait))
        except TokenEndpointUnavailable as error:
            self.breaker.record_failure(self.clock())
            return self._fallback(key, error)
        except InvalidClientError as error:
            self.breaker.record_success()  # the server answered
            self._rejected_after_wait(rotation_wait)
            return self._fallback(key, error)
        except TokenRequestError as error:
            self.breaker.record_success()
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

    async def _drive(self, flow: Flow) -> Obtained:
        reply: object = None
        while True:
            try:
                action = flow.send(reply)
            except StopIteration as stop:
                obtained: Obtained = stop.value
                return obtained
            if isinstance(action, Request):
                started = self.monotonic()
                result = await request_token_async(
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
                bundle = await asyncio.to_thread(self.source.load)
                self._bundle = reply = bundle
            elif isinstance(action, Sleep):
                await self._sleep(action.seconds)
                reply = None
