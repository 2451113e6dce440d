"""Where every account of one environment stands in its rotation, and whether deployment kept up.

Pure: the expected state comes from `svcaccounts.core.rotation` (definitions + an instant), the
deployed state from the stack's `accounts` output (`pulumi stack output --json`), parsed here from
already-decoded JSON. A deployed generation below the expected one means the scheduled
`pulumi up` did not run or failed: rotation must not stop silently. One above it is not ok either:
the outputs are of another stack or repository revision, or the definitions' rotation settings
were changed back after a deploy (flagged AHEAD). svcaccounts.render.rotation shows the status.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from svcaccounts.core.clock import LATEST_YEAR
from svcaccounts.core.model import EnvironmentView
from svcaccounts.core.rotation import rotation_state

DEFAULT_WITHIN_DAYS = 7
DAY = timedelta(days=1)
ACCOUNTS_OUTPUT = "accounts"
# What `pulumi stack output --json` prints in place of a secret value without --show-secrets.
SECRET_PLACEHOLDER = "[secret]"
# Deployed times past this year are refused: adding a grace period to them would overflow datetime,
# and no credential rotates that late. The same bound as --at and SVCACCOUNTS_NOW.
LATEST_DEPLOYED_YEAR = LATEST_YEAR


class DeployedError(ValueError):
    """A deployed-outputs document that cannot be read; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class DeployedAccount:
    """The part of one account's stack output that rotation status compares."""

    name: str
    generation: int
    # When the deployed credential was due to rotate (its bundle's `rotates_at`), if exported.
    next_rotation: datetime | None = None


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


def _object_at(value: object, where: str) -> Mapping[str, Any]:
    if value == SECRET_PLACEHOLDER:
        raise DeployedError(
            f"{where} is a secret in the stack outputs; the program must export it as plain "
            "data (it holds nothing secret)"
        )
    if not isinstance(value, dict):
        raise DeployedError(f"{where} must be a JSON object, not {type(value).__name__}")
    return value


def _deployed_account(name: str, value: object, where: str) -> DeployedAccount:
    entry = _object_at(value, where)
    generation = entry.get("generation")
    # bool is an int in Python; a generation never is.
    if not isinstance(generation, int) or isinstance(generation, bool) or generation < 1:
        raise DeployedError(f"{where}.generation must be a positive integer, not {_short(generation)}")
    # The program exports camelCase keys (`nextRotation`); snake_case is accepted as well.
    next_rotation = entry.get("nextRotation", entry.get("next_rotation"))
    return DeployedAccount(
        name=name,
        generation=generation,
        next_rotation=None if next_rotation is None else _instant(next_rotation, where),
    )


def _instant(value: object, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.utcoffset() != timedelta(0):
        raise DeployedError(
            f"{where}.nextRotation must be an ISO 8601 UTC time (ending Z or +00:00), not {_short(value)}"
        )
    if parsed.year > LATEST_DEPLOYED_YEAR:
        raise DeployedError(
            f"{where}.nextRotation {_short(value)} is implausibly far in the future "
            f"(after year {LATEST_DEPLOYED_YEAR})"
        )
    return parsed


def _short(value: object) -> str:
    """A value from the document for a message, cut so that a stray blob cannot flood it."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_deployed(document: object) -> dict[str, DeployedAccount]:
    """The `accounts` output of `pulumi stack output --json`, by account name.

    The program (svcaccounts/infra/program.py) exports an object keyed by account name whose
    entries carry `generation` and `nextRotation`; a list of objects that each carry a `name` is
    accepted too.
    """
    root = _object_at(document, "the stack outputs")
    if ACCOUNTS_OUTPUT not in root:
        known = ", ".join(sorted(root)) or "none"
        raise DeployedError(
            f"the stack outputs have no `{ACCOUNTS_OUTPUT}` output (outputs: {known}); "
            "is this the right stack, and was it deployed?"
        )
    accounts = root[ACCOUNTS_OUTPUT]
    where = f"`{ACCOUNTS_OUTPUT}`"
    deployed: dict[str, DeployedAccount] = {}
    if isinstance(accounts, list):
        for index, item in enumerate(accounts):
            entry = _object_at(item, f"{where}[{index}]")
            name = entry.get("name")
            if not isinstance(name, str) or not name:
                raise DeployedError(f"{where}[{index}].name must be the account name")
            deployed[name] = _deployed_account(name, entry, f"{where}[{index}]")
        return deployed
    for name, value in _object_at(accounts, where).items():
        deployed[name] = _deployed_account(name, value, f"{where}.{name}")
    return deployed


def read_deployed(text: str | bytes) -> dict[str, DeployedAccount]:
    hint = "write it with `pulumi stack output --json`"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DeployedError(
            f"not JSON (line {error.lineno}, column {error.colno}: {error.msg}); {hint}"
        ) from None
    except RecursionError:
        raise DeployedError(f"not valid JSON: nested too deeply; {hint}") from None
    except UnicodeDecodeError:
        raise DeployedError(f"not UTF-8 text; {hint}") from None
    except ValueError:
        # Python refuses integers of more than 4300 digits (int_max_str_digits).
        raise DeployedError(f"not valid JSON: a number is too long; {hint}") from None
    return parse_deployed(document)


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
