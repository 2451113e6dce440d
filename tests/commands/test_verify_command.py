"""`svcaccounts verify --stack NAME --bundles DIR` against the loopback authorization server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from svcaccounts.cli import main
from tests.support.authz_server import AuthzServer
from tests.support.deployments import VERIFY_NOW, deploy_basic, deploy_jwt
from tests.support.repository import VERIFY_REPO, repository


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one dev stack and three accounts: reporter (client_secret_basic),
    docs-reader (private_key_jwt) and retired-job (disabled in dev)."""
    return repository(tmp_path / "repo", VERIFY_REPO)


@pytest.fixture
def bundles(tmp_path: Path) -> Path:
    directory = tmp_path / "bundles"
    directory.mkdir()
    return directory


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", VERIFY_NOW)


def verify(repo: Path, bundles: Path, *extra: str) -> int:
    return main(["verify", "--stack", "dev", "--root", str(repo), "--bundles", str(bundles), *extra])


def test_a_stack_whose_tokens_carry_exactly_the_defined_scopes_passes(
    repo: Path,
    bundles: Path,
    authz: AuthzServer,
    client_key: RSAKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deploy_basic(authz, bundles, "reporter", ("mcp:reports:generate", "mcp:docs:read"))
    deploy_jwt(authz, bundles, "docs-reader", ("mcp:docs:read",), client_key)

    assert verify(repo, bundles) == 0

    assert capsys.readouterr().out.splitlines() == [
        "ACCOUNT      AUTH METHOD          GEN  RESULT   DETAIL",
        "docs-reader  private_key_jwt      1    ok",
        "reporter     client_secret_basic  2    ok",
        "retired-job  client_secret_basic       SKIPPED  disabled in this environment",
        "3 accounts: 2 ok, 0 mismatch, 0 failed, 1 skipped",
    ]


def test_a_scope_the_deployment_lacks_is_a_mismatch_and_exit_1(
    repo: Path,
    bundles: Path,
    authz: AuthzServer,
    client_key: RSAKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The definition added mcp:docs:read, but the deployed app (and so its bundle) lacks it.
    deploy_basic(authz, bundles, "reporter", ("mcp:reports:generate",))
    deploy_jwt(authz, bundles, "docs-reader", ("mcp:docs:read",), client_key)

    assert verify(repo, bundles) == 1

    out = capsys.readouterr().out
    assert (
        "reporter     client_secret_basic  2    MISMATCH  bundle scopes: missing mcp:docs:read | "
        "granted scopes: missing mcp:docs:read"
    ) in out


def test_a_token_granting_other_scopes_than_the_bundle_lists_is_a_mismatch(
    repo: Path,
    bundles: Path,
    authz: AuthzServer,
    client_key: RSAKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deploy_basic(authz, bundles, "reporter", ("mcp:reports:generate", "mcp:docs:read"))
    deploy_jwt(authz, bundles, "docs-reader", ("mcp:docs:read",), client_key)
    # The first token request (docs-reader, accounts go in name order) is answered with a token
    # that carries a scope the definition does not give: the server's policy was changed by hand.
    authz.inject_response(
        200,
        {
            "access_token": _jwt_with_scopes(["mcp:docs:read", "mcp:projects:read"]),
            "token_type": "Bearer",
            "expires_in": 3600,
        },
    )

    assert verify(repo, bundles, "--format", "json") == 1

    document = json.loads(capsys.readouterr().out)
    by_account = {entry["account"]: entry for entry in document["accounts"]}
    assert document["passed"] is False
    assert by_account["docs-reader"]["status"] == "mismatch"
    assert by_account["docs-reader"]["problems"] == ["granted scopes: extra mcp:projects:read"]
    assert by_account["reporter"]["status"] == "ok"


def _jwt_with_scopes(scopes: list[str]) -> str:
    from joserfc import jwt
    from joserfc.jwk import OctKey

    return jwt.encode({"alg": "HS256"}, {"scp": scopes}, OctKey.generate_key(256))


def test_a_missing_bundle_or_a_rejected_credential_fails_the_account(
    repo: Path, bundles: Path, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = deploy_basic(authz, bundles, "reporter", ("mcp:reports:generate", "mcp:docs:read"))
    authz.rotate_secret("0oa-reporter", "rotated-but-the-bundle-was-not-updated")

    assert verify(repo, bundles) == 1

    out = capsys.readouterr().out
    missing = bundles / "docs-reader-dev.json"
    assert f"docs-reader  private_key_jwt           FAILED   no bundle file {missing}" in out
    assert "reporter     client_secret_basic       FAILED   token request for client 0oa-reporter" in out
    assert "invalid_client" in out
    assert secret not in out
    assert out.splitlines()[-1] == "3 accounts: 0 ok, 0 mismatch, 2 failed, 1 skipped"


def test_an_unknown_stack_is_a_usage_error(
    repo: Path, bundles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--stack", "qa", "--root", str(repo), "--bundles", str(bundles)]) == 2
    assert "no stack 'qa'" in capsys.readouterr().err


def test_credentials_a_server_echoes_never_reach_the_verify_table(
    repo: Path,
    bundles: Path,
    authz: AuthzServer,
    client_key: RSAKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = deploy_basic(authz, bundles, "reporter", ("mcp:reports:generate", "mcp:docs:read"))
    deploy_jwt(authz, bundles, "docs-reader", ("mcp:docs:read",), client_key)
    sent: list[str] = []

    def echo(headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, object]]:
        received = " ".join([*headers.values(), *form.values()])
        sent.append(received)
        return 400, {"error": received, "error_description": f"{received} {secret}"}

    authz.inject_echo(echo, times=4)

    assert verify(repo, bundles) == 1

    out, err = capsys.readouterr()
    assert secret not in out + err
    assert "eyJ" not in out + err
    assert "Basic" not in out + err
    assert out.count("an unrecognised error code") == 2
    assert sent  # the server did answer with what it received


@pytest.mark.parametrize(
    ("generation", "why"),
    [(1, "a rotation did not land"), (999, "ahead of the schedule")],
    ids=["behind", "ahead"],
)
def test_a_bundle_at_another_generation_than_the_schedules_fails(
    generation: int,
    why: str,
    repo: Path,
    bundles: Path,
    authz: AuthzServer,
    client_key: RSAKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deploy_basic(authz, bundles, "reporter", ("mcp:reports:generate", "mcp:docs:read"))
    deploy_jwt(authz, bundles, "docs-reader", ("mcp:docs:read",), client_key)
    path = bundles / "reporter-dev.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["generation"] = generation
    path.write_text(json.dumps(document), encoding="utf-8")

    assert verify(repo, bundles) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith(f"reporter     client_secret_basic  {generation}")
    assert f"MISMATCH  generation: bundle has {generation}, expected 2 ({why}" in lines[2]
    assert lines[1].endswith("ok")  # docs-reader at its expected generation 1
