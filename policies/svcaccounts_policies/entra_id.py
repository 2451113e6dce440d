"""Rules for the Microsoft Entra ID resources of an Entra ID stack (pulumi-azuread): the
credentials registered on the service accounts' applications, and the applications themselves.

The API application is the one that declares app roles (the catalog's scopes); a service
account's application declares none. Resource rules on inputs, like the others; that the API's
service principal requires an app role assignment is a relation between two resources, a stack
rule (stack.py).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import config
from .props import MISSING, UNKNOWN, lookup
from .resource_types import is_type

ENTRA_APPLICATION: Final = "azuread:index/application:Application"
ENTRA_PASSWORD: Final = "azuread:index/applicationPassword:ApplicationPassword"
ENTRA_CERTIFICATE: Final = "azuread:index/applicationCertificate:ApplicationCertificate"
ENTRA_SERVICE_PRINCIPAL: Final = "azuread:index/servicePrincipal:ServicePrincipal"

# The longest a credential may stay registered, in days from now: Entra's limit as the program
# applies it (svcaccounts.core.identity_providers.ENTRA_MAX_CREDENTIAL_DAYS; a test keeps the two
# equal, the pack imports nothing from svcaccounts).
MAX_CREDENTIAL_DAYS: Final = 365
_SECONDS_PER_DAY: Final = 86_400


def _end_date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def password_has_end_date(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, ENTRA_PASSWORD):
        return
    end_date = lookup(args.props, "endDate")
    if end_date is UNKNOWN or (isinstance(end_date, str) and end_date.strip()):
        return
    relative = lookup(args.props, "endDateRelative")
    detail = (
        "" if relative is MISSING else " (endDateRelative counts from each apply, so no review sees the date)"
    )
    report_violation(
        f"endDate is not set{detail}: the password's lifetime is left to Entra's default, and a "
        "password that outlives its rotation keeps working after consumers moved on. Set end_date "
        f"to the generation's end of grace, at most {MAX_CREDENTIAL_DAYS} days ahead.",
        None,
    )


def credential_end_date_within_maximum(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    credential_types = (ENTRA_PASSWORD, ENTRA_CERTIFICATE)
    if not any(is_type(args.resource_type, token) for token in credential_types):
        return
    value = lookup(args.props, "endDate")
    if value is UNKNOWN or value is MISSING:
        return  # a password without one is password_has_end_date's finding
    fix = f"Set end_date to the generation's end of grace, at most {MAX_CREDENTIAL_DAYS} days ahead."
    end_date = _end_date(value)
    if end_date is None:
        report_violation("endDate is not an RFC 3339 time (example: 2026-03-01T00:00:00Z). " + fix, None)
        return
    days_ahead = math.ceil((end_date - config.now()).total_seconds() / _SECONDS_PER_DAY)
    if days_ahead > MAX_CREDENTIAL_DAYS:
        report_violation(
            f"endDate is {end_date.strftime('%Y-%m-%dT%H:%M:%SZ')}, {days_ahead} days from now, beyond "
            f"the maximum of {MAX_CREDENTIAL_DAYS} days: a credential nobody rotates would stay valid "
            "that long. " + fix,
            None,
        )


def is_service_account_application(props: Any) -> bool:
    """A service account's application declares no app roles; the API's does."""
    roles = lookup(props, "appRoles")
    return roles is MISSING or (isinstance(roles, list) and not roles)


def no_delegated_scopes(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, ENTRA_APPLICATION) or not is_service_account_application(args.props):
        return
    scopes = lookup(args.props, "api", "oauth2PermissionScopes")
    if scopes is UNKNOWN or scopes is MISSING or (isinstance(scopes, list) and not scopes):
        return
    report_violation(
        "api.oauth2PermissionScopes is set on a service account's application: delegated "
        "permissions let a signed-in user act through it, and a client-credentials account has no "
        "user. Remove the api.oauth2_permission_scopes block; grant scopes as app role assignments.",
        None,
    )


_REDIRECT_PATHS: Final = (
    ("web", "redirectUris"),
    ("publicClient", "redirectUris"),
    ("singlePageApplication", "redirectUris"),
)


def no_owners_or_redirect_uris(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, ENTRA_APPLICATION) or not is_service_account_application(args.props):
        return
    owners = lookup(args.props, "owners")
    if isinstance(owners, list) and owners:
        report_violation(
            "owners is set on a service account's application: an owner can add credentials to it "
            "outside review and deployment. Remove owners; the deploying identity manages it.",
            None,
        )
    for path in _REDIRECT_PATHS:
        uris = lookup(args.props, *path)
        if isinstance(uris, list) and uris:
            report_violation(
                f"{'.'.join(path)} is set on a service account's application: redirect URIs serve "
                "user sign-in, which a client-credentials account never does, and each one is a "
                "place a token can be sent. Remove them.",
                None,
            )


POLICIES: Final = (
    ResourceValidationPolicy(
        name="entra-password-has-end-date",
        description="Entra ID application passwords have an explicit end date.",
        validate=password_has_end_date,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="entra-credential-end-date-within-maximum",
        description=f"Entra ID application credentials end within {MAX_CREDENTIAL_DAYS} days.",
        validate=credential_end_date_within_maximum,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="entra-service-account-no-delegated-scopes",
        description="Service accounts' Entra ID applications expose no delegated permissions.",
        validate=no_delegated_scopes,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="entra-service-account-no-owners-or-redirect-uris",
        description="Service accounts' Entra ID applications have no owners and no redirect URIs.",
        validate=no_owners_or_redirect_uris,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
)
