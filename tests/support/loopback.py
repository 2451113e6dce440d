"""The HTTP plumbing the loopback vendor fakes share (okta_server, auth0_server, graph_server).

A ThreadingHTTPServer on 127.0.0.1 (an ephemeral port) in a daemon thread. Every GET and POST is
handed, under one lock, to the fake's `serve(handler, method, path, query, body)`, which returns
`(status, answer, headers)`; the answer goes back as JSON (nothing for None). The fakes keep what
is theirs: routes, vendor bodies, the record of calls, the check against the vendor's description.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, Any, dict[str, str]]
Serve = Callable[[BaseHTTPRequestHandler, str, str, dict[str, str], bytes], Answer]
# A request body is a token form at most: a megabyte is far beyond it.
BODY_LIMIT = 1 << 20


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    loopback: JsonLoopback


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.loopback.handle(self, "GET", b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.loopback.handle(self, "POST", self.rfile.read(min(length, BODY_LIMIT)))


class JsonLoopback:
    def __init__(self, serve: Serve) -> None:
        self._serve = serve
        self._lock = threading.Lock()
        self._http = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._http.loopback = self
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def handle(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        parts = urlsplit(handler.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        with self._lock:
            status, answer, headers = self._serve(handler, method, parts.path, query, body)
        payload = json.dumps(answer).encode() if answer is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
