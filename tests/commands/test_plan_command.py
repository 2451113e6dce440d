"""`svcaccounts plan --stack NAME`: the plan of a stack, its time, its errors, and the changes
against a base revision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svcaccounts.cli import main as cli_main
from svcaccounts.render.plan import render_json
from tests.support.git import GitRepo
from tests.support.samples import SAMPLE_ORGANISATION, sample_plan


def test_the_command_prints_the_plan_of_a_stack(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["plan", "--stack", "prod", "--at", "2025-06-15T12:00:00Z", "--format", "json",
                     "--root", str(SAMPLE_ORGANISATION)])
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out) == json.loads(render_json(sample_plan("prod")))


def test_the_command_takes_the_time_from_svcaccounts_now(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", "2025-06-15T12:00:00Z")
    assert cli_main(["plan", "--stack", "prod", "--format", "json", "--root", str(SAMPLE_ORGANISATION)]) == 0
    assert json.loads(capsys.readouterr().out)["at"] == "2025-06-15T12:00:00Z"


def test_an_unknown_stack_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["plan", "--stack", "qa", "--root", str(SAMPLE_ORGANISATION)]) == 2
    assert "no stack 'qa'" in capsys.readouterr().err


def test_an_unreadable_time_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["plan", "--stack", "dev", "--at", "soon", "--root", str(SAMPLE_ORGANISATION)]) == 2
    err = capsys.readouterr().err
    assert "--at 'soon' is not an ISO 8601 time" in err
    assert "Traceback" not in err


def test_bad_settings_are_located_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "Pulumi.dev.yaml").write_text(
        "config:\n  svcaccounts:environment: dev\n  svcaccounts:keyVault: {name: kv-dev}\n"
    )
    assert cli_main(["plan", "--stack", "dev", "--root", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml:3:25: error: svcaccounts:keyVault.resourceGroup is required" in err


def test_the_command_shows_a_switched_auth_method_as_a_credential_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path)
    repo.overlay(SAMPLE_ORGANISATION)
    repo.commit("base")
    definition = tmp_path / "service_accounts" / "analytics" / "mcp-reporting-service.yaml"
    definition.write_text(
        definition.read_text().replace("auth_method: client_secret_basic", "auth_method: private_key_jwt")
    )
    code = cli_main(
        ["plan", "--stack", "prod", "--at", "2025-06-15", "--base", "HEAD", "--root", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "changes against HEAD:" in out
    assert (
        "mcp-reporting-service: credential-change: auth method client_secret_basic -> private_key_jwt" in out
    )
    assert "mcp-project-service:" not in out.split("changes against HEAD:")[1]


def test_an_unknown_base_revision_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["plan", "--stack", "prod", "--base", "no-such-rev", "--root", str(SAMPLE_ORGANISATION)])
    assert code == 2
    assert "svcaccounts plan:" in capsys.readouterr().err
