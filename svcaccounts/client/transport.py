"""One token request at the bundle's token endpoint, with authlib over httpx.

Returns a result instead of raising, so that the retry and breaker decisions (flow.py) see every
answer the same way: `Granted`, `Rejected` (an OAuth error: the server is up but said no) or
`Unavailable` (429, 5xx, network error, or an answer that is not a token response).

A fresh authlib client per request: authlib's client keeps the last token on itself, which is not
safe when several scope sets are fetched at once, and a token request happens once per token
lifetime, so connection reuse buys nothing.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import authlib.deprecate  # noqa: F401  # installs authlib's own warning filter before ours
import httpx
from joserfc.jwk import ECKey, RSAKey

from svcaccounts.client.bundle import CredentialBundle, signing_algorithm
from svcaccounts.client.claims import NotAJWTError, unverified_claims

with warnings.catch_warnings():
    # authlib 1.9 announces (as a DeprecationWarning) that it will move from httpx to the httpx2
    # fork; we use the httpx that is locked, and the warning would fail `filterwarnings = error`.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client, OAuthError
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
_STATUS_ERRORS = _httpx_errors("HTTPStatusError")
_HTTP_ERRORS = _httpx_errors("HTTPError")

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


class _StatusFailure(Exception):
    def __init__(self, result: Unavailable) -> None:
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
            bundle.token_url,
            headers=headers,
            alg=alg,
            lifetime=ASSERTION_LIFETIME_SECONDS,
        ),
    }


def _status_hook(seen: list[int]) -> Callable[[httpx.Response], httpx.Response]:
    """A compliance hook that sees the raw response before authlib parses it: 429 and 5xx become
    `Unavailable` (with Retry-After), other statuses are remembered for `Rejected`."""

    def hook(response: httpx.Response) -> httpx.Response:
        seen.append(response.status_code)
        if response.status_code == 429 or response.status_code >= 500:
            outcome: Literal["rate_limited", "server_error"] = (
                "rate_limited" if response.status_code == 429 else "server_error"
            )
            raise _StatusFailure(
                Unavailable(
                    outcome=outcome,
                    status_code=response.status_code,
                    retry_after=response.headers.get("Retry-After"),
                    reason=f"HTTP {response.status_code}",
                )
            )
        return response

    return hook


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
    """For a bundle whose request names no scopes (`.default`), what was granted is the token's
    `roles` claim: the response carries no `scope` to say so."""
    if bundle.request_scope is None or not isinstance(result, Granted) or result.scope is not None:
        return result
    try:
        roles = unverified_claims(result.access_token).get("roles")
    except NotAJWTError:
        return result
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        return result
    return Granted(result.access_token, result.expires_in, " ".join(roles))


def _interpret(token: Any, status_code: int | None) -> Result:
    access_token = token.get("access_token") if isinstance(token, dict) else None
    if not isinstance(access_token, str) or not access_token:
        return Unavailable("bad_response", status_code, None, "no access_token in the response")
    expires_in = token.get("expires_in")
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
        expires_in = None
    scope = token.get("scope")
    return Granted(
        access_token=access_token,
        expires_in=float(expires_in) if expires_in is not None else None,
        scope=scope if isinstance(scope, str) else None,
    )


def error_code(value: object) -> str:
    """The server's `error` if it is a registered code, else a fixed phrase: never its text."""
    return value if isinstance(value, str) and value in REGISTERED_ERROR_CODES else UNRECOGNISED_ERROR


def _failure(error: Exception, bundle: CredentialBundle, status_code: int | None) -> Result:
    if isinstance(error, _StatusFailure):
        return error.result
    if isinstance(error, OAuthError):
        return Rejected(error=error_code(error.error), description=None, status_code=status_code)
    if isinstance(error, _TRANSPORT_ERRORS):
        return Unavailable("unreachable", None, None, type(error).__name__)
    if isinstance(error, _STATUS_ERRORS):
        # httpx2's HTTPStatusError has httpx's shape.
        status = cast(httpx.HTTPStatusError, error).response.status_code
        return Unavailable("bad_response", status, None, f"HTTP {status}")
    # A body that is not a JSON object (json/ValueError from authlib's parser).
    return Unavailable("bad_response", status_code, None, "not a JSON token response")


# ValueError: a body that is not a JSON object (authlib's parser).
_EXPECTED = (_StatusFailure, OAuthError, *_HTTP_ERRORS, ValueError)


def request_token(
    bundle: CredentialBundle, scopes: tuple[str, ...], *, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> Result:
    seen: list[int] = []
    with OAuth2Client(timeout=timeout, **_client_options(bundle)) as client:
        client.register_compliance_hook("access_token_response", _status_hook(seen))
        try:
            token = client.fetch_token(
                bundle.token_url,
                grant_type="client_credentials",
                **_request_parameters(bundle, scopes),
            )
        except _EXPECTED as error:
            return _failure(error, bundle, seen[-1] if seen else None)
    return _with_roles(bundle, _interpret(token, seen[-1] if seen else None))


async def request_token_async(
    bundle: CredentialBundle, scopes: tuple[str, ...], *, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> Result:
    seen: list[int] = []
    async with AsyncOAuth2Client(timeout=timeout, **_client_options(bundle)) as client:
        client.register_compliance_hook("access_token_response", _status_hook(seen))
        try:
            token = await client.fetch_token(
                bundle.token_url,
                grant_type="client_credentials",
                **_request_parameters(bundle, scopes),
            )
        except _EXPECTED as error:
            return _failure(error, bundle, seen[-1] if seen else None)
    return _with_roles(bundle, _interpret(token, seen[-1] if seen else None))
