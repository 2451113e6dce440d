"""Where every account of one environment stands in its rotation, and whether deployment kept up.

Pure: the expected state comes from `svcaccounts.core.rotation` (definitions + an instant), the
deployed state from the stack's `accounts` output (`pulumi stack output --json`), as read by
svcaccounts.core.contracts.accounts_output. A deployed generation below the expected one means the scheduled
`pulumi up` did not run or failed: rotation must not stop silently. One above it is not ok either:
the outputs are of another stack or repository revision, or the definitions' rotation settings
were changed back after a deploy (flagged AHEAD).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from svcaccounts.core.contracts.accounts_output import DeployedAccount
from svcaccounts.core.model import EnvironmentView
from svcaccounts.core.rotation import DAY, iso_utc, rotation_state

FORMATS: tuple[str, ...] = ("table", "json", "markdown")
DEFAULT_WITHIN_DAYS = 7


@dataclass(frozen=True, slots=True)
class AccountRotation:
    name: str
    enabled: bool
    period_days: int
    grace_days: int
    generation: int
    last_rotation: datetime
    next_rotation: datetime
    days_left: float
    # The next rotation falls within the --within window.
    due: bool
    # Inside a grace window: the previous credential is still accepted.
    in_grace: bool
    # None when no deployed outputs were given, or the account is not deployed yet.
    deployed_generation: int | None = None
    # Only meaningful with deployed outputs: a lower (or missing) deployed generation.
    behind: bool = False
    # Only meaningful with deployed outputs: a deployed generation above the expected one.
    ahead: bool = False
    # Behind past the deployed bundle's expiry (its missed rotation + grace): consumers of the
    # previous credential may already be failing, and Key Vault's expiry alerts have fired.
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class RotationStatus:
    stack: str
    environment: str
    at: datetime
    within_days: int
    accounts: tuple[AccountRotation, ...]
    # Whether a deployed-outputs document was compared at all.
    compared: bool = False
    # Deployed accounts the definitions no longer have (a removal that was not deployed).
    not_in_definitions: tuple[str, ...] = ()

    @property
    def behind(self) -> tuple[AccountRotation, ...]:
        return tuple(account for account in self.accounts if account.behind)

    @property
    def ahead(self) -> tuple[AccountRotation, ...]:
        return tuple(account for account in self.accounts if account.ahead)


def rotation_status(
    view: EnvironmentView,
    *,
    stack: str,
    now: datetime,
    within_days: int = DEFAULT_WITHIN_DAYS,
    deployed: Mapping[str, DeployedAccount] | None = None,
) -> RotationStatus:
    """Every account of `view` at `now`, compared with `deployed` when given."""
    window_end = now + within_days * DAY
    accounts = []
    for account in sorted(view.accounts, key=lambda a: a.name):
        state = rotation_state(account.name, account.rotation, now)
        deployed_account = None if deployed is None else deployed.get(account.name)
        deployed_generation = None if deployed_account is None else deployed_account.generation
        behind = deployed is not None and (
            deployed_generation is None or deployed_generation < state.generation
        )
        ahead = deployed_generation is not None and deployed_generation > state.generation
        grace = account.rotation.grace_days * DAY
        if deployed_account is None:
            overdue = False  # never deployed: nothing of it can expire yet
        elif deployed_account.next_rotation is not None:
            # The deployed bundle expires `grace` after the rotation it missed.
            overdue = behind and now >= deployed_account.next_rotation + grace
        else:
            overdue = behind and now >= state.last_rotation + grace
        accounts.append(
            AccountRotation(
                name=account.name,
                enabled=account.enabled,
                period_days=account.rotation.period_days,
                grace_days=account.rotation.grace_days,
                generation=state.generation,
                last_rotation=state.last_rotation,
                next_rotation=state.next_rotation,
                days_left=round((state.next_rotation - now) / DAY, 1),
                due=state.next_rotation <= window_end,
                in_grace=state.in_grace,
                deployed_generation=deployed_generation,
                behind=behind,
                ahead=ahead,
                overdue=overdue,
            )
        )
    expected = {account.name for account in view.accounts}
    extra = () if deployed is None else tuple(sorted(set(deployed) - expected))
    return RotationStatus(
        stack=stack,
        environment=view.environment,
        at=now,
        within_days=within_days,
        accounts=tuple(accounts),
        compared=deployed is not None,
        not_in_definitions=extra,
    )


# --- renderers ------------------------------------------------------------------------------


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
    return "missing" if account.deployed_generation is None else str(account.deployed_generation)


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


def _summary(status: RotationStatus) -> list[str]:
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
            names = ", ".join(account.name for account in status.ahead)
            lines.append(
                f"{len(status.ahead)} ahead of the expected generation: {names}: outputs of "
                "another stack or revision, or rotation settings changed back after a deploy"
            )
        if not behind and not status.ahead:
            lines.append("deployed generations are up to date")
        if status.not_in_definitions:
            names = ", ".join(status.not_in_definitions)
            lines.append(f"deployed but no longer defined (removal not deployed yet): {names}")
    return lines


def render_table(status: RotationStatus) -> str:
    rows = [_COLUMNS, *_rows(status)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [f"stack {status.stack} · environment {status.environment} · at {iso_utc(status.at)}"]
    lines.append("")
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.extend(_summary(status))
    return "\n".join(lines) + "\n"


def render_markdown(status: RotationStatus) -> str:
    lines = [
        f"### Rotation status: stack `{status.stack}` (environment `{status.environment}`) "
        f"at {iso_utc(status.at)}",
        "",
    ]
    lines.extend(f"- {line}" for line in _summary(status))
    lines.append("")
    lines.append("| " + " | ".join(_COLUMNS) + " |")
    lines.append("|" + "---|" * len(_COLUMNS))
    for row in _rows(status):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


def _account_json(status: RotationStatus, account: AccountRotation) -> dict[str, Any]:
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


def render_json(status: RotationStatus) -> str:
    document: dict[str, Any] = {
        "stack": status.stack,
        "environment": status.environment,
        "at": iso_utc(status.at),
        "within_days": status.within_days,
        "compared_with_deployed": status.compared,
        "accounts": [_account_json(status, account) for account in status.accounts],
    }
    if status.compared:
        document["behind"] = [account.name for account in status.behind]
        document["ahead"] = [account.name for account in status.ahead]
        document["not_in_definitions"] = list(status.not_in_definitions)
    return json.dumps(document, indent=2) + "\n"


RENDERERS: dict[str, Callable[[RotationStatus], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}
