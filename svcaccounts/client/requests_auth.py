"""Bearer authentication for requests, renewing on 401: what `TokenClient.requests_auth()` returns.

The rules are http_auth.py's (one retry with a new token on 401, never on 403, never for a body
that cannot be sent twice, never for a request that no longer carries our token). requests is an
optional dependency (`svcaccounts[requests]`): only this module imports it, and only
`requests_auth()` imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookiejar import CookieJar
from typing import Any, cast

import requests
from requests.cookies import extract_cookies_to_jar

from svcaccounts.client.core import requested_scopes
from svcaccounts.client.http_auth import RefusalMemory, TokenClient, bearer
from svcaccounts.client.token import AccessToken


def replayable(body: object) -> bool:
    """requests holds data, JSON and multipart uploads in memory as bytes or text; a generator or a
    file object is read by the first attempt."""
    return body is None or isinstance(body, bytes | str)


class RequestsAuth(requests.auth.AuthBase):
    """`Authorization: Bearer` from a `TokenClient`, for requests (a session's `auth`, or `auth=`)."""

    def __init__(self, client: TokenClient, scopes: Iterable[str] | None = None) -> None:
        self._client = client
        self._scopes = requested_scopes(scopes)
        self._memory = RefusalMemory()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._client.token(self._scopes)
        request.headers["Authorization"] = bearer(token)

        # A hook per request, bound to the token this request carries: that is the token to drop.
        # requests runs response hooks of the original request only (the retry goes through the
        # adapter directly), so there is no second retry.
        def on_response(response: requests.Response, **send_options: Any) -> requests.Response:
            return self._renew_on_401(response, token, send_options)

        request.register_hook("response", on_response)
        return request

    def _renew_on_401(
        self, response: requests.Response, token: AccessToken, send_options: dict[str, Any]
    ) -> requests.Response:
        sent = response.request
        authorization = sent.headers.get("Authorization")
        if not self._memory.worth_renewing(
            token, response.status_code, authorization if isinstance(authorization, str) else None
        ) or not replayable(sent.body):
            return response
        self._client.invalidate(token)
        try:
            renewed = self._client.token(self._scopes)
        except BaseException:
            response.close()  # the caller never sees this response: give its connection back
            raise
        if renewed == token:
            return response
        # As requests' own digest authentication retries: release the connection, copy the
        # request with the cookies the 401 set, send it through the same adapter.
        response.content  # noqa: B018  # read the body so that the connection can be reused
        response.close()
        retry = sent.copy()
        jar = cast(CookieJar, retry._cookies)
        extract_cookies_to_jar(jar, sent, response.raw)
        retry.prepare_cookies(jar)
        retry.headers["Authorization"] = bearer(renewed)
        # requests follows a redirect of the retry's answer with copies of the original request.
        sent.headers["Authorization"] = bearer(renewed)
        adapter = cast(requests.adapters.BaseAdapter, response.connection)
        answer = adapter.send(retry, **send_options)
        answer.history.append(response)
        answer.request = retry
        self._memory.retried(renewed, answer.status_code)
        return answer
