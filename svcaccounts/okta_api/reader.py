"""Read-only HTTP access to the Okta management API.

What it guarantees, whatever the org or the network does:

* **Paging** follows `Link: <…>; rel="next"` until there is none. A next link must stay on the
  org's origin and the same path (the credential goes with it), and a link seen before ends the
  read with an error instead of looping.
* **Rate limits**: a 429 waits until `X-Rate-Limit-Reset` (epoch seconds, Okta's clock; a
  second's margin) and retries, at most RATE_LIMIT_RETRIES times in a row; a 502/503/504 is
  retried twice with a short back-off. No wait runs past the deadline.
* **Time**: each request has a timeout, and the whole read an overall deadline (`deadline`
  seconds from the reader's creation): past it the read ends with an error.
* **Size**: an answer larger than ANSWER_LIMIT bytes is refused, read as a stream and dropped.
* **Secrecy**: messages name the method and path (never the query, which may hold a filter) and
  Okta's `errorCode`; never a body, never the credential. Nothing is logged.
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
    REQUEST_TIMEOUT_SECONDS,
    BoundedHttp,
    Wording,
    reset_wait,
    stays_on,
)
from svcaccounts.core.okta_records import (
    AccessPolicy,
    AuthorizationServer,
    OktaApp,
    OktaRecordError,
    PolicyRule,
    PublicKey,
    Scope,
)
from svcaccounts.okta_api.credentials import ApiToken, DPoPKey, OktaCredential, ServiceAppKey
from svcaccounts.okta_api.errors import OktaApiError

# The scopes each use of the reader needs, for a service-app credential (an API token carries
# its admin's rights instead).
ADOPTION_SCOPES = ("okta.apps.read", "okta.authorizationServers.read")
LOG_SCOPES = ("okta.logs.read",)

RATE_LIMIT_RETRIES = 5
UNAVAILABLE_RETRIES = 2
# Okta's largest page size for the lists read here (apps: 200; logs: 1000; scopes: 200).
APPS_PAGE = 200
SCOPES_PAGE = 200

_WORDING = Wording(
    error=OktaApiError,
    no_answer="Okta did not answer",
    unreachable="cannot reach the org",
    after_deadline="try again, or narrow it",
    waiting="rate limited or unavailable",
)
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel\s*=\s*"?([^";,]+)"?')
T = TypeVar("T")


def next_link(header_values: list[str]) -> str | None:
    """The `rel="next"` target among `Link` header values, or None."""
    for value in header_values:
        for target, relation in _LINK.findall(value):
            if relation.strip() == "next":
                return str(target)
    return None


@dataclass
class _AccessToken:
    value: str
    dpop: bool
    expires_at: float


class OktaReader:
    """A read-only session with one org. Use as a context manager (it owns an httpx client)."""

    def __init__(
        self,
        org_url: str,
        credential: OktaCredential,
        *,
        scopes: tuple[str, ...] = ADOPTION_SCOPES,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._org = org_url.rstrip("/")
        self._origin = urlsplit(self._org)
        self._credential = credential
        self._scopes = scopes
        self._wall_clock = wall_clock
        self._http = BoundedHttp(
            _WORDING,
            deadline=deadline,
            request_timeout=request_timeout,
            # Read when the reader is made, so a test may lower the module's limit.
            answer_limit=ANSWER_LIMIT,
            transport=transport,
            sleep=sleep,
            monotonic=monotonic,
        )
        self._token: _AccessToken | None = None
        self._dpop: DPoPKey | None = None

    def __enter__(self) -> OktaReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- what the commands read -------------------------------------------------------------

    def apps(self) -> list[OktaApp]:
        """Every application of the org (all types and statuses; callers pick)."""
        path = "/api/v1/apps"
        return list(self._paged(path, {"limit": str(APPS_PAGE)}, OktaApp.read))

    def authorization_server(self, server_id: str) -> AuthorizationServer:
        path = f"/api/v1/authorizationServers/{_segment(server_id)}"
        missing = f"authorization server {server_id} does not exist in this org"
        answer = self._get_json(path, {}, missing=missing)
        return _read(AuthorizationServer.read, answer, f"GET {path}")

    def scopes(self, server_id: str) -> list[Scope]:
        path = f"/api/v1/authorizationServers/{_segment(server_id)}/scopes"
        return list(self._paged(path, {"limit": str(SCOPES_PAGE)}, Scope.read))

    def policies(self, server_id: str) -> list[AccessPolicy]:
        path = f"/api/v1/authorizationServers/{_segment(server_id)}/policies"
        return list(self._paged(path, {}, AccessPolicy.read))

    def rules(self, server_id: str, policy_id: str) -> list[PolicyRule]:
        path = f"/api/v1/authorizationServers/{_segment(server_id)}/policies/{_segment(policy_id)}/rules"
        return list(self._paged(path, {}, PolicyRule.read))

    def app_keys(self, app_id: str) -> list[PublicKey] | None:
        """The app's JWKS, or None when the app no longer exists (deleted since it was listed)."""
        path = f"/api/v1/apps/{_segment(app_id)}/credentials/jwks"
        answer = self._get_json(path, {}, missing=None)
        if answer is None:
            return None
        if not isinstance(answer, list):
            raise OktaApiError(f"GET {path}: expected a list of keys")
        return [
            _read(PublicKey.read, item, f"GET {path}: key {index + 1}") for index, item in enumerate(answer)
        ]

    def paged(
        self, path: str, params: Mapping[str, str], read: Callable[[object, str], T]
    ) -> Iterator[T]:
        """Every item of a paged list, read with `read(item, where)`, page after page."""
        return self._paged(path, params, read)

    # --- HTTP ---------------------------------------------------------------------------------

    def _paged(self, path: str, params: Mapping[str, str], read: Callable[[object, str], T]) -> Iterator[T]:
        url: str | None = self._url(path)
        query: Mapping[str, str] | None = params
        seen: set[str] = set()
        page = 0
        while url is not None:
            page += 1
            response, answer = self._get(url, query, path)
            if response.status_code == 404:
                raise OktaApiError(f"GET {path}: not found (404)", status=404, error_code=_error_code(answer))
            if not isinstance(answer, list):
                raise OktaApiError(f"GET {path}: page {page}: expected a list")
            for index, item in enumerate(answer):
                yield _read(read, item, f"GET {path}: page {page}, item {index + 1}")
            following = next_link(response.headers.get_list("link"))
            if following is None:
                return
            self._check_next(following, path)
            if following in seen:
                raise OktaApiError(f"GET {path}: the next-page link repeats an earlier page; stopped")
            seen.add(following)
            url, query = following, None

    def _get_json(self, path: str, params: Mapping[str, str], *, missing: str | None) -> object:
        response, answer = self._get(self._url(path), params, path)
        if response.status_code == 404:
            if missing is None:
                return None
            raise OktaApiError(f"GET {path}: {missing}", status=404, error_code=_error_code(answer))
        return answer

    def _url(self, path: str) -> str:
        return f"{self._org}{path}"

    def _check_next(self, url: str, path: str) -> None:
        if not stays_on(url, self._origin, path):
            raise OktaApiError(
                f"GET {path}: the next-page link leaves {path} on this org; not followed (the "
                "credential would go with it)"
            )

    def _get(self, url: str, params: Mapping[str, str] | None, path: str) -> tuple[httpx.Response, object]:
        """One GET with retries; the response and its parsed JSON (None for an empty body).

        Returns 2xx and 404 answers; raises OktaApiError for everything else."""
        what = f"GET {path}"
        rate_limited = unavailable = 0
        while True:
            response, body = self._send(url, params, what)
            status = response.status_code
            if status == 429 and rate_limited < RATE_LIMIT_RETRIES:
                rate_limited += 1
                reset = response.headers.get("x-rate-limit-reset", "")
                self._http.wait(reset_wait(reset, self._wall_clock()), what)
                continue
            if status in (502, 503, 504) and unavailable < UNAVAILABLE_RETRIES:
                unavailable += 1
                self._http.wait(float(2**unavailable), what)
                continue
            if status == 401 and self._token is not None:
                # A service-app token may have expired mid-read: one fresh token, then give up.
                self._token = None
                response, body = self._send(url, params, what)
                status = response.status_code
            answer = self._http.parse(body, what) if body else None
            if 200 <= status < 300 or status == 404:
                return response, answer
            raise self._failure(status, answer, what)

    def _send(self, url: str, params: Mapping[str, str] | None, what: str) -> tuple[httpx.Response, bytes]:
        headers = {"Accept": "application/json", **self._authorization("GET", url)}
        return self._http.send("GET", url, what, params=params, headers=headers)

    @staticmethod
    def _failure(status: int, answer: object, what: str) -> OktaApiError:
        code = _error_code(answer)
        suffix = f" ({code})" if code else ""
        if status == 401:
            message = "the credential is invalid or expired (401); check OKTA_API_TOKEN or the service app"
        elif status == 403:
            message = (
                "the credential may not read this (403): an API token's admin needs the read-only "
                "administrator role; a service app needs the scopes "
                f"{' '.join(ADOPTION_SCOPES + LOG_SCOPES)} granted and a read-only admin role"
            )
        elif status == 429:
            message = "still rate limited after several waits (429); try again later"
        elif status == 400:
            message = "Okta refused the request (400)"
        else:
            message = f"Okta answered {status}"
        return OktaApiError(f"{what}: {message}{suffix}", status=status, error_code=code)

    # --- credentials ----------------------------------------------------------------------------

    def _authorization(self, method: str, url: str) -> dict[str, str]:
        if isinstance(self._credential, ApiToken):
            return {"Authorization": f"SSWS {self._credential.token}"}
        token = self._access_token()
        if not token.dpop:
            return {"Authorization": f"Bearer {token.value}"}
        assert self._dpop is not None
        return {
            "Authorization": f"DPoP {token.value}",
            "DPoP": self._dpop.proof(method, url, access_token=token.value),
        }

    def _access_token(self) -> _AccessToken:
        if self._token is not None and self._token.expires_at - 60 > self._http.monotonic():
            return self._token
        credential = self._credential
        assert isinstance(credential, ServiceAppKey)
        token_url = f"{self._org}/oauth2/v1/token"
        what = "POST /oauth2/v1/token"
        scopes = credential.scopes or self._scopes
        nonce: str | None = None
        for _attempt in range(3):
            form = {
                "grant_type": "client_credentials",
                "scope": " ".join(scopes),
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": credential.client_assertion(token_url, self._wall_clock()),
            }
            headers = {"Accept": "application/json"}
            if self._dpop is not None:
                headers["DPoP"] = self._dpop.proof("POST", token_url, nonce=nonce)
            response, body = self._http.send("POST", token_url, what, headers=headers, data=form)
            answer = self._http.parse(body, what) if body else None
            error = answer.get("error") if isinstance(answer, dict) else None
            if response.status_code == 400 and error == "invalid_dpop_proof" and self._dpop is None:
                # The org requires DPoP for this service app: prove possession from now on.
                self._dpop = DPoPKey()
                continue
            if response.status_code == 400 and error == "use_dpop_nonce" and self._dpop is not None:
                nonce = response.headers.get("dpop-nonce")
                continue
            if response.status_code != 200 or not isinstance(answer, dict):
                code = error if isinstance(error, str) and re.fullmatch(r"[a-z_]{1,64}", error) else None
                raise OktaApiError(
                    f"{what}: the service app {credential.client_id} got no access token "
                    f"({response.status_code}{', ' + code if code else ''}); check its key, its granted "
                    f"scopes ({' '.join(scopes)}) and docs/migration.md, 'Credentials'"
                )
            value = answer.get("access_token")
            token_type = str(answer.get("token_type", "")).lower()
            lifetime = answer.get("expires_in")
            if not isinstance(value, str) or not value or token_type not in ("bearer", "dpop"):
                raise OktaApiError(f"{what}: the answer is not an access token")
            seconds = float(lifetime) if isinstance(lifetime, int) and lifetime > 0 else 300.0
            self._token = _AccessToken(value, token_type == "dpop", self._http.monotonic() + seconds)
            if token_type == "dpop" and self._dpop is None:
                raise OktaApiError(f"{what}: Okta issued a DPoP token to a request without a proof")
            return self._token
        raise OktaApiError(f"{what}: the DPoP exchange did not settle; see docs/migration.md, 'Credentials'")


def _read(read: Callable[[object, str], T], item: object, where: str) -> T:
    """One item of an answer as a record; a record error becomes the reader's error."""
    try:
        return read(item, where)
    except OktaRecordError as error:
        raise OktaApiError(str(error)) from None


def _segment(value: str) -> str:
    """An id as one path segment: Okta ids are letters and digits; anything else is refused."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
        raise OktaApiError("an Okta id holds only letters, digits, '-' and '_'")
    return value


def _error_code(answer: object) -> str | None:
    if isinstance(answer, dict):
        code = answer.get("errorCode")
        if isinstance(code, str) and re.fullmatch(r"E\d{7}", code):
            return code
    return None
