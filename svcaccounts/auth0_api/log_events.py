"""Auth0's tenant log as usage evidence: the search `svcaccounts usage` sends, and the parser
that keeps a handful of fields of each log event and drops the rest.

What is read (Auth0's "Log Event Type Codes"):

* `seccft`, "Successful exchange of Access Token for a Client Credentials Grant": a token was
  issued to `client_id` at `date`.
* `feccft`, "Failed exchange of Access Token for a Client Credentials Grant": a refused token
  request of `client_id`; its `description` is kept only when it is a bare code (one word such
  as `Unauthorized`), never when it is free text.

Not read: which scopes a token carried. Auth0's description of a log event has a `scope` field
and a free-form `details`, but documents neither per event type, so a grant's scopes are not
reliably in the log (NO_SCOPE_EVIDENCE): the analysis then judges no scope. Nor the address,
user agent, location, user, connection, audience or any other field.

The search (Auth0's "Retrieve Log Events Using the Management API"): by criteria, since that is
the one that can be bounded by a date range, `q=(type:seccft OR type:feccft) AND date:[since TO
until]`, `sort=date:1`, `per_page=100` (Auth0's largest page), `page` 0 to 9: Auth0 pages through
the first 1,000 results of a search only. When a search fills all ten pages, the next one starts
at the date of the last event read (events of that same instant come again and are recognised
by `log_id`), so every search ends and the whole read ends once a search comes back short.
Checkpoint paging (`from`/`take`) is not used: it ignores `q`, so it would read every event of
the tenant (logins, API calls, …) since a log id, and its `next` link never ends.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from svcaccounts.auth0_api.errors import Auth0ApiError
from svcaccounts.auth0_api.reader import Auth0Reader
from svcaccounts.core.usage import TokenEvent, UsageEvent, Window

LOGS_PATH = "/api/v2/logs"
# Auth0's largest page of a search, and how many results of one search it pages through.
PAGE_SIZE = 100
SEARCH_LIMIT = 1000
# Auth0 keeps 1 to 30 days of tenant log, by plan; a longer window cannot be read.
RETENTION_DAYS = 30

SUCCESS = "seccft"
FAILURE = "feccft"
NO_SCOPE_EVIDENCE = "Auth0's tenant log does not reliably list the scopes a client-credentials token carried"

_REASON = re.compile(r"[A-Za-z_]{1,64}")


def auth0_instant(instant: datetime) -> str:
    """How the search takes a time: `2026-03-01T00:00:00.000Z`."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def log_query(since: datetime, until: datetime, page: int, *, whole_days: bool = False) -> dict[str, str]:
    """One page of the search for the client-credentials exchanges in [since, until] (Auth0's
    range is inclusive; the analysis drops an event at `until` itself). `whole_days`: the range
    in the `YYYY-MM-DD` form Auth0's query-syntax page documents, for a tenant that refuses
    instants (read_evidence falls back to it; the window's edges are then cut here)."""
    if whole_days:
        last_day = (until - timedelta(microseconds=1)).date()
        dates = f"[{since.date().isoformat()} TO {last_day.isoformat()}]"
    else:
        dates = f"[{auth0_instant(since)} TO {auth0_instant(until)}]"
    return {
        "q": f"(type:{SUCCESS} OR type:{FAILURE}) AND date:{dates}",
        "sort": "date:1",
        "per_page": str(PAGE_SIZE),
        "page": str(page),
    }


@dataclass(frozen=True, slots=True)
class LogItem:
    """One log event of the search: its id (to recognise it when a search repeats it), its
    time, and the evidence (None for a type this parser does not know)."""

    log_id: str
    at: datetime
    event_type: str
    evidence: UsageEvent | None


def _string(value: dict[str, object], key: str, where: str) -> str:
    found = value.get(key)
    if not isinstance(found, str) or not found:
        raise Auth0ApiError(f"{where}: {key}: expected a non-empty string")
    return found


def _date(value: dict[str, object], where: str) -> datetime:
    text = _string(value, "date", where)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise Auth0ApiError(f"{where}: date: expected an ISO 8601 time") from None
    if instant.utcoffset() != timedelta(0):
        raise Auth0ApiError(f"{where}: date: expected a UTC time")
    return instant


def _reason(value: dict[str, object]) -> str | None:
    found = value.get("description")
    return found if isinstance(found, str) and _REASON.fullmatch(found) else None


def read_log_item(value: object, where: str) -> LogItem:
    """One log event reduced to evidence; Auth0ApiError naming the field (never a value) when a
    field the evidence needs is missing."""
    if not isinstance(value, dict):
        raise Auth0ApiError(f"{where}: expected an object")
    event_type = _string(value, "type", where)
    log_id = _string(value, "log_id", where)
    at = _date(value, where)
    if event_type == SUCCESS:
        return LogItem(log_id, at, event_type, TokenEvent(at, _string(value, "client_id", where), "granted"))
    if event_type == FAILURE:
        client_id = _string(value, "client_id", where)
        return LogItem(log_id, at, event_type, TokenEvent(at, client_id, "failed", reason=_reason(value)))
    return LogItem(log_id, at, event_type, None)


@dataclass
class Evidence:
    """What one read of the log gave: the evidence, and the event types it skipped."""

    events: list[UsageEvent] = field(default_factory=list)
    unknown_event_types: Counter[str] = field(default_factory=Counter)
    searches: int = 0
    # The tenant refused instants in the date range: searched by whole days (read_evidence).
    whole_days: bool = False


def read_evidence(reader: Auth0Reader, window: Window) -> Evidence:
    """Every client-credentials exchange of the tenant inside `window`, search after search.

    The range is sent as instants, so that a window can end mid-day and a busy day can be read
    past Auth0's 1,000 results per search. Auth0 documents the `date` field as `YYYY-MM-DD` and
    shows no instant in a range: a tenant that answers the first search with 400 is searched by
    whole days instead, the window's edges cut here (then more than 1,000 exchanges in one day
    cannot be read, and the read says so)."""
    try:
        return _read(reader, window, whole_days=False)
    except _FirstSearchRefused:
        pass
    evidence = _read(reader, window, whole_days=True)
    evidence.whole_days = True
    return evidence


class _FirstSearchRefused(Auth0ApiError):
    """The tenant answered the first search, with instants in its date range, with 400."""


def _read(reader: Auth0Reader, window: Window, *, whole_days: bool) -> Evidence:
    evidence = Evidence()
    seen: set[str] = set()
    since = window.since
    while True:
        evidence.searches += 1
        last: datetime | None = None
        for page in range(SEARCH_LIMIT // PAGE_SIZE):
            query = log_query(since, window.until, page, whole_days=whole_days)
            try:
                items = reader.get_list(LOGS_PATH, query)
            except Auth0ApiError as error:
                # Only a 400 to the very first request may mean "no instants in a range here".
                if error.status == 400 and not whole_days and evidence.searches == 1 and page == 0:
                    raise _FirstSearchRefused(str(error), status=400) from None
                raise
            where = f"GET {LOGS_PATH}: search {evidence.searches}, page {page}"
            for index, value in enumerate(items):
                item = read_log_item(value, f"{where}, item {index + 1}")
                last = item.at if last is None else max(last, item.at)
                if item.log_id in seen or item.at not in window:
                    continue
                seen.add(item.log_id)
                if item.evidence is None:
                    evidence.unknown_event_types[item.event_type] += 1
                else:
                    evidence.events.append(item.evidence)
            if len(items) < PAGE_SIZE:
                return evidence
        # Ten full pages: Auth0 shows no more of this search. Go on from the last date read.
        if last is None or (last.date() <= since.date() if whole_days else last <= since):
            at = since.date().isoformat() if whole_days else auth0_instant(since)
            raise Auth0ApiError(
                f"GET {LOGS_PATH}: more than {SEARCH_LIMIT} client-credentials events "
                f"{'on' if whole_days else 'at'} {at}; the search cannot get past them"
            )
        since = last
