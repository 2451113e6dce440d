"""An Okta org on 127.0.0.1 that answers the management API reads as Okta does.

It holds an org in memory (`FakeOrg`: apps, custom authorization servers with scopes, policies
and rules, app JWKS, System Log events) and answers:

* `GET /api/v1/apps`, `/api/v1/apps/{id}/credentials/jwks`,
  `/api/v1/authorizationServers/{id}` and its `/scopes`, `/policies`, `/policies/{id}/rules`,
  `GET /api/v1/logs` (`since`/`until`/`filter` on `eventType eq "…"` and `eventType sw "…"`
  terms joined by `or`, oldest first);
* lists page as Okta's do: at most `limit` (or the org's `page_size`) items, a `Link` header with
  `rel="self"` and, while more remain, `rel="next"` with an `after` cursor;
* `POST /oauth2/v1/token` for an OAuth service app's client assertion (RS256/ES256, checked with
  the app's registered public key), with DPoP when the org requires it (`invalid_dpop_proof`,
  then `use_dpop_nonce`, then a DPoP-bound token whose proof is checked on every API call);
* `Authorization: SSWS <token>` for API tokens.

Every JSON body it sends on an `/api/v1` path is validated against Okta's published management
API description (tests/fixtures/okta-openapi/): the operation's response with openapi-core, and
each app against the schema its `signOnMode` selects (openapi-core checks only the base
`Application` schema of a discriminator without oneOf). A body that does not validate is
recorded in `spec_violations`, and the `okta_server` fixture fails the test at teardown, so a
test can never pass on a shape Okta would not send.

Test hooks: `rate_limit(n)` answers the next n API calls with 429 and `X-Rate-Limit-Reset`;
`on_page(path, page, action)` runs an action before a page is served (an app deleted between
two pages); scopes granted per service app (403 `E0000006` without them); `requests` records
each call (method, path, query, authorization scheme) for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import yaml
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.support.loopback import Answer, JsonLoopback

SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "okta-openapi" / "management-api.yaml"
SPEC_URI = "urn:okta-management-api"
DEFAULT_PAGE_SIZE = 200
# Which OAuth scope each read needs (Okta's scope reference for these operations).
REQUIRED_SCOPE = (
    (re.compile(r"^/api/v1/apps"), "okta.apps.read"),
    (re.compile(r"^/api/v1/authorizationServers"), "okta.authorizationServers.read"),
    (re.compile(r"^/api/v1/logs"), "okta.logs.read"),
)


@cache
def _spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(_spec())


@cache
def _schema_validator(schema_name: str) -> OAS30Validator:
    registry = Registry().with_resource(SPEC_URI, Resource.from_contents(_spec(), default_specification=DRAFT4))
    return OAS30Validator({"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=registry)


def spec_problems(method: str, path: str, query: dict[str, str], status: int, body: Any) -> list[str]:
    """Why `body` is not an answer Okta's description allows for this call (empty when it is)."""
    problems: list[str] = []
    if status == 401:
        # Every operation answers 401 to an invalid credential, but Okta's description lists it
        # for a few only: the body must still be the described 401 error.
        problems.extend(
            f"{method} {path} 401: {problem.message[:200]}"
            for problem in _schema_validator("Error").iter_errors(body)
        )
        return problems
    request = MockRequest("https://example.okta.com", method.lower(), path, args=query)
    response = MockResponse(json.dumps(body).encode(), status_code=status, content_type="application/json")
    try:
        _openapi().validate_response(request, response)
    except Exception as error:  # openapi-core raises several unrelated classes
        cause = error.__cause__ or error
        problems.append(f"{method} {path} {status}: {type(error).__name__}: {str(cause)[:400]}")
    if status == 200 and path == "/api/v1/apps" and isinstance(body, list):
        mapping = _spec()["components"]["schemas"]["Application"]["discriminator"]["mapping"]
        for index, app in enumerate(body):
            target = mapping.get(app.get("signOnMode", ""), "")
            if target:
                for problem in _schema_validator(target.rsplit("/", 1)[1]).iter_errors(app):
                    where = "/".join(str(part) for part in problem.absolute_path)
                    problems.append(f"GET /api/v1/apps item {index}: {where}: {problem.message[:200]}")
    return problems


# --- what an org holds, in Okta's own JSON shapes ----------------------------------------------


def service_app(
    app_id: str,
    label: str,
    *,
    auth_method: str = "private_key_jwt",
    status: str = "ACTIVE",
    grant_types: tuple[str, ...] = ("client_credentials",),
    application_type: str = "service",
    created: str = "2024-03-01T10:00:00.000Z",
) -> dict[str, Any]:
    """An OAuth app as `GET /api/v1/apps` lists it (client id = app id, as Okta assigns)."""
    return {
        "id": app_id,
        "name": "oidc_client",
        "label": label,
        "status": status,
        "signOnMode": "OPENID_CONNECT",
        "created": created,
        "lastUpdated": created,
        "features": [],
        "visibility": {"autoSubmitToolbar": False, "hide": {"iOS": True, "web": True}},
        "credentials": {
            "signing": {"kid": "appsigningkid"},
            "userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"},
            "oauthClient": {
                "autoKeyRotation": True,
                "client_id": app_id,
                "token_endpoint_auth_method": auth_method,
            },
        },
        "settings": {
            "app": {},
            "notifications": {"vpn": {"network": {"connection": "DISABLED"}}},
            "oauthClient": {
                "application_type": application_type,
                "grant_types": list(grant_types),
                "response_types": ["token"],
                "consent_method": "REQUIRED",
                "issuer_mode": "DYNAMIC",
            },
        },
        "_links": {"self": {"href": f"https://example.okta.com/api/v1/apps/{app_id}"}},
    }


def bookmark_app(app_id: str, label: str) -> dict[str, Any]:
    """An app that is not an OAuth client at all (a bookmark), to be ignored by adoption."""
    return {
        "id": app_id,
        "name": "bookmark",
        "label": label,
        "status": "ACTIVE",
        "signOnMode": "BOOKMARK",
        "settings": {"app": {"url": "https://intranet.example.com", "requestIntegration": False}},
        "_links": {"self": {"href": f"https://example.okta.com/api/v1/apps/{app_id}"}},
    }


def scope(scope_id: str, name: str, *, description: str | None = None, default: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": scope_id,
        "name": name,
        "consent": "IMPLICIT",
        "default": default,
        "metadataPublish": "NO_CLIENTS",
        "system": False,
    }
    if description is not None:
        body["description"] = description
    return body


def policy(policy_id: str, name: str, clients: list[str], *, priority: int = 1, status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "id": policy_id,
        "type": "OAUTH_AUTHORIZATION_POLICY",
        "name": name,
        "description": f"{name} policy",
        "status": status,
        "priority": priority,
        "system": False,
        "conditions": {"clients": {"include": clients}},
        "created": "2024-03-01T10:00:00.000Z",
        "lastUpdated": "2024-03-01T10:00:00.000Z",
    }


def rule(
    rule_id: str,
    name: str,
    scopes: list[str],
    *,
    grant_types: tuple[str, ...] = ("client_credentials",),
    lifetime_minutes: int = 60,
    priority: int = 1,
    status: str = "ACTIVE",
) -> dict[str, Any]:
    return {
        "id": rule_id,
        "type": "RESOURCE_ACCESS",
        "name": name,
        "status": status,
        "priority": priority,
        "system": False,
        "conditions": {
            "grantTypes": {"include": list(grant_types)},
            "people": {"groups": {"include": ["EVERYONE"]}},
            "scopes": {"include": scopes},
        },
        "actions": {
            "token": {
                "accessTokenLifetimeMinutes": lifetime_minutes,
                "refreshTokenLifetimeMinutes": 0,
                "refreshTokenWindowMinutes": 10080,
            }
        },
    }


def rsa_public_jwk(kid: str) -> tuple[RSAKey, dict[str, Any]]:
    """A fresh RSA key and its entry as `GET …/credentials/jwks` lists it."""
    key = RSAKey.generate_key(2048)
    public = key.as_dict(private=False)
    entry = {
        "id": f"pks{kid}",
        "kid": kid,
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "status": "ACTIVE",
        "e": public["e"],
        "n": public["n"],
        "created": "2024-03-01T10:00:00.000Z",
        "lastUpdated": "2024-03-01T10:00:00.000Z",
    }
    return key, entry


@dataclass
class AuthServerData:
    server: dict[str, Any]
    scopes: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class ServiceAppCredential:
    """An OAuth service app that may call the management API."""

    public_key: RSAKey | ECKey
    key_id: str
    scopes: frozenset[str]


@dataclass
class FakeOrg:
    apps: list[dict[str, Any]] = field(default_factory=list)
    auth_servers: dict[str, AuthServerData] = field(default_factory=dict)
    jwks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    logs: list[dict[str, Any]] = field(default_factory=list)
    api_tokens: set[str] = field(default_factory=set)
    service_apps: dict[str, ServiceAppCredential] = field(default_factory=dict)
    require_dpop: bool = False
    page_size: int = DEFAULT_PAGE_SIZE

    def add_auth_server(self, server_id: str, name: str = "svcaccounts", audience: str = "api://svc") -> AuthServerData:
        data = AuthServerData(
            server={
                "id": server_id,
                "name": name,
                "description": f"{name} server",
                "audiences": [audience],
                "issuer": f"https://example.okta.com/oauth2/{server_id}",
                "issuerMode": "ORG_URL",
                "status": "ACTIVE",
                "created": "2024-01-01T00:00:00.000Z",
                "lastUpdated": "2024-01-01T00:00:00.000Z",
            }
        )
        self.auth_servers[server_id] = data
        return data

    def delete_app(self, app_id: str) -> None:
        self.apps = [app for app in self.apps if app["id"] != app_id]
        self.jwks.pop(app_id, None)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    scheme: str | None  # SSWS, Bearer, DPoP, or None
    status: int


def _b64_sha256(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def _error(code: str, summary: str) -> dict[str, Any]:
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae" + secrets.token_hex(8),
        "errorCauses": [],
    }


class OktaServer:
    def __init__(self, org: FakeOrg) -> None:
        self.org = org
        self.calls: list[Call] = []
        self.spec_violations: list[str] = []
        self._rate_limited = 0
        self._page_actions: dict[tuple[str, int], Callable[[], None]] = {}
        self._cursor_pages: dict[tuple[str, str], int] = {}
        self._tokens: dict[str, tuple[frozenset[str], str | None]] = {}  # token -> (scopes, jkt)
        self._nonce = secrets.token_urlsafe(16)
        self._loopback = JsonLoopback(self._serve)

    @property
    def base_url(self) -> str:
        return self._loopback.base_url

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/v1/token"

    def close(self) -> None:
        self._loopback.close()

    # --- hooks ---------------------------------------------------------------------------------

    def rate_limit(self, count: int) -> None:
        """Answer the next `count` API calls with 429."""
        self._rate_limited = count

    def on_page(self, path: str, page: int, action: Callable[[], None]) -> None:
        """Run `action` just before page `page` (1-based) of `path` is served."""
        self._page_actions[(path, page)] = action

    def api_calls(self, path: str | None = None) -> list[Call]:
        return [call for call in self.calls if call.path.startswith("/api/") and (path is None or call.path == path)]

    # --- serving -------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str, path: str, query: dict[str, str], body: bytes) -> Answer:
        authorization = handler.headers.get("Authorization")
        scheme = authorization.split(" ", 1)[0] if authorization else None
        if method == "POST" and path == "/oauth2/v1/token":
            status, answer, headers = self._token(handler, body)
        elif method == "GET" and path.startswith("/api/v1/"):
            status, answer, headers = self._api(handler, path, query)
            if answer is not None:
                self.spec_violations.extend(spec_problems(method, path, query, status, answer))
        else:
            status, answer, headers = 404, _error("E0000022", "The endpoint does not support the provided HTTP method"), {}
        self.calls.append(Call(method, path, query, scheme, status))
        return status, answer, headers

    def _api(self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        refused = self._authenticate(handler, path)
        if refused is not None:
            return refused
        if self._rate_limited > 0:
            self._rate_limited -= 1
            reset = str(int(time.time()) + 1)
            headers = {"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": reset}
            return 429, _error("E0000047", "API call exceeded rate limit due to too many requests."), headers
        found = self._resource(path, query)
        if found is None:
            return 404, _error("E0000007", f"Not found: Resource not found: {path.rsplit('/', 1)[-1]} (Object)"), {}
        items, paged = found
        if not paged:
            return 200, items, {}
        return self._page(path, query, items)

    def _resource(self, path: str, query: dict[str, str]) -> tuple[Any, bool] | None:
        org = self.org
        segments = path.split("/")[3:]  # after /api/v1
        match segments:
            case ["apps"]:
                return list(org.apps), True
            case ["apps", app_id, "credentials", "jwks"]:
                if not any(app["id"] == app_id for app in org.apps):
                    return None
                return list(org.jwks.get(app_id, [])), False
            case ["authorizationServers", server_id, *rest]:
                data = org.auth_servers.get(server_id)
                if data is None:
                    return None
                match rest:
                    case []:
                        return data.server, False
                    case ["scopes"]:
                        return list(data.scopes), True
                    case ["policies"]:
                        return list(data.policies), False
                    case ["policies", policy_id, "rules"]:
                        if policy_id not in data.rules and not any(p["id"] == policy_id for p in data.policies):
                            return None
                        return list(data.rules.get(policy_id, [])), False
                return None
            case ["logs"]:
                return self._logs(query), True
        return None

    def _logs(self, query: dict[str, str]) -> list[dict[str, Any]]:
        since, until = query.get("since"), query.get("until")
        terms = re.findall(r'eventType (eq|sw) "([^"]+)"', query.get("filter", ""))

        def wanted(event_type: str) -> bool:
            return not terms or any(
                event_type == value if operator == "eq" else event_type.startswith(value) for operator, value in terms
            )

        events = [
            event
            for event in sorted(self.org.logs, key=lambda event: (event["published"], event["uuid"]))
            if (since is None or event["published"] >= since)
            and (until is None or event["published"] < until)
            and wanted(event["eventType"])
        ]
        return events

    def _page(self, path: str, query: dict[str, str], items: list[dict[str, Any]]) -> tuple[int, Any, dict[str, str]]:
        limit = min(int(query.get("limit", self.org.page_size)), self.org.page_size)
        key = "uuid" if path == "/api/v1/logs" else "id"
        after = query.get("after")
        page_number = 1 if after is None else self._cursor_pages.get((path, after), 0)
        action = self._page_actions.pop((path, page_number), None)
        if action is not None:
            action()
            found = self._resource(path, query)
            items = found[0] if found is not None else []
        start = 0
        if after is not None:
            positions = [index for index, item in enumerate(items) if item[key] == after]
            # The cursor's item may have been deleted since: Okta's cursor still resumes after it.
            start = positions[0] + 1 if positions else self._resume(after, items, key)
        page = items[start : start + limit]
        base = f"{self.base_url}{path}"
        keep = {name: value for name, value in query.items() if name != "after"}
        links = [f'<{base}?{urlencode(keep)}>; rel="self"']
        if start + limit < len(items):
            cursor = page[-1][key]
            self._cursor_pages[(path, cursor)] = page_number + 1
            links.append(f'<{base}?{urlencode({**keep, "after": cursor, "limit": str(limit)})}>; rel="next"')
        return 200, page, {"Link": ", ".join(links)}

    def _resume(self, after: str, items: list[dict[str, Any]], key: str) -> int:
        """Where a page resumes when its cursor's item is gone: after every item that sorted
        before it (ids sort in creation order here, as Okta's cursors do)."""
        return sum(1 for item in items if item[key] <= after)

    # --- authentication -------------------------------------------------------------------------

    def _authenticate(self, handler: BaseHTTPRequestHandler, path: str) -> tuple[int, Any, dict[str, str]] | None:
        authorization = handler.headers.get("Authorization") or ""
        scheme, _, value = authorization.partition(" ")
        invalid: tuple[int, Any, dict[str, str]] = (401, _error("E0000011", "Invalid token provided"), {})
        if scheme == "SSWS":
            return None if value in self.org.api_tokens else invalid
        if scheme not in ("Bearer", "DPoP") or value not in self._tokens:
            return invalid
        scopes, jkt = self._tokens[value]
        if jkt is not None:
            if scheme != "DPoP" or not self._proof_ok(handler, "GET", path, access_token=value, jkt=jkt):
                return invalid
        elif scheme != "Bearer":
            return invalid
        needed = next((name for pattern, name in REQUIRED_SCOPE if pattern.match(path)), None)
        if needed is not None and needed not in scopes:
            return 403, _error("E0000006", "You do not have permission to perform the requested action"), {}
        return None

    def _proof_ok(self, handler: BaseHTTPRequestHandler, method: str, path: str, *, access_token: str | None, jkt: str | None, nonce: str | None = None) -> bool:
        proof = handler.headers.get("DPoP")
        if not proof:
            return False
        try:
            header = json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
            key = ECKey.import_key(header["jwk"])
            claims = jwt.decode(proof, key).claims
        except (JoseError, ValueError, KeyError, TypeError):
            return False
        if header.get("typ") != "dpop+jwt" or claims.get("htm") != method or claims.get("htu") != f"{self.base_url}{path}":
            return False
        if jkt is not None and key.thumbprint() != jkt:
            return False
        if access_token is not None and claims.get("ath") != _b64_sha256(access_token):
            return False
        return nonce is None or claims.get("nonce") == nonce

    def _token(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, Any, dict[str, str]]:
        form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        client_error: tuple[int, Any, dict[str, str]] = (401, {"error": "invalid_client", "error_description": "The client assertion is invalid."}, {})
        assertion = form.get("client_assertion", "")
        try:
            unverified = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
            credential = self.org.service_apps[unverified["iss"]]
            claims = jwt.decode(assertion, credential.public_key).claims
        except (JoseError, ValueError, KeyError, TypeError, IndexError):
            return client_error
        if claims.get("sub") != claims.get("iss") or claims.get("aud") != self.token_url or claims.get("exp", 0) < time.time():
            return client_error
        requested = frozenset(form.get("scope", "").split())
        if not requested or not requested <= credential.scopes:
            return 400, {"error": "invalid_scope", "error_description": "The requested scope is invalid."}, {}
        jkt: str | None = None
        if self.org.require_dpop:
            if not handler.headers.get("DPoP"):
                return 400, {"error": "invalid_dpop_proof", "error_description": "The DPoP proof JWT header is missing."}, {}
            if not self._proof_ok(handler, "POST", "/oauth2/v1/token", access_token=None, jkt=None, nonce=self._nonce):
                return 400, {"error": "use_dpop_nonce", "error_description": "Authorization server requires nonce in DPoP proof."}, {"DPoP-Nonce": self._nonce}
            header = json.loads(base64.urlsafe_b64decode(handler.headers["DPoP"].split(".")[0] + "=="))
            jkt = ECKey.import_key(header["jwk"]).thumbprint()
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (requested, jkt)
        return 200, {
            "token_type": "DPoP" if jkt else "Bearer",
            "expires_in": 3600,
            "access_token": token,
            "scope": " ".join(sorted(requested)),
        }, {}
