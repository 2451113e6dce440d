"""The usage report (svcaccounts.core.usage) as text, JSON and markdown (an issue's body).

Only what the report holds: account names, scope names, counts, instants, the finding messages
and notes. The report itself holds no address, user agent or token (the parsers drop them), so
nothing here can show one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Literal

from svcaccounts.core.review import SEVERITIES, AccessFinding, Severity
from svcaccounts.core.rotation import iso_utc
from svcaccounts.core.usage import AccountUsage, UsageReport
from svcaccounts.render.escape import markdown_code, markdown_inline, markdown_text, terminal_text
from svcaccounts.render.table import markdown_header, markdown_row

UsageFormat = Literal["text", "json", "markdown"]
USAGE_FORMATS: tuple[UsageFormat, ...] = ("text", "json", "markdown")

# GitHub refuses issue bodies over 65,536 characters; leave room for the workflow's header.
MARKDOWN_LIMIT = 60_000


def _counts(findings: Iterable[AccessFinding]) -> dict[Severity, int]:
    counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def _summary(report: UsageReport) -> str:
    if not report.findings:
        return "no usage findings"
    counts = _counts(report.findings)
    parts = [f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s]]
    noun = "finding" if len(report.findings) == 1 else "findings"
    return f"{len(report.findings)} usage {noun}: " + ", ".join(parts)


def _title(report: UsageReport) -> str:
    window = report.window
    return (
        f"usage of stack {report.stack} ({report.environment}), {window.days} days "
        f"{iso_utc(window.since)} → {iso_utc(window.until)}"
    )


def render_text(report: UsageReport) -> str:
    lines = [_title(report)]
    lines.extend(f"note: {note}" for note in report.notes)
    for finding in report.findings:
        lines.append(f"{finding.severity:<6} {finding.account}: {finding.rule}: {finding.message}")
    for removal in report.removals:
        lines.append(
            f"propose: {removal.account}: remove {', '.join(removal.scopes)} in {removal.environment}"
        )
    for held in report.held_back:
        lines.append(f"not proposed: {held.account}: {', '.join(held.scopes)}: {held.reason}")
    lines.append(_summary(report))
    return "\n".join(terminal_text(line) for line in lines) + "\n"


def _instant(value: Any) -> str | None:
    return None if value is None else iso_utc(value)


def _account(usage: AccountUsage) -> dict[str, Any]:
    return {
        "name": usage.name,
        "enabled": usage.enabled,
        "clientIds": list(usage.client_ids),
        "grants": usage.grants,
        "failures": usage.failures,
        "scopesUsed": list(usage.scopes_used),
        "grantsWithoutScopes": usage.grants_without_scopes,
        "firstGrant": _instant(usage.first_grant),
        "lastGrant": _instant(usage.last_grant),
        "lastFailure": _instant(usage.last_failure),
        "created": _instant(usage.created),
        "lastRotation": _instant(usage.last_rotation),
    }


def usage_document(report: UsageReport) -> dict[str, Any]:
    """What `svcaccounts usage --format json` prints."""
    return {
        "stack": report.stack,
        "environment": report.environment,
        "since": iso_utc(report.window.since),
        "until": iso_utc(report.window.until),
        "days": report.window.days,
        "notes": list(report.notes),
        "summary": _counts(report.findings),
        "findings": [finding.as_dict() for finding in report.findings],
        "accounts": [_account(usage) for usage in report.accounts],
        "proposed": [
            {"account": r.account, "environment": r.environment, "remove": list(r.scopes)}
            for r in report.removals
        ],
        "notProposed": [
            {"account": h.account, "scopes": list(h.scopes), "reason": h.reason} for h in report.held_back
        ],
        "otherClientsEvents": report.other_clients_events,
        "unknownEventTypes": dict(report.unknown_event_types),
        "scopeEvidence": report.scope_evidence,
    }


def render_json(report: UsageReport) -> str:
    return json.dumps(usage_document(report), indent=2, ensure_ascii=False) + "\n"


_MARK: dict[Severity, str] = {"high": "🔴 high", "medium": "🟠 medium", "low": "🟡 low", "info": "⚪ info"}


def _message(finding: AccessFinding) -> str:
    parts = finding.parts or (finding.message,)
    return "".join(
        markdown_inline(part) if isinstance(part, str) else markdown_code(part.value) for part in parts
    )


def render_markdown(report: UsageReport, *, limit: int = MARKDOWN_LIMIT) -> str:
    window = report.window
    lines = [
        f"### Usage of stack {markdown_code(report.stack)} ({markdown_text(report.environment)}): "
        f"{window.days} days to {markdown_code(iso_utc(window.until))}",
        "",
    ]
    for note in report.notes:
        lines.extend((f"> **Note:** {markdown_text(note)}", ""))
    lines.extend((markdown_text(_summary(report)), ""))
    rows = [
        markdown_row((_MARK[f.severity], markdown_code(f.account or ""), f.rule, _message(f)))
        for f in report.findings
    ]
    if rows:
        lines.extend(markdown_header(("Severity", "Account", "Rule", "Evidence")))
    used = sum(len(line) + 1 for line in lines)
    shown = 0
    for row in rows:
        if used + len(row) + 1 > limit:
            break
        lines.append(row)
        used += len(row) + 1
        shown += 1
    if shown < len(rows):
        lines.append(
            f"\n_{len(rows) - shown} more not shown; `svcaccounts usage --format json` lists them all._"
        )
    if report.removals or report.held_back:
        lines.extend(("", "#### `--propose`", ""))
        for removal in report.removals:
            scopes = ", ".join(markdown_code(scope) for scope in removal.scopes)
            lines.append(
                f"- {markdown_code(removal.account)}: remove {scopes} in {markdown_text(removal.environment)}"
            )
        for held in report.held_back:
            scopes = ", ".join(markdown_code(scope) for scope in held.scopes)
            lines.append(
                f"- not proposed: {markdown_code(held.account)} ({scopes}): {markdown_text(held.reason)}"
            )
    return "\n".join(lines).rstrip("\n") + "\n"


RENDERERS: dict[UsageFormat, Callable[[UsageReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
