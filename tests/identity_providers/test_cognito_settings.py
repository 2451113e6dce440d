"""`svcaccounts:identityProvider: cognito` and the `svcaccounts:cognito` block: typed settings, or
one located finding per problem."""

from __future__ import annotations

from typing import Any

import pytest

from svcaccounts.core.settings import AwsSecretsManagerSettings, CognitoSettings
from svcaccounts.definitions.stack_settings import SettingsResult, parse_settings

COGNITO_BLOCK: dict[str, Any] = {
    "region": "eu-west-1",
    "userPoolId": "eu-west-1_AbCdEfGhI",
    "domain": "example-prod",
    "resourceServer": "https://api.example.com/mcp",
}
COGNITO: dict[str, Any] = {
    "svcaccounts:environment": "prod",
    "svcaccounts:identityProvider": "cognito",
    "svcaccounts:cognito": COGNITO_BLOCK,
    "svcaccounts:secretStore": "aws-secrets-manager",
    "svcaccounts:awsSecretsManager": {"region": "eu-west-1"},
}


def parse(config: dict[str, Any]) -> SettingsResult:
    return parse_settings("prod", "Pulumi.prod.yaml", config)


def messages(config: dict[str, Any]) -> list[str]:
    return [finding.message for finding in parse(config).findings]


def with_block(**changes: Any) -> dict[str, Any]:
    block = {key: value for key, value in {**COGNITO_BLOCK, **changes}.items() if value is not None}
    return {**COGNITO, "svcaccounts:cognito": block}


def test_a_cognito_stack_parses_into_its_pool_domain_and_resource_server() -> None:
    result = parse(COGNITO)
    assert result.findings == ()
    settings = result.settings
    assert settings is not None
    assert settings.identity_provider == "cognito"
    assert settings.cognito == CognitoSettings(
        "eu-west-1", "eu-west-1_AbCdEfGhI", "example-prod", "https://api.example.com/mcp"
    )
    assert (settings.okta, settings.auth_server, settings.entra_id) == (None, None, None)
    assert settings.aws_secrets_manager == AwsSecretsManagerSettings("eu-west-1")
    assert settings.token_url() == "https://example-prod.auth.eu-west-1.amazoncognito.com/oauth2/token"
    assert settings.cognito.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"
    assert settings.cognito.request_scope(("reports:read", "projects:read")) == (
        "https://api.example.com/mcp/reports:read https://api.example.com/mcp/projects:read"
    )


def test_the_block_is_required_on_a_cognito_stack() -> None:
    config = {key: value for key, value in COGNITO.items() if key != "svcaccounts:cognito"}
    assert messages(config) == [
        "svcaccounts:cognito is required with svcaccounts:identityProvider: cognito: {region: <AWS region>, "
        "userPoolId: <region>_<id>, domain: <domain prefix>, resourceServer: <identifier>}"
    ]


def test_an_unknown_key_gets_a_did_you_mean() -> None:
    assert messages(with_block(resourceSever="x")) == [
        "unknown setting svcaccounts:cognito.resourceSever; did you mean 'resourceServer'?"
    ]


def test_the_pool_id_must_be_in_the_configured_region() -> None:
    assert messages(with_block(userPoolId="us-east-1_AbCdEfGhI")) == [
        "svcaccounts:cognito.userPoolId 'us-east-1_AbCdEfGhI' is a pool in us-east-1, but "
        "svcaccounts:cognito.region is eu-west-1: a pool id starts with its own region; correct one of the two"
    ]


@pytest.mark.parametrize("pool", ["AbCdEfGhI", "eu-west-1-AbCdEfGhI", "eu-west-1_Ab-Cd", 42])
def test_a_pool_id_has_its_shape(pool: object) -> None:
    (message,) = messages(with_block(userPoolId=pool))
    assert message.startswith(
        "svcaccounts:cognito.userPoolId must be a user pool id such as eu-west-1_AbCdEfGhI (<region>_<id>), not "
    )


def test_a_pool_id_has_at_most_55_characters() -> None:
    assert messages(with_block(userPoolId="eu-west-1_" + "a" * 46)) == [
        "svcaccounts:cognito.userPoolId has 56 characters; Cognito's pool ids have at most 55"
    ]


def test_the_region_has_its_shape() -> None:
    assert messages(with_block(region="Ireland")) == [
        "svcaccounts:cognito.region must be an AWS region such as eu-west-1, not 'Ireland'"
    ]


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("Example-Prod", "svcaccounts:cognito.domain must be a Cognito domain prefix (1-63 lowercase letters, "
         "digits and '-', not starting or ending with '-'), not 'Example-Prod'"),
        ("-prod", "svcaccounts:cognito.domain must be a Cognito domain prefix (1-63 lowercase letters, "
         "digits and '-', not starting or ending with '-'), not '-prod'"),
        ("example-prod.auth.eu-west-1.amazoncognito.com", "svcaccounts:cognito.domain is the domain prefix only "
         "(example-prod in https://example-prod.auth.<region>.amazoncognito.com), not "
         "'example-prod.auth.eu-west-1.amazoncognito.com'"),
        ("my-aws-login", "svcaccounts:cognito.domain 'my-aws-login' contains 'aws', which Cognito refuses in a "
         "domain prefix"),
    ],
)
def test_the_domain_is_a_prefix_cognito_accepts(domain: str, message: str) -> None:
    assert messages(with_block(domain=domain)) == [message]


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("https://api.example.com/mcp/", "svcaccounts:cognito.resourceServer must not end in '/', not "
         "'https://api.example.com/mcp/': Cognito names each scope <resourceServer>/<scope>"),
        ("my api", "svcaccounts:cognito.resourceServer must be 1-256 printable ASCII characters without "
         "spaces, '\"' or '\\' (such as https://api.example.com/mcp), not 'my api'"),
    ],
)
def test_the_resource_server_identifier_is_one_cognito_accepts(identifier: str, message: str) -> None:
    assert messages(with_block(resourceServer=identifier)) == [message]


def test_every_missing_field_is_named() -> None:
    assert messages(with_block(domain=None, resourceServer=None)) == [
        "svcaccounts:cognito.domain is required: the pool's Cognito domain prefix",
        "svcaccounts:cognito.resourceServer is required: the resource server's identifier",
    ]


def test_another_providers_settings_are_errors_on_a_cognito_stack() -> None:
    assert messages({**COGNITO, "svcaccounts:authServer": {"id": "aus1abcdefgh"}}) == [
        "svcaccounts:authServer applies to okta stacks, but svcaccounts:identityProvider is cognito: remove it "
        "(see docs/identity-providers.md before moving a deployed stack)"
    ]


def test_the_cognito_block_is_an_error_on_an_okta_stack() -> None:
    okta = {
        "svcaccounts:environment": "prod",
        "svcaccounts:authServer": {"id": "aus1abcdefgh"},
        "svcaccounts:keyVault": {"name": "kv-identity-prod", "resourceGroup": "rg-identity-prod"},
        "okta:orgName": "prod-11111",
        "svcaccounts:cognito": COGNITO_BLOCK,
    }
    assert messages(okta) == [
        "svcaccounts:cognito applies to cognito stacks, but svcaccounts:identityProvider is okta: remove it "
        "(see docs/identity-providers.md before moving a deployed stack)"
    ]
