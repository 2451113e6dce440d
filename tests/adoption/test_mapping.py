"""The pure core of an import: Okta records in, names, refusals and windows out (no HTTP)."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

import pytest

from svcaccounts.adoption.inventory import OrgInventory
from svcaccounts.adoption.mapping import (
    account_name_from_label,
    adoption_state,
    adoption_window_end,
    plan_import,
)
from svcaccounts.core.adoption import MIN_WINDOW_DAYS
from svcaccounts.core.clock import parse_instant
from svcaccounts.core.model import Rotation
from svcaccounts.core.okta_records import (
    AccessPolicy,
    AuthorizationServer,
    OktaApp,
    PolicyRule,
    PublicKey,
    Scope,
)
from svcaccounts.core.rotation import rotation_state

AT = parse_instant("2025-06-15T12:00:00Z")
SERVER = AuthorizationServer("aus1", "legacy", "ACTIVE", ("api://x",), None)


def app(app_id: str, label: str, auth: str = "client_secret_basic") -> OktaApp:
    return OktaApp(
        app_id, label, "ACTIVE", "OPENID_CONNECT", None, app_id, "service", ("client_credentials",), auth
    )


def pol(policy_id: str, *clients: str) -> AccessPolicy:
    return AccessPolicy(policy_id, policy_id, "ACTIVE", 1, False, clients)


def rul(rule_id: str, *scopes: str) -> PolicyRule:
    return PolicyRule(rule_id, rule_id, "ACTIVE", 1, ("client_credentials",), scopes, 60)


def inventory(apps: list[OktaApp], policies: list[AccessPolicy], rules: dict[str, tuple[PolicyRule, ...]],
              keys: dict[str, tuple[PublicKey, ...]] | None = None) -> OrgInventory:  # fmt: skip
    return OrgInventory(
        SERVER, tuple(apps), (Scope("s1", "read", None, False, False),), tuple(policies),
        MappingProxyType(rules), MappingProxyType(keys or {}),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Billing Sync (prod)", "billing-sync"),
        ("Billing Sync (staging)", "billing-sync-staging"),
        ("42 Reporter", "app-42-reporter"),
        ("ab", "ab-app"),
        ("Ünïcode Çlient", "unicode-client"),
        ("x" * 60, "x" * 41),
        ("!!!", "app"),
    ],
)
def test_a_label_becomes_a_schema_valid_name(label: str, name: str) -> None:
    assert account_name_from_label(label, "prod") == name


def test_the_same_org_in_any_order_gives_the_same_names() -> None:
    apps = [app("0oa2", "Sync"), app("0oa1", "sync")]
    policies = [pol("p1", "0oa1"), pol("p2", "0oa2")]
    rules = {"p1": (rul("r1", "read"),), "p2": (rul("r2", "read"),)}
    first = plan_import(
        inventory(apps, policies, rules), environment="prod", existing_accounts=(), catalog_scopes=()
    )
    second = plan_import(
        inventory(apps[::-1], policies[::-1], rules),
        environment="prod",
        existing_accounts=(),
        catalog_scopes=(),
    )
    assert [(a.name, a.app.id) for a in first.accounts] == [("sync", "0oa1"), ("sync-2", "0oa2")]
    assert first == second


def test_an_app_only_a_catch_all_policy_applies_to_is_not_adopted_and_the_policy_is_reported() -> None:
    result = plan_import(
        inventory([app("0oa1", "Sync")], [pol("p9", "ALL_CLIENTS")], {"p9": (rul("r9", "read"),)}),
        environment="prod", existing_accounts=(), catalog_scopes=(),
    )  # fmt: skip
    assert result.accounts == ()
    assert [(f.kind, f.subject) for f in result.findings] == [
        ("not-adopted", "app 0oa1 ('Sync')"),
        ("not-adopted", "policy p9 ('p9')"),
    ]


def test_a_policy_with_two_rules_is_not_taken_over() -> None:
    result = plan_import(
        inventory([app("0oa1", "Sync")], [pol("p1", "0oa1")], {"p1": (rul("r1", "read"), rul("r2", "read"))}),
        environment="prod", existing_accounts=(), catalog_scopes=(),
    )  # fmt: skip
    assert result.accounts == ()
    assert "has 2 active client_credentials rules" in result.findings[0].message


def test_an_ec_key_cannot_be_carried_over() -> None:
    key = PublicKey(
        "k", "ec-1", "ACTIVE", MappingProxyType({"kty": "EC", "crv": "P-256", "x": "a", "y": "b"})
    )
    result = plan_import(
        inventory([app("0oa1", "Sync", "private_key_jwt")], [pol("p1", "0oa1")], {"p1": (rul("r1", "read"),)},
                  {"0oa1": (key,)}),
        environment="prod", existing_accounts=(), catalog_scopes=(),
    )  # fmt: skip
    assert result.accounts == ()
    assert "holds a EC key" in result.findings[0].message


def test_the_window_ends_on_the_first_rotation_at_least_two_weeks_away() -> None:
    end = adoption_window_end("billing-sync", AT)
    assert end >= AT + timedelta(days=MIN_WINDOW_DAYS)
    schedule = rotation_state("billing-sync", Rotation(90, 7, 0), end)
    assert schedule.last_rotation == end  # a rotation boundary
    assert end - timedelta(days=90) < AT + timedelta(days=MIN_WINDOW_DAYS)  # the first such one


def test_adoption_state_keeps_keys_for_private_key_apps_and_secrets_for_the_others() -> None:
    key = PublicKey(
        "k", "old", "ACTIVE", MappingProxyType({"kty": "RSA", "n": "nn", "e": "AQAB", "kid": "old"})
    )
    apps = [app("0oa1", "Keyed", "private_key_jwt"), app("0oa2", "Secret")]
    result = plan_import(
        inventory(apps, [pol("p1", "0oa1"), pol("p2", "0oa2")], {"p1": (rul("r1", "read"),), "p2": (rul("r2", "read"),)},
                  {"0oa1": (key,)}),
        environment="prod", existing_accounts=(), catalog_scopes=(),
    )  # fmt: skip
    state = adoption_state(result, "prod", AT)
    assert [k.kid for k in state.accounts["keyed"].legacy_keys] == ["old"]
    assert not state.accounts["keyed"].keeps_secret
    assert state.accounts["secret"].keeps_secret and state.accounts["secret"].legacy_keys == ()
    assert [scope.name for scope in result.new_scopes] == ["read"]


def test_every_catalog_scope_on_the_server_is_adopted_even_when_no_imported_account_uses_it() -> None:
    # The program registers the whole catalog on the server; a catalog scope already there must
    # be imported, or `pulumi up` would try to create it a second time.
    org = inventory([app("0oa1", "Sync")], [pol("p1", "0oa1")], {"p1": (rul("r1", "read"),)})
    org = OrgInventory(
        org.server, org.apps, (*org.scopes, Scope("s2", "admin", None, False, False), Scope("s3", "other", None, False, False)),
        org.policies, org.rules, org.keys,
    )  # fmt: skip
    result = plan_import(org, environment="prod", existing_accounts=(), catalog_scopes=("admin",))
    assert dict(result.scope_ids) == {"admin": "s2", "read": "s1"}
