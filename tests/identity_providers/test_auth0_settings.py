"""`svcaccounts:identityProvider: auth0` and the `svcaccounts:auth0` block: typed settings, or one
located finding per problem; what `diff` says when the domain or the audience changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from svcaccounts.core.settings import Auth0Settings, KeyVaultSettings
from svcaccounts.core.stack_review import StackState, diff_stacks
from svcaccounts.definitions.stack_settings import SettingsResult, parse_settings

AUTH0: dict[str, Any] = {
    "svcaccounts:environment": "staging",
    "svcaccounts:identityProvider": "auth0",
    "svcaccounts:auth0": {"domain": "example-staging.eu.auth0.com", "audience": "https://api.example.com/mcp"},
    "svcaccounts:keyVault": {"name": "kv-identity-staging", "resourceGroup": "rg-identity-staging"},
}


def parse(config: dict[str, Any]) -> SettingsResult:
    return parse_settings("staging", "Pulumi.staging.yaml", config)


def messages(config: dict[str, Any]) -> list[str]:
    return [finding.message for finding in parse(config).findings]


def with_block(**block: object) -> dict[str, Any]:
    return {**AUTH0, "svcaccounts:auth0": block}


def test_an_auth0_stack_parses_into_its_domain_and_api() -> None:
    result = parse(AUTH0)
    assert result.findings == ()
    settings = result.settings
    assert settings is not None
    assert settings.identity_provider == "auth0"
    assert settings.auth0 == Auth0Settings("example-staging.eu.auth0.com", "https://api.example.com/mcp")
    assert (settings.okta, settings.auth_server, settings.entra_id) == (None, None, None)
    assert settings.key_vault == KeyVaultSettings("kv-identity-staging", "rg-identity-staging")
    assert settings.token_url() == "https://example-staging.eu.auth0.com/oauth/token"
    assert settings.auth0.issuer == "https://example-staging.eu.auth0.com/"


def test_the_auth0_block_is_required_on_an_auth0_stack() -> None:
    config = {key: value for key, value in AUTH0.items() if key != "svcaccounts:auth0"}
    assert messages(config) == [
        "svcaccounts:auth0 is required with svcaccounts:identityProvider: auth0: "
        "{domain: <tenant>.<region>.auth0.com, audience: <the API's identifier, an absolute URI>}"
    ]


def test_every_problem_of_the_auth0_block_is_located() -> None:
    config = with_block(domian="example.auth0.com", audience="mcp api")
    result = parse_settings("staging", "Pulumi.staging.yaml", config, locate=lambda keys: (len(keys), len(keys[-1])))
    assert [(f.line, f.col, f.message) for f in result.findings] == [
        (3, 6, "unknown setting svcaccounts:auth0.domian; did you mean 'domain'?"),
        (2, 17, "svcaccounts:auth0.domain is required: the tenant's domain, such as example-prod.eu.auth0.com"),
        (
            3,
            8,
            "svcaccounts:auth0.audience must be the API's identifier, an absolute URI such as "
            "https://api.example.com/mcp, not 'mcp api'",
        ),
    ]
    assert result.settings is None


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        (
            "https://example.auth0.com",
            "svcaccounts:auth0.domain is a host name without a scheme or path, not "
            "'https://example.auth0.com': the token URL is https://<domain>/oauth/token",
        ),
        (
            "example.auth0.com/",
            "svcaccounts:auth0.domain must be the tenant's domain, such as example-prod.eu.auth0.com, "
            "not 'example.auth0.com/'",
        ),
        (
            "example.auth0.com\n",
            "svcaccounts:auth0.domain must be the tenant's domain, such as example-prod.eu.auth0.com, "
            "not 'example.auth0.com\\n'",
        ),
        (
            "Example.Auth0.com",
            "svcaccounts:auth0.domain must be the tenant's domain, such as example-prod.eu.auth0.com, "
            "not 'Example.Auth0.com'",
        ),
    ],
)
def test_a_domain_is_a_lower_case_host_name(domain: str, message: str) -> None:
    assert messages(with_block(domain=domain, audience="https://api.example.com/mcp")) == [message]


@pytest.mark.parametrize("audience", ["https://api.example.com/mcp", "urn:example:mcp", "api://mcp"])
def test_audiences_are_absolute_uris(audience: str) -> None:
    assert messages(with_block(domain="example.auth0.com", audience=audience)) == []


@pytest.mark.parametrize("audience", ["mcp", "/mcp", "https://api.example.com/mcp#x", 42])
def test_other_audiences_are_refused(audience: object) -> None:
    assert len(messages(with_block(domain="example.auth0.com", audience=audience))) == 1


def test_the_management_api_is_refused_as_audience() -> None:
    assert messages(with_block(domain="example.auth0.com", audience="https://example.auth0.com/api/v2/")) == [
        "svcaccounts:auth0.audience 'https://example.auth0.com/api/v2/' is the tenant's Management API: "
        "service accounts get scopes of your own API; create one and use its identifier"
    ]


def test_okta_and_entra_settings_on_an_auth0_stack_are_errors_not_leftovers() -> None:
    config = {**AUTH0, "okta:orgName": "staging-1", "svcaccounts:entraId": {"tenantId": "x"}}
    assert messages(config) == [
        "okta:orgName applies to okta stacks, but svcaccounts:identityProvider is auth0: remove it "
        "(see docs/identity-providers.md before moving a deployed stack)",
        "svcaccounts:entraId applies to entra-id stacks, but svcaccounts:identityProvider is auth0: "
        "remove it (see docs/identity-providers.md before moving a deployed stack)",
    ]


def test_an_auth0_block_on_an_okta_stack_is_an_error() -> None:
    config = {key: value for key, value in AUTH0.items() if key != "svcaccounts:identityProvider"}
    config |= {"svcaccounts:authServer": {"id": "aus1abc"}, "okta:orgName": "staging-1"}
    assert messages(config) == [
        "svcaccounts:auth0 applies to auth0 stacks, but svcaccounts:identityProvider is okta: remove it "
        "(see docs/identity-providers.md before moving a deployed stack)"
    ]


def _state(domain: str, audience: str, *, production: bool = False) -> dict[str, StackState]:
    result = parse({**AUTH0, "svcaccounts:auth0": {"domain": domain, "audience": audience}})
    assert result.settings is not None
    settings = result.settings
    if production:
        settings = replace(settings, production=True)
    return {"staging": StackState(settings, "staging", 3)}


def test_diff_reports_a_new_domain_as_high_and_a_new_audience_by_the_stacks_strictness() -> None:
    base = _state("example-staging.eu.auth0.com", "https://api.example.com/mcp")
    head = _state("example-other.eu.auth0.com", "https://api.example.com/mcp2")
    assert [(f.rule, f.severity, f.message) for f in diff_stacks(base, head)] == [
        (
            "stack-auth0-domain-changed",
            "high",
            "stack `staging`: Auth0 domain `example-staging.eu.auth0.com` → `example-other.eu.auth0.com`: "
            "every account gets a new client and credential at the other tenant",
        ),
        (
            "stack-auth0-audience-changed",
            "medium",
            "stack `staging`: Auth0 API audience `https://api.example.com/mcp` → "
            "`https://api.example.com/mcp2`: the API and every grant on it are replaced, and consumers "
            "that request the old audience fail",
        ),
    ]
    prod_base = _state("example-staging.eu.auth0.com", "https://api.example.com/mcp", production=True)
    prod_head = _state("example-staging.eu.auth0.com", "https://api.example.com/v2", production=True)
    assert [(f.rule, f.severity) for f in diff_stacks(prod_base, prod_head)] == [
        ("stack-auth0-audience-changed", "high")
    ]
