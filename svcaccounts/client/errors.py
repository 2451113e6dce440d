"""The errors the token client raises.

Every message is built from non-secret facts only (client id, token URL, scopes, error codes,
HTTP status, where the bundle came from). Text that comes from an authorization server is never
included (transport.py keeps only a registered OAuth error code), because a server may echo what
it received: the secret, the Basic header, the client assertion. `redact` remains for callers that
must show outside text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

REDACTED = "[REDACTED]"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every occurrence of each (non-trivial) secret replaced by a marker."""
    for secret in secrets:
        # Very short values would redact ordinary words; bundles never hold secrets that short.
        if secret and len(secret) >= 8:
            text = text.replace(secret, REDACTED)
    return text


class TokenClientError(Exception):
    """Base class of everything the token client raises."""


class BundleSourceError(TokenClientError):
    """The credential bundle could not be read from its source (missing file, unset variable,
    Key Vault error)."""


class BundleFileRefused(BundleSourceError):
    """The bundle file given cannot be read as one: missing, not a regular file, or too large
    (a usage error for the CLI)."""


class BundleError(TokenClientError):
    """The credential bundle was read but is not a valid bundle; `problems` lists every problem."""

    def __init__(self, origin: str, problems: Sequence[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{origin}: invalid credential bundle:\n{lines}")


class TokenRequestError(TokenClientError):
    """The authorization server answered the token request with an OAuth error."""

    def __init__(
        self,
        *,
        client_id: str,
        token_url: str,
        error: str,
        description: str | None,
        status_code: int | None,
        hint: str = "",
    ) -> None:
        self.client_id = client_id
        self.token_url = token_url
        self.error = error
        self.description = description
        self.status_code = status_code
        status = f"HTTP {status_code}, " if status_code is not None else ""
        detail = f": {description}" if description else ""
        tail = f" ({hint})" if hint else ""
        super().__init__(
            f"token request for client {client_id} at {token_url} was rejected "
            f"({status}{error}){detail}{tail}"
        )


class InvalidClientError(TokenRequestError):
    """The server did not accept the client's credentials, even after re-reading the bundle."""


class TokenEndpointUnavailable(TokenClientError):
    """The token endpoint could not be reached or kept failing (429, 5xx, network) and there is no
    unexpired cached token to serve instead."""


class CircuitOpenError(TokenEndpointUnavailable):
    """The circuit breaker is open: the client fails fast without contacting the server."""
