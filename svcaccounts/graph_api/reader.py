"""Read-only HTTP access to Microsoft Graph, app-only (client credentials).

What it guarantees, whatever the tenant or the network does:

* **Token**: one client-credentials request to the tenant's v2.0 token endpoint for
  `https://graph.microsoft.com/.default` (the app's granted application permissions), renewed a
  minute before it expires. The secret goes in the form body only, never in a URL or a message.
* **Paging** follows `@odata.nextLink` until there is none. A next link must stay on Graph's
  origin and the same path (the token goes with it), and a link seen before ends the read with
  an error instead of looping.
* **Throttling**: a 429 or 503 waits `Retry-After` seconds (Graph sends it; 5 s when absent,
  60 s at most) and retries, at most RETRIES times in a row; a 502/504 is retried the same way.
  No wait runs past the deadline.
* **Time**: each request has a timeout, and the whole read an overall deadline.
* **Size**: an answer larger than ANSWER_LIMIT bytes is refused, read as a stream and dropped.
* **Secrecy**: messages name the method and path (never the query, which holds the filter) and
  Graph's error code; never a body, a token or the secret. Nothing is logged.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from svcaccounts.bounded_http import (
    ANSWER_LIMIT,
    DEFAULT_DEADLINE_SECONDS,
    LONGEST_WAIT_SECONDS,
    REQUEST_TIMEOUT_SECONDS,
    BoundedHttp,
    Wording,
    stays_on,
)
from svcaccounts.graph_api.credentials import ClientSecretCredential
from svcaccounts.graph_api.errors import GraphApiError

GRAPH_URL = "https://graph.microsoft.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
RETRIES = 5
RETRY_AFTER_DEFAULT = 5.0
RETRY_AFTER_MAX = LONGEST_WAIT_SECONDS
RETRIED = frozenset({429, 502, 503, 504})

_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}")
_WORDING = Wording(
    error=GraphApiError,
    no_answer="no answer",
    unreachable="cannot reach it",
    after_deadline="try again, or narrow --days",
    waiting="throttled or unavailable",
)
T = TypeVar("T")


@dataclass
class _Token:
    value: str
    expires_at: float


class GraphReader:
    """A read-only session with Graph for one tenant. Use as a context manager."""

    def __init__(
        self,
        credential: ClientSecretCredential,
        *,
        token_url: str,
        graph_url: str = GRAPH_URL,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credential = credential
        self._token_url = token_url
        self._graph = graph_url.rstrip("/")
        self._origin = urlsplit(self._graph)
        self._http = BoundedHttp(
            _WORDING,
            deadline=deadline,
            request_timeout=request_timeout,
            answer_limit=ANSWER_LIMIT,
            transport=transport,
            sleep=sleep,
            monotonic=monotonic,
        )
        self._token: _Token | None = None

    def __enter__(self) -> GraphReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def paged(self, path: str, params: Mapping[str, str], read: Callable[[object, str], T]) -> Iterator[T]:
        """Every item of a collection (`value`), read with `read(item, where)`, page after page."""
        url: str = f"{self._graph}{path}"
        query: Mapping[str, str] | None = params
        seen: set[str] = set()
        page = 0
        while True:
            page += 1
            answer = self._get(url, query, path)
            items = answer.get("value") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise GraphApiError(f"GET {path}: page {page}: expected a collection (value)")
            for index, item in enumerate(items):
                yield read(item, f"GET {path}: page {page}, item {index + 1}")
            assert isinstance(answer, dict)
            following = answer.get("@odata.nextLink")
            if following is None:
                return
            if not isinstance(following, str):
                raise GraphApiError(f"GET {path}: page {page}: @odata.nextLink is not a link")
            self._check_next(following, path)
            if following in seen:
                raise GraphApiError(f"GET {path}: the next-page link repeats an earlier page; stopped")
            seen.add(following)
            url, query = following, None

    # --- HTTP ---------------------------------------------------------------------------------

    def _check_next(self, url: str, path: str) -> None:
        if not stays_on(url, self._origin, path):
            raise GraphApiError(
                f"GET {path}: the next-page link leaves {path} on Microsoft Graph; not followed (the "
                "token would go with it)"
            )

    def _get(self, url: str, params: Mapping[str, str] | None, path: str) -> object:
        what = f"GET {path}"
        retried = 0
        while True:
            headers = {"Accept": "application/json", "Authorization": f"Bearer {self._access_token()}"}
            response, body = self._http.send("GET", url, what, params=params, headers=headers)
            status = response.status_code
            answer = self._http.parse(body, what) if body else None
            if 200 <= status < 300:
                return answer
            if status in RETRIED and retried < RETRIES:
                retried += 1
                self._http.wait(_retry_after(response), what)
                continue
            raise _failure(status, answer, what)

    # --- the token ------------------------------------------------------------------------------

    def _access_token(self) -> str:
        if self._token is not None and self._token.expires_at - 60 > self._http.monotonic():
            return self._token.value
        what = "POST the tenant's token endpoint"
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credential.client_id,
            "client_secret": self._credential.client_secret,
            "scope": GRAPH_SCOPE,
        }
        response, body = self._http.send(
            "POST", self._token_url, what, headers={"Accept": "application/json"}, data=form
        )
        answer = self._http.parse(body, what) if body else None
        if response.status_code != 200 or not isinstance(answer, dict):
            error = answer.get("error") if isinstance(answer, dict) else None
            code = error if isinstance(error, str) and _CODE.fullmatch(error) else None
            source = self._credential.source
            raise GraphApiError(
                f"{what}: the app {self._credential.client_id} got no token for Microsoft Graph "
                f"({response.status_code}{', ' + code if code else ''}); check "
                f"{source}_CLIENT_ID, {source}_CLIENT_SECRET and the tenant",
                status=response.status_code,
                code=code,
            )
        value = answer.get("access_token")
        lifetime = answer.get("expires_in")
        if not isinstance(value, str) or not value or str(answer.get("token_type", "")).lower() != "bearer":
            raise GraphApiError(f"{what}: the answer is not a bearer token")
        seconds = float(lifetime) if isinstance(lifetime, int) and lifetime > 0 else 300.0
        self._token = _Token(value, self._http.monotonic() + seconds)
        return value


def _retry_after(response: httpx.Response) -> float:
    text = response.headers.get("retry-after", "").strip()
    seconds = float(text) if text.isdigit() else RETRY_AFTER_DEFAULT
    return min(max(seconds, 1.0), RETRY_AFTER_MAX)


def _error_code(answer: object) -> str | None:
    error = answer.get("error") if isinstance(answer, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and _CODE.fullmatch(code) else None


def _failure(status: int, answer: object, what: str) -> GraphApiError:
    code = _error_code(answer)
    suffix = f" ({code})" if code else ""
    if status == 401:
        message = "the token was refused (401); check the credential and the tenant"
    elif status == 403:
        message = (
            "the app may not read this (403): grant it the application permission AuditLog.Read.All "
            "with admin consent; the tenant needs Microsoft Entra ID P1 or P2"
        )
    elif status in RETRIED:
        message = f"still throttled or unavailable after several waits ({status}); try again later"
    elif status == 400:
        message = "Microsoft Graph refused the request (400)"
    else:
        message = f"Microsoft Graph answered {status}"
    return GraphApiError(f"{what}: {message}{suffix}", status=status, code=code)
