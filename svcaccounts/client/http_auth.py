"""Bearer authentication for the HTTP clients consumers call their APIs with, renewing on 401.

`TokenClient.httpx_auth()` and `AsyncTokenClient.httpx_auth()` return these `httpx.Auth` objects
(`TokenClient.requests_auth()` the requests twin, in requests_auth.py). Each request gets
`Authorization: Bearer <token>` from the client, which answers from its cache. When the API
answers 401, the token was refused (revoked, or signed with a key the API no longer trusts): the
adapter drops it from the cache (`invalidate`, which only drops it if it is still the cached
token, so that many requests refused together cause one token request under the client's single
flight), takes a new token, and sends the request once more. The second answer goes to the caller
as it is, also a second 401.

Not retried: a 403 (the token is valid but not enough: another token would be the same), a
request whose body cannot be sent twice (a generator, a file, multipart uploads), and a 401 for a
request that no longer carries our token (httpx drops it on a redirect to another origin).

When even the new token is refused, the API is rejecting this client, not a stale token: further
401s for that same token are returned without asking for yet another one, until a request with it
succeeds or the client renews it. A misconfigured API so costs one extra token request per token
lifetime, not one per call.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Iterable
from typing import Protocol

import httpx

from svcaccounts.client.core import requested_scopes
from svcaccounts.client.token import AccessToken


# What the adapters need of a token client (TokenClient, AsyncTokenClient): typed by what they
# call, so that the clients import the adapters and not the other way round.
class TokenClient(Protocol):
    def token(self, scopes: Iterable[str] | None = None) -> AccessToken: ...

    def invalidate(self, token: AccessToken) -> bool: ...


class AsyncTokenClient(Protocol):
    async def token(self, scopes: Iterable[str] | None = None) -> AccessToken: ...

    def invalidate(self, token: AccessToken) -> bool: ...

UNAUTHORIZED = 401


def bearer(token: AccessToken) -> str:
    return f"Bearer {token.value}"


class RefusalMemory:
    """The 401 rules the adapters share, and the one token that was refused right after renewal."""

    def __init__(self) -> None:
        self._refused_after_renewal: AccessToken | None = None

    def worth_renewing(self, token: AccessToken, status_code: int, sent_authorization: str | None) -> bool:
        """Whether a response to a request sent with `token` calls for a new token and one retry
        (the body's replayability is the caller's to check)."""
        if status_code != UNAUTHORIZED:
            if token == self._refused_after_renewal:
                self._refused_after_renewal = None  # the API accepts it after all
            return False
        return sent_authorization == bearer(token) and token != self._refused_after_renewal

    def retried(self, token: AccessToken, status_code: int) -> None:
        """The answer to the retry with the renewed `token`."""
        self._refused_after_renewal = token if status_code == UNAUTHORIZED else None


def replayable(request: httpx.Request) -> bool:
    """A body httpx holds in memory (bytes, text, JSON, a form) can be sent again; a stream
    (generator, file, multipart) has been consumed by the first attempt."""
    return isinstance(request.stream, httpx.ByteStream)


class HttpxAuth(httpx.Auth):
    """`Authorization: Bearer` from a `TokenClient`, for `httpx.Client`; see the module docstring."""

    def __init__(self, client: TokenClient, scopes: Iterable[str] | None = None) -> None:
        self._client = client
        self._scopes = requested_scopes(scopes)
        self._memory = RefusalMemory()

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._client.token(self._scopes)
        request.headers["Authorization"] = bearer(token)
        response = yield request
        if not self._memory.worth_renewing(
            token, response.status_code, response.request.headers.get("Authorization")
        ) or not replayable(request):
            return
        self._client.invalidate(token)
        renewed = self._client.token(self._scopes)
        if renewed == token:
            return
        request.headers["Authorization"] = bearer(renewed)
        response = yield request
        self._memory.retried(renewed, response.status_code)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        # Without this, httpx would run the generic flow and send the request without a token.
        raise TypeError(
            "this auth is for httpx.Client; use AsyncTokenClient.httpx_auth() with httpx.AsyncClient"
        )
        yield request  # pragma: no cover  (makes this an async generator, as httpx expects)


class AsyncHttpxAuth(httpx.Auth):
    """`Authorization: Bearer` from an `AsyncTokenClient`, for `httpx.AsyncClient`."""

    def __init__(self, client: AsyncTokenClient, scopes: Iterable[str] | None = None) -> None:
        self._client = client
        self._scopes = requested_scopes(scopes)
        self._memory = RefusalMemory()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._client.token(self._scopes)
        request.headers["Authorization"] = bearer(token)
        response = yield request
        if not self._memory.worth_renewing(
            token, response.status_code, response.request.headers.get("Authorization")
        ) or not replayable(request):
            return
        self._client.invalidate(token)
        renewed = await self._client.token(self._scopes)
        if renewed == token:
            return
        request.headers["Authorization"] = bearer(renewed)
        response = yield request
        self._memory.retried(renewed, response.status_code)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise TypeError("this auth is for httpx.AsyncClient; use TokenClient.httpx_auth() with httpx.Client")
        yield request  # pragma: no cover
