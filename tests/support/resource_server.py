"""A resource server on 127.0.0.1 that accepts the loopback authorization server's tokens: the API a
consumer calls with its service account's token.

`GET /projects/{id}` answers the project as JSON, `POST`/`PUT /projects/{id}` answer what they
received, and `/redirect?to=URL` redirects (307) anywhere without looking at the token; the others
answer only to a request whose bearer token is an RS256 JWT signed with the authorization server's
key, issued by it (`iss`), unexpired, and granting `required_scope` in `scp`. A missing, malformed,
forged, expired or revoked token gets 401 with `WWW-Authenticate: Bearer error="invalid_token"`
(RFC 6750); a valid token without the scope gets 403 (`insufficient_scope`).

Test hooks: revoking a token (by its `jti`), refusing every token (an API misconfigured for this
client), holding refusals and letting them go a number at a time (so that concurrent callers all see
a 401 for the same token, some of them after others already renewed it), and the record of every
request with the token's `jti`, with a wait for a condition on it (bounded, no polling).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from tests.support.authz_server import ISSUER

PROJECT_PATH = re.compile(r"^/projects/([A-Za-z0-9_-]{1,64})$")
REDIRECT_PATH = re.compile(r"^/redirect\?to=(http://127\.0\.0\.1:[0-9]+/[A-Za-z0-9/_-]*)$")


@dataclass(frozen=True)
class Seen:
    """One request as the resource server saw it."""

    method: str
    path: str
    status: int
    jti: str | None
    body: bytes
    token: str | None  # the bearer token as received: for checking where it must never appear


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Fifty callers connect at once in the concurrency tests; the default backlog of 5 would make
    # the kernel drop connection attempts and the clients retry them a second later.
    request_queue_size = 128
    api: ResourceServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up mid-answer (the token client's deadline tests) resets the
        # connection: expected, and not worth a traceback in the test output.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        self._handle(self._read_body())

    def do_PUT(self) -> None:
        self._handle(self._read_body())

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()  # the blank line after the last chunk
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self, body: bytes) -> None:
        api = self.server.api
        if redirect := REDIRECT_PATH.match(self.path):
            self._answer(307, {}, None, body, location=redirect.group(1))
            return
        match = PROJECT_PATH.match(self.path)
        if match is None:
            self._answer(404, {"error": "not_found"}, None, body)
            return
        claims = api.check(self.headers.get("Authorization"))
        jti = claims.get("jti") if claims else None
        if claims is None or api.refuses(claims):
            api.wait_while_refusals_held()
            self._answer(401, {"error": "invalid_token"}, jti, body, challenge='error="invalid_token"')
            return
        if api.required_scope not in claims.get("scp", []):
            self._answer(403, {"error": "insufficient_scope"}, jti, body)
            return
        project_id = match.group(1)
        answer: dict[str, Any] = {"id": project_id, "name": f"Project {project_id}"}
        if self.command != "GET":
            answer["received"] = body.decode()
        self._answer(200, answer, jti, body)

    def _answer(
        self,
        status: int,
        document: dict[str, Any],
        jti: str | None,
        body: bytes,
        *,
        challenge: str | None = None,
        location: str | None = None,
    ) -> None:
        authorization = self.headers.get("Authorization") or ""
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
        self.server.api.record(Seen(self.command, self.path, status, jti, body, token))
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if challenge is not None:
            self.send_header("WWW-Authenticate", f"Bearer {challenge}")
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class ResourceServer:
    """The API and its test hooks; `base_url` is where it listens."""

    def __init__(self, signing_key: RSAKey, *, required_scope: str) -> None:
        # Only the public half: a resource server verifies, it never signs.
        self.public_key = RSAKey.import_key(signing_key.as_dict(private=False))
        self.required_scope = required_scope
        # Reentrant: `wait_until` conditions read the record through the methods below.
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.seen: list[Seen] = []
        self.revoked: set[str] = set()
        self.refuse_every_token = False
        self.refusals_held = 0
        self._refusal_gate: threading.Semaphore | None = None
        self._http = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._http.api = self
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="test-resource-server",
            daemon=True,
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def close(self) -> None:
        if self._refusal_gate is not None:
            self._refusal_gate.release(1000)
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    # --- what it accepts ---------------------------------------------------------------------
    def check(self, authorization: str | None) -> dict[str, Any] | None:
        """The claims of a valid bearer token (signature, issuer, expiry), else None."""
        if authorization is None or not authorization.startswith("Bearer "):
            return None
        try:
            token = jwt.decode(authorization.removeprefix("Bearer "), self.public_key, algorithms=["RS256"])
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISSUER}, exp={"essential": True}).validate(
                token.claims
            )
        except (JoseError, ValueError):
            return None
        return dict(token.claims)

    def refuses(self, claims: dict[str, Any]) -> bool:
        with self.lock:
            return self.refuse_every_token or claims.get("jti") in self.revoked

    # --- test hooks --------------------------------------------------------------------------
    def revoke(self, jti: str) -> None:
        with self.lock:
            self.revoked.add(jti)

    def hold_refusals(self) -> None:
        """From now on a 401 waits until `release_refusals` lets it go (10 s at most)."""
        self._refusal_gate = threading.Semaphore(0)

    def release_refusals(self, count: int) -> None:
        assert self._refusal_gate is not None
        self._refusal_gate.release(count)

    def wait_while_refusals_held(self) -> None:
        gate = self._refusal_gate
        if gate is None:
            return
        with self.changed:
            self.refusals_held += 1
            self.changed.notify_all()
        # Not acquired in time: the test fails on its own counts; never hang the server.
        gate.acquire(timeout=10)

    def wait_until(self, condition: Callable[[ResourceServer], bool], timeout: float = 10) -> bool:
        """Block until `condition(self)` holds (checked whenever a request is recorded or a refusal
        is held), at most `timeout` seconds; returns whether it holds."""
        with self.changed:
            return self.changed.wait_for(lambda: condition(self), timeout=timeout)

    def record(self, seen: Seen) -> None:
        with self.changed:
            self.seen.append(seen)
            self.changed.notify_all()

    def statuses(self) -> list[int]:
        with self.lock:
            return [s.status for s in self.seen]

    def jtis(self) -> list[str | None]:
        with self.lock:
            return [s.jti for s in self.seen]
