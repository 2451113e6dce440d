"""The JSON Schemas the validator and users' editors load."""

from __future__ import annotations

import jsonschema
import pytest

from svcaccounts.definitions.schema import SCOPE_CATALOG_SCHEMA, SERVICE_ACCOUNT_SCHEMA, load_schema


@pytest.mark.parametrize("name", [SERVICE_ACCOUNT_SCHEMA, SCOPE_CATALOG_SCHEMA])
def test_shipped_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
