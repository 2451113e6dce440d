"""Stack settings: typed values from a stack's config, or located findings for every problem."""

from __future__ import annotations

from typing import Any

import pytest

from svcaccounts.core.settings import (
    AwsSecretsManagerSettings,
    ExistingAuthServer,
    KeyVaultSettings,
    NewAuthServer,
    OktaSettings,
    StackSettings,
)
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_files import read_stacks
from svcaccounts.definitions.stack_settings import parse_settings, settings_of
from tests.support.samples import SAMPLE_ORGANISATION

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
        ("svcaccounts:definitionsDir", "../elsewhere", "svcaccounts:definitionsDir is not a setting"),
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


def test_an_unknown_setting_in_our_namespace_is_an_error_with_a_suggestion() -> None:
    # A typo such as `enviroment` would leave the stack on another environment: an error.
    result = parse({**BASELINE, "svcaccounts:enviroment": "prod"})
    assert result.settings is None
    assert [(f.severity, f.message) for f in result.findings] == [
        ("error", "unknown setting svcaccounts:enviroment; did you mean 'svcaccounts:environment'?")
    ]


def test_an_unknown_setting_far_from_every_known_one_lists_them() -> None:
    result = parse({**BASELINE, "svcaccounts:colour": "blue"})
    (finding,) = result.findings
    assert finding.message.startswith("unknown setting svcaccounts:colour (allowed here: svcaccounts:auth0, svcaccounts:authServer, ")


def test_an_unknown_key_inside_a_block_suggests_the_known_one() -> None:
    block = {"name": "kv-identity-prod", "resourceGroup": "rg", "resourcegroup": "rg"}
    result = parse({**BASELINE, "svcaccounts:keyVault": block})
    (finding,) = result.findings
    assert finding.message == "unknown setting svcaccounts:keyVault.resourcegroup; did you mean 'resourceGroup'?"


def test_a_definitions_folder_setting_is_refused_with_the_reason() -> None:
    result = parse({**BASELINE, "svcaccounts:definitionsDir": "sneaky"})
    assert result.settings is None
    (finding,) = result.findings
    assert finding.message.startswith(
        "svcaccounts:definitionsDir is not a setting: a repository has one definitions folder, "
        "service_accounts/,"
    )


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
    ((stack,), _) = read_stacks({"Pulumi.prod.yaml": text.encode()})
    (finding,) = settings_of(stack).findings
    assert (finding.path, finding.line, finding.col) == ("Pulumi.prod.yaml", 6, 20)


def test_the_sample_stacks_are_valid() -> None:
    result = load_repository(SAMPLE_ORGANISATION)
    assert {stack.name for stack in result.stacks} == {"dev", "staging", "prod"}
    for stack in result.stacks:
        assert settings_of(stack).findings == (), stack.name


# ---- the credential store: Azure Key Vault (default) or AWS Secrets Manager -------------------

AWS_BASELINE: dict[str, Any] = {
    **{k: v for k, v in BASELINE.items() if k != "svcaccounts:keyVault"},
    "svcaccounts:secretStore": "aws-secrets-manager",
    "svcaccounts:awsSecretsManager": {
        "region": "eu-west-1",
        "kmsKeyId": "alias/svcaccounts-prod",
        "namePrefix": "identity/",
        "recoveryWindowDays": 14,
    },
}


def test_the_default_store_is_key_vault() -> None:
    settings = parse(BASELINE).settings
    assert settings is not None
    assert settings.secret_store == "azure-key-vault"
    assert settings.store == KeyVaultSettings("kv-identity-prod", "rg-identity-prod")
    assert settings.aws_secrets_manager is None


def test_an_aws_stack_parses_into_aws_settings_and_no_key_vault() -> None:
    result = parse(AWS_BASELINE)
    assert result.findings == ()
    settings = result.settings
    assert settings is not None
    assert settings.secret_store == "aws-secrets-manager"
    assert settings.store == AwsSecretsManagerSettings("eu-west-1", "alias/svcaccounts-prod", "identity/", 14)
    assert settings.key_vault is None


def test_aws_settings_have_defaults_for_all_but_the_region() -> None:
    config = {**AWS_BASELINE, "svcaccounts:awsSecretsManager": '{"region": "us-gov-west-1"}'}
    settings = parse(config).settings
    assert settings is not None
    assert settings.aws_secrets_manager == AwsSecretsManagerSettings(
        "us-gov-west-1", kms_key_id=None, name_prefix="svcaccounts/", recovery_window_days=30
    )


def test_an_unknown_store_is_an_error() -> None:
    assert messages({**BASELINE, "svcaccounts:secretStore": "vault"}) == [
        "svcaccounts:secretStore must be azure-key-vault or aws-secrets-manager (default azure-key-vault), "
        "not 'vault'"
    ]


def test_the_aws_store_needs_its_settings() -> None:
    config = {k: v for k, v in AWS_BASELINE.items() if k != "svcaccounts:awsSecretsManager"}
    (message,) = messages(config)
    assert message.startswith(
        "svcaccounts:awsSecretsManager is required with svcaccounts:secretStore: aws-secrets-manager"
    )


def test_a_key_vault_block_in_an_aws_stack_is_an_error() -> None:
    config = {**AWS_BASELINE, "svcaccounts:keyVault": BASELINE["svcaccounts:keyVault"]}
    result = parse(config)
    assert result.settings is None
    assert [f.message for f in result.findings] == [
        "svcaccounts:keyVault is set but svcaccounts:secretStore is aws-secrets-manager: a stack writes "
        "its bundles to one store; remove svcaccounts:keyVault (see docs/aws-secrets-manager.md before "
        "switching a deployed stack)"
    ]


def test_an_aws_block_in_a_key_vault_stack_is_an_error() -> None:
    config = {**BASELINE, "svcaccounts:awsSecretsManager": AWS_BASELINE["svcaccounts:awsSecretsManager"]}
    assert messages(config) == [
        "svcaccounts:awsSecretsManager is set but svcaccounts:secretStore is azure-key-vault: a stack "
        "writes its bundles to one store; remove svcaccounts:awsSecretsManager, or set "
        "svcaccounts:secretStore: aws-secrets-manager (see docs/aws-secrets-manager.md before switching "
        "a deployed stack)"
    ]


@pytest.mark.parametrize(
    "kms_key_id",
    [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "alias/svcaccounts/prod",
        "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/svcaccounts",
    ],
)
def test_kms_keys_may_be_ids_aliases_or_arns(kms_key_id: str) -> None:
    block = {**AWS_BASELINE["svcaccounts:awsSecretsManager"], "kmsKeyId": kms_key_id}
    settings = parse({**AWS_BASELINE, "svcaccounts:awsSecretsManager": block}).settings
    assert settings is not None and settings.aws_secrets_manager is not None
    assert settings.aws_secrets_manager.kms_key_id == kms_key_id


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("region", "Europe", "svcaccounts:awsSecretsManager.region must be an AWS region such as eu-west-1"),
        ("region", None, "svcaccounts:awsSecretsManager.region is required"),
        ("kmsKeyId", "my key", "svcaccounts:awsSecretsManager.kmsKeyId must be a KMS key id, alias/<name>"),
        ("namePrefix", "svc accounts/", "svcaccounts:awsSecretsManager.namePrefix must be at most 256"),
        ("namePrefix", "p" * 257, "svcaccounts:awsSecretsManager.namePrefix must be at most 256"),
        ("recoveryWindowDays", 5, "svcaccounts:awsSecretsManager.recoveryWindowDays must be 0"),
        ("recoveryWindowDays", 31, "svcaccounts:awsSecretsManager.recoveryWindowDays must be 0"),
        ("recoveryWindowDays", True, "svcaccounts:awsSecretsManager.recoveryWindowDays must be 0"),
        ("retention", 7, "unknown setting svcaccounts:awsSecretsManager.retention"),
    ],
)
def test_one_bad_aws_setting_gives_one_error(key: str, value: Any, expected: str) -> None:
    block = {k: v for k, v in AWS_BASELINE["svcaccounts:awsSecretsManager"].items() if k != key}
    if value is not None:
        block[key] = value
    result = parse({**AWS_BASELINE, "svcaccounts:awsSecretsManager": block})
    assert result.settings is None
    assert [f.message[: len(expected)] for f in result.findings] == [expected]


@pytest.mark.parametrize("days", [0, 7, 30, "21"])
def test_recovery_windows_of_zero_or_seven_to_thirty_days_are_accepted(days: Any) -> None:
    block = {**AWS_BASELINE["svcaccounts:awsSecretsManager"], "recoveryWindowDays": days}
    settings = parse({**AWS_BASELINE, "svcaccounts:awsSecretsManager": block}).settings
    assert settings is not None and settings.aws_secrets_manager is not None
    assert settings.aws_secrets_manager.recovery_window_days == int(days)


def test_a_settings_object_has_exactly_one_store() -> None:
    with pytest.raises(ValueError, match="exactly one secret store"):
        StackSettings("prod", "prod", ExistingAuthServer("aus1"), None, OktaSettings("o"))


def test_the_sample_aws_stack_is_valid_and_its_findings_are_located() -> None:
    from tests.support.samples import AWS_STACK_FILE, aws_stack_settings

    assert aws_stack_settings().secret_store == "aws-secrets-manager"
    text = AWS_STACK_FILE.read_text().replace("recoveryWindowDays: 30", "recoveryWindowDays: 3")
    ((stack,), _) = read_stacks({AWS_STACK_FILE.name: text.encode()})
    (finding,) = settings_of(stack).findings
    line = text.splitlines().index("    recoveryWindowDays: 3") + 1
    assert (finding.path, finding.line, finding.col) == ("Pulumi.prod-aws.yaml", line, 25)


def test_a_plain_text_okta_token_in_a_stack_file_is_an_error_that_does_not_echo_it() -> None:
    config = {**BASELINE, "okta:apiToken": "00PlainTextTokenValue123"}

    result = parse(config)

    assert result.settings is None
    assert messages(config) == [
        "okta:apiToken is in plain text: remove it and rotate it, then set it with "
        "`pulumi config set --secret okta:apiToken` or the provider's environment variable"
    ]


def test_an_encrypted_okta_token_is_accepted() -> None:
    assert messages({**BASELINE, "okta:apiToken": {"secure": "v1:abc"}}) == []
