"""svcaccounts.workspace: the one door to a stack, used by every command and by the program."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.definitions import loader
from svcaccounts.workspace import StackError, open_stack_at, open_working_tree
from tests.support.repository import VERIFY_REPO

# One dev stack (Key Vault kv-identity-dev) and three accounts: reporter, docs-reader, and
# retired-job (disabled in dev).
FIXTURE_REPO = VERIFY_REPO


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, root)
    return root


def redirect_definitions(repo: Path, folder: str) -> None:
    """The attack: a copy of the definitions elsewhere, with a privileged scope added, and the
    stack file pointed at it. Review reads service_accounts/; the stack would deploy the copy."""
    sneaky = repo / "sneaky"
    shutil.copytree(repo / "service_accounts", sneaky)
    reporter = sneaky / "team" / "reporter.yaml"
    reporter.write_text(reporter.read_text().replace("mcp:docs:read]", "mcp:docs:read, mcp:users:admin]"))
    stack_file = repo / "Pulumi.dev.yaml"
    stack_file.write_text(
        stack_file.read_text().replace("config:\n", f"config:\n  svcaccounts:definitionsDir: {folder}\n", 1)
    )


def test_a_stack_opens_with_its_settings_and_its_environments_accounts(repo: Path) -> None:
    stack = open_stack_at(repo, "dev")
    assert stack.settings.stack == "dev"
    assert stack.settings.environment == "dev"
    assert sorted(account.name for account in stack.view.accounts) == ["docs-reader", "reporter", "retired-job"]
    assert stack.warnings == ()


def test_the_repository_is_read_and_loaded_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_read, real_load = loader.read_repository_files, loader.load_files

    def counting_read(root: Path) -> loader.RepositoryFiles:
        calls.append("read")
        return real_read(root)

    def counting_load(files: loader.RepositoryFiles) -> loader.LoadResult:
        calls.append("load")
        return real_load(files)

    monkeypatch.setattr("svcaccounts.workspace.read_repository_files", counting_read)
    monkeypatch.setattr("svcaccounts.workspace.load_files", counting_load)
    open_stack_at(repo, "dev")
    assert calls == ["read", "load"]


def test_settings_findings_are_located_without_reading_the_stack_file_again(repo: Path) -> None:
    stack_file = repo / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("name: kv-identity-dev", "name: kv--bad"))
    with pytest.raises(StackError) as caught:
        open_stack_at(repo, "dev")
    assert caught.value.problem == "settings"
    (finding,) = caught.value.findings
    assert (finding.path, finding.line, finding.col) == ("Pulumi.dev.yaml", 11, 11)


def test_an_unknown_stack_is_a_usage_problem(repo: Path) -> None:
    with pytest.raises(StackError) as caught:
        open_stack_at(repo, "qa")
    assert caught.value.problem == "unknown"


@pytest.mark.parametrize("folder", ["sneaky", "../../x", "/etc", "service_accounts"])
def test_a_definitions_folder_setting_is_refused_by_the_one_door(repo: Path, folder: str) -> None:
    redirect_definitions(repo, folder)
    with pytest.raises(StackError) as caught:
        open_stack_at(repo, "dev")
    assert caught.value.problem == "settings"
    (finding,) = caught.value.findings
    assert finding.message.startswith("svcaccounts:definitionsDir is not a setting")
    assert (finding.path, finding.line) == ("Pulumi.dev.yaml", 2)


def test_validate_reports_the_redirect_as_an_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    redirect_definitions(repo, "sneaky")
    assert main(["validate", "--root", str(repo)]) == 1
    assert "Pulumi.dev.yaml:2:31: error: svcaccounts:definitionsDir is not a setting" in capsys.readouterr().out


@pytest.mark.parametrize(
    "command",
    [
        ["plan", "--stack", "dev"],
        ["rotation", "status", "--stack", "dev"],
        ["token", "reporter", "--stack", "dev"],
        ["env", "reporter", "--stack", "dev"],
        ["verify", "--stack", "dev"],
    ],
    ids=lambda command: command[0],
)
def test_every_stack_command_refuses_a_redirected_stack(
    repo: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Before the one door, `rotation status` read a definitionsDir outside the repository.
    redirect_definitions(repo, "../../x")
    assert main([*command, "--root", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "svcaccounts:definitionsDir is not a setting" in err
    assert "invalid settings in Pulumi.dev.yaml" in err


def test_validate_reports_every_stacks_settings_and_the_definitions_together(repo: Path) -> None:
    stack_file = repo / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("svcaccounts:keyVault:", "svcaccounts:keyvault:"))
    (repo / "service_accounts" / "team" / "reporter.yaml").write_text("name: [not, a, name]\n")
    findings = open_working_tree(repo).findings()
    paths = {finding.path for finding in findings}
    assert paths == {"Pulumi.dev.yaml", "service_accounts/team/reporter.yaml"}
    assert any("did you mean 'svcaccounts:keyVault'?" in finding.message for finding in findings)


@pytest.mark.parametrize("command", [["plan", "--stack", "dev"], ["rotation", "status", "--stack", "dev"]])
def test_findings_on_stderr_cannot_forge_lines_or_colour_the_terminal(
    repo: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = repo / "Pulumi.dev.yaml"
    key = '"svcaccounts:x\\e[31m\\nPulumi.prod.yaml:1:1: error: forged"'
    stack_file.write_text(stack_file.read_text().replace("config:\n", f"config:\n  {key}: 1\n", 1))
    assert main([*command, "--root", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert not any(line.startswith("Pulumi.prod.yaml") for line in err.splitlines())
    assert "\\x1b[31m\\nPulumi.prod.yaml:1:1: error: forged" in err
