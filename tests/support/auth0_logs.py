"""Tenant log events as Auth0's `GET /api/v2/logs` lists them (the `log` schema of Auth0's
published Management API description), for the loopback tenant's `FakeTenant.logs`.

Every event carries what a real one carries and `svcaccounts usage` must never show: the
caller's address, a user agent, a location, the client's display name, the hostname and a
token-looking string in `details`. SECRETS lists them for the tests that check no output
contains any.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

CALLER_IP = "203.0.113.91"
USER_AGENT = "report-reader/1.4 (python-httpx; agent-secret-q7)"
TOKEN_LIKE = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMCJ9.bm90LWEtcmVhbC1zaWduYXR1cmU"
CLIENT_NAME = "Reporting exporter (displayed name)"
FREE_TEXT = "Client authentication failed from 203.0.113.91 for Reporting exporter"
SECRETS = (CALLER_IP, USER_AGENT, "agent-secret-q7", TOKEN_LIKE, CLIENT_NAME, FREE_TEXT, "Reykjavik")

_ids = itertools.count(1)


def auth0_time(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _event(event_type: str, client_id: str, at: datetime, description: str) -> dict[str, Any]:
    # Auth0's log ids are long digit strings that start with the event's date.
    log_id = f"900{at.strftime('%Y%m%d%H%M%S')}{next(_ids):012d}"
    return {
        "log_id": log_id,
        "date": auth0_time(at),
        "type": event_type,
        "description": description,
        "connection_id": "",
        "client_id": client_id,
        "client_name": CLIENT_NAME,
        "ip": CALLER_IP,
        "hostname": "example-staging.eu.auth0.com",
        "user_agent": USER_AGENT,
        "isMobile": False,
        "audience": "https://api.example.com/mcp",
        "details": {"request": {"ip": CALLER_IP, "auth": {"credentials": {"jti": TOKEN_LIKE}}}},
        "location_info": {
            "country_code": "IS",
            "country_code3": "ISL",
            "country_name": "Iceland",
            "city_name": "Reykjavik",
            "latitude": "64.14",
            "longitude": "-21.94",
            "time_zone": "Atlantic/Reykjavik",
            "continent_code": "EU",
        },
    }


def exchange_succeeded(client_id: str, at: datetime, *, scope: str | None = None) -> dict[str, Any]:
    """`seccft`: a client-credentials exchange issued a token. Some tenants' events carry a
    `scope`; the reader never reads it."""
    event = _event("seccft", client_id, at, "")
    if scope is not None:
        event["scope"] = scope
    return event


def exchange_failed(client_id: str, at: datetime, description: str = "Unauthorized") -> dict[str, Any]:
    """`feccft`: a refused client-credentials exchange."""
    return _event("feccft", client_id, at, description)


def other_event(event_type: str, client_id: str, at: datetime) -> dict[str, Any]:
    """Any other event type (a login, a Management API call)."""
    return _event(event_type, client_id, at, "Success Login")
