"""The files an import writes, as text: one definition per adopted account, the catalog with the
new scopes appended, the `pulumi import --file` input and the adoption state. Pure.

Logical names, parents and type tokens come from svcaccounts/core/naming.py, the functions the
program registers its resources with, so what `pulumi import` adopts is exactly what the next
`pulumi up` finds (tests/adoption/test_import_names_match_program.py proves it under mocks).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import yaml

from svcaccounts.adoption.mapping import DEFAULT_PERIOD_DAYS, CatalogAddition, ImportedAccount, ImportPlan
from svcaccounts.core import naming
from svcaccounts.core.adoption import StackAdoption
from svcaccounts.core.rotation import iso_utc
from svcaccounts.definitions.semantic import PLACEHOLDER_OWNER_EMAIL, PLACEHOLDER_OWNER_TEAM

IMPORTED_FOLDER = "service_accounts/imported"
SCOPES_HEADER = (
    "# yaml-language-server: $schema=schemas/scope-catalog.schema.json\n"
    "# The scopes that service accounts may be granted.\n"
    "scopes:\n"
)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=True)


def definition_path(account: ImportedAccount) -> str:
    return f"{IMPORTED_FOLDER}/{account.name}.yaml"


def definition_text(account: ImportedAccount, environment: str) -> str:
    app = account.app
    scopes = ", ".join(_q(scope) for scope in account.scopes)
    return (
        "# yaml-language-server: $schema=../../schemas/service-account.schema.json\n"
        f"# Imported by `svcaccounts okta import` from Okta app {app.id}, access policy "
        f"{account.policy.id}, rule {account.rule.id}.\n"
        "# The owner is a placeholder: `svcaccounts validate` fails until a person names the team\n"
        "# that answers for this account.\n"
        f"name: {account.name}\n"
        f"description: {_q(account.description)}\n"
        "owner:\n"
        f"  team: {PLACEHOLDER_OWNER_TEAM}\n"
        f"  email: {PLACEHOLDER_OWNER_EMAIL}\n"
        f"scopes: [{scopes}]\n"
        f"auth_method: {account.auth_method}\n"
        f"token_lifetime_minutes: {account.token_lifetime_minutes}\n"
        "rotation:\n"
        f"  period_days: {DEFAULT_PERIOD_DAYS}\n"
        f"status: {account.status}\n"
        "environments:\n"
        f"  {environment}: {{}}\n"
    )


def _scope_entry(scope: CatalogAddition, indent: str) -> str:
    inner = indent + "  "
    return (
        f"{indent}- name: {_q(scope.name)}\n"
        f"{inner}description: {_q(scope.description)}\n"
        f"{inner}# imported from Okta, which knows nothing of privilege: confirm, or set false\n"
        f"{inner}privileged: true\n"
    )


def _scope_names(text: str) -> list[str] | None:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    scopes = value.get("scopes") if isinstance(value, dict) else None
    if not isinstance(scopes, list):
        return None
    return [str(item.get("name")) for item in scopes if isinstance(item, dict)]


def catalog_text(existing: str | None, additions: tuple[CatalogAddition, ...]) -> tuple[str, bool]:
    """scopes.yaml with `additions` appended, and whether the existing text was kept byte for
    byte (it is, whenever its scope list is a block list at the end of the file: the usual form).
    Otherwise the caller reports that it could not append and leaves the file alone."""
    if existing is None:
        return SCOPES_HEADER + "".join(_scope_entry(scope, "  ") for scope in additions), True
    if not additions:
        return existing, True
    before = _scope_names(existing)
    indent = "  "
    for line in existing.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- name:") or stripped.startswith("- {"):
            indent = line[: len(line) - len(stripped)]
            break
    text = existing if existing.endswith("\n") else existing + "\n"
    candidate = text + "".join(_scope_entry(scope, indent) for scope in additions)
    after = _scope_names(candidate)
    if before is None or after != [*before, *(scope.name for scope in additions)]:
        return existing, False
    return candidate, True


def provider_urn(stack: str, project: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{naming.OKTA_PROVIDER_TYPE}::{naming.OKTA_PROVIDER_NAME}"


def import_document(plan: ImportPlan, *, stack: str, project: str, owns_scopes: bool) -> dict[str, Any]:
    """Pulumi's import-file format (`pulumi import --file`): each adopted app, policy and rule
    under its account's component (created empty by the import), and the server scopes they use
    at the top level, each with Okta's import id and the stack's explicit Okta provider (which
    must exist first: docs/migration.md)."""
    provider = naming.OKTA_PROVIDER_NAME
    server = plan.server_id
    resources: list[dict[str, Any]] = []
    if owns_scopes:
        resources.extend(
            {
                "type": naming.SCOPE_TYPE,
                "name": naming.scope_name(name),
                "id": f"{server}/{scope_id}",
                "provider": provider,
            }
            for name, scope_id in sorted(plan.scope_ids.items())
        )
    for account in plan.accounts:
        component = naming.account_name(account.name)
        resources.append({"type": naming.SERVICE_ACCOUNT_TYPE, "name": component, "component": True})
        children: tuple[tuple[str, naming.Role, str], ...] = (
            (naming.APP_TYPE, "app", account.app.id),
            (naming.POLICY_TYPE, "policy", f"{server}/{account.policy.id}"),
            (naming.RULE_TYPE, "rule", f"{server}/{account.policy.id}/{account.rule.id}"),
        )
        resources.extend(
            {
                "type": type_,
                "name": naming.child_name(account.name, role),
                "id": import_id,
                "parent": component,
                "provider": provider,
            }
            for type_, role, import_id in children
        )
    return {"nameTable": {provider: provider_urn(stack, project)}, "resources": resources}


def import_text(plan: ImportPlan, *, stack: str, project: str, owns_scopes: bool) -> str:
    return (
        json.dumps(import_document(plan, stack=stack, project=project, owns_scopes=owns_scopes), indent=2)
        + "\n"
    )


def adoption_text(adoption: StackAdoption, at: datetime) -> str:
    """import/<stack>.adoption.yaml (svcaccounts/definitions/adoption_file.py reads it)."""
    lines = [
        f"# Written by `svcaccounts okta import` at {iso_utc(at)}. It changes what deploys: each key",
        "# below stays in its app's JWKS, each kept secret stays valid, until `until`. Reviewed by",
        "# `svcaccounts diff` (docs/migration.md, 'The adoption window').",
        "accounts:",
    ]
    if not adoption.accounts:
        lines[-1] = "accounts: {}"
    for name, account in sorted(adoption.accounts.items()):
        lines.append(f"  {name}:")
        lines.append(f"    until: {_q(iso_utc(account.until))}")
        if account.keeps_secret:
            lines.append("    keep_secret: true")
        if account.legacy_keys:
            lines.append("    legacy_keys:")
            for key in account.legacy_keys:
                members = ", ".join(f"{member}: {_q(value)}" for member, value in key.members.items())
                lines.append(f"      - {{{members}}}")
    return "\n".join(lines) + "\n"
