"""Where every account of one environment stands in its rotation, and whether deployment kept up.

Pure: the expected state comes from `svcaccounts.core.rotation` (definitions + an instant), the
deployed state from the stack's `accounts` output (`pulumi stack output --json`), as read by
svcaccounts.core.contracts.accounts_output. A deployed generation below the expected one means the scheduled
`pulumi up` did not run or failed: rotation must not stop silently. One above it is not ok either:
the outputs are of another stack or repository revision, or the definitions' rotation settings
were changed back after a deploy (flagged AHEAD). svcaccounts.render.rotation shows the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from svcaccounts.core.contracts.accounts_output import DeployedAccount
from svcaccounts.core.model import EnvironmentView
from svcaccounts.core.rotation import DAY, rotation_state

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
    # An adopted account that keeps Okta's secret, which the stack file does not hold yet: the
    # program publishes neither bundle nor output entry for it, so "missing" is expected until
    # the operator provides the secret (docs/migration.md); never counted as behind.
    bundle_waits: bool = False
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
    def waiting(self) -> tuple[AccountRotation, ...]:
        return tuple(account for account in self.accounts if account.bundle_waits)

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
    bundles_waiting: frozenset[str] = frozenset(),
) -> RotationStatus:
    """Every account of `view` at `now`, compared with `deployed` when given. `bundles_waiting`:
    the adopted accounts whose bundle waits for the secret the operator has not provided."""
    window_end = now + within_days * DAY
    accounts = []
    for account in sorted(view.accounts, key=lambda a: a.name):
        state = rotation_state(account.name, account.rotation, now)
        deployed_account = None if deployed is None else deployed.get(account.name)
        deployed_generation = None if deployed_account is None else deployed_account.generation
        waits = account.name in bundles_waiting and deployed_generation is None
        behind = deployed is not None and not waits and (
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
                bundle_waits=waits,
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
