"""Rotation status (svcaccounts.core.rotation_status) as a table, as JSON and as markdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from svcaccounts.core.rotation import iso_utc
from svcaccounts.core.rotation_status import AccountRotation, RotationStatus
from svcaccounts.render import Format
from svcaccounts.render.escape import markdown_code, markdown_text, terminal_text
from svcaccounts.render.table import markdown_table, text_table


def _flags(account: AccountRotation) -> str:
    flags = []
    if account.overdue:
        flags.append("OVERDUE")
    elif account.behind:
        flags.append("BEHIND")
    if account.ahead:
        flags.append("AHEAD")
    if account.due:
        flags.append("due")
    if account.in_grace:
        flags.append("in-grace")
    if not account.enabled:
        flags.append("disabled")
    return ",".join(flags) or "ok"


def _deployed_text(status: RotationStatus, account: AccountRotation) -> str:
    if not status.compared:
        return "-"
    if account.deployed_generation is not None:
        return str(account.deployed_generation)
    return "waits" if account.bundle_waits else "missing"


_COLUMNS = ("ACCOUNT", "GEN", "DEPLOYED", "LAST ROTATION", "NEXT ROTATION", "DAYS LEFT", "FLAGS")


def _rows(status: RotationStatus) -> list[tuple[str, ...]]:
    return [
        (
            account.name,
            str(account.generation),
            _deployed_text(status, account),
            iso_utc(account.last_rotation),
            iso_utc(account.next_rotation),
            f"{account.days_left:.1f}",
            _flags(account),
        )
        for account in status.accounts
    ]


def _summary(status: RotationStatus, quote: Callable[[str], str]) -> list[str]:
    """The lines under the table; `quote` escapes an account name for the format."""
    due = sum(1 for account in status.accounts if account.due)
    lines = [
        f"{len(status.accounts)} accounts, {due} due within {status.within_days} days",
    ]
    if status.compared:
        behind = status.behind
        if behind:
            overdue = sum(1 for account in behind if account.overdue)
            lines.append(
                f"{len(behind)} behind the expected generation ({overdue} past their grace): "
                "the scheduled deploy did not run or failed"
            )
        if status.ahead:
            names = ", ".join(quote(account.name) for account in status.ahead)
            lines.append(
                f"{len(status.ahead)} ahead of the expected generation: {names}: outputs of "
                "another stack or revision, or rotation settings changed back after a deploy"
            )
        if status.waiting:
            names = ", ".join(quote(account.name) for account in status.waiting)
            lines.append(
                f"{len(status.waiting)} adopted, bundle waits for the app's current secret: {names}: "
                "pulumi config set --secret svcaccounts-adopted-secret:<account> (docs/migration.md)"
            )
        if not behind and not status.ahead:
            lines.append("deployed generations are up to date")
        if status.not_in_definitions:
            names = ", ".join(quote(name) for name in status.not_in_definitions)
            lines.append(f"deployed but no longer defined (removal not deployed yet): {names}")
    return lines


def render_table(status: RotationStatus) -> str:
    title = f"stack {status.stack} · environment {status.environment} · at {iso_utc(status.at)}"
    lines = [terminal_text(title), "", *text_table(_COLUMNS, _rows(status)), ""]
    lines.extend(_summary(status, terminal_text))
    return "\n".join(lines) + "\n"


def render_markdown(status: RotationStatus) -> str:
    lines = [
        f"### Rotation status: stack {markdown_code(status.stack)} "
        f"(environment {markdown_code(status.environment)}) at {iso_utc(status.at)}",
        "",
    ]
    lines.extend(f"- {line}" for line in _summary(status, markdown_text))
    lines.append("")
    lines.extend(markdown_table(_COLUMNS, ([markdown_text(cell) for cell in row] for row in _rows(status))))
    return "\n".join(lines) + "\n"


def _account_document(status: RotationStatus, account: AccountRotation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": account.name,
        "enabled": account.enabled,
        "period_days": account.period_days,
        "grace_days": account.grace_days,
        "generation": account.generation,
        "last_rotation": iso_utc(account.last_rotation),
        "next_rotation": iso_utc(account.next_rotation),
        "days_left": account.days_left,
        "due": account.due,
        "in_grace": account.in_grace,
    }
    if status.compared:
        document["deployed_generation"] = account.deployed_generation
        document["behind"] = account.behind
        document["ahead"] = account.ahead
        document["overdue"] = account.overdue
    return document


def status_document(status: RotationStatus) -> dict[str, Any]:
    """What `svcaccounts rotation status --format json` prints."""
    document: dict[str, Any] = {
        "stack": status.stack,
        "environment": status.environment,
        "at": iso_utc(status.at),
        "within_days": status.within_days,
        "compared_with_deployed": status.compared,
        "accounts": [_account_document(status, account) for account in status.accounts],
    }
    if status.compared:
        document["behind"] = [account.name for account in status.behind]
        document["ahead"] = [account.name for account in status.ahead]
        document["not_in_definitions"] = list(status.not_in_definitions)
    return document


def render_json(status: RotationStatus) -> str:
    return json.dumps(status_document(status), indent=2) + "\n"


RENDERERS: dict[Format, Callable[[RotationStatus], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}
