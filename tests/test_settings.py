"""Stack settings: typed values from a stack's config, or located findings for every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from svcaccounts.definitions import load_repository
from svcaccounts.settings import (
    ExistingAuthServer,
    KeyVaultSettings,
    NewAuthServer,
    OktaSettings,
    parse_settings,
    settings_of,
)
from svcaccounts.stacks import Stack

REPOSITORY_ROOT = Path(__file__).parent.parent

BASELINE: dict[str, Any] = {
    "svcaccounts:environment": "prod",
    "svcaccounts:authServer": {"id": "aus1abcdefgh"},
    "svcaccounts:keyVault": {"name": "kv-identity-prod", "resourceGroup": "rg-identity-prod"},
    "okta:orgName": "prod-11111",
    "okta:baseUrl": "okta.com",
}


def parse(config: dict[str, Any]) -> Any:
    return parse_settings("prod", "Pulumi.prod.yaml", config)


def messages(config: dict[str, Any]) -> list[str]:
    return [finding.message for finding in parse(config).findings]


def test_the_baseline_parses_into_typed_settings() -> None:
    result = parse(BASELINE)
    assert result.findings == ()
    settings = result.settings
    assert settings is not None
    assert settings.environment == "prod"
    assert settings.definitions_dir == "service_accounts"
    assert settings.auth_server == ExistingAuthServer("aus1abcdefgh")
    assert settings.key_vault == KeyVaultSettings("kv-identity-prod", "rg-identity-prod")
    assert settings.okta == OktaSettings("prod-11111", "okta.com", 50)
    assert settings.token_url() == "https://prod-11111.okta.com/oauth2/aus1abcdefgh/v1/token"


def test_a_created_auth_server_has_no_token_url_until_it_has_an_id() -> None:
    config = {**BASELINE, "svcaccounts:authServer": {"create": {"name": "sa-prod", "audience": "api://mcp"}}}
    settings = parse(config).settings
    assert settings is not None
    assert settings.auth_server == NewAuthServer("sa-prod", "api://mcp")
    assert settings.token_url() is None
    assert settings.token_url("aus9") == "https://prod-11111.okta.com/oauth2/aus9/v1/token"


def test_the_environment_defaults_to_the_stack_name() -> None:
    config = {k: v for k, v in BASELINE.items() if k != "svcaccounts:environment"}
    settings = parse(config).settings
    assert settings is not None and settings.environment == "prod"


def test_objects_set_as_json_strings_are_read() -> None:
    config = {**BASELINE, "svcaccounts:keyVault": '{"name": "kv-a", "resourceGroup": "rg-a"}'}
    settings = parse(config).settings
    assert settings is not None and settings.key_vault == KeyVaultSettings("kv-a", "rg-a")


def test_every_problem_is_reported_at_once() -> None:
    config = {
        "svcaccounts:authServer": {"id": "aus1", "create": {"name": "x", "audience": "y"}},
        "svcaccounts:keyVault": {"name": "a"},
    }
    result = parse(config)
    assert result.settings is None
    assert messages(config) == [
        "svcaccounts:authServer needs exactly one of id (an existing server) or create (a new one)",
        "svcaccounts:keyVault.name must be a Key Vault name (3-24 letters, digits and '-', "
        "starting with a letter), not 'a'",
        "svcaccounts:keyVault.resourceGroup is required: a resource group name",
        "okta:orgName is required: the Okta org's name, the first label of its host "
        "(dev-123456 in dev-123456.okta.com)",
    ]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("svcaccounts:authServer", None, "svcaccounts:authServer is required"),
        ("svcaccounts:keyVault", "kv", "svcaccounts:keyVault must be a mapping"),
        ("svcaccounts:definitionsDir", "../elsewhere", "svcaccounts:definitionsDir must be a folder"),
        ("okta:baseUrl", "https://okta.com", "okta:baseUrl must be the Okta domain"),
        ("svcaccounts:oktaMaxApiCapacity", 150, "svcaccounts:oktaMaxApiCapacity must be a percentage"),
    ],
)
def test_one_bad_setting_gives_one_error(key: str, value: Any, expected: str) -> None:
    config = {k: v for k, v in BASELINE.items() if k != key}
    if value is not None:
        config[key] = value
    result = parse(config)
    assert result.settings is None
    assert len(result.findings) == 1
    assert result.findings[0].message.startswith(expected)


def test_unknown_settings_in_our_namespace_are_warnings() -> None:
    result = parse({**BASELINE, "svcaccounts:keyvault": {}})
    assert result.settings is not None
    assert [(f.severity, f.message.split(" (")[0]) for f in result.findings] == [
        ("warning", "unknown setting svcaccounts:keyvault")
    ]


def test_findings_point_at_the_line_in_the_stack_file() -> None:
    text = (
        "config:\n"
        "  svcaccounts:authServer:\n"
        "    id: aus1\n"
        "  svcaccounts:keyVault:\n"
        "    name: kv-identity-prod\n"
        "    resourceGroup: 'bad name!'\n"
        "  okta:orgName: prod-1\n"
    )
    stack = Stack(
        "prod",
        "prod",
        "Pulumi.prod.yaml",
        {
            "svcaccounts:authServer": {"id": "aus1"},
            "svcaccounts:keyVault": {"name": "kv-identity-prod", "resourceGroup": "bad name!"},
            "okta:orgName": "prod-1",
        },
    )
    (finding,) = settings_of(stack, text.encode()).findings
    assert (finding.path, finding.line, finding.col) == ("Pulumi.prod.yaml", 6, 20)


def test_the_sample_stacks_are_valid() -> None:
    result = load_repository(REPOSITORY_ROOT)
    assert {stack.name for stack in result.stacks} == {"dev", "staging", "prod"}
    for stack in result.stacks:
        assert settings_of(stack).findings == (), stack.name
