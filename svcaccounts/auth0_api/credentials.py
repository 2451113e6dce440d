"""The credential the reader sends, found where the Auth0 Pulumi provider finds its own.

From the environment (never from a file in the repository, never printed):

* `AUTH0_CLIENT_ID` and `AUTH0_CLIENT_SECRET`: a machine-to-machine application authorized for
  the Auth0 Management API with the `read:logs` scope. The reader asks the tenant's token
  endpoint for a Management API token (audience `https://<domain>/api/v2/`, scope `read:logs`).
* `AUTH0_API_TOKEN`: a Management API token, sent as it is. As with the provider, it wins when
  both are set; it expires (24 hours by default), so it suits a run by hand, not a schedule.

Both are kept in objects whose repr names the kind only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from svcaccounts.auth0_api.errors import Auth0ApiError

CLIENT_ID_VARIABLE = "AUTH0_CLIENT_ID"
CLIENT_SECRET_VARIABLE = "AUTH0_CLIENT_SECRET"
API_TOKEN_VARIABLE = "AUTH0_API_TOKEN"


@dataclass(frozen=True, slots=True)
class ApiToken:
    """`AUTH0_API_TOKEN`: a Management API access token, sent as a bearer token."""

    token: str = field(repr=False)

    def __repr__(self) -> str:
        return "ApiToken(<hidden>)"


@dataclass(frozen=True, slots=True)
class ClientSecret:
    """A machine-to-machine application's client id and secret (client credentials grant)."""

    client_id: str
    secret: str = field(repr=False)

    def __repr__(self) -> str:
        return f"ClientSecret({self.client_id!r}, <hidden>)"


Auth0Credential = ApiToken | ClientSecret


def credential_from_environment(environ: Mapping[str, str] | None = None) -> Auth0Credential:
    """The credential the environment names; Auth0ApiError naming the variables when none is."""
    env = os.environ if environ is None else environ
    token = env.get(API_TOKEN_VARIABLE, "").strip()
    if token:
        return ApiToken(token)
    client_id = env.get(CLIENT_ID_VARIABLE, "").strip()
    secret = env.get(CLIENT_SECRET_VARIABLE, "").strip()
    if client_id and secret:
        return ClientSecret(client_id, secret)
    if client_id:
        raise Auth0ApiError(f"{CLIENT_ID_VARIABLE} is set but {CLIENT_SECRET_VARIABLE} is not")
    raise Auth0ApiError(
        f"no Auth0 Management API credential: set {CLIENT_ID_VARIABLE} and {CLIENT_SECRET_VARIABLE} "
        f"(an application authorized for the Management API with read:logs), or {API_TOKEN_VARIABLE} "
        "(docs/usage.md, 'Auth0')"
    )
