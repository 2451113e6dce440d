"""Resources that widen an Okta app from outside it: each is a violation on its own, with a message
that names what it grants by property, never by value. One typical resource per type, in the
engine's wire form; the pack's other rules have nothing to say about any of them."""

from __future__ import annotations

from typing import Any

import pytest
from svcaccounts_policies import okta_app_companions as companions

from tests.support.policy_baselines import NOW, UNKNOWN_STRING, check_resource, secret, violations

APP_ID = "0oa1projectservice"

BASELINES: dict[str, dict[str, Any]] = {
    companions.OAUTH_REDIRECT_URI: {"appId": APP_ID, "uri": "https://app.example.com/callback"},
    companions.OAUTH_POST_LOGOUT_REDIRECT_URI: {"appId": APP_ID, "uri": "https://app.example.com/bye"},
    companions.APP_OAUTH_API_SCOPE: {
        "appId": APP_ID,
        "issuer": "https://example.okta.com",
        "scopes": ["okta.users.read", "okta.users.manage"],
    },
    companions.APP_GROUP_ASSIGNMENT: {"appId": APP_ID, "groupId": "00g1admins", "priority": 1},
    companions.APP_GROUP_ASSIGNMENTS: {"appId": APP_ID, "groups": [{"id": "00g1admins", "priority": 1}]},
    companions.APP_USER: {
        "appId": APP_ID,
        "userId": "00u1someone",
        "username": "someone@example.com",
        "password": secret("hunter2-password"),
    },
    companions.OAUTH_ROLE_ASSIGNMENT: {"clientId": APP_ID, "type": "SUPER_ADMIN"},
    "okta:index/oauth2V1ClientsRoleSuperAdmin:Oauth2V1ClientsRoleSuperAdmin": {
        "clientId": APP_ID,
        "type": "SUPER_ADMIN",
    },
    companions.ACCESS_POLICY_ASSIGNMENT: {"appId": APP_ID, "policyId": "rst1signon"},
}

REDIRECT_URI = (
    " to the app named by appId, outside the app resource that okta-app-no-redirect-uris checks; a "
    "service app has no browser flow, so a redirect URI is only an unused path for tokens to leak. "
    "Remove this resource."
)
ASSIGNMENT = (
    " to the app named by appId; a service app is a machine identity that acts as itself, and "
    "people assigned to it get an app whose access no account definition describes. Remove this "
    "resource."
)
ADMIN_ROLE = (
    " gives an Okta admin role to the app whose client id is clientId: the service account's "
    "credential could then administer the Okta org, which no account definition grants and no "
    "review sees. Remove this resource."
)

EXPECTED: dict[str, tuple[str, str]] = {
    companions.OAUTH_REDIRECT_URI: (
        "okta-app-no-redirect-uri-resources",
        "okta.app.OAuthRedirectUri adds a redirect URI (uri)" + REDIRECT_URI,
    ),
    companions.OAUTH_POST_LOGOUT_REDIRECT_URI: (
        "okta-app-no-redirect-uri-resources",
        "okta.app.OAuthPostLogoutRedirectUri adds a post-logout redirect URI (uri)" + REDIRECT_URI,
    ),
    companions.APP_OAUTH_API_SCOPE: (
        "okta-app-no-okta-api-scopes",
        "okta.AppOauthApiScope grants Okta management API scopes (scopes) to the app named by appId: "
        "with them the service account's credential can call Okta's own API (for example to manage "
        "users), which no account definition grants and no review sees. Remove this resource; a "
        "service account gets only its authorization server's scopes, from its definition.",
    ),
    companions.APP_GROUP_ASSIGNMENT: (
        "okta-app-no-user-or-group-assignments",
        "okta.app.GroupAssignment assigns a group (groupId)" + ASSIGNMENT,
    ),
    companions.APP_GROUP_ASSIGNMENTS: (
        "okta-app-no-user-or-group-assignments",
        "okta.AppGroupAssignments assigns groups (groups)" + ASSIGNMENT,
    ),
    companions.APP_USER: (
        "okta-app-no-user-or-group-assignments",
        "okta.app.User assigns a user (userId)" + ASSIGNMENT,
    ),
    companions.OAUTH_ROLE_ASSIGNMENT: (
        "okta-app-no-admin-roles",
        "okta.app.OauthRoleAssignment" + ADMIN_ROLE,
    ),
    "okta:index/oauth2V1ClientsRoleSuperAdmin:Oauth2V1ClientsRoleSuperAdmin": (
        "okta-app-no-admin-roles",
        "okta.Oauth2V1ClientsRoleSuperAdmin" + ADMIN_ROLE,
    ),
    companions.ACCESS_POLICY_ASSIGNMENT: (
        "okta-app-no-authentication-policy-assignment",
        "okta.app.AccessPolicyAssignment assigns an authentication (sign-on) policy (policyId) to the "
        "app named by appId; a service app has none (the program sets skip_authentication_policy), "
        "Okta refuses one for it, and the provider warns that this resource fights the app's own "
        "setting, so every rotation's update of the app could fail. Remove this resource.",
    ),
}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


@pytest.mark.parametrize("resource_type", sorted(BASELINES))
def test_a_companion_resource_is_reported_by_its_rule_alone(resource_type: str) -> None:
    assert violations(resource_type, BASELINES[resource_type]) == [EXPECTED[resource_type]]


@pytest.mark.parametrize("resource_type", sorted(companions.CLIENT_ROLE_ASSIGNMENTS))
def test_every_admin_role_resource_for_clients_is_reported(resource_type: str) -> None:
    role = resource_type.rsplit(":", 1)[1]
    assert violations(resource_type, {"clientId": APP_ID}) == [
        ("okta-app-no-admin-roles", f"okta.{role}" + ADMIN_ROLE)
    ]


@pytest.mark.parametrize("resource_type", sorted(BASELINES))
def test_unknown_properties_do_not_hide_a_companion(resource_type: str) -> None:
    # During preview the app's id is unknown; the resource still widens the app.
    props = {key: UNKNOWN_STRING for key in BASELINES[resource_type]}
    assert violations(resource_type, props) == [EXPECTED[resource_type]]


@pytest.mark.parametrize("resource_type", sorted(BASELINES))
def test_no_companion_message_repeats_a_property_value(resource_type: str) -> None:
    canary = "CANARY-client-secret-0123456789"
    props = {key: canary for key in BASELINES[resource_type]}
    report = check_resource(resource_type, props)
    assert report.violations
    assert all(canary not in finding.message for finding in report.violations)
