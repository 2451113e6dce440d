"""The plan of one environment as a table, as JSON and as markdown, with what changes against
the plan of a base revision (svcaccounts.core.plan computes both)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from svcaccounts.core.identity_providers import AUTH0, COGNITO, ENTRA_ID, describe
from svcaccounts.core.plan import AccountPlan, EnvironmentPlan, PlanChange, PlannedResource
from svcaccounts.core.rotation import iso_utc
from svcaccounts.core.settings import (
    AWS_SECRETS_MANAGER,
    AZURE_KEY_VAULT,
    AwsSecretsManagerSettings,
    ExistingAuthServer,
    SecretStoreKind,
    StackSettings,
)
from svcaccounts.render import Format
from svcaccounts.render.escape import markdown_code, markdown_inline, markdown_text, terminal_text
from svcaccounts.render.table import markdown_table, text_table

# How a line shows a value from the definitions or the stack file: escaped for its format.
_Quote = Callable[[str], str]

# ---- the JSON document -------------------------------------------------------------------------


def account_document(account: AccountPlan) -> dict[str, Any]:
    return {
        "name": account.name,
        "status": account.status,
        "owner": {"team": account.owner_team, "email": account.owner_email},
        "scopes": list(account.scopes),
        "auth_method": account.auth_method,
        "token_lifetime_minutes": account.token_lifetime_minutes,
        "rotation": {
            "period_days": account.period_days,
            "grace_days": account.grace_days,
            "force": account.force,
            "generation": account.generation,
            "live_generations": list(account.rotation.live_generations),
            "last_rotation": iso_utc(account.rotation.last_rotation),
            "next_rotation": iso_utc(account.rotation.next_rotation),
            "grace_ends": _optional_iso(account.rotation.grace_ends),
            "expires_at": iso_utc(account.rotation.expires_at),
        },
        **_label_document(account),
        "secret_store": account.secret_store,
        **(
            {"aws_secret": account.secret_name}
            if account.secret_store == AWS_SECRETS_MANAGER
            else {"key_vault_secret": account.secret_name}
        ),
        "credentials": [
            {
                "kind": credential.kind,
                "generation": credential.generation,
                "resource": credential.resource,
                "key_id": credential.key_id,
                **({} if credential.expires_at is None else {"expires_at": iso_utc(credential.expires_at)}),
            }
            for credential in account.credentials
        ],
        "resources": [_resource_document(resource) for resource in account.resources],
        **_adoption_document(account),
    }


def _adoption_document(account: AccountPlan) -> dict[str, Any]:
    """An imported account's open adoption window (nothing when there is none)."""
    if account.adoption_until is None:
        return {}
    return {
        "adoption": {
            "until": iso_utc(account.adoption_until),
            "legacy_key_ids": [key.kid for key in account.legacy_keys],
            "adopted_secret_config_key": account.adopted_secret_key,
            "bundle_waits": account.bundle_waits,
        }
    }


def _label_document(account: AccountPlan) -> dict[str, Any]:
    if account.identity_provider == AUTH0:
        return {"auth0_client_name": account.label}
    if account.identity_provider == COGNITO:
        # A client per generation, each with its own name (the credentials' key_id).
        return {"cognito_client_names": [credential.key_id for credential in account.credentials]}
    if account.identity_provider == ENTRA_ID:
        return {"entra_display_name": account.label}
    return {"okta_label": account.label}


def _optional_iso(instant: datetime | None) -> str | None:
    return None if instant is None else iso_utc(instant)


def _resource_document(resource: PlannedResource) -> dict[str, Any]:
    return {"type": resource.type, "name": resource.name, "parent": resource.parent}


def _provider_document(plan: EnvironmentPlan) -> dict[str, Any]:
    cognito = plan.settings.cognito
    if cognito is not None:
        return {
            "identity_provider": plan.identity_provider,
            "cognito": {
                "region": cognito.region,
                "user_pool_id": cognito.user_pool_id,
                "domain": cognito.domain,
                "resource_server": cognito.resource_server,
                "scopes": [cognito.scope_value(scope.name) for scope in plan.scopes],
            },
        }
    entra = plan.settings.entra_id
    if entra is not None:
        return {
            "identity_provider": plan.identity_provider,
            "entra_id": {
                "tenant_id": entra.tenant_id,
                "identifier_uri": entra.identifier_uri,
                "request_scope": entra.request_scope,
                "app_roles": [{"scope": scope, "id": role_id} for scope, role_id in plan.app_roles],
            },
        }
    auth0 = plan.settings.auth0
    if auth0 is not None:
        return {
            "identity_provider": plan.identity_provider,
            "auth0": {
                "domain": auth0.domain,
                "audience": auth0.audience,
                "token_lifetime_minutes": plan.api_token_lifetime_minutes,
            },
        }
    _, server = plan.settings.require_okta()
    return {
        "identity_provider": plan.identity_provider,
        "auth_server": (
            {"id": server.id}
            if isinstance(server, ExistingAuthServer)
            else {"create": {"name": server.name, "audience": server.audience}}
        ),
    }


def plan_document(plan: EnvironmentPlan) -> dict[str, Any]:
    """What `svcaccounts plan --format json` prints."""
    return {
        "stack": plan.stack,
        "environment": plan.environment,
        "at": iso_utc(plan.at),
        **_provider_document(plan),
        "token_url": plan.token_url,
        "secret_store": plan.settings.secret_store,
        **_store_document(plan.settings),
        "shared_resources": [_resource_document(resource) for resource in plan.shared],
        "accounts": [account_document(account) for account in plan.accounts],
        "resource_count": plan.resource_count,
    }


def _store_document(settings: StackSettings) -> dict[str, Any]:
    store = settings.store
    if isinstance(store, AwsSecretsManagerSettings):
        return {
            "aws_secrets_manager": {
                "region": store.region,
                "kms_key_id": store.kms_key_id,
                "name_prefix": store.name_prefix,
                "recovery_window_days": store.recovery_window_days,
            }
        }
    return {"key_vault": {"name": store.name, "resource_group": store.resource_group}}


def render_json(plan: EnvironmentPlan) -> str:
    return json.dumps(plan_document(plan), indent=2)


# ---- the table and markdown --------------------------------------------------------------------

_COLUMNS = (
    "ACCOUNT",
    "STATUS",
    "AUTH",
    "SCOPES",
    "TOKEN",
    "GEN",
    "NEXT ROTATION",
    "CREDENTIAL",
    "KEY VAULT SECRET",
)
# The last column names the stack's store.
_SECRET_COLUMN: dict[SecretStoreKind, str] = {
    AZURE_KEY_VAULT: "KEY VAULT SECRET",
    AWS_SECRETS_MANAGER: "AWS SECRET",
}


def _columns(plan: EnvironmentPlan) -> tuple[str, ...]:
    return (*_COLUMNS[:-1], _SECRET_COLUMN[plan.settings.secret_store])


def _credential_text(account: AccountPlan, stack: str) -> str:
    if not account.has_credentials:
        return "none: disabled (Cognito app clients cannot be disabled, so it has none)"
    if account.identity_provider == COGNITO:
        generations = ", ".join(f"g{credential.generation}" for credential in account.credentials)
        noun = "app clients" if len(account.credentials) > 1 else "app client"
        return f"{noun} {generations} (a new client id each)"
    until = "" if account.adoption_until is None else iso_utc(account.adoption_until)
    if account.current.kind == "adopted_secret":
        if account.bundle_waits:
            return (
                f"adopted client secret until {until}; bundle waits: pulumi config set --secret "
                f"{account.adopted_secret_key} --stack {stack}"
            )
        return f"adopted client secret until {until}"
    if account.legacy_keys:
        kids = ", ".join(credential.key_id or "" for credential in account.credentials)
        legacy = ", ".join(key.kid for key in account.legacy_keys)
        return f"private key {kids} + legacy {legacy} until {until}"
    if account.current.kind == "client_secret":
        if len(account.credentials) > 1:
            generations = ", ".join(f"g{credential.generation}" for credential in account.credentials)
            return f"client secrets {generations}"
        return f"client secret g{account.generation}"
    kids = ", ".join(credential.key_id or "" for credential in account.credentials)
    return f"private key {kids}"


def _rows(plan: EnvironmentPlan) -> list[tuple[str, ...]]:
    return [
        (
            account.name,
            account.status,
            account.auth_method,
            " ".join(account.scopes),
            "default" if account.token_lifetime_minutes is None else f"{account.token_lifetime_minutes}m",
            str(account.generation),
            iso_utc(account.rotation.next_rotation),
            _credential_text(account, plan.stack),
            account.secret_name if account.has_credentials else "none",
        )
        for account in plan.accounts
    ]


def _provider_line(plan: EnvironmentPlan, quote: _Quote) -> str:
    cognito = plan.settings.cognito
    if cognito is not None:
        return (
            f"identity provider: Amazon Cognito, user pool {quote(cognito.user_pool_id)} "
            f"({quote(cognito.region)}), resource server {quote(cognito.resource_server)} "
            f"(tokens carry {quote(cognito.scope_value('<scope>'))})"
        )
    entra = plan.settings.entra_id
    if entra is not None:
        return (
            f"identity provider: Microsoft Entra ID, tenant {quote(entra.tenant_id)}, "
            f"API {quote(entra.identifier_uri)} (tokens request {quote(entra.request_scope)}; "
            "token lifetime: the tenant's default)"
        )
    auth0 = plan.settings.auth0
    if auth0 is not None:
        lifetime = plan.api_token_lifetime_minutes
        return (
            f"identity provider: Auth0, domain {quote(auth0.domain)}, API {quote(auth0.audience)} "
            f"(tokens request it as audience; token lifetime: "
            f"{'the tenant default' if lifetime is None else f'{lifetime}m'} for the whole API)"
        )
    _, server = plan.settings.require_okta()
    if isinstance(server, ExistingAuthServer):
        return f"authorization server: {quote(server.id)} (existing)"
    return (
        f"authorization server: {quote(server.name)} "
        f"(created by the stack, audience {quote(server.audience)})"
    )


def _store_text(settings: StackSettings, quote: _Quote) -> str:
    store = settings.store
    if isinstance(store, AwsSecretsManagerSettings):
        default_key = "aws/secretsmanager (the account's default key)"
        key = quote(store.kms_key_id) if store.kms_key_id else default_key
        return (
            f"aws secrets manager: region {quote(store.region)}, KMS key {key}, "
            f"recovery window {store.recovery_window_days} days"
        )
    return f"key vault: {quote(store.name)} (resource group {quote(store.resource_group)})"


def _cutover_lines(plan: EnvironmentPlan, quote: _Quote) -> list[str]:
    """Where a rotation has no overlap: the provider keeps one client secret per client, so the
    new secret replaces the old when `pulumi up` runs, and consumers fail until they re-read the
    bundle (their client does on the next 401). Said once per plan, naming the accounts."""
    provider = describe(plan.identity_provider)
    if provider.overlaps("client_secret_basic"):
        return []
    # A disabled account gets no token whatever its secret, so only enabled ones are named.
    secrets = [
        quote(account.name)
        for account in plan.accounts
        if account.current.kind == "client_secret" and account.status != "disabled"
    ]
    if not secrets:
        return []
    return [
        f"client secrets rotate by cutover ({provider.display_name} keeps one secret per client): "
        f"at each rotation "
        f"the old secret stops working when pulumi up runs, until consumers re-read the bundle: "
        f"{', '.join(secrets)}"
    ]


def _header_lines(plan: EnvironmentPlan, quote: _Quote) -> list[str]:
    token_url = quote(plan.token_url) if plan.token_url else "(known once the authorization server exists)"
    return [
        f"stack {quote(plan.stack)} · environment {quote(plan.environment)} · at {iso_utc(plan.at)}",
        _provider_line(plan, quote),
        f"token URL: {token_url}",
        _store_text(plan.settings, quote),
        *_cutover_lines(plan, quote),
        f"{len(plan.accounts)} accounts, {len(plan.scopes)} scopes, {plan.resource_count} resources",
    ]


def render_table(plan: EnvironmentPlan) -> str:
    resources = ["resources:"]
    for resource in plan.shared:
        resources.append(f"  {resource.type}  {resource.name}")
    for account in plan.accounts:
        resources.append(f"  {account.name}:")
        for resource in account.resources[1:]:
            resources.append(f"    {resource.type}  {resource.name}")
    return "\n".join(
        [
            *_header_lines(plan, terminal_text),
            "",
            *text_table(_columns(plan), _rows(plan)),
            "",
            # Our words around names: escaped whole, they hold no control character of ours.
            *(terminal_text(line) for line in resources),
        ]
    )


def render_markdown(plan: EnvironmentPlan) -> str:
    title = f"### Plan for stack {markdown_code(plan.stack)} (environment {markdown_code(plan.environment)})"
    lines = [title, ""]
    lines.extend(f"- {line}" for line in _header_lines(plan, markdown_text)[1:])
    lines.append(f"- at {iso_utc(plan.at)}")
    lines.append("")
    lines.extend(
        markdown_table(_columns(plan), ([markdown_text(cell) for cell in row] for row in _rows(plan)))
    )
    lines.append("")
    lines.append("<details><summary>Resources</summary>")
    lines.append("")
    lines.extend(
        markdown_table(
            ("Type", "Name", "Parent"),
            (
                (markdown_code(r.type), markdown_code(r.name), markdown_text(r.parent or ""))
                for r in plan.resources()
            ),
        )
    )
    lines.append("")
    lines.append("</details>")
    return "\n".join(lines)


RENDERERS: dict[Format, Callable[[EnvironmentPlan], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}


# ---- with the changes against a base -----------------------------------------------------------


def _changes_document(changes: Sequence[PlanChange], label: str) -> dict[str, Any]:
    return {
        "base": label,
        "items": [{"account": c.account, "kind": c.kind, "message": c.message} for c in changes],
    }


def _changes_markdown(changes: Sequence[PlanChange], label: str) -> list[str]:
    lines = [f"#### Changes against {markdown_code(label)}", ""]
    # A change's message is our words around names, scopes and secret names: kept on its line,
    # with no HTML or link, whatever those hold.
    lines.extend(
        f"- {markdown_code(c.account)} **{c.kind}**: {markdown_inline(c.message)}" for c in changes
    )
    if not changes:
        lines.append("- none")
    return lines


def _changes_table(changes: Sequence[PlanChange], label: str) -> list[str]:
    lines = [f"changes against {label}:"]
    lines.extend(f"  {c.account}: {c.kind}: {c.message}" for c in changes)
    if not changes:
        lines.append("  none")
    return [terminal_text(line) for line in lines]


def render(
    plan: EnvironmentPlan,
    fmt: Format,
    *,
    changes: Sequence[PlanChange] | None = None,
    base: str | None = None,
) -> str:
    """The plan in `fmt`; with `changes`, also what changes against the plan of `base`."""
    if changes is None:
        return RENDERERS[fmt](plan)
    label = base or "base"
    if fmt == "json":
        document = plan_document(plan)
        document["changes"] = _changes_document(changes, label)
        return json.dumps(document, indent=2)
    section = _changes_markdown(changes, label) if fmt == "markdown" else _changes_table(changes, label)
    return "\n".join([RENDERERS[fmt](plan), "", *section])
