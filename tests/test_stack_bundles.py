"""(repository root, stack, account) → where the account's bundle lives in the stack's store."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaccounts.client import KeyVaultSource
from svcaccounts.core.naming import key_vault_secret_name
from svcaccounts.stack_bundles import bundle_source_for
from svcaccounts.workspace import StackError, open_stack_at
from tests.support.repository import VERIFY_REPO, repository


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """One dev stack (Key Vault kv-identity-dev) and three accounts: reporter, docs-reader, and
    retired-job (disabled in dev)."""
    return repository(tmp_path / "repo", VERIFY_REPO)


def test_a_key_vault_stack_names_the_vault_and_the_programs_secret(repo: Path) -> None:
    source = bundle_source_for(repo, "dev", "reporter")

    assert isinstance(source, KeyVaultSource)
    assert source.vault_url == "https://kv-identity-dev.vault.azure.net/"
    assert source.secret_name == key_vault_secret_name("reporter", "dev") == "reporter-dev"


def test_the_environment_not_the_stack_name_is_in_the_secret_name(repo: Path) -> None:
    # A second stack of the dev environment (another region, say) reads the same secret names.
    text = (repo / "Pulumi.dev.yaml").read_text().replace("kv-identity-dev", "kv-identity-dev-eu")
    (repo / "Pulumi.dev-eu.yaml").write_text(text)

    source = bundle_source_for(repo, "dev-eu", "docs-reader")

    assert isinstance(source, KeyVaultSource)
    assert (source.vault_url, source.secret_name) == (
        "https://kv-identity-dev-eu.vault.azure.net/",
        "docs-reader-dev",
    )


def test_an_unknown_stack_lists_the_known_ones(repo: Path) -> None:
    with pytest.raises(StackError, match=r"no stack 'qa' \(Pulumi.qa.yaml\) in .*; known stacks: dev"):
        bundle_source_for(repo, "qa", "reporter")


def test_an_unknown_account_lists_the_stacks_accounts(repo: Path) -> None:
    with pytest.raises(StackError) as caught:
        bundle_source_for(repo, "dev", "reportr")

    assert str(caught.value) == (
        "no account 'reportr' in stack dev (environment dev); its accounts: docs-reader, "
        "reporter, retired-job"
    )


def test_a_disabled_account_has_no_usable_bundle(repo: Path) -> None:
    with pytest.raises(StackError, match="'retired-job' is disabled in environment dev"):
        bundle_source_for(repo, "dev", "retired-job")


def test_invalid_settings_are_an_error_with_located_findings(repo: Path) -> None:
    stack_file = repo / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("name: kv-identity-dev", "name: kv--bad"))

    with pytest.raises(StackError, match=r"invalid settings in Pulumi\.dev\.yaml") as caught:
        open_stack_at(repo, "dev")

    (finding,) = caught.value.findings
    assert finding.path == "Pulumi.dev.yaml"
    assert "svcaccounts:keyVault.name must be a Key Vault name" in finding.message
    assert (finding.line, finding.col) == (11, 11)


def test_invalid_definitions_are_an_error(repo: Path) -> None:
    (repo / "service_accounts" / "team" / "reporter.yaml").write_text("name: [not, a, name]\n")

    with pytest.raises(StackError, match="invalid definitions") as caught:
        open_stack_at(repo, "dev")

    assert any(f.path.endswith("reporter.yaml") for f in caught.value.findings)
