"""CredentialBundle.catalog_scopes: what a token was granted, in the catalog's names. Cognito's
tokens name each scope `<resource server>/<scope>`, as the bundle's request.scope does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from svcaccounts.core.contracts.bundle import CredentialBundle

COGNITO = CredentialBundle(
    client_id="c0ffee",
    token_url="https://example-prod.auth.eu-west-1.amazoncognito.com/oauth2/token",
    auth_method="client_secret_basic",
    scopes=("read", "a:read"),
    generation=1,
    rotates_at=datetime(2027, 1, 1, tzinfo=UTC),
    client_secret="s",
    version=2,
    request_scope="https://api.example.com/mcp/read https://api.example.com/mcp/a:read",
)


def test_cognitos_scopes_map_back_and_anything_unrequested_is_kept_as_granted() -> None:
    granted = ("https://api.example.com/mcp/a:read", "https://api.example.com/mcp/read", "https://other/x")
    assert COGNITO.catalog_scopes(granted) == ("a:read", "read", "https://other/x")


def test_of_two_scopes_sharing_a_suffix_the_longer_one_names_the_token() -> None:
    bundle = replace(COGNITO, scopes=("read", "a/read"), request_scope="id/read id/a/read")
    assert bundle.catalog_scopes(("id/a/read", "id/read")) == ("a/read", "read")


def test_entras_default_request_and_version_1_bundles_keep_the_granted_names() -> None:
    assert replace(COGNITO, request_scope="api://x/.default").catalog_scopes(("read",)) == ("read",)
    assert replace(COGNITO, version=1, request_scope=None).catalog_scopes(("read", "x")) == ("read", "x")


def test_auth0s_request_of_catalog_names_keeps_a_scope_that_ends_like_another() -> None:
    # Auth0 requests the catalog's names themselves: `a/read` is a scope, not `read` behind a prefix.
    bundle = replace(
        COGNITO,
        token_url="https://example-staging.eu.auth0.com/oauth/token",
        scopes=("read", "a/read"),
        request_scope="read a/read",
        request_audience="https://api.example.com/mcp",
    )
    assert bundle.catalog_scopes(("a/read", "read")) == ("a/read", "read")
