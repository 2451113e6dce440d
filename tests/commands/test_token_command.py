"""`svcaccounts token --bundle FILE [--scope S]... [--decode]` against the loopback server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from svcaccounts.cli import main
from tests.support.authz_server import AuthzServer

Account = Callable[..., tuple[Path, str]]


def test_prints_only_the_access_token(basic_account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = basic_account()

    assert main(["token", "--bundle", str(path)]) == 0

    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].count(".") == 2  # a compact JWT and nothing else
    assert err == ""


def test_decode_prints_the_claims_with_the_requested_scopes(
    jwt_account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = jwt_account("reporting-jwt", ("reports.read", "reports.write"))

    code = main(
        ["token", "--bundle", str(path), "--scope", "reports.write", "--scope", "reports.read", "--decode"]
    )

    assert code == 0
    claims = json.loads(capsys.readouterr().out)
    assert claims["sub"] == "reporting-jwt"
    assert claims["scp"] == ["reports.write", "reports.read"]
    assert isinstance(claims["exp"], int)


def test_an_invalid_bundle_is_a_located_message_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text('{"client_id": "x"}')

    assert main(["token", "--bundle", str(path)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"svcaccounts token: {path}: invalid credential bundle:\n")
    assert "  - token_url: required\n" in err
    assert "Traceback" not in err


def test_a_rejected_request_is_a_message_without_the_secret_and_exit_1(
    basic_account: Account, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path, secret = basic_account()

    assert main(["token", "--bundle", str(path), "--scope", "not.granted"]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert "rejected (HTTP 400, invalid_scope)" in err
    assert secret not in err


def test_decode_of_an_opaque_token_says_it_is_not_a_jwt(
    basic_account: Account, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = basic_account()
    opaque = "opaque-reference-token-0123456789"
    authz.inject_response(200, {"access_token": opaque, "token_type": "Bearer", "expires_in": 60})

    assert main(["token", "--bundle", str(path), "--decode"]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == "svcaccounts token: the access token is not a JWT; its claims cannot be shown\n"


def test_a_missing_bundle_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token"]) == 2
    assert "--bundle" in capsys.readouterr().err


def test_the_cli_starts_without_importing_the_http_and_azure_libraries() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, svcaccounts.cli as cli; cli.build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'authlib', 'azure'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
