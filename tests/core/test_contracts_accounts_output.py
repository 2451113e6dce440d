"""The `accounts` output contract: its writer, its reader and its JSON Schema agree."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest

from svcaccounts.core.contracts.accounts_output import (
    SCHEMA,
    DeployedAccount,
    DeployedError,
    TokenSettings,
    account_entry,
    deployed_account,
    parse_deployed,
)
from tests.support import contract_schemas
from tests.support.contract_schemas import INVALID, VALID

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:svcaccounts/prod/reporter/bundle-AbC123"
NEXT_ROTATION = datetime(2027, 1, 1, tzinfo=UTC)


def entry(store: str = "key-vault", auth_method: str = "private_key_jwt", **changes: Any) -> dict[str, Any]:
    """One account as the program writes it, with `changes` applied (None removes a key)."""
    location = {"keyVaultSecretName": "reporter-prod"} if store == "key-vault" else {"awsSecretArn": ARN}
    written: dict[str, Any] = account_entry(
        client_id="0oa1reporter",
        token_url="https://example.okta.com/oauth2/aus1/v1/token",
        bundle_location=location,
        scopes=("mcp:reports:generate", "mcp:docs:read"),
        auth_method=auth_method,  # type: ignore[arg-type]
        generation=4,
        next_rotation=NEXT_ROTATION,
        status="active",
    )
    written.update(changes)
    return {key: value for key, value in written.items() if value is not None}


def outputs(account: object, **other_outputs: object) -> dict[str, object]:
    return {"accounts": {"reporter": account}, **other_outputs}


def schema_verdicts(document: object) -> dict[str, bool]:
    return contract_schemas.verdicts(SCHEMA, document)


def test_the_schema_is_valid_draft_2020_12() -> None:
    contract_schemas.check_draft_2020_12(SCHEMA)


def test_the_schemas_example_is_read_by_the_reader() -> None:
    (example,) = contract_schemas.load(SCHEMA)["examples"]
    assert schema_verdicts(example) == VALID
    assert parse_deployed(example)["mcp-reporting-service"].generation == 4


def test_the_accounts_output_alone_has_its_own_definition() -> None:
    # `pulumi stack output accounts --json` prints the output without the stack's object around it.
    schema = {**contract_schemas.load(SCHEMA), "$ref": "#/$defs/accounts", "required": [], "properties": {}}
    assert jsonschema.Draft202012Validator(schema).is_valid({"reporter": entry()})
    assert not jsonschema.Draft202012Validator(schema).is_valid({"reporter": entry(generation=0)})


@pytest.mark.parametrize("store", ["key-vault", "aws-secrets-manager"])
@pytest.mark.parametrize("auth_method", ["private_key_jwt", "client_secret_basic"])
def test_what_the_writer_writes_the_schema_accepts(store: str, auth_method: str) -> None:
    assert schema_verdicts(outputs(entry(store, auth_method), other="output")) == VALID


def test_the_writer_writes_the_documented_fields_in_order() -> None:
    assert entry() == {
        "clientId": "0oa1reporter",
        "keyVaultSecretName": "reporter-prod",
        "tokenUrl": "https://example.okta.com/oauth2/aus1/v1/token",
        "scopes": ["mcp:reports:generate", "mcp:docs:read"],
        "authMethod": "private_key_jwt",
        "generation": 4,
        "nextRotation": "2027-01-01T00:00:00Z",
        "status": "active",
    }


@pytest.mark.parametrize(
    ("location", "status", "message"),
    [
        ({}, "active", "a bundle location is one of keyVaultSecretName, awsSecretArn, not []"),
        ({"keyVaultSecretName": "a", "awsSecretArn": ARN}, "active", "a bundle location is one of"),
        ({"secretName": "a"}, "active", "not ['secretName']"),
        ({"keyVaultSecretName": "a"}, "retired", "an account's status is one of active, disabled, not 'retired'"),
    ],
)  # fmt: skip
def test_the_writer_refuses_what_the_contract_does_not_have(
    location: dict[str, str], status: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        account_entry(
            client_id="0oa1",
            token_url="https://example.okta.com/oauth2/aus1/v1/token",
            bundle_location=location,
            scopes=["a"],
            auth_method="client_secret_basic",
            generation=1,
            next_rotation=NEXT_ROTATION,
            status=status,
        )


def test_the_reader_reads_what_the_writer_writes_to_key_vault() -> None:
    assert parse_deployed(outputs(entry()), token_settings_required=True) == {
        "reporter": DeployedAccount(
            name="reporter",
            generation=4,
            next_rotation=NEXT_ROTATION,
            token_settings=TokenSettings(
                client_id="0oa1reporter",
                token_url="https://example.okta.com/oauth2/aus1/v1/token",
                auth_method="private_key_jwt",
                scopes=("mcp:reports:generate", "mcp:docs:read"),
            ),
            key_vault_secret_name="reporter-prod",
            status="active",
            # An entry without clientIds: its clientId is the account's one client.
            client_ids=("0oa1reporter",),
        )
    }


def test_the_reader_takes_the_secret_name_from_the_aws_arn() -> None:
    account = deployed_account(outputs(entry("aws-secrets-manager")), "reporter")
    assert (account.aws_secret_arn, account.aws_secret_name) == (ARN, "svcaccounts/prod/reporter/bundle")
    assert account.key_vault_secret_name is None


@pytest.mark.parametrize(
    "document",
    [
        outputs({"generation": 3}),
        {"accounts": [{"name": "reporter", "generation": 3, "next_rotation": "2027-01-01T00:00:00Z"}]},
        outputs(entry(nextRotation=None, next_rotation="2027-01-01T00:00:00Z")),
    ],
    ids=["generation-only", "list-form", "snake-case-next-rotation"],
)
def test_the_reader_takes_more_than_the_schema_describes(document: dict[str, Any]) -> None:
    # Hand-written and older documents: the reader is lenient where the writer is exact.
    assert parse_deployed(document)["reporter"].generation in (3, 4)
    assert schema_verdicts(document) == INVALID


def test_the_reader_ignores_unknown_keys_and_outputs() -> None:
    document = outputs(entry(owner="team-reporting"), other={"anything": True})
    assert parse_deployed(document)["reporter"].generation == 4
    assert schema_verdicts(document) == VALID


def test_token_settings_are_read_only_when_all_four_are_there() -> None:
    assert deployed_account(outputs({"generation": 3, "clientId": "0oa1"}), "reporter").token_settings is None


# Each document breaks one rule: the reader says which, and the schema refuses the document too.
REFUSED_BY_BOTH = [
    ([], "the stack outputs must be a JSON object, not list"),
    ({"other": 1}, "the stack outputs have no `accounts` output (outputs: other)"),
    ({"accounts": "[secret]"}, "`accounts` is a secret in the stack outputs"),
    ({"accounts": "reporter"}, "the 'accounts' output must be an object keyed by account name, not a string"),
    ({"accounts": None}, "the 'accounts' output must be an object keyed by account name, not null"),
    (outputs("[secret]"), "`accounts`.reporter is a secret in the stack outputs"),
    (outputs(7), "`accounts`.reporter must be a JSON object, not a number"),
    (outputs(entry(generation=None)), "`accounts`.reporter.generation must be a positive integer, not None"),
    (outputs(entry(generation="3")), "`accounts`.reporter.generation must be a positive integer, not '3'"),
    (outputs(entry(generation=True)), "`accounts`.reporter.generation must be a positive integer, not True"),
    (outputs(entry(generation=0)), "`accounts`.reporter.generation must be a positive integer, not 0"),
    (outputs(entry(generation=2.5)), "`accounts`.reporter.generation must be a positive integer, not 2.5"),
    (outputs(entry(nextRotation="soon")), "`accounts`.reporter.nextRotation must be an ISO 8601 UTC time (ending Z or +00:00), not 'soon'"),
    (outputs(entry(nextRotation="2027-01-01T00:00:00")), "`accounts`.reporter.nextRotation must be an ISO 8601 UTC time"),
    (outputs(entry(nextRotation="2027-01-01T02:00:00+02:00")), "`accounts`.reporter.nextRotation must be an ISO 8601 UTC time"),
    (outputs(entry(nextRotation="9999-12-31T00:00:00Z")), "`accounts`.reporter.nextRotation '9999-12-31T00:00:00Z' is implausibly far in the future (after year 8999)"),
    (outputs(entry(clientId="0oa1\nSVCACCOUNTS_TOKEN_URL=https://evil.example")), "accounts.reporter.clientId: expected a client id (letters, digits, '_' and '-')"),
    (outputs(entry(clientId="")), "accounts.reporter.clientId: expected a client id"),
    (outputs(entry(tokenUrl=7)), "accounts.reporter.tokenUrl: expected a string"),
    (outputs(entry(tokenUrl="https://robot:Hunter2@example.okta.com/token")), "accounts.reporter.tokenUrl: must not contain a user name or password (user:password@)"),
    (outputs(entry(tokenUrl="http://example.okta.com/token")), "accounts.reporter.tokenUrl: must be an https:// URL"),
    (outputs(entry(authMethod="client_secret_post")), "accounts.reporter.authMethod: expected one of private_key_jwt, client_secret_basic"),
    (outputs(entry(scopes="mcp:docs:read")), "accounts.reporter.scopes: expected a list of scope names (printable, without spaces)"),
    (outputs(entry(scopes=[])), "accounts.reporter.scopes: expected a list of scope names"),
    (outputs(entry(scopes=["mcp:docs:read\nEVIL=1"])), "accounts.reporter.scopes: expected a list of scope names"),
    (outputs(entry(scopes=["a b"])), "accounts.reporter.scopes: expected a list of scope names"),
    (outputs(entry(keyVaultSecretName="reporter_prod")), "accounts.reporter.keyVaultSecretName: expected a Key Vault secret name (1 to 127 letters, digits and '-')"),
    (outputs(entry(keyVaultSecretName="r" * 128)), "accounts.reporter.keyVaultSecretName: expected a Key Vault secret name"),
    (outputs(entry("aws-secrets-manager", awsSecretArn=ARN.removesuffix("-AbC123"))), "accounts.reporter.awsSecretArn: expected a Secrets Manager secret ARN"),
    (outputs(entry("aws-secrets-manager", awsSecretArn=ARN.replace("secretsmanager", "ssm"))), "accounts.reporter.awsSecretArn: expected a Secrets Manager secret ARN"),
    (outputs(entry(awsSecretArn=ARN)), "accounts.reporter: both keyVaultSecretName and awsSecretArn; a stack keeps its bundles in one store"),
    (outputs(entry(status="retired")), "accounts.reporter.status: expected active or disabled"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "problem"), REFUSED_BY_BOTH)
def test_the_reader_says_what_is_wrong(document: object, problem: str) -> None:
    with pytest.raises(DeployedError) as refused:
        parse_deployed(document)
    assert refused.value.problems == (problem,) or any(
        found.startswith(problem) for found in refused.value.problems
    ), refused.value.problems
    assert "Hunter2" not in str(refused.value) and "evil.example" not in str(refused.value)


@pytest.mark.parametrize(("document", "problem"), REFUSED_BY_BOTH)
def test_the_schema_refuses_what_the_reader_refuses(document: object, problem: str) -> None:
    assert schema_verdicts(document) == INVALID, problem


def test_the_token_settings_a_consumer_needs_can_be_required() -> None:
    document = outputs({"generation": 3, "clientId": "0oa1", "scopes": ["a"]})
    with pytest.raises(DeployedError) as refused:
        deployed_account(document, "reporter", token_settings_required=True)
    assert str(refused.value) == (
        "unexpected deployed outputs:\n"
        "  - accounts.reporter.tokenUrl: expected a string\n"
        "  - accounts.reporter.authMethod: expected one of private_key_jwt, client_secret_basic"
    )


def test_every_problem_of_every_account_is_reported_at_once() -> None:
    document = {"accounts": {"a": entry(generation=0), "b": entry(status="retired", scopes=[]), "c": entry()}}
    with pytest.raises(DeployedError) as refused:
        parse_deployed(document)
    assert refused.value.problems == (
        "`accounts`.a.generation must be a positive integer, not 0",
        "accounts.b.scopes: expected a list of scope names (printable, without spaces)",
        "accounts.b.status: expected active or disabled",
    )


def test_one_account_is_read_without_checking_the_others() -> None:
    document = {"accounts": {"broken": entry(generation=0), "reporter": entry()}}
    assert deployed_account(document, "reporter").generation == 4


def test_an_account_the_output_lacks_is_named_with_those_it_has() -> None:
    with pytest.raises(
        DeployedError, match=r"^no account 'gone' in the 'accounts' output \(deployed: reporter\)$"
    ):
        deployed_account(outputs(entry()), "gone")


@pytest.mark.parametrize(
    ("accounts", "problems"),
    [
        ([{"generation": 3}], ("`accounts`[0].name must be the account name",)),
        ([1, "[secret]"], (
            "item 0 of the 'accounts' list must be an object with the account's name, not a number",
            "`accounts`[1] is a secret in the stack outputs; the program must export it as plain data (it holds nothing secret)",
        )),
        ([{"name": "a", "generation": 1}, {"name": "a", "generation": 2}], ("`accounts`[1].name 'a' is already `accounts`[0]",)),
        ([{"name": "a", "generation": 0}], ("`accounts`[0].generation must be a positive integer, not 0",)),
    ],
    ids=["no-name", "not-objects", "name-twice", "bad-entry"],
)  # fmt: skip
def test_the_list_form_names_its_items_by_index(accounts: list[Any], problems: tuple[str, ...]) -> None:
    with pytest.raises(DeployedError) as refused:
        parse_deployed({"accounts": accounts})
    assert refused.value.problems == problems


def test_names_from_the_document_are_shown_on_one_line() -> None:
    with pytest.raises(DeployedError) as refused:
        parse_deployed({"accounts": {"evil\nname": {"generation": 0}}})
    assert str(refused.value) == "`accounts`.evil?name.generation must be a positive integer, not 0"


# What JSON Schema cannot say: a generation written 2.0 is an integer to it, a float to Python.
def test_what_the_schema_cannot_express_the_reader_still_refuses() -> None:
    document = json.loads(json.dumps(outputs(entry())).replace('"generation": 4', '"generation": 4.0'))
    assert schema_verdicts(document) == VALID
    with pytest.raises(DeployedError, match=r"generation must be a positive integer, not 4\.0"):
        parse_deployed(document)
