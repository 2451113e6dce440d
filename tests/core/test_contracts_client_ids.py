"""`clientIds` in the `accounts` output: every live client id of an account where each credential
generation is a client of its own (Amazon Cognito). Writer, reader and schema agree; documents
without it read as before, their `clientId` the account's one client."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from svcaccounts.core.contracts.accounts_output import (
    SCHEMA,
    DeployedError,
    account_entry,
    client_accounts,
    parse_deployed,
)
from tests.support import contract_schemas
from tests.support.contract_schemas import INVALID, VALID

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:svcaccounts/prod/reporter/bundle-AbC123"
TOKEN_URL = "https://example-prod.auth.eu-west-1.amazoncognito.com/oauth2/token"
NEW, OLD = "4f1a2b3c4d5e6f7a8b9c0d1e2f", "7a6b5c4d3e2f1a0b9c8d7e6f5a"


def cognito_entry(client_ids: list[str], *, status: str = "active", **changes: Any) -> dict[str, Any]:
    written: dict[str, Any] = account_entry(
        client_id=client_ids[0] if client_ids else None,
        token_url=TOKEN_URL,
        bundle_location={"awsSecretArn": ARN} if client_ids else {},
        scopes=("mcp:docs:read",),
        auth_method="client_secret_basic",
        generation=7,
        next_rotation=datetime(2027, 1, 1, tzinfo=UTC),
        status=status,
        client_ids=client_ids,
    )
    written.update(changes)
    return {key: value for key, value in written.items() if value is not None}


def document(**entries: object) -> dict[str, object]:
    return {"accounts": entries}


def test_inside_grace_both_clients_are_listed_newest_first_and_map_to_the_account() -> None:
    written = document(reporter=cognito_entry([NEW, OLD]), other=cognito_entry(["c0ffee"]))
    assert contract_schemas.verdicts(SCHEMA, written) == VALID
    deployed = parse_deployed(written, token_settings_required=True)
    assert deployed["reporter"].client_ids == (NEW, OLD)
    assert deployed["reporter"].token_settings is not None
    assert deployed["reporter"].token_settings.client_id == NEW
    assert client_accounts(deployed) == {NEW: "reporter", OLD: "reporter", "c0ffee": "other"}


def test_an_entry_without_client_ids_has_its_client_id_as_its_one_client() -> None:
    entry = cognito_entry([NEW], clientIds=None)
    assert "clientIds" not in entry
    assert parse_deployed(document(reporter=entry))["reporter"].client_ids == (NEW,)


def test_a_disabled_account_without_a_client_is_valid_with_an_empty_list() -> None:
    written = document(reporter=cognito_entry([], status="disabled"))
    assert set(written["accounts"]["reporter"]) == {  # type: ignore[index]
        "tokenUrl", "scopes", "authMethod", "generation", "nextRotation", "status", "clientIds",
    }
    assert contract_schemas.verdicts(SCHEMA, written) == VALID
    deployed = parse_deployed(written)
    assert deployed["reporter"].client_ids == ()
    assert client_accounts(deployed) == {}


@pytest.mark.parametrize(
    "entry",
    [
        # An active account always has a client and a bundle.
        {**cognito_entry([], status="disabled"), "status": "active"},
        # Without a client there is no bundle either.
        {**cognito_entry([], status="disabled"), "awsSecretArn": ARN},
        # A client listed where there is none.
        {**cognito_entry([], status="disabled"), "clientIds": [NEW]},
    ],
)
def test_the_schema_refuses_a_clientless_entry_that_is_not_a_disabled_one(entry: dict[str, Any]) -> None:
    assert contract_schemas.verdicts(SCHEMA, document(reporter=entry)) == INVALID


def test_the_writer_refuses_an_active_account_without_a_client() -> None:
    with pytest.raises(ValueError, match="only a disabled account"):
        cognito_entry([], status="active")


@pytest.mark.parametrize(
    ("client_ids", "schema"),
    [
        ([NEW, NEW], INVALID),
        ([NEW, "not a client id"], INVALID),
        # The newest must come first; JSON Schema cannot say so, the reader does.
        ([OLD, NEW], VALID),
    ],
)
def test_the_reader_refuses_client_ids_that_are_not_the_live_clients_newest_first(
    client_ids: list[str], schema: dict[str, bool]
) -> None:
    written = document(reporter=cognito_entry([NEW], clientIds=client_ids))
    assert contract_schemas.verdicts(SCHEMA, written) == schema
    with pytest.raises(DeployedError, match=r"accounts\.reporter\.clientIds"):
        parse_deployed(written)
