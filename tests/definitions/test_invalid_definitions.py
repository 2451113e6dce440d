"""Every bad definition gives its located error and exit 1: one fixture file per case."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.definitions import load_repository
from tests.support.repository import DEFINITION_FIXTURES

INVALID = DEFINITION_FIXTURES / "invalid"

# fixture file -> every finding it must produce, as (line, col, message).
CASES: dict[str, list[tuple[int, int, str]]] = {
    "syntax-error.yaml": [(3, 6, "invalid YAML: did not find expected ',' or ']'")],
    "empty.yaml": [(1, 1, "file is empty")],
    "only-comment.yaml": [(1, 1, "file holds no YAML document")],
    "top-level-list.yaml": [(1, 1, "the top level must be a mapping of fields")],
    "not-utf8.yaml": [(2, 17, "file is not UTF-8 text")],
    "nul-byte.yaml": [(2, 15, "invalid YAML: character U+0000: control characters are not allowed")],
    "two-documents.yaml": [
        (11, 1, "invalid YAML: expected a single document in the stream, but found another document")
    ],
    "duplicate-key.yaml": [(6, 3, "duplicate key 'team' (first defined on line 4)")],
    "anchor-alias.yaml": [
        (3, 8, "anchor &owner is not allowed: write the content out"),
        (12, 13, "alias *scopes_alias_missing is not allowed: write the content out"),
    ],
    "merge-key.yaml": [(8, 3, "merge keys (<<) are not allowed: write the fields out")],
    "yaml11-boolean.yaml": [
        (2, 14, "YAML 1.1 reads 'no' as false: write false for a boolean, or quote it (\"no\") for text")
    ],
    "number-for-text.yaml": [
        (2, 14, "description must be text, but YAML reads '1.0' as a number; quote it: \"1.0\"")
    ],
    "date-for-text.yaml": [(2, 14, "YAML reads this as a date or time; quote it if you mean text")],
    "bool-key.yaml": [(11, 3, "key 'on' is read by YAML as a boolean; quote it if it is a name")],
    "quoted-number.yaml": [(7, 25, "token_lifetime_minutes must be an integer, got quoted text")],
    "python-tag.yaml": [(6, 9, "tag tag:yaml.org,2002:python/object:os.system is not allowed")],
    "unknown-field-typo.yaml": [
        (1, 1, "missing required field 'scopes'"),
        (6, 1, "unknown field 'scope'; did you mean 'scopes'?"),
    ],
    "pasted-secret.yaml": [
        (
            7,
            1,
            "unknown field 'client_secret' (allowed here: auth_method, description, environments, name,"
            " owner, rotation, scopes, status, token_lifetime_minutes)",
        )
    ],
    "missing-rotation.yaml": [(1, 1, "missing required field 'rotation'")],
    "scopes-not-a-list.yaml": [(6, 9, "scopes must be a list, got text")],
    "repeated-scope.yaml": [(6, 44, "scopes lists 'mcp:projects:read' more than once")],
    "bad-auth-method.yaml": [(7, 14, "auth_method must be one of: private_key_jwt, client_secret_basic")],
    "lifetime-out-of-range.yaml": [(7, 25, "token_lifetime_minutes must be between 5 and 1440, got 2000")],
    "unknown-scope.yaml": [
        (
            6,
            10,
            "unknown scope 'mcp:project:read'; did you mean 'mcp:projects:read', 'mcp:projects:write',"
            " 'mcp:docs:read'?",
        )
    ],
    "unknown-environment.yaml": [(11, 3, "unknown environment 'qa' (stacks declare: dev, prod, staging)")],
    "name-mismatch.yaml": [(1, 7, "name 'other-name' must equal the file name 'name-mismatch'")],
    "grace-not-below-period.yaml": [
        (9, 15, "rotation.grace_days (7) must be less than rotation.period_days (7)")
    ],
    "grace-in-override.yaml": [
        (14, 20, "rotation.grace_days (7) must be less than rotation.period_days (5) in prod")
    ],
    "empty-scopes-override.yaml": [(12, 13, "environments.prod.scopes must not be empty")],
    "wrong-suffix.yml": [(1, 1, "definition files must end in .yaml")],
    "sexagesimal-number.yaml": [
        (
            7,
            25,
            "YAML 1.1 reads this as a number in another notation (hexadecimal, octal, sexagesimal such as 6:0, a sign or '_'): write numbers as plain decimals such as 60, or quote the value for text",
        )
    ],
    "hex-number.yaml": [
        (
            7,
            25,
            "YAML 1.1 reads this as a number in another notation (hexadecimal, octal, sexagesimal such as 6:0, a sign or '_'): write numbers as plain decimals such as 60, or quote the value for text",
        )
    ],
    "fraction-number.yaml": [
        (7, 25, "token_lifetime_minutes must be a whole number, written without a decimal point")
    ],
    "bidi-description.yaml": [(2, 14, "description contains the invisible or control character U+202E")],
}


def test_every_fixture_has_a_case() -> None:
    assert sorted(path.name for path in INVALID.iterdir()) == sorted(CASES)


@pytest.mark.parametrize(("fixture", "expected"), CASES.items(), ids=list(CASES))
def test_invalid_definition_is_reported_where_it_is(
    repo: Path, fixture: str, expected: list[tuple[int, int, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    team = repo / "service_accounts" / "some-team"
    team.mkdir()
    shutil.copy(INVALID / fixture, team / fixture)

    exit_code = main(["validate", "--root", str(repo)])

    output = capsys.readouterr().out.splitlines()
    path = f"service_accounts/some-team/{fixture}"
    assert output[:-1] == [f"{path}:{line}:{col}: error: {message}" for line, col, message in expected]
    assert exit_code == 1


def test_pasted_secret_value_never_reaches_the_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(INVALID / "pasted-secret.yaml", repo / "service_accounts" / "pasted-secret.yaml")
    for output_format in ("text", "github", "json"):
        main(["validate", "--root", str(repo), "--format", output_format])
        captured = capsys.readouterr()
        assert "Zq8vN3xLr5TpW2yKm9Hd" not in captured.out + captured.err


def test_all_problems_in_all_files_are_reported_in_one_run(repo: Path) -> None:
    for fixture in CASES:
        team = repo / "service_accounts" / fixture.replace(".", "-")
        team.mkdir()
        shutil.copy(INVALID / fixture, team / fixture)

    findings = load_repository(repo).findings

    assert len(findings) == sum(len(expected) for expected in CASES.values())
    assert [(f.path, f.line, f.col) for f in findings] == sorted((f.path, f.line, f.col) for f in findings)


def test_file_over_the_size_cap_is_refused_without_parsing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = repo / "service_accounts" / "huge.yaml"
    huge.write_bytes(b"name: huge\ndescription: " + b"x" * (1024 * 1024) + b"\n")

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "service_accounts/huge.yaml:1:1: error: file is 1,048,577 bytes; definitions are limited to 1,048,576"
    )


def test_alias_bomb_is_refused_before_expansion(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "Billion laughs": nine levels of ten aliases each would expand to 10^9 items.
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (repo / "service_accounts" / "bomb.yaml").write_text("\n".join(levels) + "\n")

    assert main(["validate", "--root", str(repo)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0] == "service_accounts/bomb.yaml:1:5: error: anchor &a0 is not allowed: write the content out"
    )
    # Ten anchors and ninety aliases: the first fifty are listed, the rest counted, and the summary.
    assert len(lines) == 50 + 1 + 1
    assert lines[50] == (
        "service_accounts/bomb.yaml:7:1: error: 50 more problems in this file are not listed "
        "(the first 50 are); fix those and run again"
    )


def test_deep_nesting_is_a_finding_not_a_crash(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "service_accounts" / "deep.yaml").write_text("name: " + "[" * 200 + "]" * 200 + "\n")

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.startswith("service_accounts/deep.yaml:1:")


def test_same_name_in_two_folders_names_both_files(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    valid = (DEFINITION_FIXTURES / "valid" / "service_accounts" / "platform" / "orders-sync.yaml").read_text()
    for team in ("team-a", "team-b"):
        (repo / "service_accounts" / team).mkdir()
        (repo / "service_accounts" / team / "orders-sync.yaml").write_text(valid)

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[:2] == [
        "service_accounts/team-a/orders-sync.yaml:2:7: error: account 'orders-sync' is also defined in "
        "service_accounts/team-b/orders-sync.yaml",
        "service_accounts/team-b/orders-sync.yaml:2:7: error: account 'orders-sync' is also defined in "
        "service_accounts/team-a/orders-sync.yaml",
    ]


def test_catalog_that_breaks_its_own_rules(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(DEFINITION_FIXTURES / "catalogs" / "broken-rules.yaml", repo / "scopes.yaml")

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[:-1] == [
        "scopes.yaml:4:11: error: scope names must not start with 'okta.' (reserved by Okta)",
        "scopes.yaml:6:11: error: scope name '*' is not allowed: Okta reads it as every scope",
        "scopes.yaml:8:11: error: scope names must not contain whitespace",
        "scopes.yaml:10:11: error: scope 'mcp:projects:read' is defined twice (first on line 2)",
    ]


def test_catalog_booleans_must_be_written_as_booleans(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(DEFINITION_FIXTURES / "catalogs" / "yaml11-privileged.yaml", repo / "scopes.yaml")

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[:-1] == [
        "scopes.yaml:4:17: error: YAML 1.1 reads 'yes' as true: write true for a boolean, "
        'or quote it ("yes") for text',
        "scopes.yaml:7:17: error: scopes[1].privileged must be true or false, got quoted text",
    ]


def test_missing_catalog_is_reported(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "scopes.yaml").unlink()

    assert main(["validate", "--root", str(repo)]) == 1
    assert (
        capsys.readouterr().out.splitlines()[0]
        == "scopes.yaml:1:1: error: scope catalog scopes.yaml is missing"
    )


def test_stack_with_a_bad_environment_name(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "Pulumi.qa.yaml").write_text("config:\n  svcaccounts:environment: QA env\n")

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "Pulumi.qa.yaml:2:28: error: svcaccounts:environment must be a lowercase name of letters, digits"
        " and '-' (at most 31 characters)"
    )


def test_stack_settings_are_validated_with_their_position(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = repo / "Pulumi.prod.yaml"
    stack.write_text(stack.read_text().replace("name: kv-example-prod", "name: kv--bad--name"))

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "Pulumi.prod.yaml:6:11: error: svcaccounts:keyVault.name must be a Key Vault name (3-24 letters,"
        " digits and '-', starting with a letter), not 'kv--bad--name'",
        "1 error in 1 file (0 checked)",
    ]


def test_scope_names_are_plain_ascii_a_reviewer_can_read(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "scopes.yaml").write_text(
        "scopes:\n"
        "  - name: mcp:projects:read\n    description: Read projects\n"
        '  - name: "mcp:projects:read\\u200b"\n    description: A zero-width look-alike\n'
        '  - name: "mcp:evil|`<img>"\n    description: Breaks the markdown report\n'
    )

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[:-1] == [
        "scopes.yaml:4:11: error: scope names are letters, digits and . _ : / - (starting with a letter or digit)",
        "scopes.yaml:4:11: error: scopes[1].name contains the invisible or control character U+200B",
        "scopes.yaml:6:11: error: scope names are letters, digits and . _ : / - (starting with a letter or digit)",
    ]


def test_symbolic_links_are_refused_not_followed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("db_password: hunter2-outside-value\n")
    team = repo / "service_accounts" / "team"
    team.mkdir()
    (team / "innocent.yaml").symlink_to(outside)
    (team / "zero.yaml").symlink_to("/dev/zero")
    (repo / "service_accounts" / "linked-folder").symlink_to(tmp_path)

    assert main(["validate", "--root", str(repo)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "service_accounts/linked-folder:1:1: error: symbolic links are not followed; put the definition itself here",
        "service_accounts/team/innocent.yaml:1:1: error: symbolic links are not followed; put the definition itself here",
        "service_accounts/team/zero.yaml:1:1: error: symbolic links are not followed; put the definition itself here",
        "3 errors in 3 files (0 checked)",
    ]
    assert "db_password" not in out and "hunter2" not in out


def test_a_linked_definitions_folder_is_refused(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "service_accounts").rmdir()
    (repo / "service_accounts").symlink_to(tmp_path)

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "service_accounts:1:1: error: service_accounts is a symbolic link; definitions must live in the repository"
    )


def test_a_fifo_named_like_a_definition_is_refused_without_blocking(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(repo / "service_accounts" / "pipe.yaml")

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "service_accounts/pipe.yaml:1:1: error: not a regular file"


def test_a_stack_name_that_is_no_environment_name_asks_for_the_setting(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "Pulumi.QA.yaml").write_text("config:\n  okta:orgName: qa-1\n")

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "Pulumi.QA.yaml:1:1: error: stack name 'QA' is not an environment name (lowercase letters, digits and"
        " '-'); set svcaccounts:environment in the stack file"
    )


def test_force_has_an_upper_bound(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    valid = (DEFINITION_FIXTURES / "valid" / "service_accounts" / "platform" / "orders-sync.yaml").read_text()
    (repo / "service_accounts" / "orders-sync.yaml").write_text(valid.replace("force: 1", "force: 99999999999"))

    assert main(["validate", "--root", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "service_accounts/orders-sync.yaml:13:10: error: rotation.force must be between 0 and 1000, got 99999999999"
    )


@pytest.mark.parametrize("folder", ["/etc", "../elsewhere", "sneaky"])
def test_there_is_no_option_to_validate_another_definitions_folder(
    repo: Path, folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # One definitions folder per repository: validate cannot be pointed at a copy that says ok.
    assert main(["validate", "--root", str(repo), "--definitions-dir", folder]) == 2
    assert "unrecognized arguments: --definitions-dir" in capsys.readouterr().err
