"""`svcaccounts verify`: does each account's deployed credential work, and does it get exactly the
scopes its definition gives it in this environment? Pure: the checks; the command
(svcaccounts/commands/verify.py) reads the bundles and obtains the tokens, and
svcaccounts.render.verify shows the results.
"""

from __future__ import annotations

from collections.abc import Iterable
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
