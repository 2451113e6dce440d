"""Stack-wide rules over a compliant two-account stack, one change per test.

The baseline looks like a preview of a first `pulumi up`: app ids are unknown, and only the
engine's property dependencies tie each access policy to its app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pulumi
import pytest
from pulumi_policy import StackValidationPolicy
from svcaccounts_policies.okta_apps import OAUTH_APP as APP_TYPE
from svcaccounts_policies.okta_auth import SERVER_POLICY as POLICY_TYPE
from svcaccounts_policies.okta_auth import SERVER_POLICY_RULE as RULE_TYPE
from svcaccounts_policies.pack import POLICIES
from svcaccounts_policies.stack import SERVICE_ACCOUNT_COMPONENT

from tests.support.policy_baselines import (
    OAUTH_APP,
    SERVER_POLICY,
    SERVER_POLICY_RULE,
    UNKNOWN_ARRAY,
    UNKNOWN_STRING,
    in_environment,
)
from tests.support.policy_evaluator import Registered, Report, evaluate, urn_for

STACK_POLICIES = tuple(policy for policy in POLICIES if isinstance(policy, StackValidationPolicy))
PRIVILEGED = "privileged-scopes-allowlisted"
ADMIN = "mcp:users:admin"


def child_urn(resource_type: str, name: str) -> str:
    return urn_for(f"{SERVICE_ACCOUNT_COMPONENT}${resource_type}", name)


def account(name: str, *, scopes: tuple[str, ...] = ("mcp:projects:read",)) -> list[Registered]:
    component = urn_for(SERVICE_ACCOUNT_COMPONENT, name)
    app = child_urn(APP_TYPE, f"{name}-app")
    policy = child_urn(POLICY_TYPE, f"{name}-policy")
    rule = child_urn(RULE_TYPE, f"{name}-rule")
    return [
        Registered(component, SERVICE_ACCOUNT_COMPONENT, name, {}),
        Registered(app, APP_TYPE, f"{name}-app", {**OAUTH_APP, "label": f"{name} (prod)"}, parent=component),
        Registered(
            policy,
            POLICY_TYPE,
            f"{name}-policy",
            {**SERVER_POLICY, "clientWhitelists": [UNKNOWN_STRING]},
            parent=component,
            dependencies=(app,),
            property_dependencies={"clientWhitelists": (app,)},
        ),
        Registered(
            rule,
            RULE_TYPE,
            f"{name}-rule",
            {**SERVER_POLICY_RULE, "policyId": UNKNOWN_STRING, "scopeWhitelists": list(scopes)},
            parent=component,
            dependencies=(policy,),
            property_dependencies={"policyId": (policy,)},
        ),
    ]


def baseline_stack() -> list[Registered]:
    return [*account("mcp-project-service"), *account("user-admin", scopes=(ADMIN,))]


def check(resources: list[Registered], environment: str = "prod", **privileged: object) -> Report:
    settings = {"privilegedScopes": [ADMIN], "allowedAccounts": ["user-admin"], **privileged}
    return evaluate(STACK_POLICIES, resources, config=in_environment(environment, **{PRIVILEGED: settings}))


def found(report: Report) -> list[tuple[str, str, str]]:
    assert report.not_run == ()
    return [(finding.policy, finding.message, finding.urn) for finding in report.violations]


def named(resources: list[Registered], name: str) -> Registered:
    return next(resource for resource in resources if resource.name == name)


def swap(resources: list[Registered], new: Registered) -> list[Registered]:
    return [new if resource.urn == new.urn else resource for resource in resources]


def test_compliant_stack_has_no_violations() -> None:
    report = check(baseline_stack())
    assert found(report) == []
    assert report.not_applicable == ()


def test_app_without_access_policy_is_reported() -> None:
    resources = [r for r in baseline_stack() if r.name != "user-admin-policy"]
    app = named(resources, "user-admin-app")
    assert found(check(resources)) == [
        (
            "okta-service-app-one-access-policy",
            "service app user-admin-app is named by no access policy, so it gets no tokens, or "
            "whatever a catch-all policy grants. Create one okta.auth.ServerPolicy with "
            "client_whitelists=[app.id] and one rule with the account's scopes.",
            app.urn,
        )
    ]


def test_app_named_by_two_policies_is_reported() -> None:
    resources = baseline_stack()
    app = named(resources, "mcp-project-service-app")
    other = named(resources, "user-admin-policy")
    resources = swap(
        resources,
        replace(other, property_dependencies={"clientWhitelists": (app.urn,)}, dependencies=(app.urn,)),
    )
    assert [(policy, message) for policy, message, _ in found(check(resources))] == [
        (
            "okta-service-app-one-access-policy",
            "service app mcp-project-service-app is named by 2 access policies "
            "(mcp-project-service-policy, user-admin-policy); Okta applies the first match by "
            "priority, so what the account may get depends on ordering. Keep exactly one "
            "okta.auth.ServerPolicy per app.",
        ),
        (
            "okta-service-app-one-access-policy",
            "service app user-admin-app is named by no access policy, so it gets no tokens, or "
            "whatever a catch-all policy grants. Create one okta.auth.ServerPolicy with "
            "client_whitelists=[app.id] and one rule with the account's scopes.",
        ),
    ]


def test_literal_client_id_matching_a_deployed_app_relates_them() -> None:
    resources = baseline_stack()
    app = named(resources, "user-admin-app")
    policy = named(resources, "user-admin-policy")
    resources = swap(resources, replace(app, outputs={**app.inputs, "clientId": "0oa1useradmin"}))
    resources = swap(
        resources,
        replace(
            policy,
            inputs={**policy.inputs, "clientWhitelists": ["0oa1useradmin"]},
            property_dependencies={},
            dependencies=(),
        ),
    )
    assert found(check(resources)) == []


def test_unrelatable_policy_suppresses_no_policy_findings() -> None:
    resources = baseline_stack()
    policy = named(resources, "user-admin-policy")
    resources = swap(
        resources,
        replace(
            policy,
            inputs={**policy.inputs, "clientWhitelists": UNKNOWN_ARRAY},
            property_dependencies={},
            dependencies=(),
        ),
    )
    assert found(check(resources)) == []


def test_labels_equal_but_for_case_are_reported_on_both_apps() -> None:
    resources = baseline_stack()
    first = named(resources, "mcp-project-service-app")
    second = named(resources, "user-admin-app")
    resources = swap(
        resources, replace(second, inputs={**second.inputs, "label": "MCP-Project-Service (PROD)"})
    )
    assert found(check(resources)) == [
        (
            "okta-app-labels-unique",
            "app mcp-project-service-app has the same label as user-admin-app; admins and audit "
            "logs tell apps apart by label. Give each app a label with its account name and "
            "environment.",
            first.urn,
        ),
        (
            "okta-app-labels-unique",
            "app user-admin-app has the same label as mcp-project-service-app; admins and audit "
            "logs tell apps apart by label. Give each app a label with its account name and "
            "environment.",
            second.urn,
        ),
    ]


def test_privileged_scope_for_account_off_the_allowlist_is_reported() -> None:
    resources = baseline_stack()
    rule = named(resources, "mcp-project-service-rule")
    resources = swap(
        resources, replace(rule, inputs={**rule.inputs, "scopeWhitelists": ["mcp:projects:read", ADMIN]})
    )
    assert found(check(resources)) == [
        (
            PRIVILEGED,
            "rule mcp-project-service-rule grants privileged scope mcp:users:admin in prod to "
            "account mcp-project-service, which is not on the allowlist. Remove the scope from the "
            "account's prod scopes, or after review add mcp-project-service to allowedAccounts in "
            "this policy's config.",
            rule.urn,
        )
    ]


def test_wildcard_scope_grants_every_privileged_scope() -> None:
    resources = baseline_stack()
    rule = named(resources, "mcp-project-service-rule")
    resources = swap(resources, replace(rule, inputs={**rule.inputs, "scopeWhitelists": ["*"]}))
    messages = [
        message for _, message, _ in found(check(resources, privilegedScopes=[ADMIN, "mcp:billing:admin"]))
    ]
    assert messages == [
        "rule mcp-project-service-rule grants privileged scopes mcp:users:admin, mcp:billing:admin "
        "in prod to account mcp-project-service, which is not on the allowlist. Remove the scopes "
        "from the account's prod scopes, or after review add mcp-project-service to "
        "allowedAccounts in this policy's config."
    ]


def test_privileged_rule_outside_any_service_account_is_reported() -> None:
    resources = baseline_stack()
    rule = named(resources, "user-admin-rule")
    resources = swap(resources, replace(rule, parent=None))
    assert found(check(resources)) == [
        (
            PRIVILEGED,
            "rule user-admin-rule grants privileged scope mcp:users:admin in prod but belongs to no "
            "service account, so no allowlist entry can cover it. Grant privileged scopes only "
            "through a service account definition.",
            rule.urn,
        )
    ]


def test_privileged_scopes_are_not_restricted_outside_prod() -> None:
    report = check(baseline_stack(), environment="staging", allowedAccounts=[])
    assert found(report) == []
    assert report.not_applicable == ((PRIVILEGED, "applies to production stacks only; this stack is staging"),)


def test_a_catalog_with_nothing_privileged_passes() -> None:
    # The generated configuration of such a catalog says privilegedScopes: [].
    assert found(check(baseline_stack(), privilegedScopes=[])) == []


def test_without_configured_privileged_scopes_a_production_stack_is_a_violation() -> None:
    # Fail closed: a pack run without its generated configuration must not pass a privileged grant.
    report = check(baseline_stack(), privilegedScopes=None)
    assert found(report) == [
        (
            PRIVILEGED,
            "no privilegedScopes are configured for this policy in a production stack: run the pack "
            "with its generated configuration (--policy-pack-config policies/policy-config.json, "
            "written by `svcaccounts policy-config`).",
            "",
        )
    ]


def _admin_for_project_service() -> list[Registered]:
    granted = account("mcp-project-service", scopes=(ADMIN,))
    return swap(baseline_stack(), named(granted, "mcp-project-service-rule"))


def _policies(report: Report) -> set[str]:
    return {policy for policy, _, _ in found(report)}


def test_a_stack_named_production_gets_the_strict_rule() -> None:
    # diff treated `production` as production and the pack did not: both now agree.
    assert _policies(check(_admin_for_project_service(), environment="production")) == {PRIVILEGED}


@pytest.fixture
def stack_config() -> Iterator[Callable[[dict[str, str]], None]]:
    yield lambda values: pulumi.runtime.set_all_config(values)
    pulumi.runtime.set_all_config({})


def test_the_production_flag_makes_any_environment_strict(stack_config: Callable[[dict[str, str]], None]) -> None:
    stack_config({"svcaccounts:production": "true"})
    assert _policies(check(_admin_for_project_service(), environment="dev")) == {PRIVILEGED}
    stack_config({"svcaccounts:production": "false"})
    assert _policies(check(_admin_for_project_service(), environment="prod")) == set()


def test_the_policy_setting_overrides_the_stack_config(stack_config: Callable[[dict[str, str]], None]) -> None:
    stack_config({"svcaccounts:production": "false"})
    settings = {"privilegedScopes": [ADMIN], "allowedAccounts": ["user-admin"], "production": True}
    report = evaluate(STACK_POLICIES, _admin_for_project_service(), config=in_environment("dev", **{PRIVILEGED: settings}))
    assert _policies(report) == {PRIVILEGED}
