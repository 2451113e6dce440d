"""Entra ID rules: one compliant application, password and certificate (as the program registers
them), one change per test, the exact violation."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import StackValidationPolicy
from svcaccounts_policies.entra_id import (
    ENTRA_APPLICATION,
    ENTRA_CERTIFICATE,
    ENTRA_PASSWORD,
    ENTRA_SERVICE_PRINCIPAL,
    MAX_CREDENTIAL_DAYS,
)
from svcaccounts_policies.pack import POLICIES

from svcaccounts.core.identity_providers import ENTRA_MAX_CREDENTIAL_DAYS
from tests.support.policy_baselines import NOW, UNKNOWN_STRING, baseline, in_environment, violations
from tests.support.policy_evaluator import Registered, evaluate, urn_for

FIX = "Set end_date to the generation's end of grace, at most 365 days ahead."
NO_END_DATE = (
    "endDate is not set{detail}: the password's lifetime is left to Entra's default, and a password "
    "that outlives its rotation keeps working after consumers moved on. " + FIX
)
REDIRECT = (
    "{path} is set on a service account's application: redirect URIs serve user sign-in, which a "
    "client-credentials account never does, and each one is a place a token can be sent. Remove them."
)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


def test_the_packs_maximum_is_the_one_the_program_applies() -> None:
    assert MAX_CREDENTIAL_DAYS == ENTRA_MAX_CREDENTIAL_DAYS


@pytest.mark.parametrize("resource_type", [ENTRA_APPLICATION, ENTRA_PASSWORD, ENTRA_CERTIFICATE])
def test_compliant_resources_have_no_violations(resource_type: str) -> None:
    assert violations(resource_type, baseline(resource_type)) == []


def test_a_password_without_an_end_date_is_reported() -> None:
    props = baseline(ENTRA_PASSWORD)
    del props["endDate"]
    assert violations(ENTRA_PASSWORD, props) == [("entra-password-has-end-date", NO_END_DATE.format(detail=""))]


def test_a_relative_end_date_is_reported_as_no_end_date() -> None:
    props = baseline(ENTRA_PASSWORD)
    del props["endDate"]
    props["endDateRelative"] = "2400h"
    detail = " (endDateRelative counts from each apply, so no review sees the date)"
    assert violations(ENTRA_PASSWORD, props) == [
        ("entra-password-has-end-date", NO_END_DATE.format(detail=detail))
    ]


def test_an_unknown_end_date_is_not_reported() -> None:
    props = baseline(ENTRA_PASSWORD)
    props["endDate"] = UNKNOWN_STRING
    assert violations(ENTRA_PASSWORD, props) == []


@pytest.mark.parametrize("resource_type", [ENTRA_PASSWORD, ENTRA_CERTIFICATE])
def test_an_end_date_beyond_the_maximum_is_reported(resource_type: str) -> None:
    props = baseline(resource_type)
    props["endDate"] = "2027-01-02T00:00:00Z"  # NOW is 2026-01-01
    assert violations(resource_type, props) == [
        (
            "entra-credential-end-date-within-maximum",
            "endDate is 2027-01-02T00:00:00Z, 366 days from now, beyond the maximum of 365 days: a "
            "credential nobody rotates would stay valid that long. " + FIX,
        )
    ]


def test_an_end_date_at_the_maximum_is_allowed() -> None:
    props = baseline(ENTRA_CERTIFICATE)
    props["endDate"] = "2027-01-01T00:00:00Z"
    assert violations(ENTRA_CERTIFICATE, props) == []


def test_an_unreadable_end_date_is_reported() -> None:
    props = baseline(ENTRA_CERTIFICATE)
    props["endDate"] = "next year"
    assert violations(ENTRA_CERTIFICATE, props) == [
        (
            "entra-credential-end-date-within-maximum",
            "endDate is not an RFC 3339 time (example: 2026-03-01T00:00:00Z). " + FIX,
        )
    ]


def test_delegated_scopes_on_a_service_account_application_are_reported() -> None:
    props = baseline(ENTRA_APPLICATION)
    props["api"] = {"oauth2PermissionScopes": [{"value": "reports.read", "type": "User"}]}
    assert violations(ENTRA_APPLICATION, props) == [
        (
            "entra-service-account-no-delegated-scopes",
            "api.oauth2PermissionScopes is set on a service account's application: delegated "
            "permissions let a signed-in user act through it, and a client-credentials account has "
            "no user. Remove the api.oauth2_permission_scopes block; grant scopes as app role "
            "assignments.",
        )
    ]


def test_owners_on_a_service_account_application_are_reported() -> None:
    props = baseline(ENTRA_APPLICATION)
    props["owners"] = ["00000000-0000-0000-0000-00000000beef"]
    assert violations(ENTRA_APPLICATION, props) == [
        (
            "entra-service-account-no-owners-or-redirect-uris",
            "owners is set on a service account's application: an owner can add credentials to it "
            "outside review and deployment. Remove owners; the deploying identity manages it.",
        )
    ]


@pytest.mark.parametrize("block", ["web", "publicClient", "singlePageApplication"])
def test_redirect_uris_on_a_service_account_application_are_reported(block: str) -> None:
    props = baseline(ENTRA_APPLICATION)
    props[block] = {"redirectUris": ["https://example.com/callback"]}
    assert violations(ENTRA_APPLICATION, props) == [
        ("entra-service-account-no-owners-or-redirect-uris", REDIRECT.format(path=f"{block}.redirectUris"))
    ]


def test_the_api_application_with_its_app_roles_is_not_a_service_account() -> None:
    props: dict[str, Any] = baseline(ENTRA_APPLICATION)
    props["appRoles"] = [{"value": "reports:read", "allowedMemberTypes": ["Application"]}]
    props["owners"] = ["00000000-0000-0000-0000-00000000beef"]
    assert violations(ENTRA_APPLICATION, props) == []


# ---- the API's service principal (stack rule) ----------------------------------------------

API_RULE = "entra-api-app-role-assignment-required"
API_MESSAGE = (
    "service principal entra-api-sp of the API application entra-api does not require an app role "
    "assignment, so Entra issues tokens for the API to any client of the tenant, with no roles. Set "
    "app_role_assignment_required=True."
)
STACK_POLICIES = tuple(policy for policy in POLICIES if isinstance(policy, StackValidationPolicy))


def api_stack(*, required: object = True, related_by_dependency: bool = True) -> list[Registered]:
    """The API application and its service principal, and one account's application and service
    principal (which requires no assignment, rightly), as a preview shows them: client ids known
    only through the engine's property dependencies, unless `related_by_dependency` is False."""
    api = urn_for(ENTRA_APPLICATION, "entra-api")
    app = urn_for(ENTRA_APPLICATION, "report-writer-app")
    api_props: dict[str, Any] = {
        "displayName": "svcaccounts API (prod)",
        "identifierUris": ["api://11111111-2222-3333-4444-555555555555/svcaccounts-prod"],
        "appRoles": [{"value": "reports:read", "allowedMemberTypes": ["Application"]}],
        "clientId": "c4fd3f2c-b685-5bcd-ae0a-7df02cc2fe08",
    }
    principal: dict[str, Any] = {"clientId": UNKNOWN_STRING}
    if required is not None:  # None: not set at all
        principal["appRoleAssignmentRequired"] = required
    if not related_by_dependency:
        principal["clientId"] = api_props["clientId"]
    return [
        Registered(api, ENTRA_APPLICATION, "entra-api", api_props),
        Registered(
            urn_for(ENTRA_SERVICE_PRINCIPAL, "entra-api-sp"),
            ENTRA_SERVICE_PRINCIPAL,
            "entra-api-sp",
            principal,
            property_dependencies={"clientId": (api,)} if related_by_dependency else {},
        ),
        Registered(app, ENTRA_APPLICATION, "report-writer-app", baseline(ENTRA_APPLICATION)),
        Registered(
            urn_for(ENTRA_SERVICE_PRINCIPAL, "report-writer-sp"),
            ENTRA_SERVICE_PRINCIPAL,
            "report-writer-sp",
            {"clientId": UNKNOWN_STRING, "accountEnabled": True},
            property_dependencies={"clientId": (app,)},
        ),
    ]


def stack_findings(resources: list[Registered]) -> list[tuple[str, str]]:
    report = evaluate(STACK_POLICIES, resources, config=in_environment("prod"))
    assert report.not_run == ()
    return [(finding.policy, finding.message) for finding in report.violations if finding.policy == API_RULE]


def test_the_api_service_principal_requiring_assignments_has_no_violation() -> None:
    assert stack_findings(api_stack()) == []


@pytest.mark.parametrize("required", [False, None])
def test_an_api_service_principal_not_requiring_assignments_is_reported(required: object) -> None:
    assert stack_findings(api_stack(required=required)) == [(API_RULE, API_MESSAGE)]


def test_an_api_service_principal_related_by_a_literal_client_id_is_checked() -> None:
    assert stack_findings(api_stack(required=False, related_by_dependency=False)) == [(API_RULE, API_MESSAGE)]


def test_an_unknown_setting_is_not_reported() -> None:
    assert stack_findings(api_stack(required=UNKNOWN_STRING)) == []
