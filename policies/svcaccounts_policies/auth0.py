"""Rules for the Auth0 resources of an Auth0 stack (pulumi-auth0): the service accounts' clients
and their grants. Resource rules on inputs, like the others; that a grant is on the stack's own
API and names only scopes that API defines relates two resources, a stack rule (stack.py).
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .props import MISSING, UNKNOWN, lookup
from .resource_types import is_type

AUTH0_CLIENT: Final = "auth0:index/client:Client"
AUTH0_CLIENT_GRANT: Final = "auth0:index/clientGrant:ClientGrant"
AUTH0_RESOURCE_SERVER: Final = "auth0:index/resourceServer:ResourceServer"
AUTH0_RESOURCE_SERVER_SCOPES: Final = "auth0:index/resourceServerScopes:ResourceServerScopes"

NON_INTERACTIVE: Final = "non_interactive"
CLIENT_CREDENTIALS: Final = "client_credentials"


def client_non_interactive(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, AUTH0_CLIENT):
        return
    app_type = lookup(args.props, "appType")
    if app_type is UNKNOWN or app_type == NON_INTERACTIVE:
        return
    shown = "not set" if app_type is MISSING else f"{app_type!r}"
    report_violation(
        f"appType is {shown}: a service account's Auth0 client is a machine-to-machine application "
        f"with no user sign-in. Set app_type=\"{NON_INTERACTIVE}\".",
        None,
    )


def client_credentials_only(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, AUTH0_CLIENT):
        return
    grant_types = lookup(args.props, "grantTypes")
    if grant_types is UNKNOWN or grant_types == [CLIENT_CREDENTIALS]:
        return
    # Unset is a violation too: Auth0 then gives a new client its default grant types, which
    # include user flows.
    shown = "not set" if grant_types is MISSING else f"{grant_types!r}"
    report_violation(
        f"grantTypes is {shown}: a service account's client may use the client credentials grant "
        f"and nothing else. Set grant_types=[\"{CLIENT_CREDENTIALS}\"].",
        None,
    )


def grant_names_its_scopes(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, AUTH0_CLIENT_GRANT):
        return
    if lookup(args.props, "allowAllScopes") is True:
        report_violation(
            "allowAllScopes is true: the client gets every scope the API ever defines, privileged "
            "ones included, without a review of the grant. Remove it and list the scopes.",
            None,
        )
    subject = lookup(args.props, "subjectType")
    if subject not in (MISSING, UNKNOWN, "client"):
        report_violation(
            f"subjectType is {subject!r}: a service account's grant is for the client itself (client "
            "credentials). Set subject_type=\"client\".",
            None,
        )


POLICIES: Final = (
    ResourceValidationPolicy(
        name="auth0-client-non-interactive",
        description="Service accounts' Auth0 clients are non_interactive applications.",
        validate=client_non_interactive,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="auth0-client-credentials-only",
        description="Service accounts' Auth0 clients use the client credentials grant only.",
        validate=client_credentials_only,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="auth0-client-grant-names-its-scopes",
        description="Auth0 client grants list their scopes and are for the client itself.",
        validate=grant_names_its_scopes,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
)
