"""`svcaccounts env --format mcp|mcp-servers`: a complete MCP server entry for an editor, with the
account's settings as its environment and nothing secret."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from svcaccounts import mcp_config
from svcaccounts.cli import main
from tests.support.client_fakes import write_bundle

SECRET = "client-secret-that-env-must-not-print"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(
        tmp_path / "mcp-vscode-client-dev.json",
        {
            "client_id": "0oa1vscode",
            "token_url": "https://dev-1.oktapreview.com/oauth2/aus1/v1/token",
            "auth_method": "client_secret_basic",
            "scopes": ["mcp:projects:read", "mcp:docs:read"],
            "generation": 2,
            "rotates_at": "2027-01-01T00:00:00Z",
            "client_secret": SECRET,
        },
    )


def account_env(bundle: Path) -> dict[str, str]:
    return {
        "SVCACCOUNTS_CLIENT_ID": "0oa1vscode",
        "SVCACCOUNTS_TOKEN_URL": "https://dev-1.oktapreview.com/oauth2/aus1/v1/token",
        "SVCACCOUNTS_SCOPES": "mcp:projects:read mcp:docs:read",
        "SVCACCOUNTS_AUTH_METHOD": "client_secret_basic",
        "SVCACCOUNTS_BUNDLE_FILE": str(bundle.resolve()),
    }


def test_by_default_the_vscode_entry_starts_the_example_server(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["env", "--bundle", str(bundle), "--format", "mcp"]) == 0

    out = capsys.readouterr().out
    assert json.loads(out) == {
        "servers": {
            "mcp-vscode-client-dev": {
                "type": "stdio",
                "command": sys.executable,
                "args": [str(mcp_config.EXAMPLE_SERVER)],
                "env": account_env(bundle),
            }
        }
    }
    assert mcp_config.EXAMPLE_SERVER.is_file()
    assert SECRET not in out


def test_a_consumers_own_server_in_the_mcpservers_shape(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "env",
        "--bundle",
        str(bundle),
        "--format",
        "mcp-servers",
        "--server-command",
        "reporting-mcp-server",
        "--server-arg",
        "serve",
        "--server-arg=--read-only",
        "--server-env",
        "API_BASE_URL=https://projects.internal.example.com",
        "--server-env",
        "LOG_LEVEL=info",
        "--server-name",
        "reporting",
    ]
    assert main(argv) == 0

    assert json.loads(capsys.readouterr().out) == {
        "mcpServers": {
            "reporting": {
                "type": "stdio",
                "command": "reporting-mcp-server",
                "args": ["serve", "--read-only"],
                "env": {
                    **account_env(bundle),
                    "API_BASE_URL": "https://projects.internal.example.com",
                    "LOG_LEVEL": "info",
                },
            }
        }
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--server-arg", "x"],
            "svcaccounts env: --server-arg: only with --server-command",
        ),
        (
            ["--server-env", "SVCACCOUNTS_BUNDLE_FILE=/elsewhere.json"],
            "svcaccounts env: --server-env SVCACCOUNTS_BUNDLE_FILE: the SVCACCOUNTS_* variables come from the account",
        ),
        (
            ["--server-env", "API_BASE_URL"],
            "svcaccounts env: --server-env 'API_BASE_URL': expected NAME=VALUE, NAME of letters, digits and '_'",
        ),
        (
            ["--server-env", "A=1", "--server-env", "A=2"],
            "svcaccounts env: --server-env A: given twice",
        ),
        (
            ["--server-name", "my server"],
            "svcaccounts env: server name 'my server' (--server-name): use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
        ),
        (
            ["--server-command", " "],
            "svcaccounts env: --server-command: must not be empty",
        ),
    ],
)
def test_usage_errors_exit_2_before_the_bundle_is_read(
    tmp_path: Path, options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "not-there.json"

    assert main(["env", "--bundle", str(missing), "--format", "mcp", *options]) == 2

    out, err = capsys.readouterr()
    assert (out, err.strip()) == ("", message)


def test_server_options_need_an_mcp_format(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "--bundle", str(bundle), "--server-command", "x", "--server-name", "y"]) == 2

    assert capsys.readouterr().err.strip() == (
        "svcaccounts env: --server-command, --server-name: only with --format mcp or mcp-servers"
    )


def test_a_bundle_file_name_that_is_no_server_name_asks_for_one(
    tmp_path: Path, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = bundle.rename(tmp_path / "my bundle.json")

    assert main(["env", "--bundle", str(odd), "--format", "mcp"]) == 2

    assert capsys.readouterr().err.strip().endswith("; choose one with --server-name")


def test_without_the_repository_the_example_is_not_offered(
    bundle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(mcp_config, "EXAMPLE_SERVER", tmp_path / "site-packages" / "server.py")

    assert main(["env", "--bundle", str(bundle), "--format", "mcp"]) == 2
    assert "name your server with --server-command" in capsys.readouterr().err

    assert main(["env", "--bundle", str(bundle), "--format", "mcp", "--server-command", "my-server"]) == 0
