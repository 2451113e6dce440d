"""The whole pack over what the program registers for each sample stack reports nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime import config as runtime_config
from pulumi_policy import EnforcementLevel
from svcaccounts_policies.pack import POLICIES

from svcaccounts.core import clock
from svcaccounts.core.plan import plan_environment
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_settings import settings_of
from tests.support.policy_evaluator import Registered, evaluate
from tests.support.pulumi_harness import register
from tests.support.repository import FIXTURES
from tests.support.samples import SAMPLE_ORGANISATION, sample_plan

NOW = "2026-03-15T09:00:00Z"


def privileged_scopes() -> list[str]:
    result = load_repository(SAMPLE_ORGANISATION)
    assert result.catalog is not None
    return [scope.name for scope in result.catalog.scopes if scope.privileged]


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


@pytest.fixture
def stack_config() -> Iterator[None]:
    """The policy process's view of stack config, as the CLI sets it up: starts empty."""
    token = runtime_config.CONFIG.set({})
    yield
    runtime_config.CONFIG.reset(token)


def registered(stack_name: str) -> list[Registered]:
    plan = sample_plan(stack_name, clock.parse_instant(NOW))
    resources = register(plan)
    # The pack finds the environment in the stack's config, as with `pulumi preview --policy-pack`.
    runtime_config.set_config("svcaccounts:environment", plan.environment)
    return resources


# The one finding the samples are meant to produce: mcp-reporting-service keeps
# client_secret_basic in prod, and the issue asks for an advisory there, not a block.
EXPECTED_ADVISORIES = {
    "dev": [],
    "staging": [],
    "prod": [("okta-app-prod-prefers-private-key-jwt", "mcp-reporting-service-app")],
}

EXPECTED_NOT_APPLICABLE = {
    "dev": (("privileged-scopes-allowlisted", "applies to production stacks only; this stack is dev"),),
    "staging": (("privileged-scopes-allowlisted", "applies to production stacks only; this stack is staging"),),
    "prod": (),
}


@pytest.mark.parametrize("stack_name", ["dev", "staging", "prod"])
def test_sample_stack_passes_the_whole_pack(stack_name: str, stack_config: None) -> None:
    resources = registered(stack_name)
    types = {resource.resource_type for resource in resources}
    assert {
        "okta:app/oAuth:OAuth",
        "okta:auth/serverPolicy:ServerPolicy",
        "okta:auth/serverPolicyRule:ServerPolicyRule",
        "azure-native:keyvault:Secret",
    } <= types
    config = {"privileged-scopes-allowlisted": {"privilegedScopes": privileged_scopes()}}

    report = evaluate(POLICIES, resources, config=config)

    mandatory = [f for f in report.violations if f.enforcement_level != EnforcementLevel.ADVISORY]
    advisories = [
        (f.policy, f.urn.rsplit("::", 1)[1])
        for f in report.violations
        if f.enforcement_level == EnforcementLevel.ADVISORY
    ]
    assert mandatory == []
    assert advisories == EXPECTED_ADVISORIES[stack_name]
    assert report.not_run == ()
    assert report.not_applicable == EXPECTED_NOT_APPLICABLE[stack_name]


def test_the_sample_aws_stack_passes_the_whole_pack(stack_config: None) -> None:
    from tests.support.samples import aws_sample_plan

    plan = aws_sample_plan(clock.parse_instant(NOW))
    resources = register(plan)
    runtime_config.set_config("svcaccounts:environment", plan.environment)
    types = {resource.resource_type for resource in resources}
    assert {"aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion"} <= types
    assert "azure-native:keyvault:Secret" not in types
    config = {"privileged-scopes-allowlisted": {"privilegedScopes": privileged_scopes()}}

    report = evaluate(POLICIES, resources, config=config)

    assert [(f.policy, f.urn.rsplit("::", 1)[1]) for f in report.violations] == [
        ("okta-app-prod-prefers-private-key-jwt", "mcp-reporting-service-app")
    ]
    assert report.violations[0].enforcement_level == EnforcementLevel.ADVISORY
    assert report.not_run == ()
    assert report.not_applicable == ()


def test_the_aws_rules_see_the_program_s_secrets(stack_config: None) -> None:
    # Guards the test above against passing because no AWS rule ever looked at a resource.
    from tests.support.samples import aws_sample_plan

    plan = aws_sample_plan(clock.parse_instant(NOW))
    resources = register(plan)
    runtime_config.set_config("svcaccounts:environment", plan.environment)
    config = {"aws-secret-owner-environment-tags": {"requiredTags": ["cost-center"]}}
    report = evaluate(POLICIES, resources, config=config)
    assert sorted(
        f.urn.rsplit("::", 1)[1] for f in report.violations if f.policy == "aws-secret-owner-environment-tags"
    ) == ["mcp-project-service-bundle", "mcp-reporting-service-bundle"]


def test_the_pack_sees_prod_in_the_prod_stack(stack_config: None) -> None:
    # Guards the test above against passing because the environment was never "prod".
    resources = registered("prod")
    config: dict[str, dict[str, Any]] = {
        "okta-policy-rule-token-lifetime": {"prodMaximumMinutes": 15},
        "privileged-scopes-allowlisted": {"privilegedScopes": privileged_scopes()},
    }
    report = evaluate(POLICIES, resources, config=config)
    assert {finding.policy for finding in report.violations} == {
        "okta-policy-rule-token-lifetime",
        "okta-app-prod-prefers-private-key-jwt",
    }


def test_policy_relates_to_its_app_through_recorded_property_dependencies(stack_config: None) -> None:
    resources = registered("dev")
    by_urn = {resource.urn: resource for resource in resources}
    policies = [r for r in resources if r.resource_type == "okta:auth/serverPolicy:ServerPolicy"]
    assert policies
    for policy in policies:
        (app_urn,) = policy.property_dependencies["clientWhitelists"]
        assert by_urn[app_urn].resource_type == "okta:app/oAuth:OAuth"
        assert by_urn[app_urn].parent == policy.parent


ENTRA_CREDENTIAL_TYPES = (
    "azuread:index/applicationPassword:ApplicationPassword",
    "azuread:index/applicationCertificate:ApplicationCertificate",
)


def entra_registered() -> list[Registered]:
    """What the program registers for the Entra ID prod stack of tests/fixtures/mixed-providers."""
    result = load_repository(FIXTURES / "mixed-providers")
    assert result.catalog is not None
    (stack,) = [s for s in result.stacks if s.name == "prod"]
    settings = settings_of(stack).settings
    assert settings is not None
    plan = plan_environment(result.catalog.for_environment("prod"), settings, clock.parse_instant(NOW))
    resources = register(plan)
    runtime_config.set_config("svcaccounts:environment", plan.environment)
    return resources


def test_the_entra_stack_passes_the_whole_pack(stack_config: None) -> None:
    resources = entra_registered()
    types = {resource.resource_type for resource in resources}
    assert {"azuread:index/application:Application", *ENTRA_CREDENTIAL_TYPES} <= types
    config = {"privileged-scopes-allowlisted": {"privilegedScopes": ["admin:all"]}}
    report = evaluate(POLICIES, resources, config=config)
    assert report.violations == ()
    assert report.not_run == ()


def test_the_entra_rules_see_the_program_s_credentials(
    stack_config: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guards the test above: judged from a year before, every credential's end date is too far.
    resources = entra_registered()
    monkeypatch.setenv("SVCACCOUNTS_NOW", "2025-03-15T09:00:00Z")
    config = {"privileged-scopes-allowlisted": {"privilegedScopes": ["admin:all"]}}
    report = evaluate(POLICIES, resources, config=config)
    credentials = sorted(r.name for r in resources if r.resource_type in ENTRA_CREDENTIAL_TYPES)
    assert len(credentials) == 4  # a certificate, a password, and report-writer in grace: two
    entra_findings = sorted(
        (f.policy, f.urn.rsplit("::", 1)[1]) for f in report.violations if f.policy.startswith("entra-")
    )
    assert entra_findings == [("entra-credential-end-date-within-maximum", name) for name in credentials]


def cognito_registered() -> list[Registered]:
    """What the program registers for the Cognito prod stack of tests/fixtures/cognito-prod."""
    result = load_repository(FIXTURES / "cognito-prod")
    assert result.catalog is not None
    (stack,) = result.stacks
    settings = settings_of(stack).settings
    assert settings is not None
    plan = plan_environment(result.catalog.for_environment("prod"), settings, clock.parse_instant(NOW))
    resources = register(plan)
    runtime_config.set_config("svcaccounts:environment", plan.environment)
    return resources


def test_the_cognito_stack_passes_the_whole_pack(stack_config: None) -> None:
    resources = cognito_registered()
    types = {resource.resource_type for resource in resources}
    assert {
        "aws:cognito/userPoolClient:UserPoolClient",
        "aws:cognito/resourceServer:ResourceServer",
        "aws:secretsmanager/secretVersion:SecretVersion",
    } <= types
    config = {"privileged-scopes-allowlisted": {"privilegedScopes": ["admin:all"]}}
    report = evaluate(POLICIES, resources, config=config)
    assert report.violations == ()
    assert report.not_run == ()


def test_the_cognito_rules_see_the_program_s_clients(stack_config: None) -> None:
    # Guards the test above: a 20-minute maximum catches both clients (30 and 60 minutes), and a
    # privileged reports:read catches every client of the accounts that hold it.
    resources = cognito_registered()
    config = {
        "privileged-scopes-allowlisted": {"privilegedScopes": ["reports:read"]},
        "cognito-client-token-lifetime": {"prodMaximumMinutes": 20},
    }
    report = evaluate(POLICIES, resources, config=config)
    findings = sorted((f.policy, f.urn.rsplit("::", 1)[1]) for f in report.violations)
    clients = sorted(r.name for r in resources if r.resource_type == "aws:cognito/userPoolClient:UserPoolClient")
    assert len(clients) == 3  # report-writer is inside grace at NOW: two clients
    assert findings == sorted(
        [("cognito-client-token-lifetime", name) for name in clients]
        + [("privileged-scopes-allowlisted", name) for name in clients]
    )
