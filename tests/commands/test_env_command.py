"""`svcaccounts env --bundle FILE [--format dotenv|mcp]`: settings without secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svcaccounts.cli import main
from tests.support.client_fakes import write_bundle

SECRET = "client-secret-that-env-must-not-print"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(
        tmp_path / "reporter-dev.json",
        {
            "client_id": "0oa1reporter",
            "token_url": "https://dev-1.oktapreview.com/oauth2/aus1/v1/token",
            "auth_method": "client_secret_basic",
            "scopes": ["mcp:reports:generate", "mcp:docs:read"],
            "generation": 2,
            "rotates_at": "2027-01-01T00:00:00Z",
            "client_secret": SECRET,
        },
    )


def test_dotenv_lines_carry_the_settings_and_no_secret(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["env", "--bundle", str(bundle)]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "SVCACCOUNTS_CLIENT_ID=0oa1reporter",
        "SVCACCOUNTS_TOKEN_URL=https://dev-1.oktapreview.com/oauth2/aus1/v1/token",
        'SVCACCOUNTS_SCOPES="mcp:reports:generate mcp:docs:read"',
        "SVCACCOUNTS_AUTH_METHOD=client_secret_basic",
        f"SVCACCOUNTS_BUNDLE_FILE={bundle.resolve()}",
    ]


def test_the_mcp_format_is_a_vscode_server_entry(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "--bundle", str(bundle), "--format", "mcp"]) == 0

    out = capsys.readouterr().out
    document = json.loads(out)
    assert list(document) == ["servers"]
    assert document["servers"]["reporter-dev"]["env"]["SVCACCOUNTS_SCOPES"] == "mcp:reports:generate mcp:docs:read"
    assert SECRET not in out


def test_an_invalid_bundle_is_a_message_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_bundle(tmp_path / "b.json", {"client_id": "x", "client_secret": SECRET})

    assert main(["env", "--bundle", str(path)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"svcaccounts env: {path}: invalid credential bundle:")
    assert SECRET not in err
