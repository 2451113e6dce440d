"""Findings: one located problem in one file. Collected, never raised, and rendered by reporters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """A problem at `path:line:col` (1-based, from the YAML parser's marks)."""

    path: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"


def sorted_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Sorted by path, then line and column; duplicates (same place, same message) dropped."""
    return tuple(sorted(set(findings)))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == "error" for finding in findings)
