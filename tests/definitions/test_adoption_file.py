"""import/<stack>.adoption.yaml is read through the workspace as strictly as the definitions:
every problem located, no private key material and no plain-text secret accepted, nothing quoted."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.core.clock import parse_instant
from svcaccounts.workspace import StackError, open_stack_at, open_working_tree
from tests.support.repository import FIXTURES, repository

ADOPTION = "import/prod.adoption.yaml"


@pytest.fixture
def adopted(tmp_path: Path) -> Path:
    """The import fixture repository with two imported accounts and their adoption file."""
    return repository(tmp_path / "repo", FIXTURES / "import-repo", FIXTURES / "adopted-repo")


def edit(root: Path, path: str, old: str, new: str) -> None:
    text = (root / path).read_text()
    assert old in text
    (root / path).write_text(text.replace(old, new))


def messages(root: Path) -> list[str]:
    return [str(finding) for finding in open_working_tree(root).findings()]


def test_a_valid_adoption_file_opens_with_the_stack(adopted: Path) -> None:
    stack = open_stack_at(adopted, "prod")
    billing = stack.adoption.accounts["billing-sync"]
    assert [key.kid for key in billing.legacy_keys] == ["billing-2024"]
    assert billing.until == parse_instant("2025-08-30T00:00:00Z")
    assert stack.adoption.accounts["reporting-export"].keeps_secret
    assert stack.adoption.secrets_provided == frozenset()


def test_private_key_material_is_refused_without_being_quoted(adopted: Path) -> None:
    edit(adopted, ADOPTION, 'e: "AQAB",', 'e: "AQAB", d: "PRIVATE-EXPONENT-VALUE",')
    found = messages(adopted)
    assert found == [
        f"{ADOPTION}:7:382: error: 'd' belongs to a private key: this file holds public keys only; "
        "remove the key, and treat the private key as leaked (rotate it)"
    ]
    assert "PRIVATE-EXPONENT-VALUE" not in "".join(found)


def test_an_account_the_environment_does_not_have_is_located_at_its_name(adopted: Path) -> None:
    edit(adopted, ADOPTION, "  reporting-export:", "  reporting-exprot:")
    assert messages(adopted) == [
        f"{ADOPTION}:8:3: error: no account 'reporting-exprot' in environment prod: remove its adoption, or define it"
    ]


def test_an_unreadable_window_end_and_a_missing_kid_are_all_reported(adopted: Path) -> None:
    edit(adopted, ADOPTION, '"2025-09-24T00:00:00Z"', '"next autumn"')
    edit(adopted, ADOPTION, ' kid: "billing-2024",', "")
    found = messages(adopted)
    assert len(found) == 2
    assert found[0].startswith(f"{ADOPTION}:7:9: error: kid is required")
    assert (
        found[1]
        == f"{ADOPTION}:9:12: error: until 'next autumn' is not an ISO 8601 time (example: 2025-03-01T00:00:00Z)"
    )


def test_a_plain_text_adopted_secret_in_the_stack_file_is_an_error_naming_only_the_key(adopted: Path) -> None:
    with (adopted / "Pulumi.prod.yaml").open("a") as stack_file:
        stack_file.write("  svcaccounts-adopted-secret:reporting-export: hunter2-plain\n")
    found = messages(adopted)
    assert found == [
        "Pulumi.prod.yaml:10:48: error: svcaccounts-adopted-secret:reporting-export is in plain text: remove it and "
        "rotate that client secret in Okta, then set it with "
        "`pulumi config set --secret svcaccounts-adopted-secret:reporting-export`"
    ]


def test_an_encrypted_adopted_secret_is_provided(adopted: Path) -> None:
    with (adopted / "Pulumi.prod.yaml").open("a") as stack_file:
        stack_file.write("  svcaccounts-adopted-secret:reporting-export:\n    secure: v1:AAAA\n")
    assert open_stack_at(adopted, "prod").adoption.secrets_provided == frozenset({"reporting-export"})


def test_an_invalid_adoption_file_stops_plan_and_the_program(
    adopted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(adopted, ADOPTION, "keep_secret: true", "keep_secret: yes please")
    with pytest.raises(StackError, match="invalid adoption state for stack prod"):
        open_stack_at(adopted, "prod")
    assert main(["validate", "--root", str(adopted)]) == 1
    assert f"{ADOPTION}:10:18: error: keep_secret must be true or false" in capsys.readouterr().out


def test_an_adoption_file_of_no_stack_is_reported(adopted: Path) -> None:
    (adopted / "import" / "qa.adoption.yaml").write_text("accounts: {}\n")
    assert messages(adopted) == [
        "import/qa.adoption.yaml:1:1: error: no stack 'qa' (Pulumi.qa.yaml) for this adoption file; known stacks: prod"
    ]


def test_an_adoption_file_of_a_stack_on_another_provider_is_an_error(adopted: Path) -> None:
    # The program keeps legacy keys and secrets on Okta only: on an Entra stack the file would be
    # a promise the deploy ignores, so it is refused where a reviewer reads it.
    (adopted / "Pulumi.prod.yaml").write_text(
        "config:\n  svcaccounts:environment: prod\n  svcaccounts:identityProvider: entra-id\n"
        "  svcaccounts:entraId:\n    tenantId: 00000000-0000-0000-0000-000000000001\n"
        "    identifierUri: api://00000000-0000-0000-0000-000000000001/svc\n"
        "  svcaccounts:keyVault:\n    name: kv-identity-prod\n    resourceGroup: rg-identity-prod\n",
        encoding="utf-8",
    )
    found = messages(adopted)
    assert (
        f"{ADOPTION}:1:1: error: stack prod deploys to entra-id: adoption (legacy keys, a kept secret) "
        "applies to Okta stacks only; remove this file"
    ) in found
    with pytest.raises(StackError):
        open_stack_at(adopted, "prod")
