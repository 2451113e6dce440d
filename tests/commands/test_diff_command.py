"""`svcaccounts diff` over real git repositories: each rule end to end, and the awkward bases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.cli import main
from tests.support.git import GitRepo
from tests.support.repository import BASELINE, CHANGES

Row = tuple[str, str, str | None, str | None]


def diff(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", "--root", str(repo.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def diff_json(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = diff(repo, capsys, "--format", "json", *args)
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


def rows(document: dict[str, Any]) -> list[Row]:
    return [(f["rule"], f["severity"], f["environment"], f["account"]) for f in document["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """The baseline committed on main: svc-reader in dev and prod, three scopes, three stacks."""
    repository = GitRepo(tmp_path / "repo")
    repository.overlay(BASELINE)
    repository.commit("baseline")
    return repository


# (base overlay or None for the baseline, head overlay or None for the baseline, findings)
RULE_CASES: dict[str, tuple[str | None, str | None, list[Row]]] = {
    "account-added": (
        None,
        "account-added",
        [
            ("account-added", "low", "dev", "svc-reports"),
            ("scope-granted", "low", "dev", "svc-reports"),
        ],
    ),
    "account-disabled": (
        None,
        "account-disabled",
        [
            ("account-disabled", "low", "dev", "svc-reader"),
            ("account-disabled", "medium", "prod", "svc-reader"),
        ],
    ),
    "account-re-enabled": (
        "account-disabled",
        None,
        [
            ("account-re-enabled", "low", "dev", "svc-reader"),
            ("account-re-enabled", "medium", "prod", "svc-reader"),
        ],
    ),
    "scope-granted": (
        None,
        "scope-granted",
        [
            ("scope-granted", "low", "dev", "svc-reader"),
            ("scope-granted", "medium", "prod", "svc-reader"),
        ],
    ),
    "privileged-scope-granted": (
        None,
        "privileged-scope-granted",
        [
            ("privileged-scope-granted", "high", "dev", "svc-reader"),
            ("privileged-scope-granted", "high", "prod", "svc-reader"),
        ],
    ),
    "scope-revoked": (
        "scope-granted",
        None,
        [
            ("scope-revoked", "low", "dev", "svc-reader"),
            ("scope-revoked", "low", "prod", "svc-reader"),
        ],
    ),
    "token-lifetime-raised": (
        None,
        "token-lifetime-raised",
        [
            ("token-lifetime-raised", "low", "dev", "svc-reader"),
            ("token-lifetime-raised", "medium", "prod", "svc-reader"),
        ],
    ),
    "rotation-period-lengthened": (
        None,
        "rotation-period-lengthened",
        [
            ("rotation-schedule-restarted", "medium", "dev", "svc-reader"),
            ("rotation-period-lengthened", "low", "dev", "svc-reader"),
            ("rotation-period-lengthened", "medium", "prod", "svc-reader"),
            ("rotation-schedule-restarted", "medium", "prod", "svc-reader"),
        ],
    ),
    "rotation-grace-widened": (
        None,
        "rotation-grace-widened",
        [
            ("rotation-grace-widened", "low", "dev", "svc-reader"),
            ("rotation-grace-widened", "medium", "prod", "svc-reader"),
        ],
    ),
    "auth-method-weakened": (
        None,
        "auth-method-weakened",
        [
            ("auth-method-weakened", "high", "dev", "svc-reader"),
            ("auth-method-weakened", "high", "prod", "svc-reader"),
        ],
    ),
    "auth-method-switched": (
        "auth-method-weakened",
        None,
        [
            ("auth-method-switched", "medium", "dev", "svc-reader"),
            ("auth-method-switched", "medium", "prod", "svc-reader"),
        ],
    ),
    "owner-changed": (
        None,
        "owner-changed",
        [
            ("owner-changed", "low", "dev", "svc-reader"),
            ("owner-changed", "low", "prod", "svc-reader"),
        ],
    ),
    "rotation-forced": (
        None,
        "rotation-forced",
        [("rotation-forced", "low", "prod", "svc-reader")],
    ),
    "catalog-scope-added": (
        None,
        "catalog-scope-added",
        [("catalog-scope-added", "info", None, None)],
    ),
    "catalog-scope-removed": (
        "catalog-scope-added",
        None,
        [("catalog-scope-removed", "low", None, None)],
    ),
    "catalog-scope-privileged": (
        None,
        "catalog-scope-privileged",
        [("catalog-scope-privileged", "info", None, None)],
    ),
    "catalog-scope-unprivileged": (
        "catalog-scope-privileged",
        None,
        [("catalog-scope-unprivileged", "medium", None, None)],
    ),
}


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_rule_end_to_end(rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base_overlay, head_overlay, expected = RULE_CASES[rule]
    repo = GitRepo(tmp_path / "repo")
    repo.overlay(BASELINE)
    if base_overlay:
        repo.overlay(CHANGES / base_overlay)
    repo.commit("base")
    repo.overlay(BASELINE)
    if head_overlay:
        repo.overlay(CHANGES / head_overlay)
    assert rows(diff_json(repo, capsys, "--base", "main")) == expected


def test_account_removed_end_to_end(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.remove("service_accounts/platform/svc-reader.yaml")
    assert rows(diff_json(repo, capsys, "--base", "main")) == [
        ("account-removed", "low", "dev", "svc-reader"),
        ("account-removed", "medium", "prod", "svc-reader"),
    ]


def test_moved_file_is_no_change(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.move("service_accounts/platform/svc-reader.yaml", "service_accounts/data/svc-reader.yaml")
    repo.commit("move to the data team's folder")
    document = diff_json(repo, capsys, "--base", "main~1", "--head", "main")
    assert (document["findings"], document["notes"]) == ([], [])


def test_moved_and_changed_file_reports_only_the_change(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.overlay(CHANGES / "scope-granted")
    repo.move("service_accounts/platform/svc-reader.yaml", "service_accounts/data/svc-reader.yaml")
    assert rows(diff_json(repo, capsys, "--base", "main")) == [
        ("scope-granted", "low", "dev", "svc-reader"),
        ("scope-granted", "medium", "prod", "svc-reader"),
    ]


def test_head_revision_instead_of_the_working_tree(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.overlay(CHANGES / "token-lifetime-raised")
    repo.commit("longer tokens")
    repo.overlay(CHANGES / "auth-method-weakened")  # uncommitted: not part of --head main
    document = diff_json(repo, capsys, "--base", "main~1", "--head", "main")
    assert {f["rule"] for f in document["findings"]} == {"token-lifetime-raised"}
    assert (document["base"], document["head"]) == ("main~1", "main")


def test_empty_base_reports_everything_as_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "nothing yet\n")
    repo.commit("empty")
    repo.overlay(BASELINE)
    document = diff_json(repo, capsys, "--base", "main")
    assert document["notes"] == ["the base (main) has no definitions yet: everything is reported as new"]
    assert rows(document) == [
        # The stack files are new too: a new production stack is a high finding.
        ("stack-added", "high", "prod", None),
        ("stack-added", "medium", "dev", None),
        ("stack-added", "medium", "staging", None),
        ("catalog-scope-added", "info", None, None),
        ("catalog-scope-added", "info", None, None),
        ("catalog-scope-added", "info", None, None),
        ("account-added", "low", "dev", "svc-reader"),
        ("scope-granted", "low", "dev", "svc-reader"),
        ("account-added", "medium", "prod", "svc-reader"),
        ("scope-granted", "medium", "prod", "svc-reader"),
    ]


def test_invalid_base_account_file_is_left_out_and_the_rest_compared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.overlay(BASELINE)
    repo.overlay(CHANGES / "invalid-account")
    repo.commit("base with a broken file")
    repo.remove("service_accounts/analytics/svc-broken.yaml")
    repo.overlay(CHANGES / "scope-granted")
    document = diff_json(repo, capsys, "--base", "main")
    assert rows(document) == [
        ("scope-granted", "low", "dev", "svc-reader"),
        ("scope-granted", "medium", "prod", "svc-reader"),
    ]
    first, second = document["notes"]
    assert first.startswith("the base (main) has ")
    assert "compared what could be compared" in first
    assert "`service_accounts/analytics/svc-broken.yaml`" in first
    assert second == (
        "accounts defined in the base's invalid files (`svc-broken`) are reported as added: "
        "their base state is unknown"
    )


def test_invalid_base_scope_catalog_skips_catalog_rules_but_compares_accounts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.overlay(BASELINE)
    repo.overlay(CHANGES / "invalid-scopes")
    repo.commit("base with a broken catalog")
    repo.overlay(BASELINE)
    repo.overlay(CHANGES / "privileged-scope-granted")
    document = diff_json(repo, capsys, "--base", "main")
    assert rows(document) == [
        ("privileged-scope-granted", "high", "dev", "svc-reader"),
        ("privileged-scope-granted", "high", "prod", "svc-reader"),
    ]
    assert any("`scopes.yaml`" in note for note in document["notes"])
    assert "the base's scopes.yaml could not be read: catalog changes are not reported" in (document["notes"])


def test_invalid_head_exits_1_with_located_errors(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.overlay(CHANGES / "invalid-account")
    code, out, err = diff(repo, capsys, "--base", "main")
    assert (code, out) == (1, "")
    assert "the head (working tree) has" in err
    assert "service_accounts/analytics/svc-broken.yaml:" in err


def test_unknown_base_revision_is_a_usage_error_without_traceback(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = diff(repo, capsys, "--base", "no-such-branch")
    assert (code, out) == (2, "")
    assert err.startswith("svcaccounts diff: unknown revision 'no-such-branch' in ")
    assert "Traceback" not in err


def test_unknown_head_revision_is_a_usage_error(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = diff(repo, capsys, "--base", "main", "--head", "feature/missing")
    assert code == 2
    assert "unknown revision 'feature/missing'" in err


def test_revision_that_looks_like_an_option_is_refused(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = diff(repo, capsys, "--base=--output=/tmp/x")
    assert code == 2
    assert "invalid revision '--output=/tmp/x'" in err


def test_outside_a_git_repository_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "service_accounts").mkdir()
    code = main(["diff", "--root", str(tmp_path), "--base", "main"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "is not inside a git repository" in err


def test_a_definitions_folder_option_does_not_exist(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diff", "--root", str(repo.root), "--base", "main", "--definitions-dir", "nope", "--fail-on", "info"])
    assert code == 2
    assert "unrecognized arguments: --definitions-dir" in capsys.readouterr().err


def test_a_root_without_definitions_is_a_usage_error_not_a_pass(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    subfolder = repo.root / "docs"
    subfolder.mkdir()
    code = main(["diff", "--root", str(subfolder), "--base", "main", "--fail-on", "info"])
    assert code == 2
    assert "no service_accounts/ folder" in capsys.readouterr().err


def test_missing_base_option_is_a_usage_error(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--root", str(repo.root)]) == 2
    assert "--base" in capsys.readouterr().err


@pytest.mark.parametrize(("fail_on", "code"), [("info", 1), ("low", 1), ("medium", 1), ("high", 0)])
def test_fail_on_exits_1_only_when_a_finding_reaches_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    repo.overlay(CHANGES / "scope-granted")  # low in dev, medium in prod
    assert diff(repo, capsys, "--base", "main", "--fail-on", fail_on)[0] == code


def test_no_changes_exit_0_even_with_fail_on_info(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = diff(repo, capsys, "--base", "main", "--fail-on", "info", "--format", "text")
    assert (code, out) == (0, "access changes main → working tree\nno access changes\n")


def test_markdown_is_the_default_format(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.overlay(CHANGES / "privileged-scope-granted")
    code, out, _ = diff(repo, capsys, "--base", "main")
    assert code == 0
    assert out.startswith("### Access changes: `main` → `working tree`\n\n| Environment |")
    assert "| prod | 1 | 0 | 0 | 0 |" in out


def test_definitions_below_the_repository_top_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.overlay(BASELINE)
    (repo.root / "infra").mkdir()
    for entry in list(repo.root.iterdir()):
        if entry.name not in (".git", "infra"):
            entry.rename(repo.root / "infra" / entry.name)
    repo.commit("definitions in infra/")
    (repo.root / "infra" / "service_accounts/platform/svc-reader.yaml").write_text(
        (CHANGES / "owner-changed/service_accounts/platform/svc-reader.yaml").read_text()
    )
    code = main(["diff", "--root", str(repo.root / "infra"), "--base", "main", "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"owner-changed"}


def test_a_full_commit_id_is_shortened_in_the_report(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    commit = repo.git("rev-parse", "main")
    document = diff_json(repo, capsys, "--base", commit)
    assert document["base"] == commit[:12]


def test_a_linked_definition_in_the_head_revision_is_refused_like_in_a_checkout(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("db_password: hunter2\n")
    (repo.root / "service_accounts" / "platform" / "linked.yaml").symlink_to(outside)
    head = repo.commit("a linked definition")

    code = main(["diff", "--root", str(repo.root), "--base", head + "~1", "--head", head])

    err = capsys.readouterr().err
    assert code == 1
    assert (
        "service_accounts/platform/linked.yaml:1:1: error: symbolic links are not followed; put the file itself here"
        in err
    )
