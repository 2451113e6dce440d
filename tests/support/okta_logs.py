"""System Log events as Okta's `GET /api/v1/logs` lists them (the `LogEvent` schema of Okta's
published API description), for the loopback org's `FakeOrg.logs`.

Every event carries what a real one carries and `svcaccounts usage` must never show: the
caller's address (in `client` and `request.ipChain`), a user agent, geography, a session and a
transaction id, and token-looking strings in `debugData`. SECRETS lists them for the tests that
check no output contains any.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

CALLER_IP = "203.0.113.77"
PROXY_IP = "198.51.100.23"
USER_AGENT = "orders-sync/2.3 (python-httpx; secret-agent-x9)"
TOKEN_LIKE = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwb2ExIn0.c2lnbmF0dXJlLW5vdC1yZWFs"
SESSION_ID = "102sessionNOTSHOWNabcdef"
SECRETS = (CALLER_IP, PROXY_IP, USER_AGENT, "secret-agent-x9", TOKEN_LIKE, SESSION_ID, "Helsinki", "dpopJkt")

_uuids = itertools.count(1)


def okta_time(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _envelope(event_type: str, at: datetime, actor: dict[str, Any], result: str, reason: str | None) -> dict[str, Any]:
    return {
        "uuid": f"{next(_uuids):08d}-598c-11ef-8478-2b7584bf8d5a",
        "published": okta_time(at),
        "eventType": event_type,
        "version": "0",
        "severity": "INFO" if result == "SUCCESS" else "WARN",
        "legacyEventType": "app.oauth2.as.token.grant",
        "displayMessage": f"OAuth2 token request from {CALLER_IP}",
        "actor": actor,
        "client": {
            "userAgent": {"rawUserAgent": USER_AGENT, "os": "Linux", "browser": "UNKNOWN"},
            "zone": "null",
            "device": "Unknown",
            "id": actor.get("id"),
            "ipAddress": CALLER_IP,
            "geographicalContext": {"city": "Helsinki", "country": "Finland", "postalCode": "00100", "geolocation": {"lat": 60.17, "lon": 24.94}},
        },
        "authenticationContext": {"authenticationStep": 0, "externalSessionId": SESSION_ID},
        "outcome": {"result": result, **({"reason": reason} if reason else {})},
        "request": {"ipChain": [{"ip": CALLER_IP, "version": "V4"}, {"ip": PROXY_IP, "version": "V4"}]},
        "securityContext": {"asNumber": 64500, "asOrg": "example transit", "isp": "example isp", "domain": "example.net", "isProxy": False},
        "transaction": {"type": "WEB", "id": "YjSlblAAqnKY7CdyCkXNBgAAAIU", "detail": {}},
        "target": [],
    }


def _client(client_id: str) -> dict[str, Any]:
    return {"id": client_id, "type": "PublicClientApp", "alternateId": client_id, "displayName": f"app {client_id}"}


def token_granted(client_id: str, at: datetime, scopes: list[str] | None, *, server: str = "aus1prod") -> dict[str, Any]:
    """`app.oauth2.as.token.grant.access_token`, SUCCESS: a client-credentials grant."""
    event = _envelope("app.oauth2.as.token.grant.access_token", at, _client(client_id), "SUCCESS", None)
    debug: dict[str, Any] = {
        "grantType": "client_credentials",
        "authorizationServer": server,
        "requestId": "ab609228fe84ce59cdcbfa690bcce016",
        "accessTokenId": "AT.tokenIdNotShown",
        "dpopJkt": TOKEN_LIKE,
    }
    if scopes is not None:
        debug["grantedScopes"] = " ".join(scopes)
        debug["requestedScopes"] = " ".join(scopes)
    event["debugContext"] = {"debugData": debug}
    event["target"] = [{"id": server, "type": "AuthorizationServer", "displayName": "svcaccounts", "alternateId": "api://svc"}]
    return event


def token_refused(client_id: str, at: datetime, reason: str = "invalid_client", *, scopes: str = "orders:read") -> dict[str, Any]:
    """`app.oauth2.as.token.grant`, FAILURE: a refused token request."""
    event = _envelope("app.oauth2.as.token.grant", at, _client(client_id), "FAILURE", reason)
    event["debugContext"] = {"debugData": {"grantType": "client_credentials", "requestedScopes": scopes, "clientAssertion": TOKEN_LIKE}}
    return event


def app_created(app_id: str, at: datetime) -> dict[str, Any]:
    """`application.lifecycle.create`: an admin (here, the deploy's API token) created the app."""
    actor = {"id": "00u1deployer", "type": "User", "alternateId": "deployer@example.com", "displayName": "Deployer"}
    event = _envelope("application.lifecycle.create", at, actor, "SUCCESS", None)
    event["target"] = [{"id": app_id, "type": "AppInstance", "alternateId": "svc", "displayName": "svc"}]
    return event


def other_event(event_type: str, client_id: str, at: datetime) -> dict[str, Any]:
    """Any other event (a type the tool does not know), in the same envelope."""
    return _envelope(event_type, at, _client(client_id), "SUCCESS", None)
