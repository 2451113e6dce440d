"""The preflight analysis, directly: one sound server (no finding) as the baseline, then one
change per case, with its siblings (inactive, lower priority, another grant type only, ...).

Records are read from the same Okta-shaped JSON the loopback org serves (tests/support/okta_server.py),
so the analysis sees exactly what the reader would give it.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest

from svcaccounts.core.contracts.okta_import_file import ImportedResources
from svcaccounts.core.okta_preflight import (
    DesiredAccount,
    DesiredServer,
    KnownManaged,
    PolicyWithRules,
    PreflightReport,
    ServerSnapshot,
    preflight,
)
from svcaccounts.core.okta_records import (
    ALL_CLIENTS,
    AccessPolicy,
    AuthorizationServer,
    OktaApp,
    PolicyRule,
    Scope,
)
from tests.support.okta_server import policy, rule, scope, service_app

READER = "0oa00000000000000001"
WRITER = "0oa00000000000000002"
OTHER = "0oa00000000000000009"

DESIRED = DesiredServer(
    stack="prod",
    environment="prod",
    server_id="aus1prod",
    owns_scopes=False,
    catalog_scopes=("orders:read", "orders:write", "orders:admin"),
    accounts=(
        DesiredAccount("orders-reader", "orders-reader (prod)", ("orders:read",)),
        DesiredAccount("orders-writer", "orders-writer (prod)", ("orders:read", "orders:write")),
    ),
)
DEPLOYED = KnownManaged(
    deployed_clients=MappingProxyType({"orders-reader": READER, "orders-writer": WRITER}),
    deployed_source="outputs.json",
)


def _policy(body: dict[str, Any], rules: list[dict[str, Any]]) -> PolicyWithRules:
    return PolicyWithRules(
        AccessPolicy.read(body, "test"), tuple(PolicyRule.read(item, "test") for item in rules)
    )


def per_account_policies() -> list[PolicyWithRules]:
    """The stack's own policies, as the program deploys them (one client, one rule each)."""
    return [
        _policy(
            policy("pol1", "orders-reader (prod)", [READER], priority=1),
            [rule("rul1", "orders-reader client credentials", ["orders:read"])],
        ),
        _policy(
            policy("pol2", "orders-writer (prod)", [WRITER], priority=2),
            [rule("rul2", "orders-writer client credentials", ["orders:read", "orders:write"])],
        ),
    ]


def snapshot(
    *extra: PolicyWithRules,
    scopes: list[dict[str, Any]] | None = None,
    apps: list[dict[str, Any]] | None = None,
    own_policies: bool = True,
) -> ServerSnapshot:
    server_scopes = (
        scopes
        if scopes is not None
        else [
            scope("scp1", "orders:read"),
            scope("scp2", "orders:write"),
            scope("scp3", "orders:admin"),
        ]
    )
    server_apps = (
        apps
        if apps is not None
        else [
            service_app(READER, "orders-reader (prod)"),
            service_app(WRITER, "orders-writer (prod)"),
        ]
    )
    return ServerSnapshot(
        server=AuthorizationServer("aus1prod", "svcaccounts", "ACTIVE", ("api://svc",), None),
        scopes=tuple(Scope.read(item, "test") for item in server_scopes),
        policies=(*(per_account_policies() if own_policies else []), *extra),
        apps=tuple(OktaApp.read(item, "test") for item in server_apps),
    )


def run(
    server: ServerSnapshot, known: KnownManaged = DEPLOYED, desired: DesiredServer = DESIRED
) -> PreflightReport:
    return preflight(desired, server, known)


def only(report: PreflightReport) -> tuple[str, str, str | None, str]:
    (finding,) = report.findings
    return finding.rule, finding.severity, finding.account, finding.message


def catch_all(
    *rules: dict[str, Any], priority: int = 3, status: str = "ACTIVE", clients: list[str] | None = None
) -> PolicyWithRules:
    return _policy(
        policy("pol9", "Default Policy", clients or [ALL_CLIENTS], priority=priority, status=status),
        list(rules),
    )


# --- the baseline -------------------------------------------------------------------------------


def test_a_server_that_holds_only_the_stacks_own_policies_has_no_finding() -> None:
    report = run(snapshot())
    assert report.findings == ()
    assert not report.high
    assert report.server_name == "svcaccounts"
    assert any("known from the deployed outputs (outputs.json): 2 accounts" in note for note in report.notes)


# --- policies for ALL_CLIENTS -------------------------------------------------------------------


def test_an_all_clients_policy_after_the_stacks_granting_every_scope_is_high() -> None:
    report = run(snapshot(catch_all(rule("rul9", "Default Policy Rule", ["*"]))))
    assert only(report) == (
        "all-clients-policy",
        "high",
        None,
        "policy `Default Policy` (priority 3) applies to all clients; rule `Default Policy Rule` grants "
        "every scope (`*`) to `client_credentials`; Okta falls through to it whenever an account's own "
        "rule does not match, so every account can get these scopes; deactivate or delete the policy "
        "(or those rules), or give the stack a server of its own",
    )
    assert report.high


def test_an_all_clients_policy_before_the_stacks_is_high_too_and_says_it_answers_first() -> None:
    report = run(snapshot(catch_all(rule("rul9", "any", ["*"]), priority=0)))
    rule_name, severity, _, message = only(report)
    assert (rule_name, severity) == ("all-clients-policy", "high")
    assert (
        "Okta tries it before the stack's own policies, so it answers every account's token request"
        in message
    )


def test_before_a_first_deploy_an_all_clients_policy_comes_before_the_policies_the_program_appends() -> None:
    report = run(
        snapshot(catch_all(rule("rul9", "any", ["*"]), priority=1), own_policies=False, apps=[]),
        KnownManaged(),
    )
    assert "Okta tries it before the stack's own policies" in only(report)[3]


def test_an_all_clients_rule_naming_one_catalog_scope_is_high() -> None:
    report = run(snapshot(catch_all(rule("rul9", "admins", ["orders:admin", "profile"]))))
    rule_name, severity, _, message = only(report)
    assert (rule_name, severity) == ("all-clients-policy", "high")
    assert "rule `admins` grants `orders:admin` to `client_credentials`" in message
    assert "profile" not in message


def test_an_all_clients_rule_for_another_grant_type_only_is_medium() -> None:
    report = run(snapshot(catch_all(rule("rul9", "users", ["*"], grant_types=("authorization_code",)))))
    rule_name, severity, _, message = only(report)
    assert (rule_name, severity) == ("all-clients-policy", "medium")
    assert "grants every scope (`*`) to `authorization_code`; not to client credentials" in message


def test_an_inactive_all_clients_policy_is_low() -> None:
    report = run(snapshot(catch_all(rule("rul9", "any", ["*"]), status="INACTIVE")))
    rule_name, severity, _, message = only(report)
    assert (rule_name, severity) == ("all-clients-policy", "low")
    assert "(priority 3, inactive)" in message
    assert "would grant every scope" in message


def test_an_inactive_rule_of_an_active_all_clients_policy_is_low() -> None:
    report = run(snapshot(catch_all(rule("rul9", "any", ["*"], status="INACTIVE"))))
    rule_name, severity, _, message = only(report)
    assert (rule_name, severity) == ("all-clients-policy", "low")
    assert "rule `any` (inactive) would grant" in message


def test_an_inactive_rule_does_not_hide_an_active_one_beside_it() -> None:
    report = run(
        snapshot(
            catch_all(
                rule("rul8", "old", ["*"], status="INACTIVE"),
                rule("rul9", "new", ["orders:write"], priority=2),
            )
        )
    )
    assert only(report)[1] == "high"


def test_an_all_clients_policy_whose_rules_grant_no_catalog_scope_is_info() -> None:
    report = run(snapshot(catch_all(rule("rul9", "profile", ["profile", "email"]))))
    assert only(report)[:2] == ("all-clients-policy", "info")
    assert "none of its rules grants a catalog scope or every scope" in only(report)[3]


def test_a_default_catalog_scope_granted_to_all_clients_is_named() -> None:
    scopes = [
        scope("scp1", "orders:read", default=True),
        scope("scp2", "orders:write"),
        scope("scp3", "orders:admin"),
    ]
    report = run(snapshot(catch_all(rule("rul9", "any", ["*"])), scopes=scopes))
    findings = {finding.rule: finding for finding in report.findings}
    assert "given even to a client that asks for no scope (default on this server): `orders:read`" in (
        findings["all-clients-policy"].message
    )
    assert findings["catalog-scope-default"].severity == "medium"


# --- policies for clients the stack does not manage ---------------------------------------------


def test_a_policy_for_another_client_granting_a_catalog_scope_is_high_and_names_it() -> None:
    apps = [
        service_app(READER, "orders-reader (prod)"),
        service_app(WRITER, "orders-writer (prod)"),
        service_app(OTHER, "billing batch"),
    ]
    other = _policy(
        policy("pol5", "billing", [OTHER], priority=3), [rule("rul5", "billing", ["orders:write"])]
    )
    rule_name, severity, account, message = only(run(snapshot(other, apps=apps)))
    assert (rule_name, severity, account) == ("unmanaged-client-policy", "high", None)
    assert message.startswith(
        "policy `billing` (priority 3) names clients the stack does not manage: `0oa00000000000000009 (billing batch)`"
    )
    assert "access the definitions do not show" in message


def test_a_stack_policy_that_also_names_another_client_is_unmanaged() -> None:
    mixed = _policy(
        policy("pol5", "shared", [READER, OTHER], priority=3), [rule("rul5", "r", ["orders:read"])]
    )
    rule_name, severity, _, message = only(run(snapshot(mixed)))
    assert (rule_name, severity) == ("unmanaged-client-policy", "high")
    assert "`0oa00000000000000009`" in message and READER not in message


def test_a_policy_for_another_client_that_grants_other_scopes_only_is_info() -> None:
    other = _policy(policy("pol5", "web", [OTHER], priority=3), [rule("rul5", "web", ["profile"])])
    assert only(run(snapshot(other)))[:2] == ("unmanaged-client-policy", "info")


def test_without_known_clients_the_stacks_own_policies_count_as_unmanaged_and_a_note_says_why() -> None:
    report = run(snapshot(), KnownManaged())
    assert [(f.rule, f.severity) for f in report.findings] == [
        ("unmanaged-client-policy", "high"),
        ("unmanaged-client-policy", "high"),
        # And the program would create a second app beside each of the stack's own.
        ("app-label-taken", "medium"),
        ("app-label-taken", "medium"),
    ]
    assert any("no import file and no deployed outputs" in note for note in report.notes)


# --- rules beyond the per-account policies' grants ---------------------------------------------


def test_an_extra_rule_in_an_accounts_policy_granting_every_scope_is_high() -> None:
    policies = per_account_policies()
    policies[0] = replace(
        policies[0], rules=(*policies[0].rules, PolicyRule.read(rule("rul7", "wide", ["*"], priority=2), "t"))
    )
    server = replace(snapshot(), policies=tuple(policies))
    rule_name, severity, account, message = only(run(server))
    assert (rule_name, severity, account) == ("rule-grants-beyond-definitions", "high", "orders-reader")
    assert (
        "policy `orders-reader (prod)` (priority 1) of `orders-reader` has rules beyond the definitions"
        in message
    )


def test_a_rule_granting_a_catalog_scope_the_account_lacks_is_high_and_one_it_has_is_not_reported() -> None:
    policies = per_account_policies()
    extra = PolicyRule.read(rule("rul7", "more", ["orders:read", "orders:admin"], priority=2), "t")
    policies[1] = replace(policies[1], rules=(*policies[1].rules, extra))
    rule_name, severity, _, message = only(run(replace(snapshot(), policies=tuple(policies))))
    assert (rule_name, severity) == ("rule-grants-beyond-definitions", "high")
    assert "grants `orders:admin` to" in message and "`orders:read`" not in message


def test_a_rule_for_an_account_the_definitions_no_longer_have_is_left_to_the_deploy() -> None:
    desired = replace(DESIRED, accounts=DESIRED.accounts[1:])
    assert [f.rule for f in run(snapshot(), desired=desired).findings] == []


# --- scopes -------------------------------------------------------------------------------------


def test_referenced_catalog_scopes_missing_from_the_server_used_high_unused_low() -> None:
    report = run(snapshot(scopes=[scope("scp1", "orders:read")]))
    assert [(f.rule, f.severity, f.message.split(" is ")[0]) for f in report.findings] == [
        ("catalog-scope-missing", "high", "scope `orders:write`"),
        ("catalog-scope-missing", "low", "scope `orders:admin`"),
    ]


def test_before_its_first_deploy_a_stack_that_owns_its_scopes_collides_with_existing_ones() -> None:
    desired = replace(DESIRED, owns_scopes=True)
    server = snapshot(
        scopes=[scope("scp1", "orders:read"), scope("scp4", "profile")], own_policies=False, apps=[]
    )
    report = run(server, KnownManaged(), desired)
    rule_name, severity, _, message = only(report)
    assert (rule_name, severity) == ("catalog-scope-exists", "high")
    assert message.startswith("scope `orders:read` already exists on the server and the stack creates it")


def test_a_deployed_stack_that_owns_its_scopes_finds_its_own_scopes_on_the_server() -> None:
    report = run(snapshot(), desired=replace(DESIRED, owns_scopes=True))
    assert report.findings == ()
    assert "the stack has deployed: the catalog scopes on the server are taken to be its own" in report.notes


def test_a_stack_that_owns_no_existing_scope_has_no_scope_finding() -> None:
    assert run(snapshot(scopes=[]), desired=replace(DESIRED, owns_scopes=True)).findings == ()


def test_an_adopted_catalog_scope_is_no_collision() -> None:
    imported = ImportedResources(
        apps=MappingProxyType({}),
        policies=MappingProxyType({}),
        rules=MappingProxyType({}),
        scopes=MappingProxyType({"scope-orders:read": "scp1"}),
        server_ids=frozenset({"aus1prod"}),
    )
    known = KnownManaged(imported=imported, import_source="import/prod.json")
    desired = replace(DESIRED, owns_scopes=True)
    server = snapshot(scopes=[scope("scp1", "orders:read")], own_policies=False, apps=[])
    assert run(server, known, desired).findings == ()


# --- apps ---------------------------------------------------------------------------------------


def test_a_label_the_program_would_create_that_an_app_already_has() -> None:
    known = replace(DEPLOYED, deployed_clients=MappingProxyType({"orders-writer": WRITER}))
    apps = [service_app(OTHER, "orders-reader (prod)"), service_app(WRITER, "orders-writer (prod)")]
    policies = (per_account_policies()[1],)
    server = replace(snapshot(apps=apps), policies=policies)
    assert only(run(server, known))[:3] == ("app-label-taken", "medium", "orders-reader")


def test_a_managed_app_under_another_label_is_renamed_by_the_deploy() -> None:
    apps = [service_app(READER, "legacy reader"), service_app(WRITER, "orders-writer (prod)")]
    assert only(run(snapshot(apps=apps))) == (
        "app-label-differs",
        "low",
        "orders-reader",
        "app `0oa00000000000000001` exists under the label `legacy reader`; the deploy renames it to "
        "`orders-reader (prod)`",
    )


@pytest.mark.parametrize(
    ("changes", "severity"),
    [
        ({"grant_types": ("client_credentials", "authorization_code")}, "high"),
        ({"grant_types": ("client_credentials", "authorization_code"), "status": "INACTIVE"}, "medium"),
        ({"application_type": "web"}, "medium"),
        ({"grant_types": ("authorization_code",)}, "high"),
    ],
)
def test_a_managed_app_that_is_not_a_client_credentials_service_app(
    changes: dict[str, Any], severity: str
) -> None:
    apps = [
        service_app(READER, "orders-reader (prod)", **changes),
        service_app(WRITER, "orders-writer (prod)"),
    ]
    assert only(run(snapshot(apps=apps)))[:3] == ("managed-app-shape", severity, "orders-reader")


def test_a_deployed_client_the_org_no_longer_has() -> None:
    apps = [service_app(WRITER, "orders-writer (prod)")]
    rule_name, severity, account, message = only(run(snapshot(apps=apps)))
    assert (rule_name, severity, account) == ("managed-app-missing", "medium", "orders-reader")
    assert "run `pulumi refresh` before `pulumi up`" in message


# --- what the import file says the stack manages ------------------------------------------------


def imported(**resources: dict[str, str]) -> KnownManaged:
    return KnownManaged(
        imported=ImportedResources(
            apps=MappingProxyType(resources.get("apps", {})),
            policies=MappingProxyType(resources.get("policies", {})),
            rules=MappingProxyType(resources.get("rules", {})),
            scopes=MappingProxyType(resources.get("scopes", {})),
            server_ids=frozenset({"aus1prod"}),
        ),
        import_source="import/prod.json",
    )


def test_apps_adopted_by_the_import_file_are_managed_clients() -> None:
    known = imported(apps={"orders-reader-app": READER, "orders-writer-app": WRITER})
    report = run(snapshot(), known)
    assert report.findings == ()
    assert any("known from import/prod.json: 2 apps" in note for note in report.notes)


def test_an_adopted_all_clients_policy_is_narrowed_by_the_deploy_but_its_other_rules_are_not() -> None:
    legacy = _policy(
        policy("pol7", "legacy", [ALL_CLIENTS], priority=1),
        [rule("rul7", "reader", ["orders:read"]), rule("rul8", "everything", ["*"], priority=2)],
    )
    known = imported(
        apps={"orders-reader-app": READER, "orders-writer-app": WRITER},
        policies={"orders-reader-policy": "pol7"},
        rules={"orders-reader-rule": "rul7"},
    )
    server = replace(snapshot(), policies=(legacy, per_account_policies()[1]))
    rule_name, severity, account, message = only(run(server, known))
    assert (rule_name, severity, account) == ("rule-grants-beyond-definitions", "high", "orders-reader")
    assert "rule `everything` grants every scope" in message and "`reader`" not in message


def test_an_app_the_import_file_adopts_that_the_org_does_not_have() -> None:
    known = imported(apps={"orders-reader-app": "0oa0000000000000gone", "orders-writer-app": WRITER})
    report = run(snapshot(), known)
    assert [(f.rule, f.severity, f.account) for f in report.findings] == [
        ("unmanaged-client-policy", "high", None),
        ("managed-app-missing", "medium", "orders-reader"),
        ("app-label-taken", "medium", "orders-reader"),
    ]


# --- ordering and hostile names -----------------------------------------------------------------


def test_findings_come_highest_first_then_in_okta_order() -> None:
    report = run(
        snapshot(
            catch_all(rule("rul9", "profile", ["profile"]), priority=3),
            _policy(policy("pol8", "second", [ALL_CLIENTS], priority=4), [rule("rul8", "r", ["*"])]),
        )
    )
    assert [(f.severity, f.message.split(" (")[0]) for f in report.findings] == [
        ("high", "policy `second`"),
        ("info", "policy `Default Policy`"),
    ]


def test_names_from_okta_are_kept_apart_from_our_words() -> None:
    hostile = "x` | <b>@team\n| forged |"
    report = run(
        snapshot(_policy(policy("pol9", hostile, [ALL_CLIENTS], priority=3), [rule("rul9", hostile, ["*"])]))
    )
    (finding,) = report.findings
    quoted = [part.value for part in finding.parts if not isinstance(part, str)]
    assert quoted.count(hostile) == 2
    assert all(hostile not in part for part in finding.parts if isinstance(part, str))
