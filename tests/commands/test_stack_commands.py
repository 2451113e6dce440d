"""`token ACCOUNT --stack`, `env ACCOUNT --stack [--deployed]` and `verify --stack` reading the
bundles from the stack's Key Vault: a fake SecretClient at the seam (`open_bundles`), the loopback
authorization server behind the bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from svcaccounts.client import KeyVaultSource, TokenClient
from svcaccounts.client.consumer_env import render_dotenv
from svcaccounts.client.limits import DEPLOYED_LIMIT
from tests.support.authz_server import AuthzServer
from tests.support.client_fakes import FakeKeyVault, run_cli
from tests.support.deployments import VERIFY_NOW, deploy_basic, deploy_jwt
from tests.support.repository import VERIFY_REPO, repository

VAULT_URL = "https://kv-identity-dev.vault.azure.net/"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """One dev stack (Key Vault kv-identity-dev) and three accounts: reporter (client_secret_basic),
    docs-reader (private_key_jwt) and retired-job (disabled in dev)."""
    return repository(tmp_path / "repo", VERIFY_REPO)


@pytest.fixture
def vault() -> FakeKeyVault:
    return FakeKeyVault()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", VERIFY_NOW)


# --- svcaccounts token ACCOUNT --stack NAME ------------------------------------------------------


def test_token_reads_the_accounts_bundle_from_the_stacks_key_vault(
    repo: Path, vault: FakeKeyVault, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = deploy_basic(authz, vault, "reporter", ("mcp:reports:generate", "mcp:docs:read"))

    code = run_cli(["token", "reporter", "--stack", "dev", "--root", str(repo), "--decode"], vault)

    assert code == 0
    out = capsys.readouterr().out
    assert json.loads(out)["scp"] == ["mcp:reports:generate", "mcp:docs:read"]
    assert vault.reads == ["reporter-dev"]
    assert secret not in out


def test_token_for_an_account_whose_secret_is_missing_says_which_secret(
    repo: Path, vault: FakeKeyVault, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["token", "reporter", "--stack", "dev", "--root", str(repo)], vault) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"svcaccounts token: Key Vault {VAULT_URL} secret reporter-dev: secret not found\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["token", "nobody", "--stack", "dev"], "no account 'nobody' in stack dev (environment dev)"),
        (["token", "retired-job", "--stack", "dev"], "'retired-job' is disabled in environment dev"),
        (["token", "reporter", "--stack", "qa"], "no stack 'qa'"),
        (["token", "reporter"], "give --bundle FILE, or ACCOUNT --stack NAME"),
        (["token", "reporter", "--stack", "dev", "--bundle", "b.json"], "give either --bundle FILE or"),
    ],
)
def test_token_usage_errors_exit_2_with_a_message(
    argv: list[str], message: str, repo: Path, vault: FakeKeyVault, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli([*argv, "--root", str(repo)], vault) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert vault.reads == []


# --- svcaccounts env ACCOUNT --stack NAME [--deployed FILE] ---------------------------------------


def test_env_from_the_stack_names_the_key_vault_secret_and_prints_nothing_secret(
    repo: Path, vault: FakeKeyVault, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = deploy_basic(authz, vault, "reporter", ("mcp:reports:generate", "mcp:docs:read"))

    assert run_cli(["env", "reporter", "--stack", "dev", "--root", str(repo)], vault) == 0

    out = capsys.readouterr().out
    assert out.splitlines() == [
        "SVCACCOUNTS_CLIENT_ID=0oa-reporter",
        f"SVCACCOUNTS_TOKEN_URL={authz.token_url}",
        'SVCACCOUNTS_SCOPES="mcp:reports:generate mcp:docs:read"',
        "SVCACCOUNTS_AUTH_METHOD=client_secret_basic",
        f"SVCACCOUNTS_KEY_VAULT_URL={VAULT_URL}",
        "SVCACCOUNTS_KEY_VAULT_SECRET=reporter-dev",
    ]
    assert secret not in out


def test_env_mcp_block_is_what_from_environment_reads(
    repo: Path,
    vault: FakeKeyVault,
    authz: AuthzServer,
    client_key: RSAKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pem = deploy_jwt(authz, vault, "docs-reader", ("mcp:docs:read",), client_key)

    code = run_cli(["env", "docs-reader", "--stack", "dev", "--root", str(repo), "--format", "mcp"], vault)

    assert code == 0
    out = capsys.readouterr().out
    environ = json.loads(out)["servers"]["docs-reader"]["env"]
    assert environ["SVCACCOUNTS_KEY_ID"] == "docs-reader-g1"
    assert "PRIVATE KEY" not in out and pem not in out
    client = TokenClient.from_environment(environ)
    assert isinstance(client.source, KeyVaultSource)
    assert (client.source.vault_url, client.source.secret_name) == (VAULT_URL, "docs-reader-dev")


def deployed_outputs(tmp_path: Path, **accounts: dict[str, Any]) -> Path:
    path = tmp_path / "deployed-outputs.json"
    path.write_text(json.dumps({"accounts": accounts}))
    return path


def deployed_entry(account: str, auth_method: str, scopes: list[str], generation: int) -> dict[str, Any]:
    """One account as svcaccounts/infra/program.py `_account_output` exports it."""
    return {
        "clientId": f"0oa-{account}",
        "keyVaultSecretName": f"{account}-dev",
        "tokenUrl": "https://dev-11111111.oktapreview.com/oauth2/aus1dev/v1/token",
        "scopes": scopes,
        "authMethod": auth_method,
        "generation": generation,
        "nextRotation": "2027-01-01T00:00:00Z",
        "status": "active",
    }


def test_env_from_deployed_outputs_needs_no_key_vault(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = deployed_outputs(
        tmp_path, **{"docs-reader": deployed_entry("docs-reader", "private_key_jwt", ["mcp:docs:read"], 4)}
    )

    code = run_cli(
        ["env", "docs-reader", "--stack", "dev", "--root", str(repo), "--deployed", str(outputs)], vault
    )

    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "SVCACCOUNTS_CLIENT_ID=0oa-docs-reader",
        "SVCACCOUNTS_TOKEN_URL=https://dev-11111111.oktapreview.com/oauth2/aus1dev/v1/token",
        "SVCACCOUNTS_SCOPES=mcp:docs:read",
        "SVCACCOUNTS_AUTH_METHOD=private_key_jwt",
        "SVCACCOUNTS_KEY_ID=docs-reader-g4",
        f"SVCACCOUNTS_KEY_VAULT_URL={VAULT_URL}",
        "SVCACCOUNTS_KEY_VAULT_SECRET=docs-reader-dev",
    ]
    assert vault.reads == []


def test_env_from_deployed_outputs_without_the_account_lists_the_deployed_ones(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = deployed_outputs(
        tmp_path, **{"docs-reader": deployed_entry("docs-reader", "private_key_jwt", ["mcp:docs:read"], 4)}
    )

    code = run_cli(
        ["env", "reporter", "--stack", "dev", "--root", str(repo), "--deployed", str(outputs)], vault
    )

    assert code == 1
    assert capsys.readouterr().err == (
        f"svcaccounts env: {outputs}: no account 'reporter' in the 'accounts' output "
        "(deployed: docs-reader)\n"
    )


def test_env_from_deployed_outputs_of_another_stack_is_refused(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = deployed_entry("reporter", "client_secret_basic", ["mcp:docs:read"], 2)
    entry["keyVaultSecretName"] = "reporter-prod"
    outputs = deployed_outputs(tmp_path, reporter=entry)

    code = run_cli(
        ["env", "reporter", "--stack", "dev", "--root", str(repo), "--deployed", str(outputs)], vault
    )

    assert code == 1
    assert "are these the outputs of stack dev?" in capsys.readouterr().err


def test_env_from_malformed_deployed_outputs_lists_the_problems(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = deployed_entry("reporter", "client_secret_basic", ["mcp:docs:read"], 2)
    del entry["clientId"]
    entry["scopes"] = "mcp:docs:read"
    outputs = deployed_outputs(tmp_path, reporter=entry)

    code = run_cli(
        ["env", "reporter", "--stack", "dev", "--root", str(repo), "--deployed", str(outputs)], vault
    )

    assert code == 1
    assert capsys.readouterr().err == (
        f"svcaccounts env: {outputs}: unexpected deployed outputs:\n"
        "  - accounts.reporter.clientId: expected a client id (letters, digits, '_' and '-')\n"
        "  - accounts.reporter.scopes: expected a list of scope names (printable, without spaces)\n"
    )


def test_env_of_a_disabled_account_warns(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = deployed_outputs(
        tmp_path,
        **{"retired-job": deployed_entry("retired-job", "client_secret_basic", ["mcp:projects:read"], 1)},
    )

    code = run_cli(
        ["env", "retired-job", "--stack", "dev", "--root", str(repo), "--deployed", str(outputs)], vault
    )

    assert code == 0
    assert "warning: retired-job is disabled in environment dev" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["env"],
        ["env", "reporter"],
        ["env", "--bundle", "b.json", "--stack", "dev"],
        ["env", "--deployed", "out.json"],
    ],
)
def test_env_usage_errors_exit_2(
    argv: list[str], vault: FakeKeyVault, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(argv, vault) == 2
    assert "give --bundle FILE, or ACCOUNT --stack NAME" in capsys.readouterr().err


# --- svcaccounts verify --stack NAME (no --bundles) -----------------------------------------------


def test_verify_reads_every_enabled_accounts_bundle_from_key_vault(
    repo: Path,
    vault: FakeKeyVault,
    authz: AuthzServer,
    client_key: RSAKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deploy_basic(authz, vault, "reporter", ("mcp:reports:generate", "mcp:docs:read"))
    deploy_jwt(authz, vault, "docs-reader", ("mcp:docs:read",), client_key)

    assert run_cli(["verify", "--stack", "dev", "--root", str(repo)], vault) == 0

    assert capsys.readouterr().out.splitlines() == [
        "ACCOUNT      AUTH METHOD          GEN  RESULT   DETAIL",
        "docs-reader  private_key_jwt      1    ok",
        "reporter     client_secret_basic  2    ok",
        "retired-job  client_secret_basic       SKIPPED  disabled in this environment",
        "3 accounts: 2 ok, 0 mismatch, 0 failed, 1 skipped",
    ]
    assert sorted(vault.reads) == ["docs-reader-dev", "reporter-dev"]


def test_verify_reports_a_missing_secret_and_a_scope_mismatch(
    repo: Path, vault: FakeKeyVault, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy_basic(authz, vault, "reporter", ("mcp:reports:generate",))  # lacks mcp:docs:read

    assert run_cli(["verify", "--stack", "dev", "--root", str(repo)], vault) == 1

    out = capsys.readouterr().out
    assert (
        f"docs-reader  private_key_jwt           FAILED    Key Vault {VAULT_URL} secret "
        "docs-reader-dev: secret not found"
    ) in out
    assert (
        "reporter     client_secret_basic  2    MISMATCH  bundle scopes: missing mcp:docs:read | "
        "granted scopes: missing mcp:docs:read"
    ) in out


def test_verify_does_not_wait_for_a_rotation_after_the_deploy(
    repo: Path, vault: FakeKeyVault, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # verify runs after `pulumi up` wrote every bundle: a rejected credential fails at once (a real
    # sleep here would make this test take two minutes).
    deploy_basic(authz, vault, "reporter", ("mcp:reports:generate", "mcp:docs:read"))
    authz.rotate_secret("0oa-reporter", "a-secret-key-vault-does-not-hold")

    assert run_cli(["verify", "--stack", "dev", "--root", str(repo)], vault) == 1

    out = capsys.readouterr().out
    assert "the bundle has not changed; check" in out
    assert vault.reads.count("reporter-dev") == 2  # first read, one re-read


AWS_DEV_STACK = """config:
  svcaccounts:environment: dev
  svcaccounts:authServer:
    id: aus0devaws000000
  svcaccounts:secretStore: aws-secrets-manager
  svcaccounts:awsSecretsManager:
    region: eu-west-1
  okta:orgName: dev-11111111
"""


def test_env_from_deployed_outputs_of_an_aws_stack_names_the_aws_secret(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "Pulumi.dev-aws.yaml").write_text(AWS_DEV_STACK)
    entry = deployed_entry("docs-reader", "private_key_jwt", ["mcp:docs:read"], 4)
    entry.pop("keyVaultSecretName", None)
    entry["awsSecretArn"] = (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:svcaccounts/dev/docs-reader/bundle-AbC123"
    )
    outputs = deployed_outputs(tmp_path, **{"docs-reader": entry})

    code = run_cli(
        ["env", "docs-reader", "--stack", "dev-aws", "--root", str(repo), "--deployed", str(outputs)], vault
    )

    out = capsys.readouterr().out
    assert code == 0
    assert "SVCACCOUNTS_AWS_SECRET_ID=svcaccounts/dev/docs-reader/bundle" in out
    assert "SVCACCOUNTS_AWS_REGION=eu-west-1" in out


def test_env_from_deployed_outputs_with_another_aws_secret_is_refused(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "Pulumi.dev-aws.yaml").write_text(AWS_DEV_STACK)
    entry = deployed_entry("docs-reader", "private_key_jwt", ["mcp:docs:read"], 4)
    entry.pop("keyVaultSecretName", None)
    entry["awsSecretArn"] = (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:svcaccounts/prod/docs-reader/bundle-AbC123"
    )
    outputs = deployed_outputs(tmp_path, **{"docs-reader": entry})

    code = run_cli(
        ["env", "docs-reader", "--stack", "dev-aws", "--root", str(repo), "--deployed", str(outputs)], vault
    )

    assert code == 1
    assert capsys.readouterr().err == (
        f"svcaccounts env: {outputs}: account docs-reader keeps its bundle in AWS secret "
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:svcaccounts/prod/docs-reader/bundle-AbC123, "
        "but this stack writes AWS secret svcaccounts/dev/docs-reader/bundle: "
        "are these the outputs of stack dev-aws?\n"
    )


# --- env --deployed with hostile or odd outputs -------------------------------------------------


def run_env_deployed(repo: Path, vault: FakeKeyVault, outputs: Path | str) -> int:
    return run_cli(
        ["env", "docs-reader", "--stack", "dev", "--root", str(repo), "--deployed", str(outputs)], vault
    )


def test_env_deployed_refuses_a_device_without_reading_it(
    repo: Path, vault: FakeKeyVault, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_env_deployed(repo, vault, "/dev/zero") == 2
    assert "svcaccounts env: /dev/zero: not a regular file" in capsys.readouterr().err


def test_env_deployed_refuses_outputs_larger_than_16_mib(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = deployed_outputs(
        tmp_path, **{"docs-reader": deployed_entry("docs-reader", "private_key_jwt", ["mcp:docs:read"], 4)}
    )
    with outputs.open("a", encoding="utf-8") as handle:
        handle.write(" " * (DEPLOYED_LIMIT + 1))

    assert run_env_deployed(repo, vault, outputs) == 2
    assert "larger than 16 MiB" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"accounts": ' + "9" * 5000 + "}", "a number is too long"),
    ],
    ids=["deep", "long-integer"],
)
def test_env_deployed_json_beyond_the_interpreters_limits_is_a_usage_error(
    content: str,
    message: str,
    repo: Path,
    vault: FakeKeyVault,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(content, encoding="utf-8")

    assert run_env_deployed(repo, vault, outputs) == 2
    assert f"not valid JSON: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("accounts", ["reporter", None, 7, [1, 2]], ids=["string", "null", "number", "list"])
def test_env_deployed_with_accounts_not_an_object_is_a_message(
    accounts: object, repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"accounts": accounts}), encoding="utf-8")

    assert run_env_deployed(repo, vault, outputs) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"svcaccounts env: {outputs}: ")
    assert "'accounts'" in err


def test_env_deployed_accepts_the_list_form_of_accounts(
    repo: Path, vault: FakeKeyVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = {"name": "docs-reader", **deployed_entry("docs-reader", "private_key_jwt", ["mcp:docs:read"], 4)}
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"accounts": [entry]}), encoding="utf-8")

    assert run_env_deployed(repo, vault, outputs) == 0
    assert "SVCACCOUNTS_KEY_ID=docs-reader-g4" in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        (
            "tokenUrl",
            "https://robot:Hunter2Password@dev.okta.example/oauth2/v1/token",
            "must not contain a user",
        ),
        ("tokenUrl", "ftp://dev.okta.example/token", "must be an https:// URL"),
        (
            "clientId",
            "0oa-docs\nSVCACCOUNTS_TOKEN_URL=https://evil.example",
            "clientId: expected a client id",
        ),
        ("scopes", ["mcp:docs:read\nEVIL=1"], "scopes: expected a list of scope names"),
    ],
    ids=["userinfo", "scheme", "newline-in-client-id", "newline-in-scope"],
)
def test_env_deployed_values_are_checked_before_printing(
    field: str,
    value: object,
    problem: str,
    repo: Path,
    vault: FakeKeyVault,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = deployed_entry("docs-reader", "private_key_jwt", ["mcp:docs:read"], 4)
    entry[field] = value
    outputs = deployed_outputs(tmp_path, **{"docs-reader": entry})

    assert run_env_deployed(repo, vault, outputs) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert problem in err
    assert "Hunter2Password" not in err and "evil.example" not in err


def test_dotenv_values_never_hold_a_raw_line_break() -> None:
    rendered = render_dotenv({"A": "one\ntwo", "B": "x\r\u2028y", "C": "plain"})

    assert rendered.splitlines() == ['A="one\\ntwo"', 'B="x\\r\\u2028y"', "C=plain"]
