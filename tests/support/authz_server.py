"""A real OAuth 2.0 authorization server for the client's tests, on 127.0.0.1.

Built from authlib's framework-agnostic server components: an `AuthorizationServer` subclass with
the client_credentials grant, client_secret_basic and private_key_jwt (RFC 7523,
`JWTBearerClientAssertion`) client authentication, and RFC 9068 JWT access tokens carrying `scp`
and `exp`; served by the standard library's ThreadingHTTPServer on an ephemeral port.

`AuthzServer(..., entra_scope=...)` behaves as Microsoft Entra ID does for client credentials:
the request's `scope` must be exactly `<identifierUri>/.default`, the access token carries the
client's app roles in `roles` (no `scp`, no `scope`) and the response no `scope`; a certificate
client authenticates with an assertion signed PS256 whose header names the certificate by its
SHA-256 thumbprint (`x5t#S256`); several certificates may be registered at once.

`AuthzServer(..., auth0_audience=...)` behaves as Auth0 does for client credentials: the request
must name the API as `audience` (none: `invalid_request`, another: `access_denied`), the token
carries the granted scopes in a space-separated `scope` claim with the API as `aud`, and the
answer's `scope` says the same; a private_key_jwt client's assertion must name the tenant's URL
(`issuer`, with its trailing slash) as `aud`, and its `kid`, when sent, must be the RFC 7638
thumbprint of one of the client's (at most two) registered keys.

`AuthzServer(..., cognito_resource_server=...)` behaves as an Amazon Cognito user pool's token
endpoint does for client credentials: client_secret_basic only; each requested scope must be one
the app client allows, as `<resource server>/<scope>` (no scope: every allowed one); the access
token names the client in `client_id` (and `sub`), carries `token_use: access` and the granted
scopes in a space-separated `scope` claim in that form; the response has no `scope`.

Test hooks: request counting, secret rotation, injected answers (429 with Retry-After, 5xx),
answers built from the request (a server that echoes what it received), a gate that holds token responses (to make callers overlap), and taking the server down and up.
"""

from __future__ import annotations

import hmac
import json
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import (
    AccessDeniedError,
    AuthorizationServer,
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

ISSUER = "https://authz.test.invalid"
SERVER_THREAD_PREFIX = "test-authz-server"


@dataclass
class RegisteredClient(ClientMixin):  # type: ignore[misc]
    client_id: str
    auth_method: str  # "client_secret_basic" | "private_key_jwt"
    scopes: tuple[str, ...]
    client_secret: str | None = None
    public_key: RSAKey | None = None
    # Entra ID: registered certificates' public keys by SHA-256 thumbprint (x5t#S256).
    certificates: dict[str, RSAKey] = field(default_factory=dict)
    # Auth0: registered public keys by the kid Auth0 derives (their RFC 7638 thumbprint).
    auth0_keys: dict[str, RSAKey] = field(default_factory=dict)
    # Cognito: the resource server the client's scopes are on (set by AuthzServer.register).
    cognito_resource_server: str | None = None

    def get_client_id(self) -> str:
        return self.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client_secret is not None and hmac.compare_digest(
            client_secret.encode(), self.client_secret.encode()
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method == self.auth_method

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

    def get_allowed_scope(self, scope: str | None) -> str:
        if self.cognito_resource_server is not None:
            # Cognito: what was asked for (checked against the client), else all it allows.
            return scope if scope else " ".join(f"{self.cognito_resource_server}/{s}" for s in self.scopes)
        if scope is not None and scope.endswith("/.default"):
            return ""  # Entra: no scope in the response; the token's roles say what was granted
        # No scope requested: everything the client may have (the Okta behaviour for M2M apps).
        return scope if scope else " ".join(self.scopes)


class ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "private_key_jwt"]

    def validate_requested_scope(self) -> None:
        audience = self.server.authz.auth0_audience
        if audience is not None:
            requested_audience = self.request.form.get("audience")
            if not requested_audience:
                raise InvalidRequestError(description="audience is required")
            if requested_audience != audience:
                raise AccessDeniedError(description="Service not found")
        resource_server = self.server.authz.cognito_resource_server
        if resource_server is not None:
            allowed = {f"{resource_server}/{scope}" for scope in self.request.client.scopes}
            if not set((self.request.payload.scope or "").split()) <= allowed:
                raise InvalidScopeError()
            return
        entra_scope = self.server.authz.entra_scope
        if entra_scope is not None:
            # Entra's client credentials flow takes only the resource's `.default`.
            if self.request.payload.scope != entra_scope:
                raise InvalidScopeError()
            return
        requested = set((self.request.payload.scope or "").split())
        if not requested <= set(self.request.client.scopes):
            raise InvalidScopeError()


class PrivateKeyJWTAuthentication(JWTBearerClientAssertion):  # type: ignore[misc]
    """RFC 7523 client authentication: a JWT signed with the client's key, aud = token URL,
    jti used once."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, authz: AuthzServer) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.authz = authz

    def get_audiences(self) -> list[str]:
        if self.authz.auth0_audience is not None:
            return [self.authz.issuer]
        return [self.authz.token_url]

    def extract_assertion(self, assertion: str) -> tuple[Any, Any]:
        headers, claims = super().extract_assertion(assertion)
        with self.authz.lock:
            self.authz.assertions.append((dict(headers), dict(claims)))
        self._current.headers = dict(headers)
        return headers, claims

    _current = threading.local()

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> Any:
        if self.authz.entra_scope is None:
            return super().process_assertion_claims(assertion, resolve_key)
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=["PS256"])
        except JoseError as error:
            raise InvalidClientError(description=error.description) from error
        self.verify_claims(token.claims)
        return token.claims

    def validate_jti(self, claims: Mapping[str, Any], jti: str) -> bool:
        key = f"{claims['sub']}:{jti}"
        with self.authz.lock:
            if key in self.authz.used_jtis:
                return False
            self.authz.used_jtis.add(key)
            return True

    def resolve_client_public_key(self, client: RegisteredClient) -> RSAKey:
        if self.authz.auth0_audience is not None:
            kid = getattr(self._current, "headers", {}).get("kid")
            key = client.auth0_keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise InvalidClientError(description="no credential of the client has this kid")
            return key
        if self.authz.entra_scope is not None:
            thumbprint = getattr(self._current, "headers", {}).get("x5t#S256")
            key = client.certificates.get(thumbprint) if isinstance(thumbprint, str) else None
            if key is None:
                raise InvalidClientError(description="no registered certificate has this thumbprint")
            return key
        assert client.public_key is not None
        return client.public_key


class AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    def __init__(self, authz: AuthzServer) -> None:
        super().__init__(
            issuer=ISSUER,
            alg="RS256",
            expires_generator=lambda client, grant_type: authz.token_lifetime,
        )
        self.authz = authz

    def get_jwks(self) -> RSAKey:
        return self.authz.signing_key

    def access_token_generator(self, client: RegisteredClient, grant_type: str, user: Any, scope: str) -> str:
        if self.authz.auth0_audience is not None:
            # An Auth0 client-credentials token: the API as `aud`, the scopes space separated.
            now = int(time.time())
            auth0_claims = {
                "iss": self.authz.issuer,
                "sub": f"{client.client_id}@clients",
                "aud": self.authz.auth0_audience,
                "iat": now,
                "exp": now + self.authz.token_lifetime,
                "scope": scope,
                "gty": "client-credentials",
                "azp": client.client_id,
            }
            auth0_token: str = jwt.encode({"alg": "RS256", "typ": "JWT"}, auth0_claims, self.authz.signing_key)
            return auth0_token
        if self.authz.cognito_resource_server is not None:
            return self._cognito_token(client, scope)
        entra_scope = self.authz.entra_scope
        if entra_scope is None:
            token: str = super().access_token_generator(client, grant_type, user, scope)
            return token
        # An Entra v2 app-only token: the API as `aud`, the assigned app roles in `roles`.
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": entra_scope.removesuffix("/.default"),
            "iat": now,
            "exp": now + self.authz.token_lifetime,
            "azp": client.client_id,
            "sub": client.client_id,
            "roles": list(client.scopes),
            "ver": "2.0",
            "uti": uuid.uuid4().hex,
        }
        encoded: str = jwt.encode({"alg": "RS256", "typ": "JWT"}, claims, self.authz.signing_key)
        return encoded

    def _cognito_token(self, client: RegisteredClient, scope: str) -> str:
        """A Cognito client-credentials access token: the client in `client_id` and `sub`, no
        `aud`, the scopes as `<resource server>/<scope>` in a space-separated `scope`."""
        now = int(time.time())
        claims = {
            "sub": client.client_id,
            "client_id": client.client_id,
            "token_use": "access",
            "scope": scope,
            "auth_time": now,
            "iss": ISSUER,
            "exp": now + self.authz.token_lifetime,
            "iat": now,
            "version": 2,
            "jti": str(uuid.uuid4()),
        }
        encoded: str = jwt.encode({"alg": "RS256", "kid": "cognito-test"}, claims, self.authz.signing_key)
        return encoded

    def get_extra_claims(
        self, client: RegisteredClient, grant_type: str, user: object, scope: str
    ) -> dict[str, Any]:
        return {"scp": scope.split()}


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, method: str, uri: str, headers: Mapping[str, str], form: dict[str, str]):
        super().__init__(method=method, uri=uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self._form


class OAuthCore(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, authz: AuthzServer) -> None:
        super().__init__()
        self.authz = authz
        self.register_grant(ClientCredentials)
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWTAuthentication(authz))
        self.register_token_generator("default", AccessTokenGenerator(authz))

    def query_client(self, client_id: str) -> RegisteredClient | None:
        with self.authz.lock:
            return self.authz.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        # JWT access tokens are self-contained; nothing to store.
        return None

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: _Request) -> _Request:
        return request

    def handle_response(
        self, status: int, body: object, headers: list[tuple[str, str]]
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        if self.authz.cognito_resource_server is not None and status == 200 and isinstance(body, dict):
            # Cognito's token response has no `scope`: the token's claim is what was granted.
            body = {key: value for key, value in body.items() if key != "scope"}
        payload = body if isinstance(body, bytes | str) else json.dumps(body)
        data = payload.encode() if isinstance(payload, str) else payload
        return status, data, list(headers)


@dataclass(frozen=True)
class Injected:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


# An answer built from the request: (headers, form) -> (status, JSON body).
Echo = Callable[[dict[str, str], dict[str, str]], tuple[int, dict[str, Any]]]


@dataclass
class Observed:
    """What the server saw of one POST to /token."""

    status: int
    error: str | None = None
    form: dict[str, str] = field(default_factory=dict)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    authz: AuthzServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up mid-answer (the token client's deadline tests) resets the
        # connection: expected, and not worth a traceback in the test output.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Named threads, so that tests can tell the server's log records from the client's.
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{SERVER_THREAD_PREFIX}-handler",
            daemon=True,
        )
        thread.start()


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        authz = self.server.authz
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if self.path != "/token":
            self._send(404, b"", [])
            return
        form = dict(parse_qsl(body, keep_blank_values=True))
        authz.received.set()
        authz.gate.wait(timeout=10)
        echo = authz.take_echo()
        if echo is not None:
            status, answer = echo(dict(self.headers.items()), form)
            authz.observe(Observed(status, None, form))
            self._send(status, json.dumps(answer).encode(), [("Content-Type", "application/json")])
            return
        injected = authz.take_injection()
        if injected is not None:
            authz.observe(Observed(injected.status, None, form))
            self._send(injected.status, injected.body, list(injected.headers))
            return
        request = _Request("POST", authz.token_url, dict(self.headers.items()), form)
        status, data, headers = authz.core.create_token_response(request)
        error = json.loads(data).get("error") if status != 200 else None
        authz.observe(Observed(status, error, form))
        self._send(status, data, headers)

    def _send(self, status: int, data: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class AuthzServer:
    """The server and its test hooks. `token_url` is stable across `down()` / `up()`."""

    def __init__(
        self,
        signing_key: RSAKey,
        *,
        entra_scope: str | None = None,
        auth0_audience: str | None = None,
        cognito_resource_server: str | None = None,
    ) -> None:
        self.signing_key = signing_key
        # Set: behave as Auth0 does for this API (module docstring).
        self.auth0_audience = auth0_audience
        # Set: behave as Entra ID does for this `<identifierUri>/.default` (module docstring).
        self.entra_scope = entra_scope
        # Set: behave as a Cognito user pool does with this resource server (module docstring).
        self.cognito_resource_server = cognito_resource_server
        self.lock = threading.Lock()
        self.clients: dict[str, RegisteredClient] = {}
        self.used_jtis: set[str] = set()
        self.assertions: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.observed: list[Observed] = []
        self.token_lifetime = 3600
        self.received = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        self._injections: deque[Injected] = deque()
        self._echoes: deque[Echo] = deque()
        self.core = OAuthCore(self)
        self._port = 0  # ephemeral on the first up(), then kept so that token_url is stable
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/token"

    @property
    def issuer(self) -> str:
        """Auth0 mode: the tenant's URL, with Auth0's trailing slash."""
        return f"http://127.0.0.1:{self._port}/"

    # --- lifecycle ---------------------------------------------------------------------------
    def up(self) -> None:
        assert self._http is None
        http = _HTTPServer(("127.0.0.1", self._port), _Handler)
        http.authz = self
        self._port = http.server_address[1]
        self._http = http
        self._thread = threading.Thread(
            target=http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{SERVER_THREAD_PREFIX}-listener",
            daemon=True,
        )
        self._thread.start()

    def down(self) -> None:
        """Stop listening: connections are refused until `up()`."""
        if self._http is None:
            return
        self.gate.set()
        self._http.shutdown()
        self._http.server_close()
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._http = None

    # --- registry ----------------------------------------------------------------------------
    def register(self, client: RegisteredClient) -> RegisteredClient:
        if self.cognito_resource_server is not None:
            # A Cognito app client authenticates with its secret only.
            assert client.auth_method == "client_secret_basic", "Cognito offers no private_key_jwt"
            client.cognito_resource_server = self.cognito_resource_server
        with self.lock:
            self.clients[client.client_id] = client
        return client

    def rotate_secret(self, client_id: str, new_secret: str) -> None:
        """Replace the client's secret: the old one is rejected from now on."""
        with self.lock:
            self.clients[client_id].client_secret = new_secret

    # --- failures and observation ------------------------------------------------------------
    def inject(self, status: int, *, retry_after: str | None = None, times: int = 1) -> None:
        headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
        if retry_after is not None:
            headers += (("Retry-After", retry_after),)
        body = json.dumps({"error": "temporarily_unavailable"}).encode()
        with self.lock:
            self._injections.extend(Injected(status, headers, body) for _ in range(times))

    def inject_response(self, status: int, body: Mapping[str, Any]) -> None:
        """Answer the next token request with this JSON body (e.g. an error that echoes input)."""
        headers = (("Content-Type", "application/json"),)
        with self.lock:
            self._injections.append(Injected(status, headers, json.dumps(body).encode()))

    def inject_echo(self, echo: Echo, *, times: int = 1) -> None:
        """Answer the next token requests with `echo(headers, form) -> (status, JSON body)`: a
        hostile or buggy server that repeats the credentials it received."""
        with self.lock:
            self._echoes.extend(echo for _ in range(times))

    def take_echo(self) -> Echo | None:
        with self.lock:
            return self._echoes.popleft() if self._echoes else None

    def take_injection(self) -> Injected | None:
        with self.lock:
            return self._injections.popleft() if self._injections else None

    def observe(self, observed: Observed) -> None:
        with self.lock:
            self.observed.append(observed)

    @property
    def request_count(self) -> int:
        with self.lock:
            return len(self.observed)

    def statuses(self) -> list[int]:
        with self.lock:
            return [o.status for o in self.observed]

    def errors(self) -> list[str | None]:
        with self.lock:
            return [o.error for o in self.observed]
