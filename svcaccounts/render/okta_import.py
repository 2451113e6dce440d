"""The report of `svcaccounts okta import`: what was adopted, what was written, what a person
must confirm or do next, and what could not be adopted (text, or JSON for machines)."""

from __future__ import annotations

import json
from typing import Any

from svcaccounts.adoption.writer import PreparedImport
from svcaccounts.core.rotation import iso_utc


def _account_rows(result: PreparedImport) -> list[dict[str, Any]]:
    rows = []
    for account in result.plan.accounts:
        adopted = result.adoption.accounts[account.name]
        rows.append(
            {
                "name": account.name,
                "appId": account.app.id,
                "label": account.app.label,
                "authMethod": account.auth_method,
                "scopes": list(account.scopes),
                "status": account.status,
                "legacyKeyIds": [key.kid for key in adopted.legacy_keys],
                "keepsSecret": adopted.keeps_secret,
                "adoptionUntil": iso_utc(adopted.until),
            }
        )
    return rows


def _next_steps(result: PreparedImport) -> list[str]:
    stack = result.stack
    steps = [
        "fill in owner.team and owner.email of each imported definition (`svcaccounts validate` lists them)"
    ]
    if any(finding.kind == "new-scope" for finding in result.findings):
        steps.append(
            "confirm each new scope's privileged: true in scopes.yaml (then `svcaccounts policy-config`)"
        )
    steps.extend(
        f"pulumi config set --secret {key} --stack {stack}   # the app's current client secret, once"
        for key in result.secret_keys
    )
    if result.plan.accounts:
        steps.append(f"pulumi up --stack {stack} --target '{result.provider_urn}'   # the provider first")
        steps.append(f"pulumi import --file {result.import_file} --stack {stack} --generate-code=false")
        steps.append(f"pulumi preview --stack {stack}   # updates in place only; see docs/migration.md")
    return steps


def render_json(result: PreparedImport) -> str:
    document = {
        "stack": result.stack,
        "environment": result.environment,
        "authServer": result.plan.server_id,
        "accounts": _account_rows(result),
        "written": list(result.files),
        "secretConfigKeys": list(result.secret_keys),
        "findings": [finding.as_dict() for finding in result.findings],
        "nextSteps": _next_steps(result),
    }
    return json.dumps(document, indent=2) + "\n"


def render_text(result: PreparedImport) -> str:
    accounts = result.plan.accounts
    lines = [
        f"imported {len(accounts)} account{'s' * (len(accounts) != 1)} from authorization server "
        f"{result.plan.server_id} into environment {result.environment} (stack {result.stack})"
    ]
    for row in _account_rows(result):
        if row["keepsSecret"]:
            kept = f"keeps its client secret until {row['adoptionUntil']}"
        else:
            kept = f"keeps keys {', '.join(row['legacyKeyIds'])} until {row['adoptionUntil']}"
        lines.append(
            f"  {row['name']}: app {row['appId']}, {row['authMethod']}, {' '.join(row['scopes'])}; {kept}"
        )
    if result.files:
        lines.append("wrote:")
        lines.extend(f"  {path}" for path in result.files)
    order = {"new-scope": 0, "renamed": 1, "not-adopted": 2, "note": 3}
    for finding in sorted(result.findings, key=lambda finding: order[finding.kind]):
        lines.append(f"{finding.kind}: {finding.subject}: {finding.message}")
    lines.append("next:")
    lines.extend(f"  {number}. {step}" for number, step in enumerate(_next_steps(result), start=1))
    return "\n".join(lines) + "\n"


def render(result: PreparedImport, format_name: str) -> str:
    return render_json(result) if format_name == "json" else render_text(result)
