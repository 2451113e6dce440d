"""Rotation is pure arithmetic on (account name, period, grace, force, now)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from svcaccounts.core.model import Rotation
from svcaccounts.core.rotation import (
    EPOCH,
    RotationError,
    generation_at,
    iso_utc,
    last_rotation,
    live_generations,
    next_rotation,
    offset_days,
    rotation_state,
)

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
MONTHLY = Rotation(period_days=30, grace_days=3, force=0)


def test_the_offset_is_sha256_of_the_name_modulo_the_period() -> None:
    expected = int.from_bytes(hashlib.sha256(b"mcp-reporting-service").digest()[:8], "big") % 30
    assert offset_days("mcp-reporting-service", 30) == expected


def test_accounts_with_the_same_period_spread_over_the_period() -> None:
    days = Counter(offset_days(f"service-{i}", 30) for i in range(300))
    assert len(days) == 30
    assert max(days.values()) < 25  # 10 on average; nowhere near "all on one day"


def test_rotation_boundaries_are_midnight_utc_one_period_apart() -> None:
    last = last_rotation("mcp-reporting-service", MONTHLY, NOW)
    assert last <= NOW < last + 30 * DAY
    assert (last.hour, last.minute, last.second) == (0, 0, 0)
    assert next_rotation("mcp-reporting-service", MONTHLY, NOW) == last + 30 * DAY


def test_the_generation_changes_exactly_at_the_boundary() -> None:
    boundary = next_rotation("svc-a", MONTHLY, NOW)
    before = generation_at("svc-a", MONTHLY, boundary - SECOND)
    assert generation_at("svc-a", MONTHLY, boundary) == before + 1
    assert generation_at("svc-a", MONTHLY, boundary + 29 * DAY) == before + 1
    assert generation_at("svc-a", MONTHLY, boundary + 30 * DAY) == before + 2


def test_every_account_has_generation_one_or_more_from_the_epoch() -> None:
    for name in ("a-1", "b-2", "c-3", "mcp-vscode-client"):
        assert generation_at(name, Rotation(period_days=90, grace_days=7, force=0), EPOCH) >= 1


def test_force_bumps_the_generation_without_moving_the_schedule() -> None:
    forced = Rotation(period_days=30, grace_days=3, force=2)
    assert generation_at("svc-a", forced, NOW) == generation_at("svc-a", MONTHLY, NOW) + 2
    assert next_rotation("svc-a", forced, NOW) == next_rotation("svc-a", MONTHLY, NOW)


def test_two_generations_are_live_during_grace_and_one_after() -> None:
    boundary = next_rotation("svc-a", MONTHLY, NOW)
    old = generation_at("svc-a", MONTHLY, boundary - SECOND)
    assert live_generations("svc-a", MONTHLY, boundary - SECOND) == (old,)
    assert live_generations("svc-a", MONTHLY, boundary) == (old + 1, old)
    assert live_generations("svc-a", MONTHLY, boundary + 3 * DAY - SECOND) == (old + 1, old)
    assert live_generations("svc-a", MONTHLY, boundary + 3 * DAY) == (old + 1,)


def test_no_grace_means_one_live_generation_at_the_boundary() -> None:
    rotation = Rotation(period_days=30, grace_days=0, force=0)
    boundary = next_rotation("svc-a", rotation, NOW)
    assert len(live_generations("svc-a", rotation, boundary)) == 1


def test_generations_below_one_are_never_live() -> None:
    rotation = Rotation(period_days=10, grace_days=9, force=0)
    assert min(live_generations("svc-a", rotation, EPOCH)) >= 1


def test_the_state_has_expiry_at_next_rotation_plus_grace() -> None:
    boundary = next_rotation("svc-a", MONTHLY, NOW)
    state = rotation_state("svc-a", MONTHLY, boundary + DAY)
    assert state.last_rotation == boundary
    assert state.next_rotation == boundary + 30 * DAY
    assert state.expires_at == boundary + 33 * DAY
    assert state.in_grace
    assert state.grace_ends == boundary + 3 * DAY
    after = rotation_state("svc-a", MONTHLY, boundary + 3 * DAY)
    assert not after.in_grace and after.grace_ends is None


def test_the_same_inputs_give_the_same_state() -> None:
    assert rotation_state("svc-a", MONTHLY, NOW) == rotation_state("svc-a", MONTHLY, NOW)


@pytest.mark.parametrize("force", [0, 1, 3])
def test_the_state_agrees_with_each_question_asked_alone(force: int) -> None:
    # rotation_state answers in one pass what the single functions answer separately.
    rotation = Rotation(period_days=7, grace_days=3, force=force)
    for hours in range(0, 24 * 30, 5):
        now = NOW + hours * timedelta(hours=1)
        state = rotation_state("svc-a", rotation, now)
        assert (state.generation, state.live_generations) == (
            generation_at("svc-a", rotation, now),
            live_generations("svc-a", rotation, now),
        ), now
        assert (state.last_rotation, state.next_rotation) == (
            last_rotation("svc-a", rotation, now),
            next_rotation("svc-a", rotation, now),
        ), now


def test_negative_force_and_grace_are_refused() -> None:
    with pytest.raises(RotationError, match="force must not be negative"):
        rotation_state("svc-a", Rotation(period_days=30, grace_days=7, force=-1), NOW)
    with pytest.raises(RotationError, match="grace must not be negative"):
        rotation_state("svc-a", Rotation(period_days=30, grace_days=-1, force=0), NOW)


def test_instants_before_the_epoch_are_refused() -> None:
    with pytest.raises(RotationError, match="before the rotation epoch"):
        generation_at("svc-a", MONTHLY, EPOCH - SECOND)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(RotationError, match="time zone"):
        generation_at("svc-a", MONTHLY, datetime(2025, 1, 1))


def test_a_period_below_one_day_is_refused() -> None:
    with pytest.raises(RotationError, match="at least one day"):
        generation_at("svc-a", Rotation(period_days=0, grace_days=7, force=0), NOW)


def test_instants_are_written_as_utc_with_z() -> None:
    assert iso_utc(datetime(2025, 3, 1, tzinfo=UTC)) == "2025-03-01T00:00:00Z"


def test_an_instant_too_far_ahead_is_a_rotation_error_not_an_overflow() -> None:
    with pytest.raises(RotationError, match="too far ahead"):
        generation_at("svc-a", Rotation(period_days=365, grace_days=7, force=0), datetime(9999, 12, 31, tzinfo=UTC))
