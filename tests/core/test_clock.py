"""Time enters at one point: the clock, or SVCACCOUNTS_NOW when it is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from svcaccounts.core.clock import NOW_VARIABLE, ClockError, now, parse_instant

FIXED = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)


def test_the_environment_variable_wins_over_the_clock() -> None:
    assert now({NOW_VARIABLE: "2025-03-01T12:00:00Z"}, clock=lambda: FIXED) == datetime(
        2025, 3, 1, 12, tzinfo=UTC
    )


def test_without_the_variable_the_clock_is_used() -> None:
    assert now({}, clock=lambda: FIXED) == FIXED


def test_an_empty_variable_counts_as_unset() -> None:
    assert now({NOW_VARIABLE: "  "}, clock=lambda: FIXED) == FIXED


def test_a_date_alone_is_midnight_utc() -> None:
    assert parse_instant("2025-03-01") == datetime(2025, 3, 1, tzinfo=UTC)


def test_a_time_without_offset_is_utc_and_offsets_are_converted() -> None:
    assert parse_instant("2025-03-01T10:00:00") == datetime(2025, 3, 1, 10, tzinfo=UTC)
    converted = parse_instant("2025-03-01T10:00:00+02:00")
    assert converted == datetime(2025, 3, 1, 8, tzinfo=UTC)
    assert converted.tzinfo == UTC


def test_an_unreadable_variable_names_itself() -> None:
    with pytest.raises(ClockError, match=f"{NOW_VARIABLE} 'next tuesday' is not an ISO 8601 time"):
        now({NOW_VARIABLE: "next tuesday"})


def test_a_clock_without_time_zone_is_refused() -> None:
    with pytest.raises(ClockError):
        now({}, clock=lambda: datetime(2025, 1, 1))


def test_the_clock_result_is_utc() -> None:
    eastern = datetime(2025, 1, 1, 9, tzinfo=timezone(timedelta(hours=9)))
    assert now({}, clock=lambda: eastern) == datetime(2025, 1, 1, tzinfo=UTC)


def test_an_instant_too_far_ahead_is_refused_when_read() -> None:
    with pytest.raises(ClockError, match="too far ahead"):
        parse_instant("9999-12-31T23:59:59Z", source="--at")
