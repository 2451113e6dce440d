"""`svcaccounts env` output can be sourced by a shell: no value ever runs a command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.client.consumer_env import render_dotenv

BUNDLE = {
    "client_id": "0oa1example",
    "token_url": "https://example.okta.com/oauth2/aus1/v1/token",
    "auth_method": "client_secret_basic",
    "scopes": ["a:b"],
    "generation": 1,
    "rotates_at": "2030-01-01T00:00:00Z",
    "client_secret": "s3cr3t-value",
}


def write_bundle(path: Path, **fields: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**BUNDLE, **fields}))
    path.chmod(0o600)
    return path


def test_a_client_id_with_shell_syntax_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = write_bundle(tmp_path / "b.json", client_id="0oa`touch pwned`")
    assert main(["env", "--bundle", str(bundle)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "client_id: expected 1 to 100 letters, digits, '_' or '-'" in err
    assert "touch" not in err


@pytest.mark.parametrize(
    "hostile",
    ["`touch PWNED`", "$(touch PWNED)", "${HOME}", '"; touch PWNED; "', "\\`touch PWNED\\`", "'$(touch PWNED)'"],
)
def test_sourcing_the_output_never_runs_a_value(tmp_path: Path, hostile: str) -> None:
    # The bundle file's own path is printed: put the hostile text in a folder name.
    bundle = write_bundle(tmp_path / hostile / "bundle.json")
    printed = subprocess.run(
        [sys.executable, "-m", "svcaccounts", "env", "--bundle", str(bundle)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    shell = subprocess.run(
        ["bash", "-c", 'set -a; eval "$(cat)"; printf %s "$SVCACCOUNTS_BUNDLE_FILE"'],
        input=printed,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert not (tmp_path / "PWNED").exists()
    assert shell.stdout == str(bundle)


def test_every_shell_special_character_is_escaped_inside_the_quotes() -> None:
    assert render_dotenv({"A": "a`b$c\\d\"e"}) == 'A="a\\`b\\$c\\\\d\\"e"'
