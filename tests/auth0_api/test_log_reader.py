"""The Auth0 tenant-log reader against the loopback tenant (tests/support/auth0_server.py), whose
every request and answer is checked against Auth0's published Management API description."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from svcaccounts.auth0_api.credentials import (
    ApiToken,
    ClientSecret,
    credential_from_environment,
)
from svcaccounts.auth0_api.errors import Auth0ApiError
from svcaccounts.auth0_api.log_events import read_evidence, read_log_item
from svcaccounts.auth0_api.reader import Auth0Reader
from svcaccounts.auth0_api.tenant_url import tenant_url
from svcaccounts.core.usage import TokenEvent, Window
from tests.support.auth0_fixtures import READER_ID, READER_SECRET
from tests.support.auth0_logs import FREE_TEXT, exchange_failed, exchange_succeeded, other_event
from tests.support.auth0_server import Application, Auth0Server, FakeTenant

UNTIL = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = Window.ending(UNTIL, 30)
CLIENT = "reportReaderClientId000000000001"


def reader(server: Auth0Server, *, secret: str = READER_SECRET, waits: list[float] | None = None) -> Auth0Reader:
    recorded = [] if waits is None else waits
    return Auth0Reader(server.base_url, ClientSecret(READER_ID, secret), sleep=recorded.append)


def test_a_success_and_a_failure_become_token_events_and_nothing_else() -> None:
    at = UNTIL - timedelta(days=1)
    granted = read_log_item(exchange_succeeded(CLIENT, at, scope="reports:read"), "item")
    refused = read_log_item(exchange_failed(CLIENT, at), "item")
    worded = read_log_item(exchange_failed(CLIENT, at, FREE_TEXT), "item")
    # The scope an event may carry is not read: Auth0 does not document it per event type.
    assert granted.evidence == TokenEvent(at, CLIENT, "granted", None)
    assert refused.evidence == TokenEvent(at, CLIENT, "failed", reason="Unauthorized")
    assert worded.evidence == TokenEvent(at, CLIENT, "failed", reason=None)


def test_an_event_without_its_client_names_the_field_not_a_value() -> None:
    event = exchange_succeeded(CLIENT, UNTIL)
    del event["client_id"]
    with pytest.raises(Auth0ApiError, match=r"^item 3: client_id: expected a non-empty string$"):
        read_log_item(event, "item 3")


def test_pages_are_read_in_date_order_until_a_short_page(auth0_tenant: FakeTenant, auth0_server: Auth0Server) -> None:
    auth0_tenant.logs = [exchange_succeeded(CLIENT, WINDOW.since + timedelta(hours=n)) for n in range(250)]
    auth0_tenant.logs.append(other_event("s", CLIENT, WINDOW.since + timedelta(hours=3)))
    with reader(auth0_server) as tenant:
        evidence = read_evidence(tenant, WINDOW)
    assert len(evidence.events) == 250 and evidence.searches == 1
    assert [call.query["page"] for call in auth0_server.log_calls()] == ["0", "1", "2"]
    query = auth0_server.log_calls()[0].query
    assert query["q"] == "(type:seccft OR type:feccft) AND date:[2026-01-30T00:00:00.000Z TO 2026-03-01T00:00:00.000Z]"
    assert (query["sort"], query["per_page"]) == ("date:1", "100")


def test_a_window_of_more_than_a_thousand_events_continues_from_the_last_date(
    auth0_tenant: FakeTenant, auth0_server: Auth0Server
) -> None:
    # 2,500 events, five at each instant: Auth0 pages through 1,000 results of a search only.
    instants = [WINDOW.since + timedelta(minutes=n) for n in range(500)]
    auth0_tenant.logs = [exchange_succeeded(CLIENT, at) for at in instants for _ in range(5)]
    with reader(auth0_server) as tenant:
        evidence = read_evidence(tenant, WINDOW)
    assert len(evidence.events) == 2500
    assert evidence.searches == 3
    assert all(call.status == 200 for call in auth0_server.log_calls())


def test_more_than_a_thousand_events_at_one_instant_is_an_error_not_a_loop(
    auth0_tenant: FakeTenant, auth0_server: Auth0Server
) -> None:
    auth0_tenant.logs = [exchange_failed(CLIENT, WINDOW.since) for _ in range(1001)]
    with reader(auth0_server) as tenant, pytest.raises(Auth0ApiError, match="more than 1000 client-credentials events at"):
        read_evidence(tenant, WINDOW)


def test_a_tenant_that_refuses_instants_is_searched_by_whole_days_and_the_edges_cut_here(
    auth0_tenant: FakeTenant, auth0_server: Auth0Server
) -> None:
    # Auth0 documents `date` as YYYY-MM-DD: if a tenant answers an instant range with 400, the
    # read falls back to whole days and keeps only what lies inside the window.
    auth0_tenant.whole_days_only = True
    mid_day = Window(datetime(2026, 2, 1, 12, tzinfo=UTC), datetime(2026, 2, 3, 12, tzinfo=UTC))
    auth0_tenant.logs = [exchange_succeeded(CLIENT, datetime(2026, 2, 1, tzinfo=UTC) + timedelta(hours=n)) for n in range(72)]
    with reader(auth0_server) as tenant:
        evidence = read_evidence(tenant, mid_day)
    assert evidence.whole_days
    assert sorted(event.at for event in evidence.events) == [
        datetime(2026, 2, 1, 12, tzinfo=UTC) + timedelta(hours=n) for n in range(48)
    ]
    first, second = auth0_server.log_calls()[:2]
    assert first.status == 400 and "T12:00:00.000Z" in first.query["q"]
    assert second.status == 200 and second.query["q"].endswith("date:[2026-02-01 TO 2026-02-03]")


def test_by_whole_days_more_than_a_thousand_events_in_one_day_is_an_error_not_a_loop(
    auth0_tenant: FakeTenant, auth0_server: Auth0Server
) -> None:
    auth0_tenant.whole_days_only = True
    auth0_tenant.logs = [exchange_failed(CLIENT, WINDOW.since + timedelta(seconds=n)) for n in range(1001)]
    with reader(auth0_server) as tenant, pytest.raises(Auth0ApiError, match="more than 1000 client-credentials events on 2026-01-30"):
        read_evidence(tenant, WINDOW)


def test_a_429_is_waited_out_until_the_reset(auth0_tenant: FakeTenant, auth0_server: Auth0Server) -> None:
    auth0_tenant.logs = [exchange_succeeded(CLIENT, UNTIL - timedelta(hours=1))]
    auth0_server.rate_limit(2)
    waits: list[float] = []
    with reader(auth0_server, waits=waits) as tenant:
        evidence = read_evidence(tenant, WINDOW)
    assert len(evidence.events) == 1
    assert [call.status for call in auth0_server.log_calls()] == [429, 429, 200]
    assert len(waits) == 2 and all(1.0 <= wait <= 3.0 for wait in waits)


def test_a_rate_limit_past_the_deadline_ends_the_read(auth0_server: Auth0Server) -> None:
    auth0_server.rate_limit(10)
    # A clock that stands still with one second left: every wait (at least a second) is too long.
    credential = ClientSecret(READER_ID, READER_SECRET)
    tenant = Auth0Reader(auth0_server.base_url, credential, deadline=1.0, sleep=lambda _: None, monotonic=lambda: 0.0)
    with tenant, pytest.raises(Auth0ApiError, match="rate limited or unavailable past the read's deadline"):
        read_evidence(tenant, WINDOW)


def test_an_application_without_read_logs_is_told_which_scope_to_grant(
    auth0_tenant: FakeTenant, auth0_server: Auth0Server
) -> None:
    auth0_tenant.applications[READER_ID] = Application(READER_SECRET, frozenset({"read:users"}))
    with reader(auth0_server) as tenant, pytest.raises(Auth0ApiError) as raised:
        read_evidence(tenant, WINDOW)
    message = str(raised.value)
    assert message.startswith(f"POST /oauth/token: the application {READER_ID} got no Management API token (403, access_denied)")
    assert "read:logs" in message and READER_SECRET not in message


def test_a_token_without_read_logs_is_a_403_naming_the_scope(auth0_tenant: FakeTenant, auth0_server: Auth0Server) -> None:
    auth0_tenant.api_tokens["hand-made-token-without-logs"] = frozenset({"read:clients"})
    tenant = Auth0Reader(auth0_server.base_url, ApiToken("hand-made-token-without-logs"))
    with tenant, pytest.raises(Auth0ApiError) as raised:
        read_evidence(tenant, WINDOW)
    assert str(raised.value) == (
        "GET /api/v2/logs: the credential may not read the tenant log: authorize its application for the "
        "Auth0 Management API with the read:logs scope (403, insufficient_scope)"
    )
    assert raised.value.status == 403


def test_a_wrong_secret_is_one_line_without_the_secret(auth0_server: Auth0Server) -> None:
    with reader(auth0_server, secret="wrong-secret-value-9") as tenant, pytest.raises(Auth0ApiError) as raised:
        read_evidence(tenant, WINDOW)
    assert "(401, access_denied)" in str(raised.value)
    assert "wrong-secret-value-9" not in str(raised.value)


def test_the_api_token_wins_over_a_client_secret_as_the_provider_reads_them() -> None:
    both = {"AUTH0_API_TOKEN": "tok", "AUTH0_CLIENT_ID": "id", "AUTH0_CLIENT_SECRET": "secret"}
    assert credential_from_environment(both) == ApiToken("tok")
    assert credential_from_environment({"AUTH0_CLIENT_ID": "id", "AUTH0_CLIENT_SECRET": "s"}) == ClientSecret("id", "s")
    assert "secret" not in repr(ClientSecret("id", "secret"))
    with pytest.raises(Auth0ApiError, match="AUTH0_CLIENT_ID is set but AUTH0_CLIENT_SECRET is not"):
        credential_from_environment({"AUTH0_CLIENT_ID": "id"})


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("http://tenant.example.com", "plain http is allowed only to a loopback address"),
        ("https://tenant.eu.auth0.com/api/v2", "with no path, query or fragment"),
        ("https://user:pw@tenant.eu.auth0.com", "must not carry user information"),
    ],
)
def test_a_tenant_url_that_would_leak_the_credential_is_refused(override: str, message: str) -> None:
    with pytest.raises(Auth0ApiError, match=message):
        tenant_url("tenant.eu.auth0.com", override)


def test_the_tenant_is_the_stack_domain_over_https() -> None:
    assert tenant_url("example-staging.eu.auth0.com", None) == "https://example-staging.eu.auth0.com"


def test_the_fake_tenant_is_held_to_auth0s_description() -> None:
    """The check the loopback server runs on every exchange can fail: a field of the wrong type, an
    answer that is not a list, a page larger than Auth0 allows."""
    from tests.support.auth0_server import spec_problems

    query = {"q": "type:seccft", "sort": "date:1", "per_page": "100", "page": "0"}
    event = exchange_succeeded(CLIENT, UNTIL)
    assert spec_problems(query, 200, [event]) == []
    assert spec_problems(query, 200, [{**event, "client_id": 5}]) != []
    assert spec_problems(query, 200, {"logs": [event], "unexpected": 1}) != []
    assert spec_problems({**query, "per_page": "101"}, 200, [event]) != []
    assert spec_problems({**query, "sort": "date"}, 200, [event]) != []
