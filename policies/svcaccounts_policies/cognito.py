"""Rules for the Amazon Cognito resources of a Cognito stack (pulumi-aws): the service accounts'
app clients and the resource server whose scopes they may hold.

An app client is a service account's only while it does client credentials and nothing else,
with a secret Cognito generates; its scopes are the stack's resource server's (the catalog's),
never Cognito's built-in user scopes. That a client's scopes are on a resource server of the
stack relates two resources: a stack rule (stack.py), as are privileged scopes in production;
both read a client's scopes through the helpers here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import config
from .okta_auth import LIFETIME_SCHEMA, maximum_token_minutes
from .props import MISSING, UNKNOWN, as_number, contains_unknown, describe_known, lookup
from .resource_types import is_type

COGNITO_USER_POOL_CLIENT: Final = "aws:cognito/userPoolClient:UserPoolClient"
COGNITO_RESOURCE_SERVER: Final = "aws:cognito/resourceServer:ResourceServer"

CLIENT_CREDENTIALS: Final = "client_credentials"
# Cognito's OAuth flows (AllowedOAuthFlows), the words a message may name.
OAUTH_FLOWS: Final = frozenset({"code", "implicit", CLIENT_CREDENTIALS})
# What Cognito applies when a client sets no access-token validity, and the unit it assumes
# when tokenValidityUnits.accessToken is unset (the provider's documentation: hours).
COGNITO_DEFAULT_TOKEN_MINUTES: Final = 60
_MINUTES_PER_UNIT: Final = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}
_DEFAULT_UNIT: Final = "hours"
_USER_SIGN_IN: Final = ("callbackUrls", "logoutUrls", "defaultRedirectUri")


def client_credentials_only(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, COGNITO_USER_POOL_CLIENT):
        return
    flows = lookup(args.props, "allowedOauthFlows")
    if flows is not UNKNOWN and not contains_unknown(flows) and flows != [CLIENT_CREDENTIALS]:
        shown = describe_known(flows, OAUTH_FLOWS) if isinstance(flows, list) else "nothing"
        report_violation(
            f"allowedOauthFlows is {shown}, not client_credentials alone: a code or implicit flow "
            "lets a user sign in through a service account's client. Set "
            "allowed_oauth_flows=['client_credentials'].",
            None,
        )
    enabled = lookup(args.props, "allowedOauthFlowsUserPoolClient")
    if enabled is not UNKNOWN and enabled is not True:
        report_violation(
            "allowedOauthFlowsUserPoolClient is not true: Cognito then issues no client-credentials "
            "token to this client. Set allowed_oauth_flows_user_pool_client=True.",
            None,
        )
    for key in _USER_SIGN_IN:
        value = lookup(args.props, key)
        if value is MISSING or value is UNKNOWN or value == []:
            continue
        report_violation(
            f"{key} is set on a service account's app client: redirect and logout URLs serve user "
            "sign-in, which client credentials never do, and each is a place a token can be sent. "
            "Remove it.",
            None,
        )


def generates_secret(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, COGNITO_USER_POOL_CLIENT):
        return
    generate = lookup(args.props, "generateSecret")
    if generate is UNKNOWN or generate is True:
        return
    report_violation(
        "generateSecret is not true: a client without a secret is a public client, and anyone who "
        "knows its id gets tokens for its scopes. Set generate_secret=True (it replaces the client).",
        None,
    )


def token_lifetime_within_maximum(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, COGNITO_USER_POOL_CLIENT):
        return
    validity = lookup(args.props, "accessTokenValidity")
    unit = lookup(args.props, "tokenValidityUnits", "accessToken")
    if validity is UNKNOWN or unit is UNKNOWN:
        return
    settings = args.get_config()
    environment = config.environment(settings)
    maximum = maximum_token_minutes(settings, prod=config.is_prod(settings))
    fix = (
        f"Lower token_lifetime_minutes in the account's definition (or its {environment} override) "
        f"to {maximum} or less."
    )
    if validity is MISSING:
        minutes: float = COGNITO_DEFAULT_TOKEN_MINUTES
    else:
        number = as_number(validity)
        unit_name = _DEFAULT_UNIT if unit is MISSING else unit
        factor = _MINUTES_PER_UNIT.get(unit_name) if isinstance(unit_name, str) else None
        if number is None or factor is None:
            report_violation(
                "accessTokenValidity or tokenValidityUnits.accessToken is not a number of seconds, "
                f"minutes, hours or days. Set them to at most {maximum} minutes in {environment}.",
                None,
            )
            return
        minutes = number * factor
    if minutes > maximum:
        unset = " (Cognito's default: not set)" if validity is MISSING else ""
        report_violation(
            f"the access token lives {minutes:g} minutes{unset}, above the maximum of {maximum} "
            f"minutes in {environment}: a leaked token stays valid that long. " + fix,
            None,
        )


def resource_server_scopes(resources: Iterable[PolicyResource]) -> dict[str, set[str]] | None:
    """Each resource server's identifier → its scope names; None when one is unknown (preview)."""
    servers: dict[str, set[str]] = {}
    for server in resources:
        if not is_type(server.resource_type, COGNITO_RESOURCE_SERVER):
            continue
        identifier = lookup(server.props, "identifier")
        scopes = lookup(server.props, "scopes")
        if not isinstance(identifier, str) or contains_unknown(scopes):
            return None
        names = {lookup(scope, "scopeName") for scope in scopes} if isinstance(scopes, list) else set()
        servers.setdefault(identifier, set()).update(name for name in names if isinstance(name, str))
    return servers


def scope_name_on(value: str, servers: dict[str, set[str]]) -> str | None:
    """The scope name of `<identifier>/<scope>` for a resource server of the stack that defines
    it, else None."""
    for identifier, names in servers.items():
        prefix = identifier + "/"
        if value.startswith(prefix) and value[len(prefix) :] in names:
            return value[len(prefix) :]
    return None


def client_scope_names(client: PolicyResource, resources: Iterable[PolicyResource]) -> list[str]:
    """The scope names a client is allowed, each as its resource server defines it (values on
    no resource server of the stack are scopes_on_resource_server's finding, not named here)."""
    scopes = lookup(client.props, "allowedOauthScopes")
    servers = resource_server_scopes(resources)
    if not isinstance(scopes, list) or servers is None:
        return []
    names = (scope_name_on(value, servers) for value in scopes if isinstance(value, str))
    return [name for name in names if name is not None]


POLICIES: Final = (
    ResourceValidationPolicy(
        name="cognito-client-credentials-only",
        description="Service accounts' Cognito app clients do client credentials and nothing else.",
        validate=client_credentials_only,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="cognito-client-generates-secret",
        description="Service accounts' Cognito app clients are confidential: Cognito generates their secret.",
        validate=generates_secret,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="cognito-client-token-lifetime",
        description="Cognito access tokens live no longer than the configured maximum for the environment.",
        validate=token_lifetime_within_maximum,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
        config_schema=config.schema(LIFETIME_SCHEMA, environment=True),
    ),
)
