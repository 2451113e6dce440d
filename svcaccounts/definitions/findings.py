"""Findings: one located problem in one file. Collected, never raised, and rendered by reporters."""

from __future__ import annotations

import difflib
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
    # By a key of plain tuples: they compare in C, the dataclass's generated __lt__ in Python.
    return tuple(sorted(set(findings), key=_order))


def _order(finding: Finding) -> tuple[str, int, int, str, str]:
    return (finding.path, finding.line, finding.col, finding.message, finding.severity)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == "error" for finding in findings)


def did_you_mean(key: str, allowed: Iterable[str]) -> str:
    """The tail of an unknown-key message: `; did you mean 'X'?` for the closest allowed key,
    else the allowed keys. Keys are compared without a shared `namespace:` prefix, which would
    make every `svcaccounts:` key look close to every other."""
    allowed = sorted(allowed)
    by_leaf = {name.rpartition(":")[2].lower(): name for name in allowed}
    close = difflib.get_close_matches(key.rpartition(":")[2].lower(), list(by_leaf), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{by_leaf[close[0]]}'?"
    if allowed:
        return f" (allowed here: {', '.join(allowed)})"
    return ""
