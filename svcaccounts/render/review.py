"""The access diff (svcaccounts.core.review) as text, as JSON and as a pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

from svcaccounts.core.review import SEVERITIES, AccessFinding, Report, Severity
from svcaccounts.render.escape import markdown_code, markdown_inline, markdown_text, terminal_text
from svcaccounts.render.table import markdown_header, markdown_row

# The diff reads as a list of findings, not a table: its plain format is "text".
ReportFormat = Literal["markdown", "json", "text"]

# The scope catalog is shared by every stack; its findings belong to no single environment.
ALL_ENVIRONMENTS_LABEL = "all"

# GitHub rejects issue and pull-request comments longer than 65,536 characters; leave room for
# the workflow's own header and the truncation note.
MARKDOWN_COMMENT_LIMIT = 60_000


def _where(finding: AccessFinding) -> str:
    return finding.environment if finding.environment is not None else ALL_ENVIRONMENTS_LABEL


def _groups(findings: Sequence[AccessFinding]) -> list[str]:
    """Environment labels in the order findings first mention them."""
    seen: list[str] = []
    for finding in findings:
        if _where(finding) not in seen:
            seen.append(_where(finding))
    return seen


def severity_counts(findings: Iterable[AccessFinding]) -> dict[Severity, int]:
    counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def _summary_line(findings: Sequence[AccessFinding]) -> str:
    if not findings:
        return "no access changes"
    counts = severity_counts(findings)
    parts = [f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s]]
    noun = "finding" if len(findings) == 1 else "findings"
    return f"{len(findings)} access {noun}: " + ", ".join(parts)


def render_text(report: Report) -> str:
    lines = [f"access changes {report.base} → {report.head}"]
    lines.extend(f"note: {note}" for note in report.notes)
    for finding in report.findings:
        who = f"/{finding.account}" if finding.account else ""
        lines.append(f"{finding.severity:<6} {_where(finding)}{who}: {finding.rule}: {finding.message}")
    lines.append(_summary_line(report.findings))
    # Labels, notes and messages quote revisions, paths and values from the definitions; our own
    # words hold no control character, so each line is escaped whole.
    return "\n".join(terminal_text(line) for line in lines) + "\n"


def report_document(report: Report) -> dict[str, Any]:
    """What `svcaccounts diff --format json` prints."""
    return {
        "base": report.base,
        "head": report.head,
        "notes": list(report.notes),
        "summary": severity_counts(report.findings),
        "findings": [finding.as_dict() for finding in report.findings],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"


SEVERITY_MARK: dict[Severity, str] = {
    "high": "🔴 high",
    "medium": "🟠 medium",
    "low": "🟡 low",
    "info": "⚪ info",
}


def markdown_message(finding: AccessFinding) -> str:
    # Our words keep their markup; a quoted value becomes a code span it cannot close.
    parts = finding.parts or (finding.message,)
    return "".join(
        markdown_inline(part) if isinstance(part, str) else markdown_code(part.value) for part in parts
    )


def _markdown_row(finding: AccessFinding) -> str:
    account = markdown_code(finding.account) if finding.account else "—"
    return markdown_row((SEVERITY_MARK[finding.severity], account, finding.rule, markdown_message(finding)))


def render_markdown(report: Report, *, limit: int = MARKDOWN_COMMENT_LIMIT) -> str:
    """A PR comment: title, notes, a summary table, then one table per environment.

    Past `limit` characters the remaining rows are left out and a closing line says how many,
    so the comment always posts; the JSON format always has everything.
    """
    head: list[str] = [
        f"### Access changes: {markdown_code(report.base)} → {markdown_code(report.head)}",
        "",
    ]
    for note in report.notes:
        # Notes are composed by the command with paths and names in code spans of their own.
        head.append(f"> **Note:** {markdown_inline(note)}")
        head.append("")
    if not report.findings:
        head.append("No access changes.")
        return "\n".join(head) + "\n"

    groups = _groups(report.findings)
    severities = tuple(reversed(SEVERITIES))
    head.extend(markdown_header(("Environment", *severities), right_aligned=range(1, len(severities) + 1)))
    totals: list[tuple[str, Sequence[AccessFinding]]] = [
        *((markdown_text(group), [f for f in report.findings if _where(f) == group]) for group in groups),
        ("**total**", report.findings),
    ]
    for label, members in totals:
        counts = severity_counts(members)
        head.append(markdown_row((label, *(str(counts[s]) for s in severities))))
    head.append("")

    body: list[str] = []
    used = sum(len(line) + 1 for line in head)
    shown = 0
    truncated = False
    for group in groups:
        title = "catalog (all environments)" if group == ALL_ENVIRONMENTS_LABEL else markdown_text(group)
        section = [
            f"#### {title}",
            "",
            *markdown_header(("Severity", "Account", "Rule", "Change")),
        ]
        rows = [_markdown_row(f) for f in report.findings if _where(f) == group]
        cost = sum(len(line) + 1 for line in section)
        if used + cost + len(rows[0]) + 1 > limit:
            truncated = True
            break
        body.extend(section)
        used += cost
        for row in rows:
            if used + len(row) + 1 > limit:
                truncated = True
                break
            body.append(row)
            used += len(row) + 1
            shown += 1
        body.append("")
        if truncated:
            break
    if truncated:
        hidden = len(report.findings) - shown
        body.append(
            f"_{hidden} more finding{'s' if hidden != 1 else ''} not shown: this comment is capped "
            f"at {limit:,} characters. `svcaccounts diff --format json` lists them all._"
        )
        body.append("")
    return "\n".join(head + body).rstrip("\n") + "\n"


RENDERERS: dict[ReportFormat, Callable[[Report], str]] = {
    "markdown": render_markdown,
    "json": render_json,
    "text": render_text,
}
