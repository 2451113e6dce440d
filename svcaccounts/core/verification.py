"""`svcaccounts verify`: does each account's deployed credential work, and does it get exactly the
scopes its definition gives it in this environment? Pure: checks and rendering; the command
(svcaccounts/commands/verify.py) reads the bundles and obtains the tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from svcaccounts.core.model import AuthMethod, EffectiveAccount

Status = Literal["ok", "mismatch", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class AccountCheck:
    account: str
    status: Status
    problems: tuple[str, ...] = ()
    auth_method: str = ""
    generation: int | None = None

    @property
    def passed(self) -> bool:
        return self.status in ("ok", "skipped")


@dataclass(frozen=True, slots=True)
class Observed:
    """What was found for one account: its bundle's fields and the scopes its token carries."""

    auth_method: AuthMethod
    generation: int
    bundle_scopes: tuple[str, ...]
    granted_scopes: tuple[str, ...]


def _difference(label: str, expected: Iterable[str], actual: Iterable[str]) -> str | None:
    expected_set, actual_set = set(expected), set(actual)
    if expected_set == actual_set:
        return None
    parts = []
    if missing := sorted(expected_set - actual_set):
        parts.append(f"missing {', '.join(missing)}")
    if extra := sorted(actual_set - expected_set):
        parts.append(f"extra {', '.join(extra)}")
    return f"{label}: {'; '.join(parts)}"


def _generation_problem(observed: int, expected: int | None) -> str | None:
    """A bundle behind the schedule means a rotation did not land; one ahead of it is not this
    stack's (or the definitions' rotation settings changed back): both fail."""
    if expected is None or observed == expected:
        return None
    if observed < expected:
        return f"generation: bundle has {observed}, expected {expected} (a rotation did not land)"
    return (
        f"generation: bundle has {observed}, expected {expected} (ahead of the schedule: "
        "a bundle of another stack, or rotation settings changed after the deploy)"
    )


def check_account(
    account: EffectiveAccount, observed: Observed, *, expected_generation: int | None = None
) -> AccountCheck:
    """`expected_generation`: the generation the definitions give the account now
    (svcaccounts.core.rotation.generation_at)."""
    problems = [
        problem
        for problem in (
            _generation_problem(observed.generation, expected_generation),
            None
            if observed.auth_method == account.auth_method
            else f"auth method: bundle has {observed.auth_method}, definition says {account.auth_method}",
            _difference("bundle scopes", account.scopes, observed.bundle_scopes),
            _difference("granted scopes", account.scopes, observed.granted_scopes),
        )
        if problem is not None
    ]
    return AccountCheck(
        account=account.name,
        status="mismatch" if problems else "ok",
        problems=tuple(problems),
        auth_method=observed.auth_method,
        generation=observed.generation,
    )


def failed(account: EffectiveAccount, problem: str) -> AccountCheck:
    return AccountCheck(account.name, "failed", (problem,), auth_method=account.auth_method)


def skipped(account: EffectiveAccount) -> AccountCheck:
    return AccountCheck(
        account.name, "skipped", ("disabled in this environment",), auth_method=account.auth_method
    )


def render_table(checks: Sequence[AccountCheck]) -> str:
    header = ("ACCOUNT", "AUTH METHOD", "GEN", "RESULT", "DETAIL")
    rows = [
        (
            check.account,
            check.auth_method,
            "" if check.generation is None else str(check.generation),
            check.status.upper() if check.status != "ok" else "ok",
            " | ".join(check.problems),
        )
        for check in checks
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header) - 1)]
    lines = [
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)), row[-1]]
        ).rstrip()
        for row in (header, *rows)
    ]
    lines.append(summary(checks))
    return "\n".join(lines)


def render_json(checks: Sequence[AccountCheck]) -> str:
    document = {
        "passed": all(check.passed for check in checks),
        "accounts": [
            {
                "account": check.account,
                "status": check.status,
                "auth_method": check.auth_method,
                "generation": check.generation,
                "problems": list(check.problems),
            }
            for check in checks
        ],
    }
    return json.dumps(document, indent=2)


def summary(checks: Sequence[AccountCheck]) -> str:
    counts = {
        status: sum(1 for c in checks if c.status == status)
        for status in ("ok", "mismatch", "failed", "skipped")
    }
    return (
        f"{len(checks)} accounts: {counts['ok']} ok, {counts['mismatch']} mismatch, "
        f"{counts['failed']} failed, {counts['skipped']} skipped"
    )
