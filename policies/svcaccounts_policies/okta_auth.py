"""Rules for the authorization server's access policies and their rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import config
from .okta_apps import CLIENT_CREDENTIALS, GRANT_TYPES
from .props import MISSING, UNKNOWN, as_number, contains_unknown, describe_known, is_exactly, lookup
from .resource_types import is_type

SERVER_POLICY: Final = "okta:auth/serverPolicy:ServerPolicy"
SERVER_POLICY_RULE: Final = "okta:auth/serverPolicyRule:ServerPolicyRule"

ALL_CLIENTS: Final = "ALL_CLIENTS"
WILDCARD_SCOPE: Final = "*"
# What Okta applies when a rule leaves accessTokenLifetimeMinutes unset (provider docs).
OKTA_DEFAULT_TOKEN_MINUTES: Final = 60

PROD_MAXIMUM_MINUTES: Final = "prodMaximumMinutes"
NON_PROD_MAXIMUM_MINUTES: Final = "nonProdMaximumMinutes"


def no_all_clients(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, SERVER_POLICY):
        return
    clients = lookup(args.props, "clientWhitelists")
    if isinstance(clients, list) and ALL_CLIENTS in clients:
        report_violation(
            "clientWhitelists contains ALL_CLIENTS, so this access policy applies to every client "
            "of the authorization server. Name only the service app: client_whitelists=[app.id].",
            None,
        )


def names_one_client(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, SERVER_POLICY):
        return
    clients = lookup(args.props, "clientWhitelists")
    if clients is UNKNOWN:
        return
    # An unknown element is still one client (the app's id before the app exists).
    count = len(clients) if isinstance(clients, list) else 0
    if count == 1:
        return
    found = "names no client" if count == 0 else f"names {count} clients"
    report_violation(
        f"clientWhitelists {found}; each service account's access policy must name exactly its "
        "own app, so one account's grants never reach another. Give each app its own "
        "okta.auth.ServerPolicy with client_whitelists=[app.id].",
        None,
    )


def rule_client_credentials_only(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, SERVER_POLICY_RULE):
        return
    grant_types = lookup(args.props, "grantTypeWhitelists")
    if grant_types is UNKNOWN or contains_unknown(grant_types):
        return
    if is_exactly(grant_types, CLIENT_CREDENTIALS):
        return
    found = (
        "not set"
        if grant_types is MISSING
        else describe_known(grant_types if isinstance(grant_types, list) else [grant_types], GRANT_TYPES)
    )
    report_violation(
        f"grantTypeWhitelists is {found}; a service account's rule may grant only "
        'client_credentials. Set grant_type_whitelists=["client_credentials"].',
        None,
    )


def rule_no_wildcard_scope(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, SERVER_POLICY_RULE):
        return
    scopes = lookup(args.props, "scopeWhitelists")
    if isinstance(scopes, list) and WILDCARD_SCOPE in scopes:
        report_violation(
            "scopeWhitelists contains *, which grants every scope of the authorization server, "
            "including privileged ones and any added later. List the account's scopes by name.",
            None,
        )


def maximum_token_minutes(settings: Mapping[str, Any], *, prod: bool) -> int:
    if prod:
        return config.read_int(settings, PROD_MAXIMUM_MINUTES, config.DEFAULT_PROD_MAX_TOKEN_MINUTES)
    return config.read_int(settings, NON_PROD_MAXIMUM_MINUTES, config.DEFAULT_NON_PROD_MAX_TOKEN_MINUTES)


def rule_token_lifetime_within_maximum(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if not is_type(args.resource_type, SERVER_POLICY_RULE):
        return
    lifetime = lookup(args.props, "accessTokenLifetimeMinutes")
    if lifetime is UNKNOWN:
        return
    settings = args.get_config()
    environment = config.environment(settings)
    prod = config.is_prod(settings)
    maximum = maximum_token_minutes(settings, prod=prod)
    fix = (
        f"Lower token_lifetime_minutes in the account's definition (or its {environment} "
        f"override) to {maximum} or less."
    )
    if lifetime is MISSING:
        if maximum < OKTA_DEFAULT_TOKEN_MINUTES:
            report_violation(
                f"accessTokenLifetimeMinutes is not set, so Okta issues "
                f"{OKTA_DEFAULT_TOKEN_MINUTES}-minute tokens, above the maximum of {maximum} "
                f"minutes in {environment}. " + fix,
                None,
            )
        return
    minutes = as_number(lifetime)
    if minutes is None:
        report_violation(
            "accessTokenLifetimeMinutes is not a number. Set it to a whole number of minutes, "
            f"at most {maximum} in {environment}.",
            None,
        )
        return
    if minutes > maximum:
        report_violation(
            f"accessTokenLifetimeMinutes is {minutes:g}, above the maximum of {maximum} minutes "
            f"in {environment}: a leaked token stays valid that long. " + fix,
            None,
        )


LIFETIME_SCHEMA: Final = {
    PROD_MAXIMUM_MINUTES: {
        "type": "integer",
        "minimum": 5,
        "maximum": 1440,
        "default": config.DEFAULT_PROD_MAX_TOKEN_MINUTES,
        "description": "Longest access token lifetime, in minutes, a rule may set in prod.",
    },
    NON_PROD_MAXIMUM_MINUTES: {
        "type": "integer",
        "minimum": 5,
        "maximum": 1440,
        "default": config.DEFAULT_NON_PROD_MAX_TOKEN_MINUTES,
        "description": "Longest access token lifetime, in minutes, in every other environment.",
    },
}


POLICIES: Final = (
    ResourceValidationPolicy(
        name="okta-access-policy-no-all-clients",
        description="Authorization server access policies never apply to ALL_CLIENTS.",
        validate=no_all_clients,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="okta-access-policy-names-one-client",
        description="Each access policy names exactly one client: its service account's app.",
        validate=names_one_client,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="okta-policy-rule-client-credentials-only",
        description="Access policy rules grant only the client_credentials grant type.",
        validate=rule_client_credentials_only,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="okta-policy-rule-no-wildcard-scope",
        description="Access policy rules never grant the * scope.",
        validate=rule_no_wildcard_scope,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="okta-policy-rule-token-lifetime",
        description="Access tokens live no longer than the configured maximum for the environment.",
        validate=rule_token_lifetime_within_maximum,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
        config_schema=config.schema(LIFETIME_SCHEMA, environment=True),
    ),
)
