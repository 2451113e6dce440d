"""A valid organisation loads into the model, with each environment's view resolved."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.core.model import Owner, Rotation
from svcaccounts.definitions import load_repository
from tests.support.repository import DEFINITION_FIXTURES

VALID = DEFINITION_FIXTURES / "valid"


def test_valid_fixture_organisation_has_no_findings() -> None:
    result = load_repository(VALID)

    assert result.findings == ()
    assert result.catalog is not None
    assert [account.name for account in result.catalog.accounts] == ["invoice-export", "orders-sync"]
    assert result.catalog.environments == ("dev", "prod", "staging")


def test_defaults_fill_what_a_definition_leaves_out() -> None:
    catalog = load_repository(VALID).catalog
    assert catalog is not None
    dev = catalog.for_environment("dev").account("invoice-export")

    assert dev is not None
    assert dev.token_lifetime_minutes == 60
    assert dev.rotation == Rotation(period_days=30, grace_days=7, force=0)
    assert dev.status == "active"
    assert dev.owner == Owner(team="billing", email="billing@example.com")


def test_environment_overrides_apply_field_by_field() -> None:
    catalog = load_repository(VALID).catalog
    assert catalog is not None

    staging = catalog.for_environment("staging").account("orders-sync")
    prod = catalog.for_environment("prod").account("orders-sync")

    assert staging is not None and prod is not None
    assert staging.token_lifetime_minutes == 120
    assert staging.scopes == ("mcp:projects:read", "mcp:projects:write")
    assert prod.scopes == ("mcp:projects:read",)
    assert prod.token_lifetime_minutes == 45
    # period and force overridden, grace inherited
    assert prod.rotation == Rotation(period_days=30, grace_days=5, force=2)


def test_account_absent_from_an_environment_is_not_in_its_view() -> None:
    catalog = load_repository(VALID).catalog
    assert catalog is not None

    assert catalog.for_environment("staging").account("invoice-export") is None
    assert [a.name for a in catalog.for_environment("staging").accounts] == ["orders-sync"]


def test_status_override_disables_in_one_environment_only() -> None:
    catalog = load_repository(VALID).catalog
    assert catalog is not None

    prod = catalog.for_environment("prod").account("invoice-export")
    dev = catalog.for_environment("dev").account("invoice-export")

    assert prod is not None and not prod.enabled
    assert dev is not None and dev.enabled


def test_unknown_environment_view_is_refused() -> None:
    catalog = load_repository(VALID).catalog
    assert catalog is not None

    with pytest.raises(KeyError, match="unknown environment 'qa'"):
        catalog.for_environment("qa")


def test_model_objects_are_immutable() -> None:
    catalog = load_repository(VALID).catalog
    assert catalog is not None
    account = catalog.accounts[0]

    with pytest.raises(AttributeError):
        account.name = "renamed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        account.environments["qa"] = account.environments["dev"]  # type: ignore[index]


def test_stack_environment_defaults_to_the_stack_name(repo: Path) -> None:
    (repo / "Pulumi.sandbox.yaml").write_text("config: {}\n")

    result = load_repository(repo)

    assert {stack.name: stack.environment for stack in result.stacks}["sandbox"] == "sandbox"


def test_zero_grace_for_a_private_key_is_a_warning_and_the_account_still_loads(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(DEFINITION_FIXTURES / "warnings" / "zero-grace.yaml", repo / "service_accounts" / "zero-grace.yaml")

    assert main(["validate", "--root", str(repo)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "service_accounts/zero-grace.yaml:9:15: warning: grace_days 0 removes the previous key in the same update"
        " that adds the new one: consumers fail until they re-read the bundle; 1 or more keeps rotation seamless",
        "ok: 1 file checked, 1 warning",
    ]
    catalog = load_repository(repo).catalog
    assert catalog is not None and [account.name for account in catalog.accounts] == ["zero-grace"]
