"""Reading the System Log as usage evidence, against the loopback Okta org whose every answer is
validated against Okta's published API description (`LogEvent`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from svcaccounts.core.usage import ClientCreated, TokenEvent, Window
from svcaccounts.okta_api.credentials import ApiToken
from svcaccounts.okta_api.errors import OktaApiError
from svcaccounts.okta_api.log_events import LOG_FILTER, Skipped, read_evidence, read_log_item
from svcaccounts.okta_api.reader import OktaReader
from tests.support.okta_fixtures import API_TOKEN
from tests.support.okta_logs import app_created, other_event, token_granted, token_refused
from tests.support.okta_server import FakeOrg, OktaServer, spec_problems

UNTIL = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = Window.ending(UNTIL, 30)
APP = "0oa00000000000000001"


def test_a_grant_keeps_the_client_the_time_and_the_granted_scopes_only() -> None:
    event = token_granted(APP, UNTIL - timedelta(hours=1), ["orders:write", "orders:read"])
    assert read_log_item(event, "item") == TokenEvent(
        UNTIL - timedelta(hours=1), APP, "granted", ("orders:read", "orders:write")
    )


def test_a_refusal_keeps_its_reason_code_but_never_free_text() -> None:
    at = UNTIL - timedelta(hours=2)
    assert read_log_item(token_refused(APP, at), "item") == TokenEvent(at, APP, "failed", reason="invalid_client")
    assert read_log_item(token_refused(APP, at, "The client 203.0.113.7 is bad"), "item") == TokenEvent(
        at, APP, "failed", reason=None
    )


def test_a_grant_without_granted_scopes_still_counts_as_a_grant() -> None:
    event = token_granted(APP, UNTIL, None)
    item = read_log_item(event, "item")
    assert isinstance(item, TokenEvent) and item.outcome == "granted" and item.scopes is None


def test_an_app_creation_names_the_app_as_client() -> None:
    assert read_log_item(app_created(APP, UNTIL), "item") == ClientCreated(UNTIL, APP)


def test_an_unknown_event_type_is_counted_and_skipped() -> None:
    assert read_log_item(other_event("app.oauth2.as.token.grant.new_kind", APP, UNTIL), "item") == Skipped(
        "app.oauth2.as.token.grant.new_kind", known=False
    )
    # A known sub-event that neither grants an access token nor fails.
    id_token = other_event("app.oauth2.as.token.grant.id_token", APP, UNTIL)
    assert read_log_item(id_token, "item") == Skipped("app.oauth2.as.token.grant.id_token", known=True)


def test_a_known_event_without_its_time_names_the_field_not_the_value() -> None:
    event = token_granted(APP, UNTIL, ["orders:read"])
    event["published"] = "yesterday at 203.0.113.7"
    with pytest.raises(OktaApiError, match=r"item: published: expected an ISO 8601 time") as raised:
        read_log_item(event, "item")
    assert "203.0.113.7" not in str(raised.value)


def test_the_fixture_events_are_what_okta_describes() -> None:
    events = [
        token_granted(APP, UNTIL, ["orders:read"]),
        token_refused(APP, UNTIL),
        app_created(APP, UNTIL),
        other_event("app.oauth2.as.token.grant.new_kind", APP, UNTIL),
    ]
    assert spec_problems("GET", "/api/v1/logs", {}, 200, events) == []
    broken = token_refused(APP, UNTIL)
    broken["outcome"]["result"] = "BROKEN"
    assert spec_problems("GET", "/api/v1/logs", {}, 200, [broken])


def test_reads_a_bounded_window_page_after_page_through_a_rate_limit(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    okta_org.page_size = 3
    inside = [token_granted(APP, WINDOW.since + timedelta(hours=n), ["orders:read"]) for n in range(7)]
    okta_org.logs = [
        token_granted(APP, WINDOW.since - timedelta(seconds=1), ["orders:write"]),  # before the window
        *inside,
        token_refused(APP, UNTIL),  # `until` is exclusive
        other_event("user.session.start", APP, UNTIL - timedelta(days=1)),  # not asked for
        other_event("app.oauth2.as.token.grant.new_kind", APP, UNTIL - timedelta(days=1)),
        app_created("0oa00000000000000002", UNTIL - timedelta(days=3)),
    ]
    okta_server.rate_limit(1)
    waits: list[float] = []
    with OktaReader(okta_server.base_url, ApiToken(API_TOKEN), sleep=waits.append) as reader:
        evidence = read_evidence(reader, WINDOW)
    assert [event.at for event in evidence.events if isinstance(event, TokenEvent)] == [
        WINDOW.since + timedelta(hours=n) for n in range(7)
    ]
    assert [e for e in evidence.events if isinstance(e, ClientCreated)] == [ClientCreated(UNTIL - timedelta(days=3), "0oa00000000000000002")]
    assert dict(evidence.unknown_event_types) == {"app.oauth2.as.token.grant.new_kind": 1}
    calls = okta_server.api_calls("/api/v1/logs")
    assert [call.status for call in calls] == [429, 200, 200, 200]
    assert len(waits) == 1
    first = calls[0].query
    assert (first["since"], first["until"], first["filter"]) == ("2026-01-30T00:00:00.000Z", "2026-03-01T00:00:00.000Z", LOG_FILTER)
    # Every page keeps the window: paging ends because `until` bounds it.
    assert all(call.query["until"] == "2026-03-01T00:00:00.000Z" for call in calls)
    assert [call.query.get("after") is not None for call in calls] == [False, False, True, True]
