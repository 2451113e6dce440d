"""Credential rotation as pure time arithmetic: no stored state, no Pulumi.

An account's credential generation at an instant follows from its rotation period, a per-account
offset and `force`, so the same definitions at the same instant always describe the same
resources, and a scheduled `pulumi up` changes exactly the accounts whose boundary has passed.

Schedule of one account (period P days, offset O days, both whole days, boundaries at 00:00 UTC):

    generation 1 starts at  EPOCH + O - P   (so every account has generation >= 1 from EPOCH on)
    generation n starts at  EPOCH + O + (n - 2) * P
    generation at t      =  scheduled generation at t + force

O = sha256(account name) mod P. A cryptographic hash (not Python's salted `hash()`) keeps the
offset stable across processes and machines, and spreads accounts with the same period evenly over
that period, so they do not all rotate on the same day.

Grace: after a scheduled rotation the previous generation stays live for `grace_days`, so private
key JWT consumers holding the old key keep working (Okta accepts any key in the app's JWKS).
`force` bumps the generation at once (an emergency rotation) without moving the schedule. Inside a
grace window the key that `force` replaced stays live until the window closes; bumping `force` by
two there revokes it at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from svcaccounts.core.model import Rotation

# Fixed forever: moving it would shift every account's generation and rotate everything at once.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
# Next rotation plus grace must stay inside what datetime can hold (year 9999).
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class RotationError(ValueError):
    """An instant or rotation setting the schedule cannot describe."""


@dataclass(frozen=True, slots=True)
class RotationState:
    """Where one account stands in its rotation schedule at one instant."""

    generation: int
    # The scheduled boundary at or before the instant (a forced rotation does not move it).
    last_rotation: datetime
    next_rotation: datetime
    # Generations whose credentials must be live now, newest first; the first is `generation`.
    live_generations: tuple[int, ...]
    # When the oldest live generation stops being accepted; None when only one is live.
    grace_ends: datetime | None
    # next rotation + grace: after this instant the newest credential is overdue.
    expires_at: datetime

    @property
    def in_grace(self) -> bool:
        return len(self.live_generations) > 1


def offset_days(account_name: str, period_days: int) -> int:
    """The account's stable position inside its period, in whole days (0 <= offset < period)."""
    _check_period(period_days)
    digest = hashlib.sha256(account_name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % period_days


def _check_period(period_days: int) -> None:
    if period_days < 1:
        raise RotationError(f"rotation period must be at least one day, not {period_days}")


def _check_instant(now: datetime) -> None:
    if now.tzinfo is None:
        raise RotationError("rotation arithmetic needs a time zone-aware instant")
    if now < EPOCH:
        raise RotationError(
            f"{now.isoformat()} is before the rotation epoch {EPOCH.isoformat()}"
        )
    if now >= LATEST:
        raise RotationError(f"{now.isoformat()} is too far ahead: rotation is planned up to {LATEST.year}")


def _anchor(account_name: str, period_days: int) -> datetime:
    """The start of generation 1 (at or before EPOCH)."""
    return EPOCH + (offset_days(account_name, period_days) - period_days) * DAY


def _schedule(account_name: str, rotation: Rotation, now: datetime) -> tuple[int, datetime]:
    """The scheduled generation at `now` (without `force`) and the boundary that began it.

    One hash per call: the anchor fixes the whole schedule, and planning 10,000 accounts must not
    hash every name five times over.
    """
    _check_period(rotation.period_days)
    _check_instant(now)
    period = rotation.period_days * DAY
    anchor = _anchor(account_name, rotation.period_days)
    scheduled = (now - anchor) // period + 1
    return scheduled, anchor + (scheduled - 1) * period


def _check_force(rotation: Rotation) -> None:
    if rotation.force < 0:
        raise RotationError(f"rotation force must not be negative, not {rotation.force}")


def _check_grace(rotation: Rotation) -> None:
    if rotation.grace_days < 0:
        raise RotationError(f"rotation grace must not be negative, not {rotation.grace_days}")


def scheduled_generation(account_name: str, rotation: Rotation, now: datetime) -> int:
    """The generation the schedule alone gives at `now`, without `force`."""
    return _schedule(account_name, rotation, now)[0]


def generation_at(account_name: str, rotation: Rotation, now: datetime) -> int:
    """The credential generation live and newest at `now`."""
    _check_force(rotation)
    return scheduled_generation(account_name, rotation, now) + rotation.force


def last_rotation(account_name: str, rotation: Rotation, now: datetime) -> datetime:
    """The scheduled boundary at or before `now`."""
    return _schedule(account_name, rotation, now)[1]


def next_rotation(account_name: str, rotation: Rotation, now: datetime) -> datetime:
    """The first scheduled boundary after `now`."""
    return last_rotation(account_name, rotation, now) + rotation.period_days * DAY


def _live(generation: int, boundary: datetime, rotation: Rotation, now: datetime) -> tuple[int, ...]:
    grace = rotation.grace_days * DAY
    period = rotation.period_days * DAY
    live = [generation]
    older = generation - 1
    while older >= 1 and now < boundary + grace:
        live.append(older)
        older -= 1
        boundary -= period
    return tuple(live)


def live_generations(account_name: str, rotation: Rotation, now: datetime) -> tuple[int, ...]:
    """The generations whose credentials must be live at `now`, newest first.

    Generation g - k (k >= 1) stays live while `now` is within `grace_days` of the scheduled
    boundary that began generation g - k + 1. Generations below 1 never existed.
    """
    _check_grace(rotation)
    _check_force(rotation)
    scheduled, boundary = _schedule(account_name, rotation, now)
    return _live(scheduled + rotation.force, boundary, rotation, now)


def rotation_state(account_name: str, rotation: Rotation, now: datetime) -> RotationState:
    """Everything the plan and the program need about one account's rotation at `now`."""
    _check_grace(rotation)
    _check_force(rotation)
    scheduled, last = _schedule(account_name, rotation, now)
    live = _live(scheduled + rotation.force, last, rotation, now)
    period = rotation.period_days * DAY
    grace = rotation.grace_days * DAY
    grace_ends = None
    if len(live) > 1:
        # The oldest live generation was superseded (len(live) - 1) boundaries ago.
        grace_ends = last - (len(live) - 2) * period + grace
    following = last + period
    return RotationState(
        generation=live[0],
        last_rotation=last,
        next_rotation=following,
        live_generations=live,
        grace_ends=grace_ends,
        expires_at=following + grace,
    )


def iso_utc(instant: datetime) -> str:
    """`2025-03-01T00:00:00Z`: the one way rotation instants are written (bundle, plan, outputs)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_seconds(instant: datetime) -> int:
    return int(instant.timestamp())
