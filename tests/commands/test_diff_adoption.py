"""The adoption file is under review: `svcaccounts diff` reports a legacy key added, a secret
newly kept and a window extended, each with a severity, like a stack-setting change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svcaccounts.cli import main
from tests.support.git import GitRepo
from tests.support.repository import FIXTURES

ADOPTION = "import/prod.adoption.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repository = GitRepo(tmp_path / "repo")
    repository.overlay(FIXTURES / "import-repo")
    repository.overlay(FIXTURES / "adopted-repo")
    repository.commit("adopted")
    return repository


def edit(repo: GitRepo, old: str, new: str) -> None:
    text = (repo.root / ADOPTION).read_text()
    assert old in text
    repo.write(ADOPTION, text.replace(old, new))


def diff(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, list[tuple[str, str, str | None, str]]]:
    code = main(["diff", "--base", "HEAD", "--format", "json", "--root", str(repo.root), *extra])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, [(f["rule"], f["severity"], f["account"], f["message"]) for f in findings]


def test_an_unchanged_adoption_file_reports_nothing(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert diff(repo, capsys) == (0, [])


def test_a_legacy_key_slipped_in_is_a_high_finding(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    text = (repo.root / ADOPTION).read_text()
    key_line = next(line for line in text.splitlines() if "kid:" in line)
    edit(
        repo,
        key_line,
        key_line + "\n" + key_line.replace("billing-2024", "laptop-key").replace('"sXch', '"tYdi'),
    )
    code, findings = diff(repo, capsys, "--fail-on", "high")
    assert code == 1
    assert findings == [
        (
            "adoption-legacy-key-added",
            "high",
            "billing-sync",
            "legacy key `laptop-key` kept in the app's JWKS until `2025-08-30T00:00:00Z`: whoever holds its "
            "private key gets tokens for this account",
        )
    ]


def test_new_key_material_under_a_known_kid_is_reported(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, 'e: "AQAB"', 'e: "AQAC"')
    _, findings = diff(repo, capsys)
    assert [(rule, severity) for rule, severity, _, _ in findings] == [("adoption-legacy-key-added", "high")]
    assert "(new key material under a known kid)" in findings[0][3]


def test_a_window_extended_is_a_strict_finding(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, '"2025-09-24T00:00:00Z"', '"2026-09-24T00:00:00Z"')
    _, findings = diff(repo, capsys)
    assert findings == [
        (
            "adoption-window-extended",
            "high",
            "reporting-export",
            "adoption window extended from `2025-09-24T00:00:00Z` to `2026-09-24T00:00:00Z`: its legacy "
            "credentials stay valid past the window reviewed before",
        )
    ]


def test_ending_a_window_sooner_tightens_access_and_is_not_reported(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, '"2025-09-24T00:00:00Z"', '"2025-07-01T00:00:00Z"')
    assert diff(repo, capsys) == (0, [])


def test_a_new_import_reports_every_key_and_kept_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "fresh")
    repo.overlay(FIXTURES / "import-repo")
    repo.commit("before the import")
    repo.overlay(FIXTURES / "adopted-repo")
    _, findings = diff(repo, capsys)
    adoption = [
        (rule, severity, account) for rule, severity, account, _ in findings if rule.startswith("adoption-")
    ]
    assert adoption == [
        ("adoption-legacy-key-added", "high", "billing-sync"),
        ("adoption-secret-kept", "high", "reporting-export"),
    ]


def test_an_import_file_entry_is_reviewed_like_an_adoption(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # import/<stack>.json decides which existing Okta resources `pulumi import` brings under the
    # stack, and preflight trusts it: naming a foreign app there would hide its policy's grants
    # from preflight. Every adopted resource, or a changed id, is a finding (high in prod).
    document = {
        "nameTable": {},
        "resources": [
            {"type": "okta:app/oAuth:OAuth", "name": "billing-sync-app", "id": "0oa00000000000000001"},
        ],
    }
    repo.write("import/prod.json", json.dumps(document))
    repo.commit("import")
    assert diff(repo, capsys) == (0, [])

    document["resources"].append(
        {"type": "okta:app/oAuth:OAuth", "name": "reporting-export-app", "id": "0oa0000000000000ADMIN"}
    )
    document["resources"][0]["id"] = "0oa00000000000000099"
    repo.write("import/prod.json", json.dumps(document))
    code, findings = diff(repo, capsys, "--fail-on", "high")
    assert code == 1
    assert [(rule, severity, message.split(":")[0]) for rule, severity, _, message in findings] == [
        ("import-file-adopts", "high", "import/prod.json adopts the existing app `0oa00000000000000099` as `billing-sync-app` (it named another id before)"),
        ("import-file-adopts", "high", "import/prod.json adopts the existing app `0oa0000000000000ADMIN` as `reporting-export-app`"),
    ]


def test_an_import_file_that_does_not_read_is_a_located_error(repo: GitRepo) -> None:
    from svcaccounts.workspace import open_working_tree

    repo.write("import/prod.json", '{"resources": [{"type": "okta:app/oAuth:OAuth", "name": "x"}]}')
    found = [str(finding) for finding in open_working_tree(repo.root).findings()]
    assert found and all(line.startswith("import/prod.json:1:1: error: ") for line in found)
