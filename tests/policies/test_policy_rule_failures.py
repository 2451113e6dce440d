"""A rule must never crash on odd input: the ones that did are fixed, and any rule that still raises
reports a violation naming itself (pack.guarded wraps every rule once, where the pack is built)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE
from svcaccounts_policies.config import PolicyConfigError
from svcaccounts_policies.key_vault import KEY_VAULT_SECRET
from svcaccounts_policies.okta_apps import OAUTH_APP
from svcaccounts_policies.okta_auth import SERVER_POLICY_RULE
from svcaccounts_policies.pack import POLICIES, guarded

from tests.support.policy_baselines import BASELINES, NOW, baseline, check_resource, epoch_seconds, violations
from tests.support.policy_evaluator import Registered, evaluate, urn_for

FIX = "Set attributes.expires to the next rotation plus grace, at most 366 days ahead."


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


# --- the crashes the issue and a search found, fixed where they happened ------------------------


@pytest.mark.parametrize("expires", [1e300, 10**30, epoch_seconds("9999-12-31T23:59:59Z") + 1])
def test_an_expiry_after_the_year_9999_is_beyond_the_maximum(expires: float) -> None:
    props = baseline(KEY_VAULT_SECRET)
    props["properties"]["attributes"]["expires"] = expires

    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-expiry",
            "properties.attributes.expires lies after the year 9999, far beyond the maximum of 366 "
            "days: a bundle nobody rotates would stay valid that long. " + FIX,
        )
    ]


def test_the_last_second_of_the_year_9999_still_gets_its_date() -> None:
    props = baseline(KEY_VAULT_SECRET)
    props["properties"]["attributes"]["expires"] = epoch_seconds("9999-12-31T23:59:59Z")

    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-expiry",
            "properties.attributes.expires is 9999-12-31T23:59:59Z, 2912443 days from now, beyond "
            "the maximum of 366 days: a bundle nobody rotates would stay valid that long. " + FIX,
        )
    ]


@pytest.mark.parametrize(
    ("resource_type", "prop", "policy", "message"),
    [
        (
            OAUTH_APP,
            "grantTypes",
            "okta-app-client-credentials-only",
            "grantTypes is 1 other value; a service account may use only the client_credentials "
            'grant. Set grant_types=["client_credentials"].',
        ),
        (
            OAUTH_APP,
            "responseTypes",
            "okta-app-token-response-only",
            "responseTypes is 1 other value; the client credentials flow returns only an access "
            'token. Set response_types=["token"].',
        ),
        (
            SERVER_POLICY_RULE,
            "grantTypeWhitelists",
            "okta-policy-rule-client-credentials-only",
            "grantTypeWhitelists is 1 other value; a service account's rule may grant only "
            'client_credentials. Set grant_type_whitelists=["client_credentials"].',
        ),
    ],
)
def test_a_list_holding_a_map_is_a_violation_not_a_crash(
    resource_type: str, prop: str, policy: str, message: str
) -> None:
    props = baseline(resource_type)
    props[prop] = [{"type": "client_credentials"}]  # set() of this raised TypeError

    assert violations(resource_type, props) == [(policy, message)]


ODD_VALUES: dict[str, Any] = {
    "a map": {"a": {"b": 1}},
    "a list of maps": [{"a": 1}],
    "a nested list": [[["x"]]],
    "an empty list": [],
    "an empty map": {},
    "an empty string": "",
    "a boolean": True,
    "1e300": 1e300,
    "-1e300": -1e300,
    "10**30": 10**30,
    "a fraction": 0.5,
    "a negative number": -5,
    "100000 characters": "x" * 100_000,
}


def property_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "4dabf18193072939515e22adb298388d":  # the secret marker is wire format
                yield from property_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from property_paths(item, (*path, index))


def replaced(props: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(props)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize("resource_type", sorted(BASELINES))
def test_no_rule_fails_on_an_odd_value_in_any_property(resource_type: str) -> None:
    failed = [
        (path, name, finding.policy)
        for path in property_paths(BASELINES[resource_type])
        for name, value in ODD_VALUES.items()
        for finding in check_resource(
            resource_type, replaced(BASELINES[resource_type], path, value)
        ).violations
        if "could not check" in finding.message
    ]
    assert failed == []


# --- the net: any rule that still raises --------------------------------------------------------


def policy_raising(error: Exception) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        raise error

    return ResourceValidationPolicy(
        name="test-raises",
        description="Raises.",
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def subject() -> Registered:
    return Registered(urn_for(OAUTH_APP, "subject"), OAUTH_APP, "subject", baseline(OAUTH_APP))


def test_a_rule_that_raises_reports_a_violation_naming_itself_and_no_value() -> None:
    report = evaluate([guarded(policy_raising(ValueError("client_secret=hunter2")))], [subject()])

    assert [(finding.policy, finding.message) for finding in report.violations] == [
        (
            "test-raises",
            "policy test-raises could not check this resource: it failed (ValueError) on a property "
            "value of a shape or size it does not expect, so it is reported rather than let through "
            "unchecked. Check the properties against the provider's documentation; if they are "
            "right, report the case to the pack's maintainers.",
        )
    ]
    assert report.violations[0].enforcement_level == EnforcementLevel.MANDATORY


def test_a_configuration_error_is_shown_as_it_is_the_packs_own_text() -> None:
    error = PolicyConfigError("policy config 'maximumDays' must be a whole number")
    report = evaluate([guarded(policy_raising(error))], [subject()])

    assert [finding.message for finding in report.violations] == [
        "policy test-raises could not check this resource: policy config 'maximumDays' must be a "
        "whole number. Fix the pack's configuration."
    ]


def test_a_stack_rule_that_raises_reports_a_violation_on_the_stack() -> None:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        raise KeyError("x")

    policy = StackValidationPolicy(name="test-stack-raises", description="Raises.", validate=validate)
    report = evaluate([guarded(policy)], [subject()])

    assert [(finding.policy, finding.urn) for finding in report.violations] == [("test-stack-raises", "")]
    assert report.violations[0].message.startswith(
        "policy test-stack-raises could not check this stack: it failed (KeyError)"
    )


def test_not_applicable_and_unknown_values_still_reach_the_policy_server() -> None:
    def not_applicable(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        args.not_applicable("only in prod")

    def reads_an_unknown(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        args.props["label"]  # the unknown-checking proxy raises UnknownValueError

    policies = [
        ResourceValidationPolicy(name=name, description="d.", validate=validate)
        for name, validate in (("test-not-applicable", not_applicable), ("test-unknown", reads_an_unknown))
    ]
    resource = subject()
    unknown_label = Registered(
        resource.urn, OAUTH_APP, "subject", {**resource.inputs, "label": UNKNOWN_STRING_VALUE}
    )
    report = evaluate([guarded(policy) for policy in policies], [unknown_label])

    assert report.violations == ()
    assert report.not_applicable == (("test-not-applicable", "only in prod"),)
    assert [finding.policy for finding in report.not_run] == ["test-unknown"]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda policy: policy.name)
def test_every_policy_of_the_pack_is_guarded(policy: Policy) -> None:
    attribute = (
        "_ResourceValidationPolicy__validate"
        if isinstance(policy, ResourceValidationPolicy)
        else "_StackValidationPolicy__validate"
    )
    assert getattr(policy, attribute).__qualname__ == "_guard.<locals>.guarded_rule"
