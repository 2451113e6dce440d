"""`svcaccounts:identityProvider` and the `svcaccounts:entraId` block: typed settings, or one
located finding per problem."""

from __future__ import annotations

from typing import Any

import pytest

from svcaccounts.core.identity_providers import IDENTITY_PROVIDERS, RESERVED_IDENTITY_PROVIDERS
from svcaccounts.core.settings import EntraIdSettings, ExistingAuthServer, KeyVaultSettings, OktaSettings
from svcaccounts.definitions import stack_settings
from svcaccounts.definitions.stack_settings import SettingsResult, parse_settings

TENANT = "11111111-2222-3333-4444-555555555555"
ENTRA: dict[str, Any] = {
    "svcaccounts:environment": "prod",
    "svcaccounts:identityProvider": "entra-id",
    "svcaccounts:entraId": {"tenantId": TENANT, "identifierUri": f"api://{TENANT}/svcaccounts-prod"},
    "svcaccounts:keyVault": {"name": "kv-identity-prod", "resourceGroup": "rg-identity-prod"},
}
OKTA: dict[str, Any] = {
    "svcaccounts:environment": "prod",
    "svcaccounts:authServer": {"id": "aus1abcdefgh"},
    "svcaccounts:keyVault": {"name": "kv-identity-prod", "resourceGroup": "rg-identity-prod"},
    "okta:orgName": "prod-11111",
}


def parse(config: dict[str, Any]) -> SettingsResult:
    return parse_settings("prod", "Pulumi.prod.yaml", config)


def messages(config: dict[str, Any]) -> list[str]:
    return [finding.message for finding in parse(config).findings]


def test_an_entra_stack_parses_into_its_tenant_and_api() -> None:
    result = parse(ENTRA)
    assert result.findings == ()
    settings = result.settings
    assert settings is not None
    assert settings.identity_provider == "entra-id"
    assert settings.entra_id == EntraIdSettings(TENANT, f"api://{TENANT}/svcaccounts-prod")
    assert (settings.okta, settings.auth_server) == (None, None)
    assert settings.key_vault == KeyVaultSettings("kv-identity-prod", "rg-identity-prod")
    assert settings.token_url() == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert settings.entra_id.request_scope == f"api://{TENANT}/svcaccounts-prod/.default"
    assert settings.entra_id.issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"


def test_okta_is_the_default_and_can_be_named() -> None:
    for config in (OKTA, {**OKTA, "svcaccounts:identityProvider": "okta"}):
        settings = parse(config).settings
        assert settings is not None
        assert settings.identity_provider == "okta"
        assert settings.okta == OktaSettings("prod-11111")
        assert settings.auth_server == ExistingAuthServer("aus1abcdefgh")


def test_no_provider_is_reserved_any_more() -> None:
    assert not RESERVED_IDENTITY_PROVIDERS
    assert set(IDENTITY_PROVIDERS) == {"okta", "entra-id", "auth0", "cognito"}


def test_a_reserved_provider_is_refused_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    # The seam keeps the refusal for a provider named before its translation exists.
    monkeypatch.setattr(stack_settings, "RESERVED_IDENTITY_PROVIDERS", frozenset({"cognito"}))
    assert messages({**OKTA, "svcaccounts:identityProvider": "cognito"}) == [
        "svcaccounts:identityProvider cognito is reserved but not supported yet: use okta or entra-id "
        "or auth0"
    ]


def test_an_unknown_provider_names_the_choices() -> None:
    assert messages({**OKTA, "svcaccounts:identityProvider": "entra"}) == [
        "svcaccounts:identityProvider must be okta or entra-id or auth0 or cognito (default okta), not 'entra'"
    ]


def test_a_mistyped_provider_key_gets_a_did_you_mean() -> None:
    assert messages({**OKTA, "svcaccounts:identityProvder": "entra-id"}) == [
        "unknown setting svcaccounts:identityProvder; did you mean 'svcaccounts:identityProvider'?"
    ]


def test_the_entra_block_is_required_on_an_entra_stack() -> None:
    config = {key: value for key, value in ENTRA.items() if key != "svcaccounts:entraId"}
    assert messages(config) == [
        "svcaccounts:entraId is required with svcaccounts:identityProvider: entra-id: "
        "{tenantId: <tenant GUID>, identifierUri: api://<tenant GUID>/<name>}"
    ]


def test_every_problem_of_the_entra_block_is_located() -> None:
    config = {
        **ENTRA,
        "svcaccounts:entraId": {"tenantId": "contoso", "identifierURI": "x"},
    }
    result = parse_settings(
        "prod", "Pulumi.prod.yaml", config, locate=lambda keys: (len(keys), len(keys[-1]))
    )
    assert [(f.line, f.col, f.message) for f in result.findings] == [
        (3, 13, "unknown setting svcaccounts:entraId.identifierURI; did you mean 'identifierUri'?"),
        (3, 8, "svcaccounts:entraId.tenantId must be the tenant's id, a GUID, not 'contoso'"),
        (2, 19, "svcaccounts:entraId.identifierUri is required: api://<tenantId>/<name>"),
    ]
    assert result.settings is None


@pytest.mark.parametrize(
    "uri",
    [
        f"api://{TENANT}/svcaccounts-prod",
        f"api://{TENANT.upper()}/team/svcaccounts",
        "https://contoso.com/svcaccounts",
        "https://api.contoso.example",
    ],
)
def test_identifier_uris_in_the_forms_entra_accepts(uri: str) -> None:
    result = parse({**ENTRA, "svcaccounts:entraId": {"tenantId": TENANT, "identifierUri": uri}})
    assert result.findings == ()


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("api://svcaccounts-prod",
         "must be api://<tenantId>/<name> or https://<verified domain>/<path> (letters, digits and "
         ". _ ~ - in the path), not 'api://svcaccounts-prod': Entra refuses other identifier URIs "
         "where the tenant restricts them"),
        ("api://99999999-2222-3333-4444-555555555555/svc",
         "names tenant '99999999-2222-3333-4444-555555555555', not this stack's tenantId: use "
         f"api://{TENANT}/<name>"),
        (f"api://{TENANT}/svc/",
         f"must not end in '/', not 'api://{TENANT}/svc/': the token request's scope is "
         "<identifierUri>/.default"),
        ("api://aaaaaaaa-2222-3333-4444-555555555555",
         "'api://aaaaaaaa-2222-3333-4444-555555555555' is the api://<appId> form, but the API's "
         "application is created by this stack, so its appId is not known before the first deploy: "
         "use api://<tenantId>/<name>"),
        ("http://contoso.com/svc",
         "must be api://<tenantId>/<name> or https://<verified domain>/<path> (letters, digits and "
         ". _ ~ - in the path), not 'http://contoso.com/svc': Entra refuses other identifier URIs "
         "where the tenant restricts them"),
        (42, "must be text, not 42"),
    ],
    ids=["no-tenant", "other-tenant", "trailing-slash", "app-id", "http", "number"],
)
def test_identifier_uris_entra_refuses(uri: object, problem: str) -> None:
    config = {**ENTRA, "svcaccounts:entraId": {"tenantId": TENANT, "identifierUri": uri}}
    assert messages(config) == [f"svcaccounts:entraId.identifierUri {problem}"]


def test_okta_settings_on_an_entra_stack_are_errors_not_leftovers() -> None:
    config = {**ENTRA, "svcaccounts:authServer": {"id": "aus1"}, "okta:orgName": "prod-11111"}
    assert messages(config) == [
        "svcaccounts:authServer applies to okta stacks, but svcaccounts:identityProvider is entra-id: "
        "remove it (see docs/identity-providers.md before moving a deployed stack)",
        "okta:orgName applies to okta stacks, but svcaccounts:identityProvider is entra-id: "
        "remove it (see docs/identity-providers.md before moving a deployed stack)",
    ]


def test_an_entra_block_on_an_okta_stack_is_an_error() -> None:
    config = {**OKTA, "svcaccounts:entraId": ENTRA["svcaccounts:entraId"]}
    assert messages(config) == [
        "svcaccounts:entraId applies to entra-id stacks, but svcaccounts:identityProvider is okta: "
        "remove it (see docs/identity-providers.md before moving a deployed stack)"
    ]
