"""The stack's shared Auth0 resources: the explicit auth0 provider, the API (a resource server
whose identifier is the stack's audience) and its scopes, all of them through one
ResourceServerScopes, which owns every scope of the API."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_auth0 as auth0

from svcaccounts.core import naming
from svcaccounts.core.plan import EnvironmentPlan
from svcaccounts.core.settings import Auth0Settings

# Tokens for the API are signed with the tenant's RS256 key (its JWKS), never with a shared
# HS256 secret that the API would have to hold.
SIGNING_ALG = "RS256"
# Auth0's JWT access token profile: the granted scopes in a space-separated `scope` claim, what
# `svcaccounts verify` and the client read.
TOKEN_DIALECT = "access_token"


@dataclass(frozen=True, slots=True)
class Auth0Api:
    provider: pulumi.ProviderResource
    resource_server: auth0.ResourceServer
    scopes: auth0.ResourceServerScopes


def auth0_provider(settings: Auth0Settings) -> auth0.Provider:
    """The explicit auth0 provider, pinned to the stack's domain. Its Management API client
    credentials come from the environment (AUTH0_CLIENT_ID with AUTH0_CLIENT_SECRET or
    AUTH0_CLIENT_ASSERTION_PRIVATE_KEY), never from the program's config
    (docs/identity-providers.md lists the scopes that client needs)."""
    return auth0.Provider(naming.AUTH0_PROVIDER_NAME, domain=settings.domain)


def token_lifetime_seconds(plan: EnvironmentPlan) -> int | None:
    minutes = plan.api_token_lifetime_minutes
    return None if minutes is None else minutes * 60


def auth0_api(plan: EnvironmentPlan, settings: Auth0Settings) -> Auth0Api:
    provider = auth0_provider(settings)
    in_auth0 = pulumi.ResourceOptions(provider=provider)
    resource_server = auth0.ResourceServer(
        naming.AUTH0_API_NAME,
        name=naming.auth0_api_display_name(plan.environment),
        # Auth0 cannot change an identifier: a new audience replaces the API (diff says so).
        identifier=settings.audience,
        signing_alg=SIGNING_ALG,
        token_dialect=TOKEN_DIALECT,
        # One lifetime for every client of the API: the one the environment's accounts agree on
        # (definitions/provider_checks.py), not Auth0's default of a day.
        token_lifetime=token_lifetime_seconds(plan),
        # Machine clients only: no refresh tokens, and no user consent skipped for any
        # user-facing application that might one day ask for this API.
        allow_offline_access=False,
        skip_consent_for_verifiable_first_party_clients=False,
        opts=in_auth0,
    )
    # One resource owns every scope of the API (the catalog's, like an Okta server's scopes):
    # mixing it with ResourceServerScope would let the two fight over the list on every update.
    scopes = auth0.ResourceServerScopes(
        naming.AUTH0_API_SCOPES_NAME,
        resource_server_identifier=resource_server.identifier,
        scopes=[
            auth0.ResourceServerScopesScopeArgs(name=scope.name, description=scope.description)
            for scope in plan.scopes
        ],
        opts=in_auth0,
    )
    return Auth0Api(provider, resource_server, scopes)
