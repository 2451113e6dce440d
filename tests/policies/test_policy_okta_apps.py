"""Okta OAuth app rules: one compliant service app, one change per test."""

from __future__ import annotations

import pytest
from svcaccounts_policies.okta_apps import OAUTH_APP

from tests.support.policy_baselines import UNKNOWN_ARRAY, UNKNOWN_STRING, baseline, violations


def app(**changes: object) -> dict[str, object]:
    props = baseline(OAUTH_APP)
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def test_compliant_service_app_has_no_violations() -> None:
    assert violations(OAUTH_APP, app()) == []


def test_web_app_type_is_reported() -> None:
    assert violations(OAUTH_APP, app(type="web")) == [
        (
            "okta-app-service-type",
            "type is web; a service account must be an Okta service app (machine-to-machine, "
            'no user sign-in). Set type="service".',
        )
    ]


def test_extra_grant_type_is_reported_by_name() -> None:
    assert violations(OAUTH_APP, app(grantTypes=["client_credentials", "authorization_code"])) == [
        (
            "okta-app-client-credentials-only",
            "grantTypes is authorization_code, client_credentials; a service account may use only "
            'the client_credentials grant. Set grant_types=["client_credentials"].',
        )
    ]


def test_unrecognised_grant_type_is_counted_not_echoed() -> None:
    found = violations(OAUTH_APP, app(grantTypes=["client_credentials", "s3cr3t-in-wrong-field"]))
    assert found == [
        (
            "okta-app-client-credentials-only",
            "grantTypes is client_credentials and 1 other value; a service account may use only "
            'the client_credentials grant. Set grant_types=["client_credentials"].',
        )
    ]
    assert "s3cr3t" not in found[0][1]


def test_missing_grant_types_is_reported() -> None:
    assert violations(OAUTH_APP, app(grantTypes=None)) == [
        (
            "okta-app-client-credentials-only",
            "grantTypes is not set, so Okta picks its defaults for the app type. "
            'Set grant_types=["client_credentials"].',
        )
    ]


def test_id_token_response_type_is_reported() -> None:
    assert violations(OAUTH_APP, app(responseTypes=["token", "id_token"])) == [
        (
            "okta-app-token-response-only",
            "responseTypes is id_token, token; the client credentials flow returns only an access "
            'token. Set response_types=["token"].',
        )
    ]


def test_redirect_uri_is_reported_without_its_value() -> None:
    found = violations(OAUTH_APP, app(redirectUris=["https://example.com/cb?token=abc"]))
    assert found == [
        (
            "okta-app-no-redirect-uris",
            "redirectUris lists 1 URI; a service app has no browser flow, so a redirect URI is "
            "only an unused path for tokens to leak. Remove redirect_uris.",
        )
    ]


def test_post_logout_redirect_uris_are_reported() -> None:
    assert violations(OAUTH_APP, app(postLogoutRedirectUris=["https://a", "https://b"])) == [
        (
            "okta-app-no-redirect-uris",
            "postLogoutRedirectUris lists 2 URIs; a service app has no browser flow, so a redirect "
            "URI is only an unused path for tokens to leak. Remove post_logout_redirect_uris.",
        )
    ]


def test_empty_redirect_uris_are_fine() -> None:
    assert violations(OAUTH_APP, app(redirectUris=[])) == []


def test_auth_method_none_is_reported() -> None:
    assert violations(OAUTH_APP, app(tokenEndpointAuthMethod="none")) == [
        (
            "okta-app-token-endpoint-auth-method",
            "tokenEndpointAuthMethod is none: anyone who knows the client id could get tokens. "
            "Set token_endpoint_auth_method to private_key_jwt (preferred), client_secret_basic "
            "or client_secret_post.",
        )
    ]


def test_client_secret_jwt_is_not_an_allowed_method() -> None:
    assert violations(OAUTH_APP, app(tokenEndpointAuthMethod="client_secret_jwt")) == [
        (
            "okta-app-token-endpoint-auth-method",
            "tokenEndpointAuthMethod is client_secret_jwt, which is not an allowed method. "
            "Set token_endpoint_auth_method to private_key_jwt (preferred), client_secret_basic "
            "or client_secret_post.",
        )
    ]


def test_unrecognised_auth_method_is_not_echoed() -> None:
    assert violations(OAUTH_APP, app(tokenEndpointAuthMethod="hunter2")) == [
        (
            "okta-app-token-endpoint-auth-method",
            "tokenEndpointAuthMethod is an unrecognised value, which is not an allowed method. "
            "Set token_endpoint_auth_method to private_key_jwt (preferred), client_secret_basic "
            "or client_secret_post.",
        )
    ]


def test_missing_auth_method_is_reported() -> None:
    assert violations(OAUTH_APP, app(tokenEndpointAuthMethod=None)) == [
        (
            "okta-app-token-endpoint-auth-method",
            "tokenEndpointAuthMethod is not set, so the provider's default applies silently. "
            "Set token_endpoint_auth_method to private_key_jwt (preferred), client_secret_basic "
            "or client_secret_post.",
        )
    ]


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_secret_in_prod_is_an_advisory(method: str) -> None:
    assert violations(OAUTH_APP, app(tokenEndpointAuthMethod=method), environment="prod") == [
        (
            "okta-app-prod-prefers-private-key-jwt",
            f"tokenEndpointAuthMethod is {method} in prod. A shared secret travels with every "
            "token request and has a short window at rotation; a private key does neither. "
            "Prefer auth_method: private_key_jwt in the account's definition.",
        )
    ]


def test_client_secret_outside_prod_is_fine() -> None:
    assert (
        violations(OAUTH_APP, app(tokenEndpointAuthMethod="client_secret_basic"), environment="staging") == []
    )


def test_unknown_values_during_preview_are_not_violations() -> None:
    props = app(
        grantTypes=UNKNOWN_ARRAY,
        responseTypes=[UNKNOWN_STRING],
        type=UNKNOWN_STRING,
        tokenEndpointAuthMethod=UNKNOWN_STRING,
        redirectUris=UNKNOWN_ARRAY,
    )
    assert violations(OAUTH_APP, props) == []
