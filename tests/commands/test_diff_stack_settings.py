"""Stack files are under review: `svcaccounts diff` and `plan --base` report what a change to a
stack's settings does, in a production stack as high findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.cli import main
from tests.support.git import GitRepo
from tests.support.repository import BASELINE

Row = tuple[str, str, str | None, str | None]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repository = GitRepo(tmp_path / "repo")
    repository.overlay(BASELINE)
    for index in range(2, 5):  # three more accounts in prod, so that a stack can lose most of them
        text = (BASELINE / "service_accounts" / "platform" / "svc-reader.yaml").read_text()
        repository.write(f"service_accounts/platform/svc-reader-{index}.yaml", text.replace("svc-reader", f"svc-reader-{index}"))
    repository.commit("baseline")
    return repository


def edit_stack(repo: GitRepo, stack: str, old: str, new: str) -> None:
    path = repo.root / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def diff(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Row], list[str]]:
    code = main(["diff", "--root", str(repo.root), "--base", "main", "--format", "json", *args])
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    rows = [(f["rule"], f["severity"], f["environment"], f["account"]) for f in document["findings"]]
    return code, rows, [f["message"] for f in document["findings"]]


@pytest.mark.parametrize(
    ("old", "new", "rule", "message"),
    [
        ("okta:orgName: example-prod", "okta:orgName: attacker-prod", "stack-org-changed",
         "stack `prod`: Okta org `https://example-prod.okta.com` → `https://attacker-prod.okta.com`"),
        ("id: aus1prod", "id: aus1other", "stack-auth-server-changed",
         "stack `prod`: authorization server `aus1prod` → `aus1other`"),
        ("name: kv-identity-prod", "name: kv-attacker", "stack-secret-store-changed",
         "stack `prod`: secret store Key Vault `kv-identity-prod` (resource group `rg-identity-prod`) → "
         "Key Vault `kv-attacker` (resource group `rg-identity-prod`)"),
    ],
    ids=["org", "auth-server", "vault"],
)
def test_pointing_prod_elsewhere_is_a_high_finding(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], old: str, new: str, rule: str, message: str
) -> None:
    edit_stack(repo, "prod", old, new)
    code, rows, messages = diff(repo, capsys, "--fail-on", "high")
    assert code == 1
    assert rows == [(rule, "high", "prod", None)]
    assert messages == [message]


def test_the_same_change_in_dev_is_medium(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    edit_stack(repo, "dev", "okta:orgName: example-dev", "okta:orgName: other-dev")
    code, rows, _ = diff(repo, capsys, "--fail-on", "high")
    assert (code, rows) == (0, [("stack-org-changed", "medium", "dev", None)])


def test_a_changed_environment_is_high_and_its_accounts_move(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # A second prod stack (another region) keeps prod declared, so the definitions stay valid.
    repo.write("Pulumi.prod-eu.yaml", (repo.root / "Pulumi.prod.yaml").read_text().replace("example-prod", "example-eu"))
    repo.commit("a second prod stack")
    edit_stack(repo, "prod", "svcaccounts:environment: prod", "svcaccounts:environment: staging")
    _, rows, messages = diff(repo, capsys)
    assert rows[:3] == [
        # prod was production by default; staging is not.
        ("stack-production-changed", "high", "staging", None),
        ("stack-environment-changed", "high", "staging", None),
        ("stack-accounts-mostly-removed", "high", "staging", None),
    ]
    assert messages[2] == "stack `prod`: manages 0 accounts instead of 4: pulumi up deletes 4 apps and their credentials"


def test_turning_the_production_flag_off_is_high(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    edit_stack(repo, "prod", "okta:orgName: example-prod", "okta:orgName: example-prod\n  svcaccounts:production: false")
    _, rows, messages = diff(repo, capsys)
    assert rows == [("stack-production-changed", "high", "prod", None)]
    assert messages == ["stack `prod`: no longer a production stack: its review and guardrails loosen"]


def test_a_new_stack_file_is_a_finding(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("Pulumi.prod-eu.yaml", (repo.root / "Pulumi.prod.yaml").read_text().replace("example-prod", "example-eu"))
    _, rows, messages = diff(repo, capsys)
    assert rows == [("stack-added", "high", "prod", None)]
    assert messages[0].startswith("stack `prod-eu`: added: production stack for environment `prod` on ")


def test_a_removed_stack_file_is_a_finding(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.remove("Pulumi.staging.yaml")
    _, rows, _ = diff(repo, capsys)
    assert rows == [("stack-removed", "medium", "staging", None)]


def test_removing_most_accounts_of_a_stack_is_high_on_its_own(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in range(2, 5):
        repo.remove(f"service_accounts/platform/svc-reader-{index}.yaml")
    _, rows, _ = diff(repo, capsys)
    assert ("stack-accounts-mostly-removed", "high", "prod", None) in rows
    assert ("stack-accounts-mostly-removed", "high", "dev", None) in rows


def test_removing_one_account_is_not_a_mass_removal(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.remove("service_accounts/platform/svc-reader-4.yaml")
    _, rows, _ = diff(repo, capsys)
    assert not any(rule == "stack-accounts-mostly-removed" for rule, *_ in rows)


def test_a_dev_stack_marked_production_gets_production_review(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_stack(repo, "dev", "okta:orgName: example-dev", "okta:orgName: example-dev\n  svcaccounts:production: true")
    repo.commit("dev is production")
    text = (repo.root / "service_accounts" / "platform" / "svc-reader.yaml").read_text()
    repo.write("service_accounts/platform/svc-reader.yaml", text.replace("scopes: [api:read]", "scopes: [api:read, api:write]"))
    _, rows, _ = diff(repo, capsys)
    # A grant in a production stack is never below medium, whatever the environment is called.
    assert ("scope-granted", "medium", "dev", "svc-reader") in rows


def test_plan_base_plans_the_base_with_its_own_settings(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    edit_stack(repo, "prod", "okta:orgName: example-prod", "okta:orgName: attacker-prod")
    code = main(["plan", "--root", str(repo.root), "--stack", "prod", "--base", "main", "--at", "2026-06-01"])
    out = capsys.readouterr().out
    assert code == 0
    assert "  prod: stack: Okta org `https://example-prod.okta.com` → `https://attacker-prod.okta.com`" in out


def test_a_head_with_invalid_stack_settings_is_refused_not_compared(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_stack(repo, "prod", "okta:orgName: example-prod", "okta:orgName: not a name")
    code = main(["diff", "--root", str(repo.root), "--base", "main", "--fail-on", "high"])
    err = capsys.readouterr().err
    assert code == 1
    assert "the head (working tree) has 1 error in its definitions or stack files" in err
    assert "Pulumi.prod.yaml:" in err
