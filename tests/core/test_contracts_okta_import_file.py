"""Reading a stack's Okta import file (Pulumi's import-file format) for what the stack adopts."""

from __future__ import annotations

import json

import pytest

from svcaccounts.core.contracts.okta_import_file import ImportFileError, import_file_path, read_import_file

SOUND = {
    "nameTable": {
        "orders-reader": "urn:pulumi:prod::svcaccounts::svcaccounts:index:ServiceAccount::orders-reader"
    },
    "resources": [
        {
            "type": "okta:app/oAuth:OAuth",
            "name": "orders-reader-app",
            "id": "0oa1",
            "parent": "orders-reader",
        },
        {"type": "okta:auth/serverPolicy:ServerPolicy", "name": "orders-reader-policy", "id": "aus1/pol1"},
        {
            "type": "okta:auth/serverPolicyRule:ServerPolicyRule",
            "name": "orders-reader-rule",
            "id": "aus1/pol1/rul1",
        },
        {"type": "okta:auth/serverScope:ServerScope", "name": "scope-orders:read", "id": "aus1/scp1"},
        {"type": "azure-native:keyvault:Secret", "name": "orders-reader-bundle", "id": "/subscriptions/x"},
    ],
}


def test_reads_the_okta_resources_by_logical_name() -> None:
    found = read_import_file(json.dumps(SOUND).encode())
    assert dict(found.apps) == {"orders-reader-app": "0oa1"}
    assert dict(found.policies) == {"orders-reader-policy": "pol1"}
    assert dict(found.rules) == {"orders-reader-rule": "rul1"}
    assert dict(found.scopes) == {"scope-orders:read": "scp1"}
    assert found.server_ids == {"aus1"}
    assert found.resource_count == 4
    assert import_file_path("prod") == "import/prod.json"


def test_every_problem_is_reported_at_once_without_quoting_the_ids() -> None:
    document = {
        "resources": [
            {"type": "okta:auth/serverPolicy:ServerPolicy", "name": "p", "id": "pol1"},
            {"type": "okta:app/oAuth:OAuth", "name": "a", "id": "0oa1/../../x"},
            {"type": "okta:app/oAuth:OAuth", "id": "0oa2"},
            "nonsense",
        ]
    }
    with pytest.raises(ImportFileError) as raised:
        read_import_file(json.dumps(document).encode())
    assert raised.value.problems == (
        "resources[0].id: expected <authorization server id>/<policy id> for okta:auth/serverPolicy:ServerPolicy",
        "resources[1].id: expected <app id> for okta:app/oAuth:OAuth",
        "resources[2].name: expected the resource's logical name",
        "resources[3]: expected an object, not a string",
    )
    assert "../" not in str(raised.value)


def test_the_same_name_imported_twice_is_refused() -> None:
    item = {"type": "okta:app/oAuth:OAuth", "name": "a", "id": "0oa1"}
    with pytest.raises(ImportFileError, match="imported twice"):
        read_import_file(json.dumps({"resources": [item, item]}).encode())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{", "not JSON (line 1, column 2"),
        (b"[]", "expected a JSON object with `resources`, not an array"),
        (b'{"resources": {}}', "`resources` must be a list, not an object"),
        (b"\xff", "not valid JSON"),
    ],
)
def test_a_file_that_is_not_an_import_file(text: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace("[", r"\[")):
        read_import_file(text)
