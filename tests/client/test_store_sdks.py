"""Reading a store whose SDK is not installed says which extra to install, not a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.client import AwsSecretsManagerSource, BundleSourceError, KeyVaultSource
from tests.support.repository import VERIFY_REPO, repository


@pytest.fixture
def no_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import` raise ImportError, as in an install without the extra.
    for name in [name for name in sys.modules if name == "azure" or name.startswith("azure.")]:
        monkeypatch.delitem(sys.modules, name)
    for name in ("azure", "azure.core", "azure.core.exceptions", "azure.identity", "azure.keyvault.secrets"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture
def no_boto(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("boto3", "botocore", "botocore.config", "botocore.exceptions"):
        monkeypatch.setitem(sys.modules, name, None)


def test_a_key_vault_source_without_the_azure_sdk_names_the_client_extra(no_azure: None) -> None:
    source = KeyVaultSource("https://kv-identity-dev.vault.azure.net/", "reporter-dev")
    with pytest.raises(BundleSourceError) as caught:
        source.load()
    assert str(caught.value) == (
        "reading a bundle from Azure Key Vault needs azure, which is not installed: "
        "pip install 'svcaccounts[client]'"
    )


def test_a_secrets_manager_source_without_boto3_names_the_client_aws_extra(no_boto: None) -> None:
    source = AwsSecretsManagerSource("svcaccounts/dev/reporter/bundle", "eu-west-1")
    with pytest.raises(BundleSourceError) as caught:
        source.load()
    assert str(caught.value) == (
        "reading a bundle from AWS Secrets Manager needs botocore, which is not installed: "
        "pip install 'svcaccounts[client-aws]'"
    )


def test_the_token_command_reports_it_in_one_line(
    no_azure: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repository(tmp_path / "repo", VERIFY_REPO)
    assert main(["token", "reporter", "--stack", "dev", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert err == (
        "svcaccounts token: reading a bundle from Azure Key Vault needs azure, which is not installed: "
        "pip install 'svcaccounts[client]'\n"
    )
