"""The HTTP auth adapters (httpx sync and async, requests) against a resource server on loopback
that accepts the loopback authorization server's tokens: bearer token from the cache, one retry
with a new token on 401, single flight across requests refused together, no retry on 403 or for a
body that cannot be sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import requests
from joserfc.jwk import RSAKey

from svcaccounts.client import AsyncTokenClient, TokenClient, TokenEndpointUnavailable
from tests.support.authz_server import AuthzServer
from tests.support.resource_server import ResourceServer

Account = Callable[..., tuple[Path, str]]
MakeClient = Callable[..., TokenClient]
MakeAsyncClient = Callable[..., AsyncTokenClient]
TIMEOUT = 10.0


@pytest.fixture
def api(signing_key: RSAKey) -> Iterator[ResourceServer]:
    server = ResourceServer(signing_key, required_scope="reports.read")
    yield server
    server.close()


class Caller(Protocol):
    """One request through one of the sync adapters: (status, JSON body)."""

    def __call__(
        self, method: str, path: str, *, body: bytes | Iterator[bytes] | None = None
    ) -> tuple[int, dict[str, Any]]: ...


@pytest.fixture(params=["httpx", "requests"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_caller(adapter: str, api: ResourceServer) -> Iterator[Callable[..., Caller]]:
    """A caller through `adapter` with `client.httpx_auth(scopes)` or `client.requests_auth(scopes)`."""
    sessions: list[httpx.Client | requests.Session] = []

    def make(client: TokenClient, scopes: list[str] | None = None) -> Caller:
        if adapter == "httpx":
            http = httpx.Client(
                base_url=api.base_url, auth=client.httpx_auth(scopes), timeout=TIMEOUT, follow_redirects=True
            )
            sessions.append(http)

            def call_httpx(
                method: str, path: str, *, body: bytes | Iterator[bytes] | None = None
            ) -> tuple[int, dict[str, Any]]:
                response = http.request(method, path, content=body)
                return response.status_code, response.json()

            return call_httpx
        session = requests.Session()
        session.auth = client.requests_auth(scopes)
        sessions.append(session)

        def call_requests(
            method: str, path: str, *, body: bytes | Iterator[bytes] | None = None
        ) -> tuple[int, dict[str, Any]]:
            response = session.request(method, api.base_url + path, data=body, timeout=TIMEOUT)
            return response.status_code, response.json()

        return call_requests

    yield make
    for session in sessions:
        session.close()


# --- sync: httpx.Client and requests ----------------------------------------------------------


def test_every_request_carries_the_cached_token(
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])

    assert call("GET", "/projects/p1") == (200, {"id": "p1", "name": "Project p1"})
    assert call("GET", "/projects/p2")[0] == 200

    assert authz.request_count == 1
    first, second = api.jtis()
    assert first is not None and first == second


def test_a_revoked_token_is_replaced_and_the_request_sent_once_more(
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])
    call("GET", "/projects/p1")
    revoked = api.jtis()[0]
    assert revoked is not None
    api.revoke(revoked)

    assert call("GET", "/projects/p1") == (200, {"id": "p1", "name": "Project p1"})

    assert api.statuses() == [200, 401, 200]
    jtis = api.jtis()
    assert jtis[1] == revoked and jtis[2] not in (None, revoked)
    assert authz.request_count == 2


def test_an_api_that_always_answers_401_gets_one_retry_and_the_caller_its_401(
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])
    api.refuse_every_token = True

    assert call("GET", "/projects/p1") == (401, {"error": "invalid_token"})
    assert api.statuses() == [401, 401]
    assert authz.request_count == 2

    # The new token was refused too: the API refuses this client, so the next call does not cost
    # another token; and once the API accepts the token, it is used as it is.
    assert call("GET", "/projects/p1")[0] == 401
    api.refuse_every_token = False
    assert call("GET", "/projects/p1")[0] == 200
    assert api.statuses() == [401, 401, 401, 200]
    assert authz.request_count == 2


def test_403_is_not_retried(
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.write"])  # valid, but not the scope the API wants

    assert call("GET", "/projects/p1") == (403, {"error": "insufficient_scope"})

    assert api.statuses() == [403]
    assert authz.request_count == 1


def test_a_body_held_in_memory_is_sent_again_with_the_new_token(
    basic_account: Account, make_client: MakeClient, make_caller: Callable[..., Caller], api: ResourceServer
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])
    call("GET", "/projects/p1")
    api.revoke(str(api.jtis()[0]))

    status, answer = call("POST", "/projects/p1", body=b'{"name": "renamed"}')

    assert (status, answer["received"]) == (200, '{"name": "renamed"}')
    assert [(seen.status, seen.body) for seen in api.seen[1:]] == [
        (401, b'{"name": "renamed"}'),
        (200, b'{"name": "renamed"}'),
    ]


def test_a_streamed_body_is_never_sent_twice(
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])
    call("GET", "/projects/p1")
    api.revoke(str(api.jtis()[0]))

    status, _ = call("POST", "/projects/p1", body=iter([b"part one, ", b"part two"]))

    assert status == 401
    assert [(seen.status, seen.body) for seen in api.seen[1:]] == [(401, b"part one, part two")]
    assert authz.request_count == 1


def test_fifty_threads_refused_the_same_token_cause_one_token_request(
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])
    call("GET", "/projects/p0")
    api.revoke(str(api.jtis()[0]))
    api.hold_refusals()

    with ThreadPoolExecutor(max_workers=50) as pool:
        calls = [pool.submit(call, "GET", f"/projects/p{n}") for n in range(1, 51)]
        # Every request is in, sent with the revoked token, before any 401 goes out. Half the
        # refusals arrive together and renew; the other half arrive after the renewal: they must
        # not drop the new token.
        assert api.wait_until(lambda api: api.refusals_held == 50)
        api.release_refusals(25)
        assert api.wait_until(lambda api: api.statuses().count(200) == 1 + 25)
        api.release_refusals(25)
        results = [future.result(timeout=30) for future in calls]

    assert [status for status, _ in results] == [200] * 50
    statuses = api.statuses()
    assert statuses.count(401) == 50 and statuses.count(200) == 51
    assert authz.request_count == 2  # the first token, and one renewal for all fifty refusals
    assert len({jti for jti, status in zip(api.jtis(), statuses, strict=True) if status == 200}) == 2


def test_without_a_new_token_the_caller_gets_the_clients_error_not_the_401(
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])
    call("GET", "/projects/p1")
    api.revoke(str(api.jtis()[0]))
    authz.down()

    with pytest.raises(TokenEndpointUnavailable):
        call("GET", "/projects/p1")

    assert api.statuses() == [200, 401]


def test_a_401_from_another_origin_the_request_was_redirected_to_is_not_retried(
    signing_key: RSAKey,
    basic_account: Account,
    make_client: MakeClient,
    make_caller: Callable[..., Caller],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    call = make_caller(make_client(path), ["reports.read"])
    elsewhere = ResourceServer(signing_key, required_scope="reports.read")
    try:
        status, _ = call("GET", f"/redirect?to={elsewhere.base_url}/projects/p1")
    finally:
        elsewhere.close()

    # The HTTP client dropped the token on the way to the other origin; the adapter does not
    # send it there either.
    assert status == 401
    assert [(seen.status, seen.token) for seen in elsewhere.seen] == [(401, None)]
    assert api.statuses() == [307]
    assert authz.request_count == 1


# --- async: httpx.AsyncClient -----------------------------------------------------------------


def run_async(
    client: AsyncTokenClient, api: ResourceServer, scenario: Callable[[httpx.AsyncClient], Any]
) -> Any:
    async def main() -> Any:
        async with httpx.AsyncClient(
            base_url=api.base_url, auth=client.httpx_auth(["reports.read"]), timeout=TIMEOUT
        ) as http:
            return await asyncio.wait_for(scenario(http), timeout=30)

    return asyncio.run(main())


def test_async_a_revoked_token_is_replaced_and_the_request_sent_once_more(
    basic_account: Account, make_async_client: MakeAsyncClient, api: ResourceServer, authz: AuthzServer
) -> None:
    path, _ = basic_account()

    async def scenario(http: httpx.AsyncClient) -> int:
        await http.get("/projects/p1")
        api.revoke(str(api.jtis()[0]))
        return (await http.get("/projects/p1")).status_code

    assert run_async(make_async_client(path), api, scenario) == 200
    assert api.statuses() == [200, 401, 200]
    assert authz.request_count == 2


def test_async_an_api_that_always_answers_401_gets_one_retry(
    basic_account: Account, make_async_client: MakeAsyncClient, api: ResourceServer, authz: AuthzServer
) -> None:
    path, _ = basic_account()
    api.refuse_every_token = True

    async def scenario(http: httpx.AsyncClient) -> int:
        return (await http.get("/projects/p1")).status_code

    assert run_async(make_async_client(path), api, scenario) == 401
    assert api.statuses() == [401, 401]
    assert authz.request_count == 2


def test_async_fifty_tasks_refused_the_same_token_cause_one_token_request(
    basic_account: Account, make_async_client: MakeAsyncClient, api: ResourceServer, authz: AuthzServer
) -> None:
    path, _ = basic_account()

    async def wait_until(condition: Callable[[ResourceServer], bool]) -> None:
        assert await asyncio.to_thread(api.wait_until, condition)

    async def scenario(http: httpx.AsyncClient) -> list[int]:
        await http.get("/projects/p0")
        api.revoke(str(api.jtis()[0]))
        api.hold_refusals()
        calls = [asyncio.ensure_future(http.get(f"/projects/p{n}")) for n in range(1, 51)]
        await wait_until(lambda api: api.refusals_held == 50)
        api.release_refusals(25)
        await wait_until(lambda api: api.statuses().count(200) == 1 + 25)
        api.release_refusals(25)
        return [response.status_code for response in await asyncio.gather(*calls)]

    assert run_async(make_async_client(path), api, scenario) == [200] * 50
    assert api.statuses().count(401) == 50
    assert authz.request_count == 2


def test_async_a_streamed_body_is_never_sent_twice(
    basic_account: Account, make_async_client: MakeAsyncClient, api: ResourceServer, authz: AuthzServer
) -> None:
    path, _ = basic_account()

    async def parts() -> AsyncIterator[bytes]:
        yield b"part one, "
        yield b"part two"

    async def scenario(http: httpx.AsyncClient) -> int:
        await http.get("/projects/p1")
        api.revoke(str(api.jtis()[0]))
        return (await http.post("/projects/p1", content=parts())).status_code

    assert run_async(make_async_client(path), api, scenario) == 401
    assert [seen.status for seen in api.seen] == [200, 401]
    assert authz.request_count == 1


# --- using the adapters wrongly fails loudly, before any request ------------------------------


def test_the_sync_adapter_refuses_an_async_httpx_client(
    basic_account: Account, make_client: MakeClient, api: ResourceServer
) -> None:
    path, _ = basic_account()
    auth = make_client(path).httpx_auth()

    async def scenario() -> None:
        async with httpx.AsyncClient(auth=auth, timeout=TIMEOUT) as http:
            await http.get(api.base_url + "/projects/p1")

    with pytest.raises(TypeError, match=r"use AsyncTokenClient.httpx_auth\(\) with httpx.AsyncClient"):
        asyncio.run(scenario())
    assert api.seen == []


def test_the_async_adapter_refuses_a_sync_httpx_client(
    basic_account: Account, make_async_client: MakeAsyncClient, api: ResourceServer
) -> None:
    path, _ = basic_account()
    with (
        httpx.Client(auth=make_async_client(path).httpx_auth(), timeout=TIMEOUT) as http,
        pytest.raises(TypeError, match=r"use TokenClient.httpx_auth\(\) with httpx.Client"),
    ):
        http.get(api.base_url + "/projects/p1")
    assert api.seen == []


@pytest.mark.parametrize("make_auth", ["httpx_auth", "requests_auth"])
def test_scopes_given_as_one_string_are_refused(
    basic_account: Account, make_client: MakeClient, make_auth: str
) -> None:
    path, _ = basic_account()
    with pytest.raises(TypeError, match="not a string"):
        getattr(make_client(path), make_auth)("reports.read")
