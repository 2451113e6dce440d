"""Auth0 rules: what the program registers for the staging stack of tests/fixtures/auth0-staging
passes the whole pack (as a production stack too), and one change to a registered resource gives
exactly one violation."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from pulumi.runtime import config as runtime_config
from svcaccounts_policies.pack import POLICIES

from svcaccounts.core import clock
from svcaccounts.core.plan import plan_environment
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_settings import settings_of
from tests.support.policy_evaluator import Registered, evaluate
from tests.support.pulumi_harness import register
from tests.support.repository import FIXTURES

NOW = "2025-06-15T09:00:00Z"
PRIVILEGED = {"privileged-scopes-allowlisted": {"privilegedScopes": ["admin:all"]}}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


@pytest.fixture
def stack_config() -> Iterator[None]:
    token = runtime_config.CONFIG.set({})
    yield
    runtime_config.CONFIG.reset(token)


def auth0_registered(*, production: bool = False) -> list[Registered]:
    result = load_repository(FIXTURES / "auth0-staging")
    assert result.catalog is not None
    (stack,) = [s for s in result.stacks if s.name == "staging"]
    settings = settings_of(stack).settings
    assert settings is not None
    settings = replace(settings, production=production)
    plan = plan_environment(result.catalog.for_environment("staging"), settings, clock.parse_instant(NOW))
    resources = register(plan)
    runtime_config.set_config("svcaccounts:environment", plan.environment)
    runtime_config.set_config("svcaccounts:production", "true" if production else "false")
    return resources


def changed(resources: list[Registered], name: str, **props: Any) -> list[Registered]:
    """`resources` with the named resource's inputs (and outputs) changed."""
    result = []
    for resource in resources:
        if resource.name == name:
            inputs = {**copy.deepcopy(dict(resource.inputs)), **props}
            resource = replace(resource, inputs=inputs, outputs=inputs)
        result.append(resource)
    return result


def findings(resources: list[Registered]) -> list[tuple[str, str, str]]:
    report = evaluate(POLICIES, resources, config=PRIVILEGED)
    assert report.not_run == ()
    return [(f.policy, f.urn.rsplit("::", 1)[1], f.message) for f in report.violations]


def test_the_auth0_stack_passes_the_whole_pack(stack_config: None) -> None:
    assert findings(auth0_registered()) == []


def test_the_auth0_stack_passes_as_a_production_stack(stack_config: None) -> None:
    assert findings(auth0_registered(production=True)) == []


def test_a_client_that_is_not_non_interactive_is_reported(stack_config: None) -> None:
    resources = changed(auth0_registered(), "report-reader-app", appType="regular_web")
    assert findings(resources) == [
        (
            "auth0-client-non-interactive",
            "report-reader-app",
            "appType is 'regular_web': a service account's Auth0 client is a machine-to-machine "
            'application with no user sign-in. Set app_type="non_interactive".',
        )
    ]


@pytest.mark.parametrize(
    ("grant_types", "shown"),
    [(["client_credentials", "password"], "['client_credentials', 'password']"), (None, "not set")],
)
def test_grant_types_other_than_client_credentials_are_reported(
    stack_config: None, grant_types: list[str] | None, shown: str
) -> None:
    resources = auth0_registered()
    if grant_types is None:
        resources = [
            replace(r, inputs={k: v for k, v in r.inputs.items() if k != "grantTypes"}, outputs=None)
            if r.name == "report-reader-app"
            else r
            for r in resources
        ]
    else:
        resources = changed(resources, "report-reader-app", grantTypes=grant_types)
    assert findings(resources) == [
        (
            "auth0-client-credentials-only",
            "report-reader-app",
            f"grantTypes is {shown}: a service account's client may use the client credentials grant "
            'and nothing else. Set grant_types=["client_credentials"].',
        )
    ]


def test_a_grant_with_all_scopes_is_reported(stack_config: None) -> None:
    resources = changed(auth0_registered(), "report-reader-grant", allowAllScopes=True)
    assert [(policy, name) for policy, name, _ in findings(resources)] == [
        ("auth0-client-grant-names-its-scopes", "report-reader-grant")
    ]


def test_a_grant_on_another_audience_is_reported(stack_config: None) -> None:
    management = "https://example-staging.eu.auth0.com/api/v2/"
    resources = changed(auth0_registered(), "report-reader-grant", audience=management)
    assert findings(resources) == [
        (
            "auth0-grant-on-the-stacks-api",
            "report-reader-grant",
            f"client grant report-reader-grant is for audience {management!r}, not the API this stack "
            "manages: a service account is granted scopes of the stack's own API only (never the "
            "Management API). Set audience to the stack's svcaccounts:auth0.audience.",
        )
    ]


def test_a_grant_of_a_scope_outside_the_catalog_is_reported(stack_config: None) -> None:
    resources = changed(auth0_registered(), "report-reader-grant", scopes=["reports:read", "users:delete"])
    assert findings(resources) == [
        (
            "auth0-grant-on-the-stacks-api",
            "report-reader-grant",
            "client grant report-reader-grant names users:delete, which the API's scopes (the catalog) "
            "do not define. Grant only scopes from scopes.yaml.",
        )
    ]


def test_a_privileged_scope_in_a_production_grant_is_reported(stack_config: None) -> None:
    resources = changed(auth0_registered(production=True), "report-reader-grant", scopes=["admin:all"])
    assert findings(resources) == [
        (
            "privileged-scopes-allowlisted",
            "report-reader-grant",
            "rule report-reader-grant grants privileged scope admin:all in prod to account "
            "report-reader, which is not on the allowlist. Remove the scope from the account's prod "
            "scopes, or after review add report-reader to allowedAccounts in this policy's config.",
        )
    ]
