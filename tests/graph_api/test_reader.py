"""The Graph reader's guarantees against hostile or broken answers (httpx.MockTransport), and
where its credential comes from."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from svcaccounts.graph_api.credentials import (
    ClientSecretCredential,
    checked_tenant,
    credential_from_environment,
)
from svcaccounts.graph_api.errors import GraphApiError
from svcaccounts.graph_api.reader import ANSWER_LIMIT, GraphReader

APP = "aaaaaaaa-0000-4000-8000-000000000001"
TENANT = "11111111-2222-3333-4444-555555555555"
SECRET = "s3cr3t~value~never~shown"
CREDENTIAL = ClientSecretCredential(TENANT, APP, SECRET)
TOKEN_URL = "https://login.example.test/t/oauth2/v2.0/token"
PATH = "/beta/auditLogs/signIns"


def reader(answer: Callable[[httpx.Request], httpx.Response], **options: object) -> GraphReader:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            form = dict(httpx.QueryParams(request.content.decode()))
            assert form == {
                "grant_type": "client_credentials",
                "client_id": APP,
                "client_secret": SECRET,
                "scope": "https://graph.microsoft.com/.default",
            }
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "tok-123"})
        assert request.headers["authorization"] == "Bearer tok-123"
        return answer(request)

    return GraphReader(CREDENTIAL, token_url=TOKEN_URL, transport=httpx.MockTransport(route), **options)  # type: ignore[arg-type]


def items(graph: GraphReader) -> list[object]:
    return list(graph.paged(PATH, {"$filter": "x"}, lambda item, where: item))


def test_pages_follow_next_links_on_the_same_path() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("$skiptoken")
        if token is None:
            return httpx.Response(200, json={"value": [1], "@odata.nextLink": f"https://graph.microsoft.com{PATH}?$skiptoken=a"})
        return httpx.Response(200, json={"value": [2]})

    assert items(reader(answer)) == [1, 2]


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/beta/auditLogs/signIns?$skiptoken=a", "https://graph.microsoft.com/beta/users?$skiptoken=a"],
)
def test_a_next_link_off_the_path_or_origin_is_not_followed(link: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [], "@odata.nextLink": link})

    with pytest.raises(GraphApiError, match="the next-page link leaves /beta/auditLogs/signIns"):
        items(reader(answer))


def test_a_repeated_next_link_stops_the_read() -> None:
    link = f"https://graph.microsoft.com{PATH}?$skiptoken=a"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [], "@odata.nextLink": link})

    with pytest.raises(GraphApiError, match="repeats an earlier page"):
        items(reader(answer))


def test_throttling_waits_retry_after_and_gives_up_after_several_waits() -> None:
    waits: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "7"}, json={"error": {"code": "TooManyRequests", "message": "m"}})

    with pytest.raises(GraphApiError, match=r"still throttled or unavailable after several waits \(429\)"):
        items(reader(answer, sleep=waits.append))
    assert waits == [7.0] * 5


def test_a_wait_past_the_deadline_ends_the_read() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "60"})

    with pytest.raises(GraphApiError, match="past the read's deadline"):
        items(reader(answer, deadline=30.0, sleep=lambda s: None))


def test_an_oversized_answer_is_refused() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * (ANSWER_LIMIT + 1))

    with pytest.raises(GraphApiError, match="larger than 16 MiB"):
        items(reader(answer))


def test_an_error_message_quotes_no_body() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "Request_BadRequest", "message": "bad filter near 'x' from 203.0.113.9"}}
        return httpx.Response(400, content=json.dumps(body).encode())

    with pytest.raises(GraphApiError) as raised:
        items(reader(answer))
    assert str(raised.value) == "GET /beta/auditLogs/signIns: Microsoft Graph refused the request (400) (Request_BadRequest)"


def test_the_credential_is_taken_whole_from_one_family() -> None:
    arm = {"ARM_CLIENT_ID": APP, "ARM_CLIENT_SECRET": SECRET, "ARM_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "x"}
    assert credential_from_environment(arm) == ClientSecretCredential(TENANT, APP, SECRET, "ARM")
    azure = {"AZURE_CLIENT_ID": APP, "AZURE_CLIENT_SECRET": SECRET}
    assert credential_from_environment(azure) == ClientSecretCredential(None, APP, SECRET, "AZURE")
    with pytest.raises(GraphApiError, match="ARM_CLIENT_ID and ARM_CLIENT_SECRET must both be set"):
        credential_from_environment({"ARM_CLIENT_ID": APP, "AZURE_CLIENT_SECRET": SECRET})
    with pytest.raises(GraphApiError, match="no Microsoft Graph credential"):
        credential_from_environment({})
    assert SECRET not in repr(credential_from_environment(arm))


def test_a_credential_of_another_tenant_is_refused() -> None:
    assert checked_tenant(CREDENTIAL, TENANT.upper()) == TENANT.upper()
    with pytest.raises(GraphApiError, match="not the stack's tenant"):
        checked_tenant(CREDENTIAL, "99999999-2222-3333-4444-555555555555")
