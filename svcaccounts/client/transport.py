"""One token request at the bundle's token endpoint, with authlib over httpx.

Returns a result instead of raising, so that the retry and breaker decisions (flow.py) see every
answer the same way: `Granted`, `Rejected` (an OAuth error: the server is up but said no) or
`Unavailable` (429, 5xx, network error, or an answer that is not a token response).

The answer is read here, not by authlib: authlib converts what the server sent without bounds
(`int(expires_at)` of `Infinity` raises OverflowError, its JSON parser RecursionError), and an
exception that is not a result would skip the client's cached-token fallback. authlib still does
the client authentication; a compliance hook hands the answer to `read_answer` before authlib's
own parsing runs. Every value the server controls is checked before it is converted.

What is read is bounded too: at most TOKEN_RESPONSE_LIMIT bytes of an answer are read (it is
streamed, and the connection dropped past the limit), no compressed answer is accepted (none is
asked for, and a small gzip body can unpack to gigabytes), and an access token longer than
ACCESS_TOKEN_LIMIT or with characters outside RFC 6749's VSCHAR is refused.

So is how long it takes: each request gets `deadline` seconds in all, from connecting to the last
byte. httpx's timeouts are per operation, so a server that sends a byte every few seconds never
trips one; the sync request has a watchdog that shuts the connection's socket down at the
deadline, the async one an asyncio timeout.

A fresh authlib client per request: authlib's client keeps the last token on itself, which is not
safe when several scope sets are fetched at once, and a token request happens once per token
lifetime, so connection reuse buys nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import math
import socket
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import authlib.deprecate  # noqa: F401  # installs authlib's own warning filter before ours
import httpx
from joserfc.jwk import ECKey, RSAKey

from svcaccounts.client.bundle import CredentialBundle, signing_algorithm
from svcaccounts.client.claims import NotAJWTError, unverified_claims
from svcaccounts.client.limits import InvalidJSON, parse_json

with warnings.catch_warnings():
    # authlib 1.9 announces (as a DeprecationWarning) that it will move from httpx to the httpx2
    # fork; we use the httpx that is locked, and the warning would fail `filterwarnings = error`.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign


def _httpx_errors(name: str) -> tuple[type[Exception], ...]:
    """httpx's exception class `name`, and httpx2's when it is installed: authlib sends through the
    httpx2 fork whenever it can import it (the mcp SDK depends on it), and then raises httpx2's
    exceptions, which are not httpx's; a network error must be classified whichever it is."""
    classes: list[type[Exception]] = [getattr(httpx, name)]
    try:
        fork = importlib.import_module("httpx2")
    except ImportError:
        return tuple(classes)
    return (*classes, getattr(fork, name))


_TRANSPORT_ERRORS = _httpx_errors("TransportError")

# The error codes RFC 6749 (section 5.2) and RFC 6750 (section 3.1) register for token endpoints.
# A server's answer is shown only as one of these: any other `error` value, and every
# `error_description`, is server-supplied text that may echo what it received (the secret, the
# Basic header, the client assertion), and such text goes to logs and GitHub job summaries.
REGISTERED_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "access_denied",
        "invalid_token",
        "insufficient_scope",
    }
)
UNRECOGNISED_ERROR = "an unrecognised error code"

# RFC 7523 asks for a short-lived assertion; authlib's default is an hour.
ASSERTION_LIFETIME_SECONDS = 60
CERTIFICATE_ASSERTION_ALGORITHM = "PS256"
DEFAULT_TIMEOUT_SECONDS = 10.0
# The most one token call may take (TokenClientCore's `deadline`), and a single request's default.
DEFAULT_DEADLINE_SECONDS = 30.0
# The longest `expires_in` believed. No authorization server issues access tokens for longer
# (Okta and Entra ID at most a day, Auth0 30 days); a larger value is a broken or hostile answer,
# and 1e20 or Infinity would not even fit a datetime.
MAX_EXPIRES_IN_SECONDS = 366 * 24 * 3600

# A token answer is a few KiB (an Okta JWT with a dozen scopes is about 1.5 KiB). 64 KiB leaves
# room for very large tokens and whatever else a server adds, and is far below what hurts.
TOKEN_RESPONSE_LIMIT = 64 * 1024
# A bearer token travels in an Authorization header, which servers commonly cap at 8-16 KiB.
ACCESS_TOKEN_LIMIT = 16 * 1024
# What a request asks for, so that the answer's size on the wire is its size.
_REQUEST_HEADERS = {"Accept-Encoding": "identity"}

log = logging.getLogger("svcaccounts.client")


@dataclass(frozen=True, slots=True)
class Granted:
    access_token: str
    expires_in: float | None
    scope: str | None


@dataclass(frozen=True, slots=True)
class Rejected:
    error: str
    description: str | None
    status_code: int | None


@dataclass(frozen=True, slots=True)
class Unavailable:
    outcome: Literal["rate_limited", "server_error", "unreachable", "bad_response"]
    status_code: int | None
    retry_after: str | None
    reason: str


Result = Granted | Rejected | Unavailable


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]  # authlib is untyped
    """authlib's private_key_jwt client authentication with a `kid` header and a short `exp`.

    The claims (iss = sub = client id, aud = token URL, a fresh random jti, iat, exp) come from
    authlib's `private_key_jwt_sign`.
    """

    def __init__(
        self, token_endpoint: str, *, headers: Mapping[str, str], alg: str, lifetime: int
    ) -> None:
        super().__init__(token_endpoint, headers=dict(headers), alg=alg)
        self.lifetime = lifetime

    def sign(self, auth: Any, token_endpoint: str) -> str:
        # A new header dict each time: authlib writes "alg" into the one it is given, and no
        # claims dict, so that authlib draws a new jti for every assertion.
        assertion: str = private_key_jwt_sign(
            auth.client_secret,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            alg=self.alg,
            header=dict(self.headers),
            expires_in=self.lifetime,
        )
        return assertion


class _Decided(Exception):
    """Carries the result `read_answer` made of the server's answer out of authlib's fetch_token,
    before authlib parses the answer itself (see the module docstring)."""

    def __init__(self, result: Result) -> None:
        self.result = result


def _client_options(bundle: CredentialBundle) -> dict[str, Any]:
    if bundle.auth_method == "client_secret_basic":
        return {
            "client_id": bundle.client_id,
            "client_secret": bundle.client_secret,
            "token_endpoint_auth_method": "client_secret_basic",
        }
    assert bundle.private_key_pem is not None and bundle.key_id is not None
    alg = signing_algorithm(bundle.private_key_pem)
    key_class = ECKey if alg.startswith("ES") else RSAKey
    headers: Mapping[str, str] = {"kid": bundle.key_id}
    if bundle.certificate_thumbprint is not None:
        # A certificate credential (Entra ID): the server finds the key by the certificate's
        # SHA-256 thumbprint, and Microsoft's documentation pairs x5t#S256 with PS256.
        headers = {"x5t#S256": bundle.certificate_thumbprint}
        alg = CERTIFICATE_ASSERTION_ALGORITHM if key_class is RSAKey else alg
    return {
        "client_id": bundle.client_id,
        # authlib signs with whatever sits in client_secret; a joserfc key object avoids its
        # deprecated import-from-string path.
        "client_secret": key_class.import_key(bundle.private_key_pem),
        "token_endpoint_auth_method": ShortLivedPrivateKeyJWT(
            # The assertion's `aud`: the token URL, unless the provider asks for another
            # (Auth0: its tenant URL, the bundle's assertion_audience).
            bundle.assertion_audience or bundle.token_url,
            headers=headers,
            alg=alg,
            lifetime=ASSERTION_LIFETIME_SECONDS,
        ),
    }


class _Refused(Exception):
    """The answer was refused before it was read to the end (too large, compressed)."""

    def __init__(self, status: int, reason: str) -> None:
        self.result = Unavailable("bad_response", status, None, reason)


def _refuse_unbounded(response: httpx.Response) -> None:
    """Refuses, from its headers, an answer that would be too large or unpacked on reading."""
    codings = response.headers.get("Content-Encoding", "").split(",")
    if any(coding.strip().lower() not in ("", "identity") for coding in codings):
        reason = "a compressed answer (Content-Encoding), though none was asked for"
        raise _Refused(response.status_code, reason)
    declared = response.headers.get("Content-Length", "")
    # h11 has checked that a Content-Length is digits; int() of digits cannot fail.
    if declared.isdigit() and int(declared) > TOKEN_RESPONSE_LIMIT:
        raise _Refused(response.status_code, _TOO_LARGE)


_TOO_LARGE = f"an answer larger than {TOKEN_RESPONSE_LIMIT // 1024} KiB"


def _limit_answer(response: httpx.Response) -> None:
    """httpx response hook, run when the headers are in: reads the body, at most
    TOKEN_RESPONSE_LIMIT bytes of it (a chunked body, or one longer than its Content-Length said,
    has no other limit), and hands httpx what was read."""
    _refuse_unbounded(response)
    # Any: authlib sends through httpx or its fork httpx2 (see _httpx_errors), whose streams are
    # not httpx's classes; both are iterables of bytes with close().
    stream: Any = response.stream
    body = bytearray()
    try:
        for chunk in stream:
            body += chunk
            if len(body) > TOKEN_RESPONSE_LIMIT:
                raise _Refused(response.status_code, _TOO_LARGE)
    finally:
        stream.close()
    response.stream = _fork_of(response).ByteStream(bytes(body))


async def _limit_answer_async(response: httpx.Response) -> None:
    _refuse_unbounded(response)
    stream: Any = response.stream
    body = bytearray()
    try:
        async for chunk in stream:
            body += chunk
            if len(body) > TOKEN_RESPONSE_LIMIT:
                raise _Refused(response.status_code, _TOO_LARGE)
    finally:
        await stream.aclose()
    response.stream = _fork_of(response).ByteStream(bytes(body))


def _fork_of(response: httpx.Response) -> Any:
    """The module `response` comes from: httpx, or httpx2."""
    return importlib.import_module(type(response).__module__.partition(".")[0])


_LATE = "no complete answer within the deadline"


class _Watchdog:
    """Ends a sync request at its deadline by shutting down the sockets it connected (found with
    httpcore's `trace` request extension), which ends a read blocked on a dripping server at once.
    Shutdown, not close: the socket stays httpcore's to close."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._done = False
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def attach(self, request: httpx.Request) -> None:
        """httpx request hook."""
        request.extensions["trace"] = self._trace

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        # "connection.connect_tcp.complete" and "...start_tls.complete" return the new stream.
        get_extra_info = getattr(info.get("return_value"), "get_extra_info", None)
        if not event.endswith(".complete") or get_extra_info is None:
            return
        sock = get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.expired:
                    _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self._sockets:
                _shut_down(sock)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def _shut_down(sock: socket.socket) -> None:
    if sock.fileno() < 0:  # closed already, or detached when TLS wrapped it
        return
    # socket.socket's own shutdown, also for an SSLSocket: its override would drop the TLS state
    # under the thread that is reading. OSError: the peer or httpcore closed it meanwhile.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _decide(response: httpx.Response) -> NoReturn:
    """authlib's `access_token_response` compliance hook: the answer becomes a result here."""
    raise _Decided(read_answer(response.status_code, response.headers, response.content))


def _request_parameters(bundle: CredentialBundle, scopes: tuple[str, ...]) -> dict[str, str]:
    """The token request's `scope` (and `audience`): a version 2 bundle says exactly what to send
    (Entra ID takes only `<resource>/.default` and grants every assigned role), else the scope
    names themselves."""
    if bundle.request_scope is None:
        return {"scope": " ".join(scopes)}
    parameters = {"scope": bundle.request_scope}
    if bundle.request_audience is not None:
        parameters["audience"] = bundle.request_audience
    return parameters


def _with_roles(bundle: CredentialBundle, result: Result) -> Result:
    """For a version 2 bundle, what was granted, in the catalog's names: the answer's `scope`
    when it has one, else the token's `roles` claim (Entra ID, which answers `.default` requests
    with no scope) or its `scope` claim (Auth0 and Cognito, space separated). Cognito names each
    scope `<resource server>/<scope>`; the bundle maps them back (catalog_scopes)."""
    if bundle.request_scope is None or not isinstance(result, Granted):
        return result
    granted = _granted_scopes(result)
    if granted is None:
        return result
    return Granted(result.access_token, result.expires_in, " ".join(bundle.catalog_scopes(granted)))


def _granted_scopes(result: Granted) -> list[str] | None:
    """What the provider says it granted, as it names the scopes; None when it does not say."""
    if result.scope is not None:
        return result.scope.split()
    try:
        claims = unverified_claims(result.access_token)
    except NotAJWTError:
        return None
    roles, scope = claims.get("roles"), claims.get("scope")
    if isinstance(roles, list) and all(isinstance(role, str) for role in roles):
        return roles
    if isinstance(scope, str):
        return scope.split()
    return None


def read_answer(status: int, headers: httpx.Headers, body: bytes) -> Result:
    """The result of one answer from the token endpoint; never raises, whatever the server sent."""
    if status == 429 or status >= 500:
        return Unavailable(
            "rate_limited" if status == 429 else "server_error",
            status,
            headers.get("Retry-After"),
            f"HTTP {status}",
        )
    try:
        document = parse_json(body)
    except InvalidJSON:
        document = None
    if isinstance(document, dict) and "error" in document:
        return Rejected(error=error_code(document["error"]), description=None, status_code=status)
    if not 200 <= status < 300:
        return Unavailable("bad_response", status, None, f"HTTP {status}")
    if not isinstance(document, dict):
        return Unavailable("bad_response", status, None, "not a JSON token response")
    return _granted(document, status)


def _granted(document: dict[str, object], status: int) -> Result:
    access_token = document.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        return Unavailable("bad_response", status, None, "no access_token in the response")
    if len(access_token) > ACCESS_TOKEN_LIMIT:
        reason = f"access_token longer than {ACCESS_TOKEN_LIMIT // 1024} KiB"
        return Unavailable("bad_response", status, None, reason)
    if not all(" " <= char <= "~" for char in access_token):
        # RFC 6749 A.12: access-token = 1*VSCHAR. A CR or LF would also split the header the
        # caller puts it in.
        reason = "access_token has characters outside RFC 6749's VSCHAR"
        return Unavailable("bad_response", status, None, reason)
    try:
        expires_in = _expires_in(document.get("expires_in"))
    except _OutOfRange:
        return Unavailable("bad_response", status, None, "expires_in out of range")
    scope = document.get("scope")
    return Granted(
        access_token=access_token,
        expires_in=expires_in,
        scope=scope if isinstance(scope, str) else None,
    )


class _OutOfRange(ValueError):
    pass


def _expires_in(value: object) -> float | None:
    """Seconds, None when absent or not a number. Raises _OutOfRange for a value that is not
    finite or above MAX_EXPIRES_IN_SECONDS; one at or below zero becomes -1.0 or 0.0 (the flow
    refuses an already expired token), so that no later conversion can overflow."""
    if isinstance(value, str):
        # A quoted number is common enough to accept: ASCII digits only (str.isdigit() also says
        # yes to "²", which int() refuses), and checked for length before int() converts it.
        if not (value.isascii() and value.isdigit()):
            return None
        if len(value.lstrip("0")) > len(str(MAX_EXPIRES_IN_SECONDS)):
            raise _OutOfRange
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise _OutOfRange
    # Compared as given, before float(): float() of a 400-digit integer raises OverflowError.
    if value > MAX_EXPIRES_IN_SECONDS:
        raise _OutOfRange
    return float(value) if value > 0 else float(max(value, -1))


def error_code(value: object) -> str:
    """The server's `error` if it is a registered code, else a fixed phrase: never its text."""
    return value if isinstance(value, str) and value in REGISTERED_ERROR_CODES else UNRECOGNISED_ERROR


def _failure(error: Exception, *, late: bool) -> Result:
    """The result of a request that ended without an answer for `read_answer` (`late`: because
    its deadline passed)."""
    if isinstance(error, _Decided | _Refused):
        return error.result
    if late:
        return Unavailable("unreachable", None, None, _LATE)
    if isinstance(error, _TRANSPORT_ERRORS):
        return Unavailable("unreachable", None, None, type(error).__name__)
    # httpx, idna and the socket layer raise more than httpx.HTTPError for what a URL or a peer
    # does: InvalidURL (a NUL byte, a port that is not a number), IDNAError (a malformed xn--
    # label), OverflowError (a port above 65535). The bundle check refuses such URLs; this is the
    # second line, so that nothing but a result leaves the transport.
    log.debug("token request failed before an answer was read: %s", type(error).__name__)
    return Unavailable("unreachable", None, None, type(error).__name__)


def request_token(
    bundle: CredentialBundle,
    scopes: tuple[str, ...],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    deadline: float = DEFAULT_DEADLINE_SECONDS,
) -> Result:
    """One token request, over in `deadline` seconds (each operation also within `timeout`)."""
    watchdog = _Watchdog(deadline)
    with OAuth2Client(
        timeout=min(timeout, deadline),
        headers=_REQUEST_HEADERS,
        event_hooks={"request": [watchdog.attach], "response": [_limit_answer]},
        **_client_options(bundle),
    ) as client:
        client.register_compliance_hook("access_token_response", _decide)
        try:
            with watchdog:
                client.fetch_token(
                    bundle.token_url,
                    grant_type="client_credentials",
                    **_request_parameters(bundle, scopes),
                )
        except Exception as error:
            return _with_roles(bundle, _failure(error, late=watchdog.expired))
    # fetch_token returns only after the compliance hook, which always raises.
    raise AssertionError("the token answer was not read")


async def request_token_async(
    bundle: CredentialBundle,
    scopes: tuple[str, ...],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    deadline: float = DEFAULT_DEADLINE_SECONDS,
) -> Result:
    limit = asyncio.timeout(deadline)
    async with AsyncOAuth2Client(
        timeout=min(timeout, deadline),
        headers=_REQUEST_HEADERS,
        event_hooks={"response": [_limit_answer_async]},
        **_client_options(bundle),
    ) as client:
        client.register_compliance_hook("access_token_response", _decide)
        try:
            async with limit:
                await client.fetch_token(
                    bundle.token_url,
                    grant_type="client_credentials",
                    **_request_parameters(bundle, scopes),
                )
        except Exception as error:
            return _with_roles(bundle, _failure(error, late=limit.expired()))
    raise AssertionError("the token answer was not read")
