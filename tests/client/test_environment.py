"""Where the bundle lives, as environment variables: `svcaccounts env` prints them and
`TokenClient.from_environment()` reads them back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.client import AsyncTokenClient, BundleSourceError, FileSource, KeyVaultSource, TokenClient
from svcaccounts.client.aws_secrets import AwsSecretsManagerSource
from svcaccounts.client.environment import location_variables, source_from_environment
from tests.support.authz_server import AuthzServer

Account = Callable[..., tuple[Path, str]]
VAULT = "https://kv-identity-dev.vault.azure.net/"


def test_a_file_is_named_by_its_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    assert location_variables(FileSource(Path("bundle.json"))) == {
        "SVCACCOUNTS_BUNDLE_FILE": str(tmp_path / "bundle.json")
    }


def test_a_key_vault_secret_is_named_by_vault_url_and_secret_name() -> None:
    assert location_variables(KeyVaultSource(VAULT, "reporter-dev")) == {
        "SVCACCOUNTS_KEY_VAULT_URL": VAULT,
        "SVCACCOUNTS_KEY_VAULT_SECRET": "reporter-dev",
    }


def test_the_key_vault_variables_give_back_the_key_vault_source() -> None:
    source = source_from_environment(location_variables(KeyVaultSource(VAULT, "reporter-dev")))

    assert isinstance(source, KeyVaultSource)
    assert (source.vault_url, source.secret_name) == (VAULT, "reporter-dev")


def test_the_file_variable_gives_back_the_file_source(tmp_path: Path) -> None:
    source = source_from_environment({"SVCACCOUNTS_BUNDLE_FILE": str(tmp_path / "b.json")})

    assert source == FileSource(tmp_path / "b.json")


def test_an_aws_secret_is_named_by_secret_id_and_region() -> None:
    source = AwsSecretsManagerSource("svcaccounts/prod/reporter/bundle", "eu-west-1")

    assert location_variables(source) == {
        "SVCACCOUNTS_AWS_SECRET_ID": "svcaccounts/prod/reporter/bundle",
        "SVCACCOUNTS_AWS_REGION": "eu-west-1",
    }


def test_the_aws_variables_give_back_the_aws_source() -> None:
    variables = location_variables(AwsSecretsManagerSource("svcaccounts/prod/reporter/bundle", "eu-west-1"))

    source = source_from_environment(variables)

    assert isinstance(source, AwsSecretsManagerSource)
    assert (source.secret_id, source.region) == ("svcaccounts/prod/reporter/bundle", "eu-west-1")


def test_an_aws_secret_without_its_region_is_an_error() -> None:
    with pytest.raises(BundleSourceError, match="SVCACCOUNTS_AWS_REGION is not set"):
        source_from_environment({"SVCACCOUNTS_AWS_SECRET_ID": "svcaccounts/prod/reporter/bundle"})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "no credential bundle location in the environment: set SVCACCOUNTS_BUNDLE_FILE, "),
        ({"SVCACCOUNTS_BUNDLE_FILE": "  "}, "no credential bundle location in the environment"),
        (
            {"SVCACCOUNTS_BUNDLE_FILE": "/b.json", "SVCACCOUNTS_KEY_VAULT_URL": VAULT},
            "more than one credential bundle location in the environment: SVCACCOUNTS_BUNDLE_FILE "
            "and SVCACCOUNTS_KEY_VAULT_URL + SVCACCOUNTS_KEY_VAULT_SECRET; keep one",
        ),
        (
            {"SVCACCOUNTS_KEY_VAULT_URL": VAULT},
            "SVCACCOUNTS_KEY_VAULT_SECRET is not set: SVCACCOUNTS_KEY_VAULT_URL and "
            "SVCACCOUNTS_KEY_VAULT_SECRET name the bundle together",
        ),
        (
            {"SVCACCOUNTS_KEY_VAULT_URL": "kv-identity-dev", "SVCACCOUNTS_KEY_VAULT_SECRET": "r-dev"},
            "SVCACCOUNTS_KEY_VAULT_URL must be an https:// vault URL, got 'kv-identity-dev'",
        ),
    ],
)
def test_variables_that_do_not_name_one_location_are_an_error_at_construction(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(BundleSourceError) as caught:
        TokenClient.from_environment(environ)

    assert str(caught.value).startswith(message)


def test_what_env_prints_for_a_bundle_file_is_what_from_environment_needs(
    basic_account: Account, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = basic_account()
    assert main(["env", "--bundle", str(path), "--format", "mcp"]) == 0
    environ = json.loads(capsys.readouterr().out)["servers"][path.stem]["env"]

    token = TokenClient.from_environment(environ).token(environ["SVCACCOUNTS_SCOPES"].split())

    assert token.scopes == ("reports.read", "reports.write")
    assert authz.request_count == 1


def test_the_async_client_reads_the_same_variables(basic_account: Account, authz: AuthzServer) -> None:
    path, _ = basic_account()
    client = AsyncTokenClient.from_environment({"SVCACCOUNTS_BUNDLE_FILE": str(path)})

    token = asyncio.run(client.token(["reports.read"]))

    assert token.scopes == ("reports.read",)


def test_os_environ_is_the_default(basic_account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = basic_account()
    monkeypatch.setenv("SVCACCOUNTS_BUNDLE_FILE", str(path))
    monkeypatch.delenv("SVCACCOUNTS_KEY_VAULT_URL", raising=False)
    monkeypatch.delenv("SVCACCOUNTS_KEY_VAULT_SECRET", raising=False)

    assert TokenClient.from_environment().bundle().client_id == "reporting-basic"
