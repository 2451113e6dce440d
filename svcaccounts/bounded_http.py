"""The bounded HTTP every read-only API reader shares (okta_api, auth0_api, graph_api).

One session, one rule set, whichever vendor is read:

* **Time**: each request has a timeout (never longer than what is left), and the whole read an
  overall deadline from the session's creation; a wait that would run past it is refused.
* **Size**: an answer larger than the limit is refused, read as a stream and dropped (a
  declared length above it is refused before the first byte).
* **No redirects, no proxies from the environment**: the credential goes only where the reader
  sends it.
* **Secrecy**: messages name what was asked (`what`: method and path) and never quote a body.

The readers keep what differs: their vendor's credentials, paging, retry rules and words, and
their own error class (`Wording.error`), so a command catches one error per vendor.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpx

from svcaccounts.client.limits import InvalidJSON, parse_json

DEFAULT_DEADLINE_SECONDS = 600.0
REQUEST_TIMEOUT_SECONDS = 30.0
# A page of any of the lists read is a few MiB at most; 16 MiB is far beyond an honest answer.
ANSWER_LIMIT = 16 * 1024 * 1024
# Rate-limit windows of these APIs are a minute: a reset further away is a clock problem.
LONGEST_WAIT_SECONDS = 60.0
# When a rate-limit answer says nothing usable about its reset.
UNKNOWN_RESET_WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Wording:
    """How one reader's messages say things, and the error it raises."""

    error: Callable[[str], Exception]
    # "Okta did not answer": followed by " within N s".
    no_answer: str
    # "cannot reach the org": followed by the exception's class name.
    unreachable: str
    # After "the read's deadline passed; ".
    after_deadline: str
    # "rate limited or unavailable": followed by " past the read's deadline; try again later".
    waiting: str


class BoundedHttp:
    """An httpx client held to a deadline and a size limit. Use `close()` when done."""

    def __init__(
        self,
        wording: Wording,
        *,
        deadline: float,
        request_timeout: float,
        answer_limit: int,
        transport: httpx.BaseTransport | None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wording = wording
        self._sleep = sleep
        self.monotonic = monotonic
        self._ends_at = monotonic() + deadline
        self._request_timeout = request_timeout
        self._answer_limit = answer_limit
        self._http = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def remaining(self, what: str) -> float:
        """Seconds left of the read; the reader's error once none are."""
        remaining = self._ends_at - self.monotonic()
        if remaining <= 0:
            raise self._wording.error(f"{what}: the read's deadline passed; {self._wording.after_deadline}")
        return remaining

    def wait(self, seconds: float, what: str) -> None:
        """Sleep `seconds` before a retry, unless that would run past the deadline."""
        if seconds >= self.remaining(what):
            raise self._wording.error(
                f"{what}: {self._wording.waiting} past the read's deadline; try again later"
            )
        self._sleep(seconds)

    def send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> tuple[httpx.Response, bytes]:
        """One request, its response and its whole body, within the timeout and the limit."""
        timeout = min(self._request_timeout, self.remaining(what))
        try:
            with self._http.stream(
                method, url, params=params, headers=headers, data=data, timeout=timeout
            ) as response:
                body = self._read_capped(response, what)
        except httpx.TimeoutException:
            raise self._wording.error(f"{what}: {self._wording.no_answer} within {timeout:.0f} s") from None
        except httpx.HTTPError as error:
            unreachable = f"{what}: {self._wording.unreachable} ({type(error).__name__})"
            raise self._wording.error(unreachable) from None
        return response, body

    def _read_capped(self, response: httpx.Response, what: str) -> bytes:
        limit = self._answer_limit
        too_large = f"{what}: the answer is larger than {limit // (1024 * 1024)} MiB; refused"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._wording.error(too_large)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._wording.error(too_large)
            # A server that drips bytes keeps each read under the timeout: the deadline ends it.
            self.remaining(what)
            chunks.append(chunk)
        return b"".join(chunks)

    def parse(self, body: bytes, what: str) -> object:
        """The JSON of an answer; the reader's error, quoting none of it, when it is not JSON."""
        try:
            return parse_json(body)
        except InvalidJSON as error:
            raise self._wording.error(f"{what}: the answer is {error}") from None


def reset_wait(reset: str, now: float) -> float:
    """How long to wait for a rate limit whose reset is `reset` (epoch seconds, the server's
    clock): until a second past it, at least a second, at most LONGEST_WAIT_SECONDS."""
    try:
        seconds = float(int(reset)) - now + 1.0
    except ValueError:
        seconds = UNKNOWN_RESET_WAIT_SECONDS
    return min(max(seconds, 1.0), LONGEST_WAIT_SECONDS)


def stays_on(url: str, origin: SplitResult, path: str) -> bool:
    """Whether a next-page link stays on `origin` (scheme, host, port) and the same `path`: the
    credential goes with it, so any other place is refused."""
    parts = urlsplit(url)
    same_origin = (parts.scheme, parts.hostname, parts.port) == (origin.scheme, origin.hostname, origin.port)
    return same_origin and parts.path == path


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_base_url(
    url: str, *, error: Callable[[str], Exception], example: str, credential: str, place: str
) -> str:
    """`url` without a trailing slash, as the base URL a credential is sent to: `https://` with
    no path, query, fragment or user info; plain `http://` only to a loopback address (the tests'
    servers), never across a network. Otherwise `error` with a message for `--org-url`;
    `example` is the expected form, `credential` and `place` name what is sent where."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise error("--org-url: not a URL") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise error(f"--org-url: expected {example}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise error(
            f"--org-url: plain http is allowed only to a loopback address; the {credential} "
            "would cross the network in clear text"
        )
    if parts.username is not None or parts.password is not None:
        raise error("--org-url: must not carry user information")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise error(f"--org-url: expected {place} base URL, with no path, query or fragment")
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:  # an IPv6 literal
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return f"{parts.scheme}://{netloc}"
