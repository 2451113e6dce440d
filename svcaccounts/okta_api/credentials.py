"""The credential the reader sends, found where the Okta Pulumi provider finds it.

Two kinds, from the environment (never from a file in the repository, never printed):

* `OKTA_API_TOKEN`: an API token, sent as `Authorization: SSWS <token>`. It carries the rights of
  the admin who made it; give that admin the read-only administrator role.
* An OAuth 2.0 service app of the org: `OKTA_API_CLIENT_ID`, `OKTA_API_PRIVATE_KEY` (the PEM, or
  a path to it), `OKTA_API_PRIVATE_KEY_ID` (the key's `kid`), and optionally `OKTA_API_SCOPES`.
  The reader signs a client assertion with the key and asks the org authorization server for an
  access token with the scopes the command needs (`okta.apps.read okta.authorizationServers.read`
  for import and preflight, `okta.logs.read` for usage). Orgs that require DPoP for service apps
  get DPoP: an ephemeral P-256 key per run proves possession on every request, and the token
  endpoint's `use_dpop_nonce` answer is followed once.

Both kinds are kept in objects whose repr names the kind only.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from svcaccounts.okta_api.errors import OktaApiError

API_TOKEN_VARIABLE = "OKTA_API_TOKEN"
CLIENT_ID_VARIABLE = "OKTA_API_CLIENT_ID"
PRIVATE_KEY_VARIABLE = "OKTA_API_PRIVATE_KEY"
PRIVATE_KEY_ID_VARIABLE = "OKTA_API_PRIVATE_KEY_ID"
SCOPES_VARIABLE = "OKTA_API_SCOPES"

# How long the signed client assertion is valid: Okta refuses one whose `exp` is more than an
# hour away; a few minutes is all one token request needs.
ASSERTION_SECONDS = 300
# A PEM is a few KiB; a path that names something huge is refused before it is read.
PRIVATE_KEY_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class ApiToken:
    """`OKTA_API_TOKEN`: sent as is, in an `SSWS` authorization header."""

    token: str = field(repr=False)

    def __repr__(self) -> str:
        return "ApiToken(<hidden>)"


@dataclass(frozen=True, slots=True)
class ServiceAppKey:
    """An OAuth service app of the org, authenticating with a private key (private_key_jwt)."""

    client_id: str
    key_id: str
    private_key_pem: str = field(repr=False)
    # None: the scopes the command asks for.
    scopes: tuple[str, ...] | None = None

    def __repr__(self) -> str:
        return f"ServiceAppKey(client_id={self.client_id!r}, key_id={self.key_id!r})"

    def signing_key(self) -> RSAKey | ECKey:
        """The private key as a JWK; OktaApiError (quoting nothing of it) when it is not one."""
        for key_class in (RSAKey, ECKey):
            try:
                return key_class.import_key(self.private_key_pem)
            except (JoseError, ValueError, TypeError):
                continue
        raise OktaApiError(
            f"{PRIVATE_KEY_VARIABLE}: not an RSA or EC private key in PEM form (the value is not shown)"
        )

    def client_assertion(self, token_url: str, now: float) -> str:
        """The signed JWT that authenticates this app at `token_url` (RFC 7523)."""
        key = self.signing_key()
        algorithm = "RS256" if isinstance(key, RSAKey) else "ES256"
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url,
            "iat": int(now),
            "exp": int(now) + ASSERTION_SECONDS,
            "jti": secrets.token_urlsafe(24),
        }
        return jwt.encode({"alg": algorithm, "kid": self.key_id}, claims, key)


OktaCredential = ApiToken | ServiceAppKey


def _private_key_text(value: str) -> str:
    """The PEM itself, or the content of the file the variable names (as the provider reads it)."""
    if "-----BEGIN" in value:
        return value
    path = Path(value)
    try:
        if not path.is_file() or path.stat().st_size > PRIVATE_KEY_LIMIT:
            raise OktaApiError(f"{PRIVATE_KEY_VARIABLE}: neither a PEM nor a readable key file")
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise OktaApiError(f"{PRIVATE_KEY_VARIABLE}: neither a PEM nor a readable key file") from None


def credential_from_environment(environ: Mapping[str, str] | None = None) -> OktaCredential:
    """The credential the environment names; OktaApiError naming the variables when none is set."""
    env = os.environ if environ is None else environ
    token = env.get(API_TOKEN_VARIABLE, "").strip()
    client_id = env.get(CLIENT_ID_VARIABLE, "").strip()
    if token and client_id:
        raise OktaApiError(
            f"both {API_TOKEN_VARIABLE} and {CLIENT_ID_VARIABLE} are set: unset one, so it is clear "
            "which identity reads the org"
        )
    if token:
        return ApiToken(token)
    if client_id:
        key = env.get(PRIVATE_KEY_VARIABLE, "").strip()
        key_id = env.get(PRIVATE_KEY_ID_VARIABLE, "").strip()
        given = ((PRIVATE_KEY_VARIABLE, key), (PRIVATE_KEY_ID_VARIABLE, key_id))
        missing = [name for name, value in given if not value]
        if missing:
            raise OktaApiError(f"{CLIENT_ID_VARIABLE} is set but {' and '.join(missing)} is not")
        scopes = tuple(env.get(SCOPES_VARIABLE, "").split()) or None
        return ServiceAppKey(client_id, key_id, _private_key_text(key), scopes)
    raise OktaApiError(
        f"no Okta API credential: set {API_TOKEN_VARIABLE}, or {CLIENT_ID_VARIABLE} with "
        f"{PRIVATE_KEY_VARIABLE} and {PRIVATE_KEY_ID_VARIABLE} (docs/migration.md, 'Credentials')"
    )


class DPoPKey:
    """An ephemeral key proving possession of a DPoP-bound access token (RFC 9449)."""

    def __init__(self) -> None:
        self._key = ECKey.generate_key("P-256")

    def proof(
        self, method: str, url: str, *, nonce: str | None = None, access_token: str | None = None
    ) -> str:
        claims: dict[str, object] = {
            "htm": method,
            # RFC 9449 4.2: the target URI without query and fragment.
            "htu": url.split("?", 1)[0].split("#", 1)[0],
            "iat": int(time.time()),
            "jti": secrets.token_urlsafe(24),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            digest = hashlib.sha256(access_token.encode("ascii")).digest()
            claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self._key.as_dict(private=False)}
        return jwt.encode(header, claims, self._key)
