"""Render findings: text for people, GitHub Actions annotations for pull requests, JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal, Protocol

from svcaccounts.definitions.findings import Finding
from svcaccounts.render.escape import github_data, github_property, terminal_text

FindingsFormat = Literal["text", "github", "json"]


class FindingsRenderer(Protocol):
    def __call__(self, findings: Sequence[Finding], *, files_checked: int) -> str: ...


def finding_line(finding: Finding) -> str:
    """One finding on one terminal line. A message quotes keys and values as the file wrote them,
    and a path is a file's name: neither may colour the terminal or start a line that looks like
    another finding. Every command prints findings through this."""
    return terminal_text(str(finding))


def render_text(findings: Sequence[Finding], *, files_checked: int) -> str:
    lines = [finding_line(finding) for finding in findings]
    errors = sum(1 for finding in findings if finding.severity == "error")
    if errors:
        files = len({finding.path for finding in findings if finding.severity == "error"})
        lines.append(
            f"{errors} error{'s' * (errors != 1)} in {files} file{'s' * (files != 1)} "
            f"({files_checked} checked)"
        )
    else:
        warnings = len(findings)
        noted = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
        lines.append(f"ok: {files_checked} file{'s' * (files_checked != 1)} checked{noted}")
    return "\n".join(lines)


def render_github(findings: Sequence[Finding], *, files_checked: int) -> str:
    lines = [
        f"::{finding.severity} file={github_property(finding.path)},line={finding.line},"
        f"col={finding.col}::{github_data(finding.message)}"
        for finding in findings
    ]
    lines.append(
        render_text([], files_checked=files_checked)
        if not findings
        else f"{len(findings)} finding{'s' * (len(findings) != 1)} ({files_checked} files checked)"
    )
    return "\n".join(lines)


def render_json(findings: Sequence[Finding], *, files_checked: int) -> str:
    return json.dumps(
        {
            "files_checked": files_checked,
            "findings": [
                {
                    "path": finding.path,
                    "line": finding.line,
                    "col": finding.col,
                    "severity": finding.severity,
                    "message": finding.message,
                }
                for finding in findings
            ],
        },
        indent=2,
    )


RENDERERS: dict[FindingsFormat, FindingsRenderer] = {
    "text": render_text,
    "github": render_github,
    "json": render_json,
}
