"""The one error the Auth0 reader raises: a message a person can act on, naming no secret."""

from __future__ import annotations


class Auth0ApiError(Exception):
    """Reading Auth0 failed. The message names the request's method and path (never its query)
    and what to do; it never quotes a response body, a token or a client secret.

    `status` is the HTTP status when Auth0 answered."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
