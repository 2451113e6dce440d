"""Stack-wide rules: relations between apps, access policies and rules that no single resource shows.

Entra ID: the API application (the one with app roles) and its service principal are related
the same way as an access policy and its app below: by the engine's property dependency
(`clientId` came from the application's output), or by a literal client id equal to the
application's known `clientId`.

Relating a policy to its app: a policy names apps by id in `clientWhitelists`, but CrossGuard
shows no resource ids, and during preview a new app's id is unknown anyway. The engine does
record where each input came from: `property_dependencies["clientWhitelists"]` lists the
resources whose outputs went into that list, during preview and after. That is the primary
relation; a literal id equal to an app's known `clientId` output (a hand-written whitelist) is
the second. A policy whose list is unknown with no recorded dependency cannot be related, and
then "this app has no policy" is not reported, because it cannot be known.

An account is the nearest `svcaccounts:index:ServiceAccount` component above a resource: the
program names that component after the account. A rule outside any such component belongs to
no account, so it can never be on the privileged-scope allowlist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import config
from .auth0 import AUTH0_CLIENT_GRANT, AUTH0_RESOURCE_SERVER, AUTH0_RESOURCE_SERVER_SCOPES
from .cognito import COGNITO_USER_POOL_CLIENT, client_scope_names, resource_server_scopes, scope_name_on
from .entra_id import ENTRA_APPLICATION, ENTRA_SERVICE_PRINCIPAL, is_service_account_application
from .okta_apps import OAUTH_APP, SERVICE
from .okta_auth import SERVER_POLICY, SERVER_POLICY_RULE, WILDCARD_SCOPE
from .props import UNKNOWN, lookup
from .resource_types import is_type

SERVICE_ACCOUNT_COMPONENT: Final = "svcaccounts:index:ServiceAccount"

PRIVILEGED_SCOPES: Final = "privilegedScopes"
ALLOWED_ACCOUNTS: Final = "allowedAccounts"


def _of_type(resources: Iterable[PolicyResource], token: str) -> list[PolicyResource]:
    return [resource for resource in resources if is_type(resource.resource_type, token)]


def _apps_named_by(
    policy: PolicyResource, apps_by_client_id: dict[str, PolicyResource]
) -> tuple[set[str], bool]:
    """URNs of the OAuth apps a policy names, and whether that set is complete."""
    named = {
        dependency.urn
        for dependency in policy.property_dependencies.get("clientWhitelists", [])
        if is_type(dependency.resource_type, OAUTH_APP)
    }
    clients = lookup(policy.props, "clientWhitelists")
    if not isinstance(clients, list):
        return named, clients is not UNKNOWN or bool(named)
    for client in clients:
        if isinstance(client, str) and client in apps_by_client_id:
            named.add(apps_by_client_id[client].urn)
    complete = bool(named) or all(client is not UNKNOWN for client in clients)
    return named, complete


def service_app_has_one_access_policy(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    apps = [app for app in _of_type(args.resources, OAUTH_APP) if lookup(app.props, "type") == SERVICE]
    if not apps:
        return
    apps_by_client_id = {
        client_id: app for app in apps if isinstance(client_id := lookup(app.props, "clientId"), str)
    }
    policies_by_app: dict[str, list[PolicyResource]] = defaultdict(list)
    every_policy_related = True
    for policy in _of_type(args.resources, SERVER_POLICY):
        named, complete = _apps_named_by(policy, apps_by_client_id)
        every_policy_related = every_policy_related and complete
        for urn in named:
            policies_by_app[urn].append(policy)
    for app in apps:
        policies = policies_by_app.get(app.urn, [])
        if not policies and every_policy_related:
            report_violation(
                f"service app {app.name} is named by no access policy, so it gets no tokens, or "
                "whatever a catch-all policy grants. Create one okta.auth.ServerPolicy with "
                "client_whitelists=[app.id] and one rule with the account's scopes.",
                app.urn,
            )
        elif len(policies) > 1:
            names = ", ".join(policy.name for policy in policies)
            report_violation(
                f"service app {app.name} is named by {len(policies)} access policies ({names}); "
                "Okta applies the first match by priority, so what the account may get depends on "
                "ordering. Keep exactly one okta.auth.ServerPolicy per app.",
                app.urn,
            )


def app_labels_unique(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    by_label: dict[str, list[PolicyResource]] = defaultdict(list)
    for app in _of_type(args.resources, OAUTH_APP):
        label = lookup(app.props, "label")
        if isinstance(label, str):
            # Okta shows labels to people, who do not tell "Foo" from "foo" in an audit log.
            by_label[label.strip().casefold()].append(app)
    for apps in by_label.values():
        if len(apps) < 2:
            continue
        for app in apps:
            others = ", ".join(other.name for other in apps if other is not app)
            report_violation(
                f"app {app.name} has the same label as {others}; admins and audit logs tell apps "
                "apart by label. Give each app a label with its account name and environment.",
                app.urn,
            )


def _account_of(resource: PolicyResource) -> str | None:
    ancestor = resource.parent
    while ancestor is not None:
        if is_type(ancestor.resource_type, SERVICE_ACCOUNT_COMPONENT):
            return ancestor.name
        ancestor = ancestor.parent
    return None


def privileged_scopes_allowlisted(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = args.get_config()
    # No default: a pack run without its generated configuration must be told apart from a catalog
    # with nothing privileged (the generated file then says privilegedScopes: []).
    configured = PRIVILEGED_SCOPES in settings and settings[PRIVILEGED_SCOPES] is not None
    privileged = config.read_strings(settings, PRIVILEGED_SCOPES, ()) if configured else ()
    allowed = config.read_strings(settings, ALLOWED_ACCOUNTS, config.DEFAULT_ALLOWED_ACCOUNTS)
    if not config.is_prod(settings):
        environment = config.environment(settings)
        args.not_applicable(f"applies to production stacks only; this stack is {environment}")
        return
    if not configured:
        # Fail closed: in a production stack an allowlist that names no scope guards nothing, and
        # that is how a pack run without its generated configuration used to pass a privileged grant.
        report_violation(
            f"no {PRIVILEGED_SCOPES} are configured for this policy in a production stack: run the "
            "pack with its generated configuration (--policy-pack-config policies/policy-config.json, "
            "written by `svcaccounts policy-config`).",
            None,
        )
        return
    # Okta access policy rules name scopes in scopeWhitelists, Auth0 client grants in scopes.
    granting = [(rule, "scopeWhitelists") for rule in _of_type(args.resources, SERVER_POLICY_RULE)]
    granting += [(grant, "scopes") for grant in _of_type(args.resources, AUTH0_CLIENT_GRANT)]
    for rule, scopes_key in granting:
        scopes = lookup(rule.props, scopes_key)
        if not isinstance(scopes, list):
            continue
        # The wildcard grants every scope, privileged ones included.
        granted = (
            list(privileged)
            if WILDCARD_SCOPE in scopes
            else [scope for scope in privileged if scope in scopes]
        )
        if not granted:
            continue
        account = _account_of(rule)
        if account is not None and account in allowed:
            continue
        listed = ", ".join(granted)
        plural = "s" if len(granted) != 1 else ""
        if account is None:
            report_violation(
                f"rule {rule.name} grants privileged scope{plural} {listed} in prod but belongs "
                "to no service account, so no allowlist entry can cover it. Grant privileged "
                "scopes only through a service account definition.",
                rule.urn,
            )
        else:
            report_violation(
                f"rule {rule.name} grants privileged scope{plural} {listed} in prod to account "
                f"{account}, which is not on the allowlist. Remove the scope{plural} from the "
                f"account's prod scopes, or after review add {account} to {ALLOWED_ACCOUNTS} in "
                "this policy's config.",
                rule.urn,
            )
    # Cognito: an app client's scopes are `<resource server>/<scope>`; judged by the scope name.
    for client in _of_type(args.resources, COGNITO_USER_POOL_CLIENT):
        names = client_scope_names(client, args.resources)
        granted = [scope for scope in privileged if scope in names]
        account = _account_of(client)
        if not granted or (account is not None and account in allowed):
            continue
        listed = ", ".join(granted)
        plural = "s" if len(granted) != 1 else ""
        holder = "belongs to no service account" if account is None else f"is account {account}'s"
        report_violation(
            f"app client {client.name} allows privileged scope{plural} {listed} in prod and {holder}, "
            f"which is not on the allowlist. Remove the scope{plural} from the account's prod scopes, "
            f"or after review add the account to {ALLOWED_ACCOUNTS} in this policy's config.",
            client.urn,
        )


def _service_principals_of(
    application: PolicyResource, resources: list[PolicyResource]
) -> list[PolicyResource]:
    client_id = lookup(application.props, "clientId")
    return [
        resource
        for resource in resources
        if is_type(resource.resource_type, ENTRA_SERVICE_PRINCIPAL)
        and (
            any(dep.urn == application.urn for dep in resource.property_dependencies.get("clientId", []))
            or (isinstance(client_id, str) and lookup(resource.props, "clientId") == client_id)
        )
    ]


def api_requires_app_role_assignment(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    for application in resources:
        if not is_type(application.resource_type, ENTRA_APPLICATION):
            continue
        if is_service_account_application(application.props):
            continue
        for principal in _service_principals_of(application, resources):
            required = lookup(principal.props, "appRoleAssignmentRequired")
            if required is UNKNOWN or required is True:
                continue
            report_violation(
                f"service principal {principal.name} of the API application {application.name} does "
                "not require an app role assignment, so Entra issues tokens for the API to any "
                "client of the tenant, with no roles. Set app_role_assignment_required=True.",
                principal.urn,
            )


def auth0_grant_on_the_stacks_api(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    identifiers = {
        identifier
        for server in _of_type(resources, AUTH0_RESOURCE_SERVER)
        if isinstance(identifier := lookup(server.props, "identifier"), str)
    }
    defined: dict[str, set[str]] = {}
    for scopes in _of_type(resources, AUTH0_RESOURCE_SERVER_SCOPES):
        identifier = lookup(scopes.props, "resourceServerIdentifier")
        listed = lookup(scopes.props, "scopes")
        if isinstance(identifier, str) and isinstance(listed, list):
            defined.setdefault(identifier, set()).update(
                name for entry in listed if isinstance(name := lookup(entry, "name"), str)
            )
    for grant in _of_type(resources, AUTH0_CLIENT_GRANT):
        audience = lookup(grant.props, "audience")
        if audience is UNKNOWN:
            continue
        if audience not in identifiers:
            report_violation(
                f"client grant {grant.name} is for audience {audience!r}, not the API this stack "
                "manages: a service account is granted scopes of the stack's own API only (never "
                "the Management API). Set audience to the stack's svcaccounts:auth0.audience.",
                grant.urn,
            )
            continue
        scopes = lookup(grant.props, "scopes")
        if not isinstance(scopes, list) or audience not in defined:
            continue
        outside = [scope for scope in scopes if isinstance(scope, str) and scope not in defined[audience]]
        if outside:
            report_violation(
                f"client grant {grant.name} names {', '.join(outside)}, which the API's scopes (the "
                "catalog) do not define. Grant only scopes from scopes.yaml.",
                grant.urn,
            )


def cognito_scopes_on_resource_server(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    servers = resource_server_scopes(resources)
    if servers is None:
        return
    for client in resources:
        if not is_type(client.resource_type, COGNITO_USER_POOL_CLIENT):
            continue
        scopes: Any = lookup(client.props, "allowedOauthScopes")
        if not isinstance(scopes, list):
            continue
        outside = [
            value
            for value in scopes
            if value is not UNKNOWN and (not isinstance(value, str) or scope_name_on(value, servers) is None)
        ]
        if not outside:
            continue
        count = len(outside)
        report_violation(
            f"app client {client.name} allows {count} scope{'s' if count != 1 else ''} that no resource "
            "server of this stack defines (Cognito's built-in user scopes, another API's, or one not "
            "in the catalog): a service account holds only the catalog's scopes on the stack's "
            "resource server. Grant scopes through the account's definition.",
            client.urn,
        )


POLICIES: Final = (
    StackValidationPolicy(
        name="okta-service-app-one-access-policy",
        description="Every Okta service app is named by exactly one access policy.",
        validate=service_app_has_one_access_policy,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="okta-app-labels-unique",
        description="No two Okta apps share a label.",
        validate=app_labels_unique,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.LOW,
    ),
    StackValidationPolicy(
        name="privileged-scopes-allowlisted",
        description="In production stacks, privileged scopes are granted only to allowlisted accounts.",
        validate=privileged_scopes_allowlisted,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
        config_schema=config.schema(
            {
                PRIVILEGED_SCOPES: {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "description": (
                        "Scopes that only allowlisted accounts may hold in production stacks: the "
                        "catalog's privileged scopes, written by `svcaccounts policy-config`. No "
                        "default: unset in a production stack is a violation."
                    ),
                },
                ALLOWED_ACCOUNTS: {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "default": list(config.DEFAULT_ALLOWED_ACCOUNTS),
                    "description": "Service account names allowed to hold privileged scopes in prod.",
                },
            },
            environment=True,
        ),
    ),
    StackValidationPolicy(
        name="auth0-grant-on-the-stacks-api",
        description="Auth0 client grants are on the stack's API and name only scopes it defines.",
        validate=auth0_grant_on_the_stacks_api,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="cognito-client-scopes-on-resource-server",
        description="Cognito app clients allow only scopes the stack's resource server defines.",
        validate=cognito_scopes_on_resource_server,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="entra-api-app-role-assignment-required",
        description="The Entra ID API's service principal requires an app role assignment.",
        validate=api_requires_app_role_assignment,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
)
