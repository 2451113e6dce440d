"""Okta's System Log as usage evidence: the query `svcaccounts usage` sends, and the parser that
keeps a handful of fields of each `LogEvent` (Okta's published schema) and drops the rest.

What is read, and from where (Okta's event-type catalog; `debugData` keys as Okta logs them):

* `app.oauth2.as.token.grant.access_token` with `outcome.result` SUCCESS: a custom authorization
  server granted an access token. The scopes are `debugContext.debugData.grantedScopes` (a
  space-separated string). `requestedScopes` is not read: a request is not a use.
* `app.oauth2.as.token.grant` and its other sub-events with `outcome.result` FAILURE: a refused
  token request; `outcome.reason` (`invalid_client`, `no_matching_policy`, …) is kept only when
  it is a bare code, never when it is free text.
* `application.lifecycle.create`: an app was created; its `AppInstance` target's id is the app's
  id, which Okta also uses as the client id of the service apps the program creates. It tells
  an account created inside the window from an idle one.

The client is `actor.id` when the actor is an OAuth client (`PublicClientApp`), else the
event's `client.id` (Okta: "for OAuth requests, the ID of the OAuth client"). Nothing else of an
event is kept: no address, user agent, geography, session, transaction or display text. An event
type this parser does not know is counted and skipped; a known event without the fields it needs
is an OktaApiError naming the item and the field, never a value.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from svcaccounts.core.usage import ClientCreated, TokenEvent, UsageEvent, Window
from svcaccounts.okta_api.errors import OktaApiError
from svcaccounts.okta_api.reader import OktaReader

LOGS_PATH = "/api/v1/logs"
# Okta's largest page of log events.
LOGS_PAGE = 1000
# How far back Okta's System Log goes (Okta keeps 90 days of events).
RETENTION_DAYS = 90

TOKEN_GRANT = "app.oauth2.as.token.grant"
ACCESS_TOKEN_GRANT = "app.oauth2.as.token.grant.access_token"
APP_CREATED = "application.lifecycle.create"
# Sub-events of a token request this parser knows; they all end in a grant or a failure.
KNOWN_TOKEN_EVENTS = frozenset(
    {
        TOKEN_GRANT,
        ACCESS_TOKEN_GRANT,
        "app.oauth2.as.token.grant.id_token",
        "app.oauth2.as.token.grant.refresh_token",
    }
)
# One query for everything: `sw` takes every sub-event of a token request, including any Okta
# adds later (counted as unknown, so a change in Okta's catalog shows in the report).
LOG_FILTER = f'eventType sw "{TOKEN_GRANT}" or eventType eq "{APP_CREATED}"'
OAUTH_CLIENT_ACTOR = "PublicClientApp"
APP_TARGET = "AppInstance"

_REASON = re.compile(r"[A-Za-z_]{1,64}")
_SCOPE = re.compile(r"[!#-\[\]-~]{1,200}")


def okta_instant(instant: datetime) -> str:
    """How Okta writes (and takes) a time: `2025-03-01T00:00:00.000Z`."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Skipped:
    """An event that is not evidence: an unknown type (`known` False), or a known one that
    neither grants nor fails (an ID token granted to a user sign-in)."""

    event_type: str
    known: bool


LogItem = UsageEvent | Skipped


def _field(value: object, path: str) -> object:
    current = value
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _string(value: object, path: str, where: str, *, required: bool) -> str | None:
    found = _field(value, path)
    if found is None or found == "":
        if required:
            raise OktaApiError(f"{where}: {path}: expected a non-empty string")
        return None
    if not isinstance(found, str):
        raise OktaApiError(f"{where}: {path}: expected a string")
    return found


def _published(value: object, where: str) -> datetime:
    text = _string(value, "published", where, required=True)
    assert text is not None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise OktaApiError(f"{where}: published: expected an ISO 8601 time") from None
    if instant.utcoffset() != timedelta(0):
        raise OktaApiError(f"{where}: published: expected a UTC time")
    return instant


def _client_id(value: object, where: str) -> str:
    actor_type = _string(value, "actor.type", where, required=False)
    actor_id = _string(value, "actor.id", where, required=False)
    if actor_type == OAUTH_CLIENT_ACTOR and actor_id is not None:
        return actor_id
    client_id = _string(value, "client.id", where, required=False)
    found = client_id or actor_id
    if found is None:
        raise OktaApiError(f"{where}: actor.id: expected the OAuth client's id")
    return found


def _granted_scopes(value: object) -> tuple[str, ...] | None:
    """`grantedScopes` as Okta logs it (a space-separated string; a list is taken too); None
    when absent or unreadable: debugData's keys are not a stable contract (Okta's schema says
    so), and a grant without them still counts as use of the account."""
    found = _field(value, "debugContext.debugData.grantedScopes")
    if isinstance(found, str):
        names = found.split()
    elif isinstance(found, list) and all(isinstance(item, str) for item in found):
        names = list(found)
    else:
        return None
    if not all(_SCOPE.fullmatch(name) for name in names):
        return None
    return tuple(sorted(set(names)))


def _reason(value: object) -> str | None:
    found = _field(value, "outcome.reason")
    return found if isinstance(found, str) and _REASON.fullmatch(found) else None


def read_log_item(value: object, where: str) -> LogItem:
    """One `LogEvent` of the usage query, reduced to evidence (or to its type, when it is none)."""
    if not isinstance(value, dict):
        raise OktaApiError(f"{where}: expected an object")
    event_type = _string(value, "eventType", where, required=True)
    assert event_type is not None
    if event_type == APP_CREATED:
        return _app_created(value, where)
    if event_type not in KNOWN_TOKEN_EVENTS:
        return Skipped(event_type, known=False)
    result = _string(value, "outcome.result", where, required=True)
    if result == "FAILURE":
        return TokenEvent(_published(value, where), _client_id(value, where), "failed", reason=_reason(value))
    if result == "SUCCESS" and event_type == ACCESS_TOKEN_GRANT:
        return TokenEvent(
            _published(value, where), _client_id(value, where), "granted", _granted_scopes(value)
        )
    return Skipped(event_type, known=True)


def _app_created(value: object, where: str) -> LogItem:
    targets = _field(value, "target")
    if targets is None:
        targets = []
    if not isinstance(targets, list):
        raise OktaApiError(f"{where}: target: expected a list")
    for target in targets:
        if (
            isinstance(target, dict)
            and target.get("type") == APP_TARGET
            and isinstance(target.get("id"), str)
        ):
            if _string(value, "outcome.result", where, required=False) not in (None, "SUCCESS"):
                break
            return ClientCreated(_published(value, where), target["id"])
    return Skipped(APP_CREATED, known=True)


@dataclass
class Evidence:
    """What one read of the log gave: the evidence, and the event types it skipped."""

    events: list[UsageEvent] = field(default_factory=list)
    unknown_event_types: Counter[str] = field(default_factory=Counter)
    skipped: int = 0

    def add(self, items: Iterable[LogItem]) -> Evidence:
        for item in items:
            if isinstance(item, Skipped):
                self.skipped += 1
                if not item.known:
                    self.unknown_event_types[item.event_type] += 1
            else:
                self.events.append(item)
        return self


def log_query(window: Window) -> dict[str, str]:
    """A bounded query: `until` is set, so Okta's `next` links end with the last page."""
    return {
        "since": okta_instant(window.since),
        "until": okta_instant(window.until),
        "filter": LOG_FILTER,
        "limit": str(LOGS_PAGE),
        "sortOrder": "ASCENDING",
    }


def read_evidence(reader: OktaReader, window: Window) -> Evidence:
    """Every token event and app creation of the org inside `window`, page after page."""
    items: Iterator[LogItem] = reader.paged(LOGS_PATH, log_query(window), read_log_item)
    return Evidence().add(items)
