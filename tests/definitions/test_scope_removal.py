"""Removing never-used scopes by editing a definition's text: only the scopes change, every other
byte (comments, order, quoting, blank lines) stays."""

from __future__ import annotations

import pytest

from svcaccounts.core.model import Catalog
from svcaccounts.core.usage import ScopeRemoval
from svcaccounts.definitions.loader import load_files
from svcaccounts.definitions.scope_removal import EditRefused, propose_removals, remove_scopes
from tests.support.repository import FIXTURES

ROOT = FIXTURES / "usage-repo"
HEAD = """name: svc
description: A service
owner:
  team: t
  email: t@example.com
"""
ROTATION = "rotation:\n  period_days: 90\n  grace_days: 7\n"


def files(**definitions: str) -> dict[str, bytes]:
    repository = {
        path: (ROOT / path).read_bytes() for path in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "scopes.yaml")
    }
    for name, text in definitions.items():
        repository[f"service_accounts/team/{name}.yaml"] = text.encode()
    return repository


def catalog(repository: dict[str, bytes]) -> Catalog:
    loaded = load_files(repository).catalog
    assert loaded is not None
    return loaded


def edit(text: str, environment: str, *scopes: str) -> str:
    repository = files(svc=text)
    account = catalog(repository).account("svc")
    assert account is not None
    return remove_scopes(account.source, repository[account.source], account, environment, scopes).decode()


def test_a_flow_list_loses_the_scope_and_keeps_its_comment() -> None:
    text = HEAD + "scopes: [orders:read, \"orders:write\", reports:read]  # why\n" + ROTATION + "environments:\n  prod: {}\n"
    assert edit(text, "prod", "orders:write") == text.replace('[orders:read, "orders:write", reports:read]', "[orders:read, reports:read]")


def test_a_block_list_loses_the_line_of_the_scope_only() -> None:
    text = HEAD + "# chosen in FIN-1\nscopes:\n  - orders:read   # nightly\n  - orders:write  # year end\n\n" + ROTATION + "environments:\n  prod: {}\n"
    assert edit(text, "prod", "orders:write") == text.replace("  - orders:write  # year end\n", "")


def test_an_environment_override_is_edited_where_it_is() -> None:
    text = HEAD + "scopes: [reports:read]\n" + ROTATION + "environments:\n  dev: {}\n  prod:\n    scopes:\n      - reports:read\n      - orders:read\n"
    assert edit(text, "prod", "orders:read") == text.replace("      - orders:read\n", "")


def test_an_account_in_several_environments_gets_an_override_for_this_one() -> None:
    text = HEAD + "scopes: [orders:read, orders:write]\n" + ROTATION + "environments:\n  dev: {}\n  prod: {token_lifetime_minutes: 30}\n"
    assert edit(text, "prod", "orders:write") == text.replace("prod: {token_lifetime_minutes: 30}", "prod: {scopes: [orders:read], token_lifetime_minutes: 30}")
    block = HEAD + "scopes: [orders:read, orders:write]\n" + ROTATION + "environments:\n  dev: {}\n  prod:\n    # shorter in prod\n    token_lifetime_minutes: 30\n"
    assert edit(block, "prod", "orders:write") == block.replace("    token_lifetime_minutes: 30\n", "    scopes: [orders:read]\n    token_lifetime_minutes: 30\n")


def test_a_tagged_item_goes_with_its_tag() -> None:
    tagged = HEAD + "scopes:\n  - orders:read\n  - !!str orders:write\n" + ROTATION + "environments:\n  prod: {}\n"
    assert edit(tagged, "prod", "orders:write") == tagged.replace("  - !!str orders:write\n", "")


def test_a_removal_that_would_leave_no_scope_is_refused() -> None:
    every_scope = HEAD + "scopes: [orders:read]\n" + ROTATION + "environments:\n  prod: {}\n"
    with pytest.raises(EditRefused, match="would leave scopes empty"):
        edit(every_scope, "prod", "orders:read")


def test_a_proposal_is_checked_by_loading_the_result() -> None:
    repository = {path.relative_to(ROOT).as_posix(): path.read_bytes() for path in ROOT.rglob("*") if path.is_file()}
    before = catalog(repository)
    removals = [
        ScopeRemoval("orders-sync", "prod", ("reports:read",)),
        ScopeRemoval("invoice-export", "prod", ("invoices:export",)),
        ScopeRemoval("reports-reader", "prod", ("orders:read",)),
    ]
    proposal = propose_removals(repository, before, removals)
    assert proposal.refused == () and proposal.removed == tuple(removals)
    assert sorted(proposal.files) == [
        "service_accounts/finance/invoice-export.yaml",
        "service_accounts/shop/orders-sync.yaml",
        "service_accounts/shop/reports-reader.yaml",
    ]
    after = catalog({**repository, **proposal.files})
    for environment in ("dev", "prod"):
        old, new = before.for_environment(environment), after.for_environment(environment)
        changed = {a.name: a.scopes for a in new.accounts if a.scopes != (old.account(a.name) or a).scopes}
        assert changed == (
            {"orders-sync": ("orders:read", "orders:write"), "invoice-export": ("invoices:read",), "reports-reader": ("reports:read",)}
            if environment == "prod"
            else {}
        )


def test_a_removal_that_cannot_be_made_is_refused_and_the_others_still_are_made() -> None:
    repository = {path.relative_to(ROOT).as_posix(): path.read_bytes() for path in ROOT.rglob("*") if path.is_file()}
    removals = [ScopeRemoval("idle-job", "prod", ("reports:read",)), ScopeRemoval("invoice-export", "prod", ("invoices:export",))]
    proposal = propose_removals(repository, catalog(repository), removals)
    assert [(removal.account, reason) for removal, reason in proposal.refused] == [("idle-job", "removing them would leave scopes empty")]
    assert list(proposal.files) == ["service_accounts/finance/invoice-export.yaml"]
