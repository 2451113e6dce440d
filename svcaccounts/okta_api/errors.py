"""The one error the Okta reader raises: a message a person can act on, naming no secret."""

from __future__ import annotations


class OktaApiError(Exception):
    """Reading Okta failed. The message names the request's path (never its query, which may
    carry a filter) and what to do; it never quotes a response body or a credential.

    `status` is the HTTP status when Okta answered, `error_code` Okta's `errorCode` (`E0000006`,
    …), which is safe to show: a fixed code, not user data."""

    def __init__(self, message: str, *, status: int | None = None, error_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
