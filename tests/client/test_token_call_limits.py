"""What one token call will put up with from a hostile or broken server: how much it reads, how
long a token may be, and (below) how long the call may take. The answers come from a loopback
server whose bytes the test writes itself, since no server library sends answers like these."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from client_helpers import FakeClock

from svcaccounts.client import AsyncTokenClient, TokenClient, TokenEndpointUnavailable
from svcaccounts.client.transport import ACCESS_TOKEN_LIMIT, TOKEN_RESPONSE_LIMIT

MiB = 1024 * 1024


@dataclass
class Served:
    """What the server did with one connection: the request it read, the bytes it wrote, and
    whether the client hung up before the answer was complete."""

    request: bytes = b""
    written: int = 0
    hung_up: bool = False


Answer = Callable[[socket.socket, Served, threading.Event], None]


class RawServer:
    """A loopback HTTP/1.1 server: each connection gets the next answer (the last one repeats)."""

    def __init__(self, *answers: Answer) -> None:
        self._answers = deque(answers)
        self.served: list[Served] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so that the acceptor sees `_stop` soon after it is set
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/token"

    def __enter__(self) -> RawServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in [self._acceptor, *self._threads]:
            thread.join(timeout=5)
        self._listener.close()

    def finished(self) -> list[Served]:
        """What was served, once every connection so far has been answered or hung up on."""
        for thread in list(self._threads):
            thread.join(timeout=10)
        return self.served

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            answer = self._answers.popleft() if len(self._answers) > 1 else self._answers[0]
            served = Served()
            self.served.append(served)
            thread = threading.Thread(target=self._serve, args=(connection, answer, served), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket, answer: Answer, served: Served) -> None:
        with connection:
            served.request = _read_request(connection)
            try:
                answer(connection, served, self._stop)
            except OSError:  # the client closed the connection: it stopped reading
                served.hung_up = True


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def _write(connection: socket.socket, served: Served, data: bytes) -> None:
    connection.sendall(data)
    served.written += len(data)


def answer(status: int, body: bytes, *headers: str) -> Answer:
    def write(connection: socket.socket, served: Served, stop: threading.Event) -> None:
        head = [
            f"HTTP/1.1 {status} X",
            "Content-Type: application/json",
            *headers,
            f"Content-Length: {len(body)}",
        ]
        _write(connection, served, ("\r\n".join(head) + "\r\n\r\n").encode() + body)

    return write


def token_answer(token: str = "header.payload.signature", **extra: Any) -> Answer:
    return answer(
        200, json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 3600, **extra}).encode()
    )


def endless_body(*, declared: int | None) -> Answer:
    """A 200 answer that declares a body of `declared` bytes (chunked when None) and sends zeros for
    as long as the client reads, up to 128 MiB (a test that fails should not take the machine)."""

    def write(connection: socket.socket, served: Served, stop: threading.Event) -> None:
        framing = f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
        _write(
            connection,
            served,
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode(),
        )
        chunk = b"0" * 65536
        if declared is None:
            chunk = b"10000\r\n" + chunk + b"\r\n"
        while served.written < 128 * MiB and not stop.is_set():
            _write(connection, served, chunk)

    return write


def bundle_file(tmp_path: Path, token_url: str) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(
        json.dumps(
            {
                "client_id": "reporting-basic",
                "token_url": token_url,
                "auth_method": "client_secret_basic",
                "scopes": ["reports.read"],
                "generation": 1,
                "rotates_at": "2027-01-01T00:00:00Z",
                "client_secret": "s3cr3t-value-that-must-never-show",
            }
        )
    )
    return path


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    """Starts a RawServer with the given answers; every one started is stopped after the test."""
    started: list[RawServer] = []

    def start(*answers: Answer) -> RawServer:
        server = RawServer(*answers).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


@pytest.fixture
def client_for(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[..., TokenClient]]:
    """A TokenClient for the bundle pointing at `server`, on the fake clock."""

    def make(server: RawServer, **options: Any) -> TokenClient:
        settings: dict[str, Any] = {"clock": clock, "sleep": clock.sleep, "random": lambda: 0.5}
        return TokenClient.from_file(bundle_file(tmp_path, server.token_url), **(settings | options))

    yield make


# --- how much of an answer is read ------------------------------------------------------------


@pytest.mark.parametrize(
    "oversized",
    [endless_body(declared=300 * MiB), endless_body(declared=None)],
    ids=["300 MB with Content-Length", "endless chunked body"],
)
def test_an_oversized_answer_is_not_read_to_the_end(
    serve: Callable[..., RawServer], oversized: Answer, client_for: Callable[..., TokenClient]
) -> None:
    server = serve(oversized)
    with pytest.raises(TokenEndpointUnavailable) as caught:
        client_for(server).token()

    assert str(caught.value).endswith("(3 attempts; last: an answer larger than 64 KiB)")
    served = server.finished()
    assert all(connection.hung_up for connection in served)
    # Socket buffers take a few MiB before the server notices; the client read at most 64 KiB.
    assert max(connection.written for connection in served) < 32 * MiB


def test_an_oversized_answer_leaves_the_cached_token_in_service(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient], clock: FakeClock
) -> None:
    server = serve(token_answer(), endless_body(declared=None))
    client = client_for(server)
    cached = client.token()
    clock.advance(3600 - 300)  # into the renewal window

    assert client.token() == cached
    assert all(connection.hung_up for connection in server.finished()[1:])


def test_the_async_client_stops_reading_an_oversized_answer(
    serve: Callable[..., RawServer], tmp_path: Path, clock: FakeClock
) -> None:
    server = serve(endless_body(declared=None))
    client = AsyncTokenClient.from_file(
        bundle_file(tmp_path, server.token_url), clock=clock, sleep=clock.async_sleep, random=lambda: 0.5
    )
    with pytest.raises(TokenEndpointUnavailable) as caught:
        asyncio.run(client.token())

    assert str(caught.value).endswith("last: an answer larger than 64 KiB)")
    assert all(connection.hung_up for connection in server.finished())


def test_an_answer_just_under_the_cap_is_read(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient]
) -> None:
    body = json.dumps({"access_token": "t", "expires_in": 3600, "padding": ""}).encode()
    body = body.replace(b'"padding": ""', b'"padding": "' + b"p" * (TOKEN_RESPONSE_LIMIT - len(body)) + b'"')
    assert len(body) == TOKEN_RESPONSE_LIMIT
    server = serve(answer(200, body))
    assert client_for(server).token().value == "t"


def test_a_compressed_answer_is_refused_and_none_is_asked_for(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient]
) -> None:
    # 32 MiB of JSON in 32 KiB: a decompression bomb under any cap on the bytes received.
    bomb = gzip.compress(b'{"access_token": "' + b"a" * 32 * MiB + b'"}')
    server = serve(answer(200, bomb, "Content-Encoding: gzip"))
    with pytest.raises(TokenEndpointUnavailable) as caught:
        client_for(server).token()

    assert str(caught.value).endswith(
        "last: a compressed answer (Content-Encoding), though none was asked for)"
    )
    assert b"\r\naccept-encoding: identity\r\n" in server.served[0].request.lower()


# --- the token itself ---------------------------------------------------------------------------


def test_a_10_mb_access_token_is_refused(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient]
) -> None:
    server = serve(token_answer("a" * 10 * MiB))
    with pytest.raises(TokenEndpointUnavailable) as caught:
        client_for(server).token()

    assert str(caught.value).endswith("last: an answer larger than 64 KiB)")


def test_an_access_token_longer_than_the_cap_is_refused(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient]
) -> None:
    server = serve(token_answer("a" * (ACCESS_TOKEN_LIMIT + 1)))
    with pytest.raises(TokenEndpointUnavailable) as caught:
        client_for(server).token()

    assert str(caught.value).endswith("last: access_token longer than 16 KiB)")


def test_an_access_token_at_the_cap_is_accepted(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient]
) -> None:
    server = serve(token_answer("a" * ACCESS_TOKEN_LIMIT))
    assert len(client_for(server).token().value) == ACCESS_TOKEN_LIMIT


@pytest.mark.parametrize(
    "token", ["abc\r\nX-Injected: 1", "abc\x00def", "tökén"], ids=["CRLF", "NUL", "non-ASCII"]
)
def test_an_access_token_with_characters_a_token_cannot_have_is_refused(
    serve: Callable[..., RawServer], token: str, client_for: Callable[..., TokenClient]
) -> None:
    server = serve(token_answer(token))
    with pytest.raises(TokenEndpointUnavailable) as caught:
        client_for(server).token()

    assert str(caught.value).endswith("last: access_token has characters outside RFC 6749's VSCHAR)")


# --- JSON the parser cannot take ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"[" * 30_000 + b"]" * 30_000, b'{"access_token": "t", "expires_in": ' + b"9" * 5000 + b"}"],
    ids=["nested 30000 deep", "a 5000-digit number"],
)
def test_json_beyond_the_parsers_limits_is_a_bad_answer(
    serve: Callable[..., RawServer], body: bytes, client_for: Callable[..., TokenClient]
) -> None:
    server = serve(answer(200, body))
    with pytest.raises(TokenEndpointUnavailable) as caught:
        client_for(server).token()

    assert str(caught.value).endswith("last: not a JSON token response)")


@pytest.mark.parametrize("body", [b"[]", b'"a string"', b"42", b"null"], ids=str)
def test_json_that_is_not_an_object_is_a_bad_answer(
    serve: Callable[..., RawServer], body: bytes, client_for: Callable[..., TokenClient]
) -> None:
    server = serve(answer(200, body))
    with pytest.raises(TokenEndpointUnavailable) as caught:
        client_for(server).token()

    assert str(caught.value).endswith("last: not a JSON token response)")


def test_sanity_the_raw_server_serves_a_token(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient]
) -> None:
    server = serve(token_answer(scope="reports.read"))
    token = client_for(server).token()

    assert (token.value, token.scopes) == ("header.payload.signature", ("reports.read",))
