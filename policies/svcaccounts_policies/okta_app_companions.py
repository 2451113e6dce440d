"""Rules for resources that widen an Okta app from outside it.

okta_apps.py checks the app resource itself, but the Okta provider can give an app a redirect URI,
Okta API scopes, user and group assignments, an admin role or an authentication policy through
resources of their own, which the app's rules never see. The program creates none of them, and
every app in a svcaccounts stack is a service app (okta-app-service-type), so any one of them in
a stack widens a service account beyond what its definition says and its review saw: each is a
mandatory violation.

A companion is judged by its type alone, so an unknown property changes nothing; messages name
the properties that say what is granted, never their values. The type tokens are the installed
pulumi_okta 7's (tests/policies/test_policy_resource_types.py checks each against it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .resource_types import canonical_type

OAUTH_REDIRECT_URI: Final = "okta:app/oAuthRedirectUri:OAuthRedirectUri"
OAUTH_POST_LOGOUT_REDIRECT_URI: Final = "okta:app/oAuthPostLogoutRedirectUri:OAuthPostLogoutRedirectUri"
APP_OAUTH_API_SCOPE: Final = "okta:index/appOauthApiScope:AppOauthApiScope"
APP_GROUP_ASSIGNMENT: Final = "okta:app/groupAssignment:GroupAssignment"
APP_GROUP_ASSIGNMENTS: Final = "okta:index/appGroupAssignments:AppGroupAssignments"
APP_USER: Final = "okta:app/user:User"
OAUTH_ROLE_ASSIGNMENT: Final = "okta:app/oauthRoleAssignment:OauthRoleAssignment"
ACCESS_POLICY_ASSIGNMENT: Final = "okta:app/accessPolicyAssignment:AccessPolicyAssignment"

# One resource per admin role an OAuth client can be given (POST /oauth2/v1/clients/{id}/roles).
_CLIENT_ROLES: Final = (
    "AccessCertificationsAdmin",
    "AccessRequestsAdmin",
    "ApiAccessManagementAdmin",
    "AppAdmin",
    "Custom",
    "GroupMembershipAdmin",
    "HelpDeskAdmin",
    "OrgAdmin",
    "ReadOnlyAdmin",
    "ReportAdmin",
    "SuperAdmin",
    "UserAdmin",
    "WorkflowsAdmin",
)
CLIENT_ROLE_ASSIGNMENTS: Final = frozenset(
    f"okta:index/oauth2V1ClientsRole{role}:Oauth2V1ClientsRole{role}" for role in _CLIENT_ROLES
)

# What each companion adds, in the words of its properties.
_REDIRECT_URIS: Final[Mapping[str, str]] = {
    OAUTH_REDIRECT_URI: "adds a redirect URI (uri)",
    OAUTH_POST_LOGOUT_REDIRECT_URI: "adds a post-logout redirect URI (uri)",
}
_ASSIGNMENTS: Final[Mapping[str, str]] = {
    APP_GROUP_ASSIGNMENT: "assigns a group (groupId)",
    APP_GROUP_ASSIGNMENTS: "assigns groups (groups)",
    APP_USER: "assigns a user (userId)",
}


def sdk_name(token: str) -> str:
    """How a program names the resource class: okta.app.User, okta.AppOauthApiScope."""
    package, module, name = token.split(":")
    module = module.split("/")[0]
    return f"{package}.{name}" if module == "index" else f"{package}.{module}.{name}"


def no_redirect_uri_resources(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    token = canonical_type(args.resource_type)
    if token not in _REDIRECT_URIS:
        return
    report_violation(
        f"{sdk_name(token)} {_REDIRECT_URIS[token]} to the app named by appId, outside the app "
        "resource that okta-app-no-redirect-uris checks; a service app has no browser flow, so a "
        "redirect URI is only an unused path for tokens to leak. Remove this resource.",
        None,
    )


def no_okta_api_scopes(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    token = canonical_type(args.resource_type)
    if token != APP_OAUTH_API_SCOPE:
        return
    report_violation(
        f"{sdk_name(token)} grants Okta management API scopes (scopes) to the app named by appId: "
        "with them the service account's credential can call Okta's own API (for example to "
        "manage users), which no account definition grants and no review sees. Remove this "
        "resource; a service account gets only its authorization server's scopes, from its "
        "definition.",
        None,
    )


def no_user_or_group_assignments(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    token = canonical_type(args.resource_type)
    if token not in _ASSIGNMENTS:
        return
    report_violation(
        f"{sdk_name(token)} {_ASSIGNMENTS[token]} to the app named by appId; a service app is a "
        "machine identity that acts as itself, and people assigned to it get an app whose "
        "access no account definition describes. Remove this resource.",
        None,
    )


def no_admin_roles(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    token = canonical_type(args.resource_type)
    if token != OAUTH_ROLE_ASSIGNMENT and token not in CLIENT_ROLE_ASSIGNMENTS:
        return
    report_violation(
        f"{sdk_name(token)} gives an Okta admin role to the app whose client id is clientId: the "
        "service account's credential could then administer the Okta org, which no account "
        "definition grants and no review sees. Remove this resource.",
        None,
    )


def no_authentication_policy_assignment(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    token = canonical_type(args.resource_type)
    if token != ACCESS_POLICY_ASSIGNMENT:
        return
    report_violation(
        f"{sdk_name(token)} assigns an authentication (sign-on) policy (policyId) to the app named "
        "by appId; a service app has none (the program sets skip_authentication_policy), Okta "
        "refuses one for it, and the provider warns that this resource fights the app's own "
        "setting, so every rotation's update of the app could fail. Remove this resource.",
        None,
    )


POLICIES: Final = (
    ResourceValidationPolicy(
        name="okta-app-no-redirect-uri-resources",
        description="No redirect URI resources for Okta apps.",
        validate=no_redirect_uri_resources,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
    ),
    ResourceValidationPolicy(
        name="okta-app-no-okta-api-scopes",
        description="No Okta management API scopes granted to Okta apps.",
        validate=no_okta_api_scopes,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="okta-app-no-user-or-group-assignments",
        description="No users or groups assigned to Okta service apps.",
        validate=no_user_or_group_assignments,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="okta-app-no-admin-roles",
        description="No Okta admin roles given to Okta apps.",
        validate=no_admin_roles,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="okta-app-no-authentication-policy-assignment",
        description="No authentication policy assigned to Okta service apps.",
        validate=no_authentication_policy_assignment,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
    ),
)
