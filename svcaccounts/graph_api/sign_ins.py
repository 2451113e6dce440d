"""Entra ID's sign-in records as usage evidence: the two queries `svcaccounts usage` sends, and
the parsers that keep a handful of fields of each record and drop the rest.

* `GET /beta/auditLogs/signIns` filtered to `signInEventTypes/any(t: t eq 'servicePrincipal')`
  inside the window: one record per token request of an app acting as itself (the client
  credentials flow). Kept: `appId` (the application (client) id, the `clientId` of the
  `accounts` output), `createdDateTime`, and `status.errorCode` (0 for success; a failure's
  AADSTS number, kept as the fixed code `AADSTS<n>`). `status.failureReason` and
  `additionalDetails` are free text and are not read. The filter on `signInEventTypes` is beta
  only: v1.0's `signIns` lists user sign-ins only.
* `GET /beta/reports/servicePrincipalSignInActivities`: per app id, the last time it signed in
  as a client with its own credential (`applicationAuthenticationClientSignInActivity.
  lastSignInDateTime`); it reaches back before the window, so an idle account's message can say
  when it was last used. `lastSignInActivity` is not read: it counts the app being signed *in to*
  as a resource, which is not its use of a credential.

Neither record says which app role a token carried: a client-credentials token carries every
role assigned to the app (`.default`), so per-role (per-scope) use is not in any log.

Nothing else of a record is kept: no address, user agent, location, device, correlation or
request id, credential key id or thumbprint. A record without the fields it needs is a
GraphApiError naming the item and the field, never a value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from svcaccounts.core.usage import TokenEvent, Window
from svcaccounts.graph_api.errors import GraphApiError
from svcaccounts.graph_api.reader import GraphReader

SIGN_INS_PATH = "/beta/auditLogs/signIns"
ACTIVITIES_PATH = "/beta/reports/servicePrincipalSignInActivities"
# Entra keeps sign-in logs 30 days (P1/P2 licences; 7 days on the free tier, where the report
# API is not available at all).
RETENTION_DAYS = 30
SERVICE_PRINCIPAL = "servicePrincipal"
# Why an Entra report never judges scopes (shown as a note, and by --propose).
NO_SCOPE_EVIDENCE = (
    "on Entra ID a client-credentials token carries every app role assigned to the app (.default), "
    "and the sign-in log does not say which one a call needed"
)


def graph_instant(instant: datetime) -> str:
    """How a filter writes a time: `2026-03-01T00:00:00Z`."""
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_ins_query(window: Window) -> dict[str, str]:
    return {
        "$filter": (
            f"signInEventTypes/any(t: t eq '{SERVICE_PRINCIPAL}') and createdDateTime ge "
            f"{graph_instant(window.since)} and createdDateTime lt {graph_instant(window.until)}"
        ),
    }


def _instant(value: object, name: str, where: str) -> datetime:
    if not isinstance(value, str):
        raise GraphApiError(f"{where}: {name}: expected a time")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise GraphApiError(f"{where}: {name}: expected an ISO 8601 time") from None
    if instant.utcoffset() != timedelta(0):
        raise GraphApiError(f"{where}: {name}: expected a UTC time")
    return instant


def _app_id(value: dict[str, object], where: str) -> str:
    app_id = value.get("appId")
    if not isinstance(app_id, str) or not app_id:
        raise GraphApiError(f"{where}: appId: expected the application (client) id")
    return app_id


@dataclass(frozen=True, slots=True)
class NotServicePrincipal:
    """A record the filter should have left out (a user or managed identity sign-in)."""


def read_sign_in(value: object, where: str) -> TokenEvent | NotServicePrincipal:
    if not isinstance(value, dict):
        raise GraphApiError(f"{where}: expected an object")
    types = value.get("signInEventTypes")
    if isinstance(types, list) and SERVICE_PRINCIPAL not in types:
        return NotServicePrincipal()
    status = value.get("status")
    code = status.get("errorCode") if isinstance(status, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        raise GraphApiError(f"{where}: status.errorCode: expected a number")
    at = _instant(value.get("createdDateTime"), "createdDateTime", where)
    app_id = _app_id(value, where)
    if code == 0:
        # Granted; which roles the token carried is not logged (NO_SCOPE_EVIDENCE).
        return TokenEvent(at, app_id, "granted", scopes=None)
    return TokenEvent(at, app_id, "failed", reason=f"AADSTS{code}")


def read_activity(value: object, where: str) -> tuple[str, datetime | None]:
    """An app id and its last sign-in as a client with its own credential (None: never)."""
    if not isinstance(value, dict):
        raise GraphApiError(f"{where}: expected an object")
    app_id = _app_id(value, where)
    activity = value.get("applicationAuthenticationClientSignInActivity")
    last = activity.get("lastSignInDateTime") if isinstance(activity, dict) else None
    if last is None:
        return app_id, None
    return app_id, _instant(last, "applicationAuthenticationClientSignInActivity.lastSignInDateTime", where)


@dataclass
class EntraEvidence:
    """What one read gave: token events in the window, and the last client sign-in per app id
    (only of the app ids asked about: other apps' activity is not kept)."""

    events: list[TokenEvent] = field(default_factory=list)
    last_sign_in: dict[str, datetime] = field(default_factory=dict)
    unknown_event_types: Counter[str] = field(default_factory=Counter)

    def add_sign_ins(self, items: Iterable[TokenEvent | NotServicePrincipal]) -> None:
        for item in items:
            if isinstance(item, NotServicePrincipal):
                self.unknown_event_types["signIn (not a service principal)"] += 1
            else:
                self.events.append(item)


def read_evidence(reader: GraphReader, window: Window, client_ids: Iterable[str]) -> EntraEvidence:
    evidence = EntraEvidence()
    evidence.add_sign_ins(reader.paged(SIGN_INS_PATH, sign_ins_query(window), read_sign_in))
    wanted = set(client_ids)
    for app_id, last in reader.paged(ACTIVITIES_PATH, {}, read_activity):
        if app_id in wanted and last is not None:
            evidence.last_sign_in[app_id] = last
    return evidence
