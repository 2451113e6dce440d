"""The one error the Graph reader raises: a message a person can act on, naming no secret."""

from __future__ import annotations


class GraphApiError(Exception):
    """Reading Microsoft Graph failed. The message names the request's path (never its query,
    which holds the filter) and what to do; it never quotes a response body, a token or a
    secret. `status` is the HTTP status when Graph answered, `code` Graph's error code
    (`Authorization_RequestDenied`, …) when it is a bare identifier."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
