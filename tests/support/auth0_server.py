"""An Auth0 tenant on 127.0.0.1 that answers the tenant-log reads as Auth0 documents them.

It holds a tenant in memory (`FakeTenant`: machine-to-machine applications with their secrets and
granted Management API scopes, Management API tokens, log events) and answers:

* `POST /oauth/token`, the client credentials grant for the Management API (form-encoded
  `client_id`, `client_secret`, `audience` = `<tenant>/api/v2/`, optional `scope`): 401
  `access_denied` for a wrong secret, 403 `access_denied` for a scope the application was not
  granted, else a bearer token carrying the granted (or requested) scopes;
* `GET /api/v2/logs` by search criteria, the subset of Auth0's Lucene syntax `usage` sends:
  `(type:a OR type:b …) AND date:[from TO to]` (both bounds inclusive), `sort=date:1`,
  `per_page` at most 100, `page` from 0; like Auth0 it pages through the first 1,000 results of a
  search only (a page beyond is a 400), and it answers 400 to a query outside that subset, so a
  change in what the reader sends shows here. 401 without a valid token, 403
  `insufficient_scope` without `read:logs`.

Every request to `/api/v2/logs` and every body it answers with is validated against Auth0's
published Management API description (tests/fixtures/auth0-openapi/) with openapi-core; what does
not validate is recorded in `spec_violations`, and the `auth0_server` fixture fails the test at
teardown. The token endpoint belongs to Auth0's Authentication API, which that description does
not cover: its answers follow Auth0's documented shape and are not validated.

Test hooks: `rate_limit(n)` answers the next n log reads with 429 and `X-RateLimit-Reset`;
`calls` records each request (method, path, query, status).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.validators import V30RequestParametersValidator

from tests.support.loopback import Answer, JsonLoopback

SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "auth0-openapi" / "management-api.yaml"
# The description's own server: requests are checked as if sent there.
SPEC_SERVER = "https://login0.local.dev.auth0.com"
LOGS_PATH = "/api/v2/logs"
SEARCH_LIMIT = 1000
LOG_SCOPE = "read:logs"

_QUERY = re.compile(r"\((type:[a-z_]+(?: OR type:[a-z_]+)*)\) AND date:\[(\S+) TO (\S+)\]")


@cache
def _openapi() -> OpenAPI:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    # The request's parameters are checked, not its security: the description's schemes are
    # `bearer` or an oauth2 flow, which openapi-core does not evaluate, and the fake checks the
    # token and its scopes itself.
    return OpenAPI.from_dict(spec, config=Config(request_validator_cls=V30RequestParametersValidator))


def spec_problems(query: dict[str, str], status: int, body: Any) -> list[str]:
    """Why this `GET /logs` request or its answer is not what Auth0's description allows."""
    problems: list[str] = []
    request = MockRequest(SPEC_SERVER, "get", "/api/v2/logs", args=query)
    try:
        _openapi().validate_request(request)
    except Exception as error:  # openapi-core raises several unrelated classes
        problems.append(f"GET /logs request: {type(error).__name__}: {str(error.__cause__ or error)[:400]}")
    if status == 200:
        response = MockResponse(json.dumps(body).encode(), status_code=status, content_type="application/json")
        try:
            _openapi().validate_response(request, response)
        except Exception as error:
            problems.append(f"GET /logs {status}: {type(error).__name__}: {str(error.__cause__ or error)[:400]}")
    return problems


@dataclass
class Application:
    """A machine-to-machine application authorized for the Management API."""

    secret: str
    scopes: frozenset[str]


@dataclass
class FakeTenant:
    applications: dict[str, Application] = field(default_factory=dict)
    # Management API tokens handed out by hand (AUTH0_API_TOKEN), with their scopes.
    api_tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    logs: list[dict[str, Any]] = field(default_factory=list)
    # A tenant whose search takes `date` ranges only as YYYY-MM-DD, the form Auth0's query-syntax
    # page documents (400 to an instant); whether real tenants take instants is not verified.
    whole_days_only: bool = False


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    status: int


def _api_error(status: int, error: str, message: str, code: str | None = None) -> dict[str, Any]:
    """The Management API's error body."""
    body: dict[str, Any] = {"statusCode": status, "error": error, "message": message}
    if code is not None:
        body["errorCode"] = code
    return body


def _instant(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class Auth0Server:
    def __init__(self, tenant: FakeTenant) -> None:
        self.tenant = tenant
        self.calls: list[Call] = []
        self.spec_violations: list[str] = []
        self._rate_limited = 0
        self._tokens: dict[str, frozenset[str]] = {}
        self._loopback = JsonLoopback(self._serve)

    @property
    def base_url(self) -> str:
        return self._loopback.base_url

    def close(self) -> None:
        self._loopback.close()

    def rate_limit(self, count: int) -> None:
        """Answer the next `count` log reads with 429."""
        self._rate_limited = count

    def log_calls(self) -> list[Call]:
        return [call for call in self.calls if call.path == LOGS_PATH]

    # --- serving -------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str, path: str, query: dict[str, str], body: bytes) -> Answer:
        headers: dict[str, str] = {}
        if method == "POST" and path == "/oauth/token":
            status, answer = self._token(body)
        elif method == "GET" and path == LOGS_PATH:
            status, answer, headers = self._logs(handler, query)
            self.spec_violations.extend(spec_problems(query, status, answer))
        else:
            status, answer = 404, _api_error(404, "Not Found", "Not Found")
        self.calls.append(Call(method, path, query, status))
        return status, answer, headers

    def _token(self, body: bytes) -> tuple[int, Any]:
        form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}
        application = self.tenant.applications.get(form.get("client_id", ""))
        if application is None or not secrets.compare_digest(application.secret, form.get("client_secret", "")):
            return 401, {"error": "access_denied", "error_description": "Unauthorized"}
        if form.get("audience") != f"{self.base_url}/api/v2/":
            return 403, {"error": "access_denied", "error_description": "Service not enabled within domain"}
        requested = frozenset(form.get("scope", "").split()) or application.scopes
        missing = requested - application.scopes
        if missing or not requested:
            scopes = " ".join(sorted(missing))
            return 403, {"error": "access_denied", "error_description": f"Client has not been granted scopes: {scopes}"}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = requested
        return 200, {"access_token": token, "scope": " ".join(sorted(requested)), "expires_in": 86400, "token_type": "Bearer"}

    def _logs(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        scheme, _, value = (handler.headers.get("Authorization") or "").partition(" ")
        scopes = self._tokens.get(value) or self.tenant.api_tokens.get(value)
        if scheme != "Bearer" or scopes is None:
            return 401, _api_error(401, "Unauthorized", "Invalid token", "invalid_token"), {}
        if LOG_SCOPE not in scopes and "read:logs_users" not in scopes:
            message = "Insufficient scope, expected any of: read:logs,read:logs_users"
            return 403, _api_error(403, "Forbidden", message, "insufficient_scope"), {}
        if self._rate_limited > 0:
            self._rate_limited -= 1
            headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 1)}
            return 429, _api_error(429, "Too Many Requests", "Global limit has been reached", "too_many_requests"), headers
        found = _QUERY.fullmatch(query.get("q", ""))
        since, until = (_instant(found.group(2)), _instant(found.group(3))) if found else (None, None)
        if found and self.tenant.whole_days_only:
            if "T" in found.group(2) or "T" in found.group(3):
                return 400, _api_error(400, "Bad Request", "Query is not valid"), {}
            # A day range takes in the whole of its last day.
            until = None if until is None else until + timedelta(days=1) - timedelta(microseconds=1)
        if found is None or since is None or until is None or query.get("sort", "date:1") != "date:1":
            return 400, _api_error(400, "Bad Request", "Query not supported by this fake"), {}
        types = {term.removeprefix("type:") for term in found.group(1).split(" OR ")}
        try:
            per_page, page = int(query.get("per_page", "50")), int(query.get("page", "0"))
        except ValueError:
            return 400, _api_error(400, "Bad Request", "Invalid page"), {}
        if not 0 < per_page <= 100 or page < 0:
            return 400, _api_error(400, "Bad Request", "Invalid per_page"), {}
        if (page + 1) * per_page > SEARCH_LIMIT:
            message = f"You can only page through the first {SEARCH_LIMIT} records. Narrow your search."
            return 400, _api_error(400, "Bad Request", message, "invalid_paging"), {}
        events = sorted(
            (
                event
                for event in self.tenant.logs
                if event["type"] in types and since <= datetime.fromisoformat(event["date"]) <= until
            ),
            key=lambda event: (event["date"], event["log_id"]),
        )[:SEARCH_LIMIT]
        return 200, events[page * per_page : (page + 1) * per_page], {}
