"""Microsoft Graph and the Microsoft identity platform's token endpoint on 127.0.0.1, answering
the two reads `svcaccounts usage` sends on an Entra ID stack as Graph does.

* `POST /{tenant}/oauth2/v2.0/token`: client credentials (`client_id`, `client_secret`, `scope`
  `https://graph.microsoft.com/.default`); the token carries the app's granted application
  permissions (`FakeTenant.permissions`).
* `GET /beta/auditLogs/signIns` with `$filter=signInEventTypes/any(t: t eq 'servicePrincipal')
  and createdDateTime ge … and createdDateTime lt …` (newest first, as Graph lists them), and
  `GET /beta/reports/servicePrincipalSignInActivities`; both need `AuditLog.Read.All` (403
  `Authorization_RequestDenied` without it) and page `page_size` records at a time with an
  `@odata.nextLink` carrying a `$skiptoken`.

Every JSON body on a `/beta` path is validated against the excerpt of Graph's published OpenAPI
description in tests/fixtures/graph-openapi/ (README.md there: source, commit, licence, the one
erratum corrected), with openapi-core; and, since the corrected description no longer rejects
undeclared properties, every property the fake sends must be declared by the schema it is
validated against (`undeclared`). A body that fails either is recorded in `spec_violations`,
and the `graph_server` fixture fails the test at teardown.

Test hooks: `throttle(n)` answers the next n Graph calls with 429 and `Retry-After`; `calls`
records each request (method, path, query, status).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.support.loopback import Answer, JsonLoopback

SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "graph-openapi" / "reports-beta.yaml"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
READ_PERMISSION = "AuditLog.Read.All"
SIGN_INS = "/beta/auditLogs/signIns"
ACTIVITIES = "/beta/reports/servicePrincipalSignInActivities"
COLLECTION_SCHEMA = {
    SIGN_INS: "microsoft.graph.signIn",
    ACTIVITIES: "microsoft.graph.servicePrincipalSignInActivity",
}


def _corrected(node: Any) -> Any:
    """The published description with its erratum corrected (README.md there): every schema
    says `additionalProperties: {type: object}`, which under `allOf` makes each branch reject
    the other branches' properties (every signIn's `appId`, a string, "is not of type object")
    and rejects the `@odata.context` string every Graph collection carries."""
    if isinstance(node, dict):
        return {
            key: _corrected(value)
            for key, value in node.items()
            if not (key == "additionalProperties" and value == {"type": "object"})
        }
    if isinstance(node, list):
        return [_corrected(value) for value in node]
    return node


@cache
def _spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    corrected: dict[str, Any] = _corrected(loaded)
    return corrected


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(_spec())


def _declared(schema_name: str) -> set[str]:
    schema = _spec()["components"]["schemas"][schema_name]
    parts = schema.get("allOf", [schema])
    names: set[str] = set()
    for part in parts:
        if "$ref" in part:
            names |= _declared(part["$ref"].rsplit("/", 1)[1])
        names |= set(part.get("properties", {}))
    return names


def undeclared(path: str, body: Any) -> list[str]:
    """Properties of a collection's items that the item schema does not declare."""
    if not isinstance(body, dict) or path not in COLLECTION_SCHEMA:
        return []
    declared = _declared(COLLECTION_SCHEMA[path])
    return [
        f"GET {path} item {index}: {name}: not declared by {COLLECTION_SCHEMA[path]}"
        for index, item in enumerate(body.get("value", []))
        for name in sorted(set(item) - declared)
    ]


def spec_problems(path: str, status: int, body: Any) -> list[str]:
    problems: list[str] = []
    request = MockRequest("https://graph.microsoft.com", "get", path)
    response = MockResponse(json.dumps(body).encode(), status_code=status, content_type="application/json")
    try:
        _openapi().validate_response(request, response)
    except Exception as error:  # openapi-core raises several unrelated classes
        cause = error.__cause__ or error
        problems.append(f"GET {path} {status}: {type(error).__name__}: {str(cause)[:400]}")
    if status == 200:
        problems.extend(undeclared(path, body))
    return problems


def graph_time(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class App:
    client_secret: str
    permissions: frozenset[str]


@dataclass
class FakeTenant:
    tenant_id: str
    apps: dict[str, App] = field(default_factory=dict)
    sign_ins: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 1000


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    status: int


def _error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": "2026-03-01T00:00:00", "request-id": secrets.token_hex(8), "client-request-id": secrets.token_hex(8)},
        }
    }


class GraphServer:
    def __init__(self, tenant: FakeTenant) -> None:
        self.tenant = tenant
        self.calls: list[Call] = []
        self.spec_violations: list[str] = []
        self._throttled = 0
        self._tokens: dict[str, frozenset[str]] = {}
        self._loopback = JsonLoopback(self._serve)

    @property
    def base_url(self) -> str:
        return self._loopback.base_url

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/{self.tenant.tenant_id}/oauth2/v2.0/token"

    def close(self) -> None:
        self._loopback.close()

    def throttle(self, count: int) -> None:
        """Answer the next `count` Graph calls with 429."""
        self._throttled = count

    def graph_calls(self, path: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.path.startswith("/beta/") and (path is None or c.path == path)]

    def _serve(self, handler: BaseHTTPRequestHandler, method: str, path: str, query: dict[str, str], body: bytes) -> Answer:
        headers: dict[str, str] = {}
        if method == "POST" and path == f"/{self.tenant.tenant_id}/oauth2/v2.0/token":
            status, answer = self._token(body)
        elif method == "GET" and path.startswith("/beta/"):
            status, answer, headers = self._graph(handler, path, query)
            self.spec_violations.extend(spec_problems(path, status, answer))
        else:
            status, answer = 404, _error("ResourceNotFound", "Resource not found.")
        self.calls.append(Call(method, path, query, status))
        return status, answer, headers

    def _token(self, body: bytes) -> tuple[int, Any]:
        form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        app = self.tenant.apps.get(form.get("client_id", ""))
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003: grant type not supported."}
        if app is None or not secrets.compare_digest(app.client_secret, form.get("client_secret", "")):
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
        if form.get("scope") != GRAPH_SCOPE:
            return 400, {"error": "invalid_scope", "error_description": "AADSTS1002012: The provided value for scope is not valid."}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = app.permissions
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def _graph(self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        scheme, _, token = (handler.headers.get("Authorization") or "").partition(" ")
        if scheme != "Bearer" or token not in self._tokens:
            return 401, _error("InvalidAuthenticationToken", "Access token validation failure."), {}
        if READ_PERMISSION not in self._tokens[token]:
            return 403, _error("Authorization_RequestDenied", "Insufficient privileges to complete the operation."), {}
        if self._throttled > 0:
            self._throttled -= 1
            return 429, _error("TooManyRequests", "Too many requests."), {"Retry-After": "2"}
        if path == SIGN_INS:
            items = self._sign_ins(query.get("$filter", ""))
        elif path == ACTIVITIES:
            items = list(self.tenant.activities)
        else:
            return 404, _error("ResourceNotFound", "Resource not found."), {}
        start = int(query.get("$skiptoken", "0"))
        page = items[start : start + self.tenant.page_size]
        answer: dict[str, Any] = {"@odata.context": f"https://graph.microsoft.com/beta/$metadata#{path[6:]}", "value": page}
        if start + self.tenant.page_size < len(items):
            keep = {k: v for k, v in query.items() if k != "$skiptoken"}
            answer["@odata.nextLink"] = f"{self.base_url}{path}?{urlencode({**keep, '$skiptoken': str(start + len(page))})}"
        return 200, answer, {}

    def _sign_ins(self, expression: str) -> list[dict[str, Any]]:
        # Only the filter the reader sends is understood; anything else is a test failure.
        head = "signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge "
        assert expression.startswith(head), expression
        since, _, until = expression[len(head) :].partition(" and createdDateTime lt ")
        records = [
            r
            for r in self.tenant.sign_ins
            if "servicePrincipal" in r["signInEventTypes"] and since <= r["createdDateTime"] < until
        ]
        return sorted(records, key=lambda r: (r["createdDateTime"], r["id"]), reverse=True)


# --- records as Graph lists them -------------------------------------------------------------

CALLER_IP = "203.0.113.91"
USER_AGENT = "report-reader/1.4 (python-httpx; agent-ua-7q)"
CORRELATION = "c0ffee00-1234-4abc-9def-000000000001"
THUMBPRINT = "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"
SECRETS = (CALLER_IP, USER_AGENT, "agent-ua-7q", CORRELATION, THUMBPRINT, "Espoo")
_ids = iter(range(1, 1 << 30))


def sign_in(app_id: str, at: datetime, *, error_code: int = 0, service_principal: bool = True) -> dict[str, Any]:
    """One service principal sign-in as `GET /beta/auditLogs/signIns` lists it, with the fields
    the report must never show (address, user agent, location, correlation id, thumbprint)."""
    failed = error_code != 0
    return {
        "id": f"{next(_ids):08d}-aaaa-4bbb-8ccc-dddddddddddd",
        "createdDateTime": graph_time(at),
        "appId": app_id,
        "appDisplayName": f"app {app_id[:8]}",
        "servicePrincipalId": f"sp-{app_id}",
        "servicePrincipalName": f"app {app_id[:8]}",
        "resourceDisplayName": "svcaccounts-prod",
        "resourceId": "99999999-8888-7777-6666-555555555555",
        "ipAddress": CALLER_IP,
        "userAgent": USER_AGENT,
        "correlationId": CORRELATION,
        "servicePrincipalCredentialThumbprint": THUMBPRINT,
        "clientCredentialType": "certificate" if not failed else "clientSecret",
        "signInEventTypes": ["servicePrincipal"] if service_principal else ["nonInteractiveUser"],
        "isInteractive": False,
        "userId": "",
        "location": {"city": "Espoo", "countryOrRegion": "FI", "state": "Uusimaa", "geoCoordinates": {"latitude": 60.2, "longitude": 24.66}},
        "conditionalAccessStatus": "notApplied",
        "status": {
            "errorCode": error_code,
            "failureReason": f"Invalid client secret provided. Trace from {CALLER_IP}" if failed else None,
            "additionalDetails": None,
        },
    }


def activity(app_id: str, last_client_sign_in: datetime | None) -> dict[str, Any]:
    """One `servicePrincipalSignInActivity` as Graph lists it."""
    client = {
        "lastSignInDateTime": None if last_client_sign_in is None else graph_time(last_client_sign_in),
        "lastSignInRequestId": None if last_client_sign_in is None else CORRELATION,
    }
    return {
        "id": secrets.token_hex(8),
        "appId": app_id,
        "lastSignInActivity": client,
        "applicationAuthenticationClientSignInActivity": client,
        "applicationAuthenticationResourceSignInActivity": {"lastSignInDateTime": None, "lastSignInRequestId": None},
        "delegatedClientSignInActivity": {"lastSignInDateTime": None, "lastSignInRequestId": None},
        "delegatedResourceSignInActivity": {"lastSignInDateTime": None, "lastSignInRequestId": None},
    }
