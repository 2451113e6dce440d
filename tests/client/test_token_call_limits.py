"""What one token call will put up with from a hostile or broken server: how much it reads, how
long a token may be, and (below) how long the call may take. The answers come from a loopback
server whose bytes the test writes itself, since no server library sends answers like these."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from svcaccounts.client import AsyncTokenClient, TokenClient, TokenClientError, TokenEndpointUnavailable
from svcaccounts.client.transport import ACCESS_TOKEN_LIMIT, TOKEN_RESPONSE_LIMIT
from tests.support.authz_server import AuthzServer
from tests.support.client_fakes import FakeClock

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

    def __init__(self, *answers: Answer, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._answers = deque(answers)
        self.served: list[Served] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so that the acceptor sees `_stop` soon after it is set
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def token_url(self) -> str:
        scheme, host = ("https", "localhost") if self._tls else ("http", "127.0.0.1")
        return f"{scheme}://{host}:{self._listener.getsockname()[1]}/token"

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
        if self._tls is not None:
            connection = self._tls.wrap_socket(connection, server_side=True)
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

    def start(*answers: Answer, tls: ssl.SSLContext | None = None) -> RawServer:
        server = RawServer(*answers, tls=tls).__enter__()
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


# --- how long one call may take -----------------------------------------------------------------


def drip(head: bytes, byte: bytes, *, every: float = 0.05, for_at_most: float = 5.0) -> Answer:
    """Writes `head`, then `byte` every `every` seconds for at most `for_at_most` seconds: each
    arrives well within any read timeout, and the answer never completes."""

    def write(connection: socket.socket, served: Served, stop: threading.Event) -> None:
        _write(connection, served, head)
        ends_at = time.monotonic() + for_at_most
        while time.monotonic() < ends_at and not stop.wait(every):
            _write(connection, served, byte)

    return write


DRIPPING = {
    "a header line": drip(b"HTTP/1.1 200 OK\r\nX-Drip: ", b"a"),
    "a body with a length": drip(b'HTTP/1.1 200 OK\r\nContent-Length: 60000\r\n\r\n{"access_token": "', b"a"),
    "a chunked body": drip(
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n13\r\n{"access_token": "a\r\n', b"1\r\na\r\n"
    ),
}
CUT_OFF = "(no token within the 0.5 s deadline, 1 attempt; last: no complete answer within the deadline)"


@pytest.mark.parametrize("dripping", DRIPPING.values(), ids=DRIPPING.keys())
def test_a_dripping_answer_is_cut_off_at_the_deadline(
    serve: Callable[..., RawServer], dripping: Answer, client_for: Callable[..., TokenClient]
) -> None:
    server = serve(dripping)
    client = client_for(server, deadline=0.5)
    started = time.monotonic()

    with pytest.raises(TokenEndpointUnavailable) as caught:
        client.token()

    # Without the deadline: three attempts, each as long as the server cares to drip.
    assert time.monotonic() - started < 3.0
    assert str(caught.value).endswith(CUT_OFF)
    assert all(connection.hung_up for connection in server.finished())


def test_a_dripping_answer_leaves_the_cached_token_in_service(
    serve: Callable[..., RawServer], client_for: Callable[..., TokenClient], clock: FakeClock
) -> None:
    server = serve(token_answer(), DRIPPING["a body with a length"])
    client = client_for(server, deadline=0.5)
    cached = client.token()
    clock.advance(3600 - 300)
    started = time.monotonic()

    assert client.token() == cached
    assert time.monotonic() - started < 3.0


def _tls_for_localhost(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a certificate for localhost, and the file of the CA that issued it."""
    now = datetime.now(UTC)

    def certificate(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: str,
        signer: ec.EllipticCurvePrivateKey,
        *,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_file, chain_file, key_file = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_file.write_bytes(
        certificate("test CA", ca_key, "test CA", ca_key, ca=True).public_bytes(serialization.Encoding.PEM)
    )
    chain_file.write_bytes(
        certificate("localhost", server_key, "test CA", ca_key, ca=False).public_bytes(
            serialization.Encoding.PEM
        )
    )
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain_file, key_file)
    return context, ca_file


def test_a_dripping_answer_over_tls_is_cut_off_at_the_deadline(
    serve: Callable[..., RawServer],
    client_for: Callable[..., TokenClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context, ca_file = _tls_for_localhost(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # httpx trusts it (trust_env)
    server = serve(DRIPPING["a body with a length"], tls=context)
    client = client_for(server, deadline=0.5)
    started = time.monotonic()

    with pytest.raises(TokenEndpointUnavailable) as caught:
        client.token()

    assert time.monotonic() - started < 3.0
    assert str(caught.value).endswith(CUT_OFF)
    assert server.token_url.startswith("https://")
    assert all(connection.hung_up for connection in server.finished())


def test_the_tls_server_serves_a_token(
    serve: Callable[..., RawServer],
    client_for: Callable[..., TokenClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context, ca_file = _tls_for_localhost(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    server = serve(token_answer(), tls=context)

    assert client_for(server).token().value == "header.payload.signature"


@pytest.mark.parametrize("dripping", DRIPPING.values(), ids=DRIPPING.keys())
def test_the_async_client_cuts_a_dripping_answer_off_at_the_deadline(
    serve: Callable[..., RawServer], dripping: Answer, tmp_path: Path, clock: FakeClock
) -> None:
    server = serve(dripping)
    client = AsyncTokenClient.from_file(
        bundle_file(tmp_path, server.token_url), clock=clock, sleep=clock.async_sleep, deadline=0.5
    )
    started = time.monotonic()

    with pytest.raises(TokenEndpointUnavailable) as caught:
        asyncio.run(client.token())

    assert time.monotonic() - started < 3.0
    assert str(caught.value).endswith(CUT_OFF)


def test_the_deadline_covers_backoff_waits(
    basic_account: Callable[..., tuple[Path, str]], authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    authz.inject(503, retry_after="20", times=3)
    client = TokenClient.from_file(
        path, clock=clock, sleep=clock.sleep, monotonic=lambda: clock.now.timestamp(), random=lambda: 0.5
    )

    with pytest.raises(TokenEndpointUnavailable) as caught:
        client.token()

    # Attempt 1, 20 s of Retry-After, attempt 2; another 20 s would end past the 30 s deadline.
    assert clock.sleeps == [20.0]
    assert authz.request_count == 2
    assert str(caught.value).endswith("(no token within the 30 s deadline, 2 attempts; last: HTTP 503)")


def test_the_rotation_wait_is_not_counted_against_the_deadline(
    basic_account: Callable[..., tuple[Path, str]], authz: AuthzServer, clock: FakeClock
) -> None:
    path, _ = basic_account()
    authz.rotate_secret("reporting-basic", "rotated-secret-of-generation-2")  # the bundle follows later

    def sleep_then_publish(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 3:
            document = json.loads(path.read_text())
            path.write_text(json.dumps(document | {"client_secret": "rotated-secret-of-generation-2"}))

    client = TokenClient.from_file(
        path, clock=clock, sleep=sleep_then_publish, monotonic=lambda: clock.now.timestamp(), deadline=5
    )

    assert not client.token().expired(clock())
    assert clock.sleeps == [10.0, 10.0, 10.0]


@pytest.mark.parametrize("deadline", [0, -1, float("nan"), float("inf"), True])
def test_the_deadline_must_be_a_positive_finite_number_of_seconds(deadline: float, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="deadline must be a positive, finite number of seconds"):
        TokenClient.from_file(tmp_path / "bundle.json", deadline=deadline)


# --- nothing the server sent is repeated ----------------------------------------------------------

CANARY = "CANARY-token-0123456789"
HOSTILE = {
    "token with CRLF": token_answer(CANARY + "\r\nX-Injected: 1"),
    "token too long": token_answer(CANARY * 1000),
    "expires_in out of range": token_answer(CANARY, expires_in=1e300),
    "not JSON": answer(200, CANARY.encode()),
    "unregistered error": answer(400, json.dumps({"error": CANARY, "error_description": CANARY}).encode()),
    "compressed": answer(200, gzip.compress(CANARY.encode()), "Content-Encoding: gzip"),
}


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_refused_answer_is_never_repeated_in_errors_or_logs(
    serve: Callable[..., RawServer],
    hostile: Answer,
    client_for: Callable[..., TokenClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="svcaccounts")
    server = serve(hostile)

    with pytest.raises(TokenClientError) as caught:
        client_for(server).token()

    shown = str(caught.value) + repr(caught.value) + caplog.text
    assert "CANARY" not in shown
