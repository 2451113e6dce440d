"""Read-only HTTP access to Auth0's Management API (`/api/v2`).

What it guarantees, whatever the tenant or the network does:

* **The token**: with a client id and secret, one Management API token by the client
  credentials grant (audience `<tenant>/api/v2/`, scope `read:logs`), renewed once when a call
  answers 401 (it may expire mid-read); an `AUTH0_API_TOKEN` is sent as it is.
* **Rate limits**: a 429 waits until `X-RateLimit-Reset` (epoch seconds, Auth0's clock; a
  second's margin) and retries, at most RATE_LIMIT_RETRIES times in a row; a 502/503/504 is
  retried twice with a short back-off. No wait runs past the deadline.
* **Time**: each request has a timeout, and the whole read an overall deadline (`deadline`
  seconds from the reader's creation): past it the read ends with an error.
* **Size**: an answer larger than ANSWER_LIMIT bytes is refused, read as a stream and dropped.
* **Secrecy**: messages name the method and path (never the query) and Auth0's `errorCode`
  when it is a bare code; never a body, a token or the client secret. Nothing is logged.
* **No redirects**: the token would go wherever a redirect points.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from svcaccounts.auth0_api.credentials import ApiToken, Auth0Credential, ClientSecret
from svcaccounts.auth0_api.errors import Auth0ApiError
from svcaccounts.bounded_http import (
    ANSWER_LIMIT,
    DEFAULT_DEADLINE_SECONDS,
    REQUEST_TIMEOUT_SECONDS,
    BoundedHttp,
    Wording,
    reset_wait,
)

# The one Management API permission `usage` needs.
LOG_SCOPE = "read:logs"
TOKEN_PATH = "/oauth/token"
RATE_LIMIT_RETRIES = 5
UNAVAILABLE_RETRIES = 2

_CODE = re.compile(r"[a-z_]{1,64}")
_WORDING = Wording(
    error=Auth0ApiError,
    no_answer="Auth0 did not answer",
    unreachable="cannot reach the tenant",
    after_deadline="try again, or narrow --days",
    waiting="rate limited or unavailable",
)


@dataclass
class _AccessToken:
    value: str
    expires_at: float


def _code(answer: object, key: str) -> str | None:
    """A bare error code of Auth0's answer (`insufficient_scope`, `access_denied`), never text."""
    if isinstance(answer, dict):
        value = answer.get(key)
        if isinstance(value, str) and _CODE.fullmatch(value):
            return value
    return None


class Auth0Reader:
    """A read-only session with one tenant. Use as a context manager (it owns an httpx client)."""

    def __init__(
        self,
        tenant_url: str,
        credential: Auth0Credential,
        *,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._tenant = tenant_url.rstrip("/")
        self._credential = credential
        self._wall_clock = wall_clock
        self._http = BoundedHttp(
            _WORDING,
            deadline=deadline,
            request_timeout=request_timeout,
            answer_limit=ANSWER_LIMIT,
            transport=transport,
            sleep=sleep,
            monotonic=monotonic,
        )
        self._token: _AccessToken | None = None

    def __enter__(self) -> Auth0Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def audience(self) -> str:
        """The Management API's identifier on this tenant (with Auth0's trailing slash)."""
        return f"{self._tenant}/api/v2/"

    def get_list(self, path: str, params: Mapping[str, str]) -> list[object]:
        """One GET of `path` whose answer must be a JSON array."""
        answer = self._get(path, params)
        if not isinstance(answer, list):
            raise Auth0ApiError(f"GET {path}: expected a list")
        return answer

    # --- HTTP ---------------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, str]) -> object:
        what = f"GET {path}"
        url = f"{self._tenant}{path}"
        rate_limited = unavailable = 0
        renewed = False
        while True:
            headers = {"Accept": "application/json", "Authorization": f"Bearer {self._bearer()}"}
            response, body = self._http.send("GET", url, what, params=params, headers=headers)
            status = response.status_code
            if status == 429 and rate_limited < RATE_LIMIT_RETRIES:
                rate_limited += 1
                reset = response.headers.get("x-ratelimit-reset", "")
                self._http.wait(reset_wait(reset, self._wall_clock()), what)
                continue
            if status in (502, 503, 504) and unavailable < UNAVAILABLE_RETRIES:
                unavailable += 1
                self._http.wait(float(2**unavailable), what)
                continue
            if status == 401 and isinstance(self._credential, ClientSecret) and not renewed:
                # The Management API token may have expired mid-read: one fresh token, then give up.
                renewed = True
                self._token = None
                continue
            answer = self._http.parse(body, what) if body else None
            if 200 <= status < 300:
                return answer
            raise self._failure(status, answer, what)

    @staticmethod
    def _failure(status: int, answer: object, what: str) -> Auth0ApiError:
        code = _code(answer, "errorCode")
        suffix = f" ({status}, {code})" if code else f" ({status})"
        if status == 401:
            message = (
                "the Management API token is invalid or expired; check AUTH0_API_TOKEN, or "
                "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET"
            )
        elif status == 403:
            message = (
                f"the credential may not read the tenant log: authorize its application for the "
                f"Auth0 Management API with the {LOG_SCOPE} scope"
            )
        elif status == 429:
            message = "still rate limited after several waits; try again later"
        elif status == 400:
            message = "Auth0 refused the request"
        else:
            message = "Auth0 answered an error"
        return Auth0ApiError(f"{what}: {message}{suffix}", status=status)

    # --- the credential ---------------------------------------------------------------------------

    def _bearer(self) -> str:
        credential = self._credential
        if isinstance(credential, ApiToken):
            return credential.token
        if self._token is None or self._token.expires_at - 60 <= self._http.monotonic():
            self._token = self._client_credentials(credential)
        return self._token.value

    def _client_credentials(self, credential: ClientSecret) -> _AccessToken:
        what = f"POST {TOKEN_PATH}"
        form = {
            "grant_type": "client_credentials",
            "client_id": credential.client_id,
            "client_secret": credential.secret,
            "audience": self.audience,
            "scope": LOG_SCOPE,
        }
        response, body = self._http.send(
            "POST", f"{self._tenant}{TOKEN_PATH}", what, headers={"Accept": "application/json"}, data=form
        )
        answer = self._http.parse(body, what) if body else None
        if response.status_code != 200 or not isinstance(answer, dict):
            code = _code(answer, "error")
            detail = f"{response.status_code}, {code}" if code else str(response.status_code)
            raise Auth0ApiError(
                f"{what}: the application {credential.client_id} got no Management API token ({detail}); "
                f"check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, and that the application is authorized "
                f"for the Auth0 Management API with {LOG_SCOPE}",
                status=response.status_code,
            )
        value = answer.get("access_token")
        token_type = str(answer.get("token_type", "")).lower()
        lifetime = answer.get("expires_in")
        if not isinstance(value, str) or not value or token_type != "bearer":
            raise Auth0ApiError(f"{what}: the answer is not a bearer access token")
        seconds = float(lifetime) if isinstance(lifetime, int) and lifetime > 0 else 300.0
        return _AccessToken(value, self._http.monotonic() + seconds)
