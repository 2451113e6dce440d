"""Hostile files cost linear time and give a readable report: fifty findings per file are listed,
the rest counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.definitions.schema import _unique_items
from svcaccounts.definitions.yaml_reader import MAX_FINDINGS_PER_FILE

HEAD = "name: bad\ndescription: x\nowner: {team: a, email: a@example.com}\n"
TAIL = "rotation: {period_days: 30}\nenvironments: {dev: {}}\n"


def validate(repo: Path, text: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    (repo / "service_accounts" / "bad.yaml").write_text(text)
    assert main(["validate", "--root", str(repo)]) == 1
    return capsys.readouterr().out.splitlines()


def test_unknown_keys_past_the_cap_are_counted_not_listed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = "".join(f"k{i}: 1\n" for i in range(2000))
    lines = validate(repo, HEAD + "scopes: [mcp:docs:read]\n" + TAIL + keys, capsys)
    listed = [line for line in lines if "unknown field" in line]
    assert len(listed) == MAX_FINDINGS_PER_FILE
    assert lines[-2] == (
        "service_accounts/bad.yaml:2007:1: error: 1950 more problems in this file are not listed "
        "(the first 50 are); fix those and run again"
    )
    assert lines[-1] == "51 errors in 1 file (1 checked)"


def test_wrongly_typed_list_items_past_the_cap_are_counted(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = "".join(f"  - {{n: {i}}}\n" for i in range(3000))
    lines = validate(repo, HEAD + "scopes:\n" + items + TAIL, capsys)
    assert sum("must be text" in line for line in lines) == MAX_FINDINGS_PER_FILE
    assert "2950 more problems in this file are not listed" in lines[-2]


def test_reader_and_schema_problems_share_one_cap(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Integers are the reader's complaint (YAML reads them as numbers); mappings the schema's.
    items = "".join(f"  - {i}\n  - {{n: {i}}}\n" for i in range(100))
    lines = validate(repo, HEAD + "scopes:\n" + items + TAIL, capsys)
    assert len([line for line in lines if "scopes[" in line]) == MAX_FINDINGS_PER_FILE
    assert "150 more problems in this file are not listed" in lines[-2]


def test_a_file_under_the_cap_lists_everything(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = "".join(f"k{i}: 1\n" for i in range(MAX_FINDINGS_PER_FILE))
    lines = validate(repo, HEAD + "scopes: [mcp:docs:read]\n" + TAIL + keys, capsys)
    assert not any("more problems" in line for line in lines)
    assert lines[-1] == "50 errors in 1 file (1 checked)"


def test_one_run_reports_the_reader_the_schema_and_the_cross_file_checks(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Five mistakes of three stages in one file, and a name another file also uses: before, the
    # reading error hid the schema's, and the schema's hid the scope, grace and name checks.
    (repo / "service_accounts" / "twin.yaml").write_text(
        HEAD.replace("name: bad", "name: dup") + "scopes: [mcp:docs:read]\n" + TAIL
    )
    lines = validate(
        repo,
        "name: dup\n"
        "description: x\n"
        "owner: {team: a, email: a@example.com}\n"
        "scopes: [mcp:docs:raed]\n"  # cross-file: not in the catalog
        "token_lifetime_minutes: 0x3c\n"  # reader: YAML 1.1 notation
        "status: retired\n"  # schema: not an allowed value
        "rotation: {period_days: 30, grace_days: 30}\n"  # semantic: grace not below the period
        "environments: {dev: {}, qa: {}}\n",  # semantic: unknown environment
        capsys,
    )
    messages = {line.split(": error: ", 1)[1] for line in lines if line.startswith("service_accounts/bad.yaml")}
    notation = next(message for message in messages if message.startswith("YAML 1.1 reads this"))
    assert messages == {
        "name 'dup' must equal the file name 'bad'",
        "account 'dup' is also defined in service_accounts/twin.yaml",
        "unknown scope 'mcp:docs:raed'; did you mean 'mcp:docs:read', 'mcp:projects:read', 'mcp:projects:write'?",
        notation,
        "status must be one of: active, disabled",
        "rotation.grace_days (30) must be less than rotation.period_days (30)",
        "unknown environment 'qa' (stacks declare: dev, prod, staging)",
    }


def test_repeated_mappings_in_a_list_are_found_in_linear_time(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The reference uniqueItems compared every pair of mappings (25 s for 3,000); ours keys them.
    items = "".join(f"  - {{n: {i}}}\n" for i in range(3000)) + "  - {n: 7}\n"
    lines = validate(repo, HEAD + "scopes:\n" + items + TAIL, capsys)
    assert "more problems in this file are not listed" in lines[-2]

    class Validator:
        @staticmethod
        def is_type(value: object, kind: str) -> bool:
            return isinstance(value, list)

    assert list(_unique_items(Validator(), True, [{"n": 1}, {"n": 2}], {})) == []
    assert len(list(_unique_items(Validator(), True, [{"n": 1}, {"n": 1.0}], {}))) == 1
    assert list(_unique_items(Validator(), True, [1, True], {})) == []
