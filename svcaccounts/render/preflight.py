"""The Okta preflight (svcaccounts.core.okta_preflight) as text, as JSON and as markdown (a
workflow's step summary or a pull-request comment).

Names from Okta (policies, rules, apps, the server itself) are someone else's text: a label may
hold backticks, pipes, line breaks, HTML or an `@mention`. Each is shown in a code span it cannot
close (markdown), escaped for the terminal (text), or left to json.dumps (JSON); code spans also
keep GitHub from turning an `@name` into a notification.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from svcaccounts.core.review import SEVERITIES, AccessFinding
from svcaccounts.render.escape import markdown_code, markdown_text, terminal_text
from svcaccounts.render.review import MARKDOWN_COMMENT_LIMIT, SEVERITY_MARK, markdown_message, severity_counts
from svcaccounts.render.table import markdown_header, markdown_row

if TYPE_CHECKING:
    # Annotations only: `okta preflight` registers its --format choices from this module while
    # every command's parser is built, and the analysis is not needed for that.
    from svcaccounts.core.okta_preflight import PreflightReport

PreflightFormat = Literal["text", "json", "markdown"]
PREFLIGHT_FORMATS: tuple[PreflightFormat, ...] = ("text", "json", "markdown")


def _summary(findings: tuple[AccessFinding, ...]) -> str:
    if not findings:
        return "no findings: nothing on the server grants more than the definitions"
    counts = severity_counts(findings)
    parts = [f"{counts[severity]} {severity}" for severity in reversed(SEVERITIES) if counts[severity]]
    return f"{len(findings)} finding{'s' * (len(findings) != 1)}: " + ", ".join(parts)


def render_text(report: PreflightReport) -> str:
    lines = [
        f"okta preflight: stack {report.stack} · environment {report.environment} · "
        f"authorization server {report.server_id} ({report.server_name})"
    ]
    lines.extend(f"note: {note}" for note in report.notes)
    for finding in report.findings:
        who = f"/{finding.account}" if finding.account else ""
        lines.append(f"{finding.severity:<6} {finding.environment}{who}: {finding.rule}: {finding.message}")
    lines.append(_summary(report.findings))
    # The server's name and the messages quote Okta's text; our own words hold no control
    # character, so each line is escaped whole.
    return "\n".join(terminal_text(line) for line in lines) + "\n"


def report_document(report: PreflightReport) -> dict[str, Any]:
    """What `svcaccounts okta preflight --format json` prints."""
    return {
        "stack": report.stack,
        "environment": report.environment,
        "authServer": {"id": report.server_id, "name": report.server_name},
        "checked": True,
        "notes": list(report.notes),
        "summary": severity_counts(report.findings),
        "findings": [finding.as_dict() for finding in report.findings],
    }


def render_json(report: PreflightReport) -> str:
    return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"


def render_markdown(report: PreflightReport, *, limit: int = MARKDOWN_COMMENT_LIMIT) -> str:
    """A title, the notes, then one table of findings; past `limit` characters the remaining
    rows are left out and a closing line says how many (the JSON form has them all)."""
    lines = [
        f"### Okta preflight: stack {markdown_code(report.stack)} → authorization server "
        f"{markdown_code(report.server_id)} ({markdown_code(report.server_name)})",
        "",
    ]
    for note in report.notes:
        lines.extend((f"> **Note:** {markdown_text(note)}", ""))
    lines.extend((markdown_text(_summary(report.findings)) + ".", ""))
    if not report.findings:
        return "\n".join(lines)
    lines.extend(markdown_header(("Severity", "Account", "Rule", "Finding")))
    used = sum(len(line) + 1 for line in lines)
    shown = 0
    for finding in report.findings:
        account = markdown_code(finding.account) if finding.account else "—"
        row = markdown_row(
            (SEVERITY_MARK[finding.severity], account, finding.rule, markdown_message(finding))
        )
        if used + len(row) + 1 > limit:
            break
        lines.append(row)
        used += len(row) + 1
        shown += 1
    hidden = len(report.findings) - shown
    if hidden:
        lines.extend(
            (
                "",
                f"_{hidden} more finding{'s' * (hidden != 1)} not shown: this report is capped at "
                f"{limit:,} characters. `svcaccounts okta preflight --format json` lists them all._",
            )
        )
    return "\n".join(lines) + "\n"


RENDERERS: dict[PreflightFormat, Callable[[PreflightReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}


def render_nothing_to_check(stack: str, reason: str, output_format: PreflightFormat) -> str:
    """What a stack with no existing authorization server prints: why there is nothing to check."""
    if output_format == "json":
        return json.dumps({"stack": stack, "checked": False, "reason": reason}, indent=2) + "\n"
    if output_format == "markdown":
        return f"### Okta preflight: stack {markdown_code(stack)}\n\n{markdown_text(reason)}\n"
    return terminal_text(f"okta preflight: stack {stack}: {reason}") + "\n"
