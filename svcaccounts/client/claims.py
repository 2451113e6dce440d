"""Reading a JWT access token's claims without verifying it: for display and for checking what was
granted (the resource servers verify signatures; a consumer only wants to see what it got)."""

from __future__ import annotations

from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from svcaccounts.client.limits import parse_json


class NotAJWTError(ValueError):
    """The access token is not a JWS compact serialization with a JSON object payload."""


def unverified_claims(token: str) -> dict[str, Any]:
    try:
        payload = jws.extract_compact(token.encode()).payload
        # parse_json: the payload is the server's, and json.loads raises RecursionError on deep
        # nesting (InvalidJSON, like every failure of parse_json, is a ValueError).
        claims = parse_json(payload)
    except (JoseError, ValueError, UnicodeDecodeError):
        # No detail from the parser: it could quote part of the token.
        raise NotAJWTError("the access token is not a JWT; its claims cannot be shown") from None
    if not isinstance(claims, dict):
        raise NotAJWTError("the access token's payload is not a JSON object")
    return claims


def granted_scopes(claims: dict[str, Any]) -> tuple[str, ...]:
    """Scopes from `scp` (Okta: an array), `scope` (RFC 9068 and Amazon Cognito: a
    space-separated string; Cognito's values are `<resource server>/<scope>`, which
    CredentialBundle.catalog_scopes maps back) or `roles` (Entra ID: the app roles assigned to
    the client, an array)."""
    scp = claims.get("scp")
    if isinstance(scp, list):
        return tuple(str(scope) for scope in scp)
    if isinstance(scp, str):
        return tuple(scp.split())
    scope = claims.get("scope")
    if isinstance(scope, str):
        return tuple(scope.split())
    roles = claims.get("roles")
    return tuple(str(role) for role in roles) if isinstance(roles, list) else ()
