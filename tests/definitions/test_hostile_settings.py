"""Hostile stack settings and values: located errors, never a traceback, never an echoed secret."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from svcaccounts.cli import main
from svcaccounts.definitions.stack_settings import parse_settings, whole_number
from tests.support.repository import VERIFY_REPO

FIXTURE_REPO = VERIFY_REPO
BASELINE = {
    "svcaccounts:authServer": {"id": "aus1abcdefgh"},
    "svcaccounts:keyVault": {"name": "kv-identity-prod", "resourceGroup": "rg-identity-prod"},
    "okta:orgName": "prod-11111111",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, root)
    return root


def add_to_stack(repo: Path, lines: str) -> None:
    stack_file = repo / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text() + lines)


@pytest.mark.parametrize("text", ["²", "٥٠", "５０", "50 ", "+50", "0x32", "1e2", ""])
def test_only_plain_ascii_digits_make_a_whole_number(text: str) -> None:
    assert whole_number(text) is None


def test_digits_and_ints_make_whole_numbers() -> None:
    assert whole_number("50") == 50
    assert whole_number(50) == 50
    assert whole_number(True) is None


@pytest.mark.parametrize(
    "value",
    ['"²"', '"٥٠"', "9" * 5000, '"' + "9" * 5000 + '"', "-1", "1.5", "[50]"],
    ids=["superscript", "arabic-indic", "5000-digits", "5000-digit-string", "negative", "fraction", "list"],
)
def test_a_hostile_capacity_is_a_located_error(repo: Path, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_to_stack(repo, f"  svcaccounts:oktaMaxApiCapacity: {value}\n")
    assert main(["validate", "--root", str(repo)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Pulumi.dev.yaml:17:")
    assert "Traceback" not in out


def test_a_deeply_nested_json_setting_is_an_error_not_a_recursion_crash() -> None:
    result = parse_settings("prod", "Pulumi.prod.yaml", {**BASELINE, "svcaccounts:authServer": "[" * 100_000})
    assert result.settings is None
    assert [finding.message for finding in result.findings] == ["svcaccounts:authServer must be a mapping"]


def test_a_setting_written_as_json_text_is_still_read() -> None:
    # `pulumi config set svcaccounts:authServer '{"id": "aus1"}'` stores the object as JSON text.
    result = parse_settings("prod", "Pulumi.prod.yaml", {**BASELINE, "svcaccounts:authServer": '{"id": "aus1"}'})
    assert result.settings is not None
    assert result.findings == ()


def test_a_long_bad_value_is_cut_in_the_message() -> None:
    result = parse_settings("prod", "Pulumi.prod.yaml", {**BASELINE, "okta:orgName": "x" * 100_000 + "!"})
    (finding,) = result.findings
    assert len(finding.message) < 300


@pytest.mark.parametrize(
    "pasted",
    ["0x1F2E3D4C5B6A79880011", "12:34:56", "2024-01-01", "0o7654321", "1_234_567_890", "+1234567890"],
)
def test_a_secret_pasted_under_an_unknown_key_is_never_printed(
    repo: Path, pasted: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # YAML 1.1 reads each of these as a number or a date; the message must not repeat it, nor
    # the number YAML makes of it.
    reporter = repo / "service_accounts" / "team" / "reporter.yaml"
    reporter.write_text(reporter.read_text() + f"client_secret: {pasted}\n")
    add_to_stack(repo, f"  svcaccounts:clientSecret: {pasted}\n")
    assert main(["validate", "--root", str(repo)]) == 1
    out = capsys.readouterr().out
    assert "unknown field 'client_secret'" in out
    assert "unknown setting svcaccounts:clientSecret" in out
    digits = "".join(c for c in pasted if c.isalnum())
    decoded = str(yaml.safe_load(f"v: {pasted}")["v"])  # what YAML 1.1 makes of it
    for line in out.splitlines():
        assert pasted not in line and digits not in line.replace("-", "").replace(":", ""), line
        assert decoded not in line, line
