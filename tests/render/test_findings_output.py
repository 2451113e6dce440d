"""`svcaccounts validate` shows what a definition file holds, and what it is named, as written:
an escape sequence or a line break in a YAML key or a file name can neither colour the terminal
or the Actions log nor forge a finding line or an annotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svcaccounts.cli import main

DEFINITION = """\
name: svc-reader
description: reads things
owner:
  team: platform
  email: platform@example.com
scopes: [mcp:projects:read]
rotation:
  period_days: 30
environments:
  dev: {}
"""
# A YAML key may hold any character once quoted; this one tries to end the line and write another.
HOSTILE_KEY = '"evil\\e[31mkey\\nservice_accounts/x.yaml:1:1: error: forged": 1\n'


def validate(repo: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["validate", "--root", str(repo), "--format", fmt]) == 1
    return capsys.readouterr().out.splitlines()


def test_text_shows_an_escape_sequence_and_a_line_break_in_a_key_escaped(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "service_accounts" / "svc-reader.yaml").write_text(DEFINITION + HOSTILE_KEY)
    assert validate(repo, "text", capsys) == [
        "service_accounts/svc-reader.yaml:11:1: error: unknown field "
        "'evil\\x1b[31mkey\\nservice_accounts/x.yaml:1:1: error: forged' (allowed here: auth_method, "
        "description, environments, name, owner, rotation, scopes, status, token_lifetime_minutes)",
        "1 error in 1 file (1 checked)",
    ]


def test_github_keeps_an_annotation_on_one_line_and_shows_an_escape_sequence_escaped(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "service_accounts" / "svc-reader.yaml").write_text(DEFINITION + HOSTILE_KEY)
    annotation, summary = validate(repo, "github", capsys)
    assert annotation.startswith(
        "::error file=service_accounts/svc-reader.yaml,line=11,col=1::unknown field "
        "'evil\\x1b[31mkey%0Aservice_accounts/x.yaml:1:1: error: forged' (allowed here: "
    )
    assert summary == "1 finding (1 files checked)"


def test_a_file_name_with_an_escape_sequence_is_shown_escaped_in_every_place(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "service_accounts" / "svc\x1b[2J.yaml").write_text(DEFINITION)
    (text, _), (annotation, _) = validate(repo, "text", capsys), validate(repo, "github", capsys)
    assert text == (
        "service_accounts/svc\\x1b[2J.yaml:1:7: error: name 'svc-reader' must equal the file name "
        "'svc\\x1b[2J'"
    )
    assert annotation == (
        "::error file=service_accounts/svc\\x1b[2J.yaml,line=1,col=7::name 'svc-reader' must equal "
        "the file name 'svc\\x1b[2J'"
    )


def test_json_keeps_the_key_as_written(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "service_accounts" / "svc-reader.yaml").write_text(DEFINITION + HOSTILE_KEY)
    assert main(["validate", "--root", str(repo), "--format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["message"].startswith(
        "unknown field 'evil\x1b[31mkey\nservice_accounts/x.yaml:1:1: error: forged'"
    )
