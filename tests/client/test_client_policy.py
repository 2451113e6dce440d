"""Renewal timing, retry delays, Retry-After parsing and the circuit breaker (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from svcaccounts.client import CircuitBreaker, RetryPolicy
from svcaccounts.client.policy import parse_retry_after
from svcaccounts.client.token import AccessToken, CachedToken, renew_at, scope_key

T0 = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lifetime", "ahead"),
    [
        (timedelta(hours=24), timedelta(minutes=5)),
        (timedelta(hours=1), timedelta(minutes=5)),
        (timedelta(minutes=50), timedelta(minutes=5)),
        (timedelta(minutes=30), timedelta(minutes=3)),
        (timedelta(seconds=60), timedelta(seconds=6)),
    ],
)
def test_renewal_starts_at_the_smaller_of_5_minutes_and_10_percent_before_expiry(
    lifetime: timedelta, ahead: timedelta
) -> None:
    assert renew_at(T0, T0 + lifetime) == T0 + lifetime - ahead


def test_a_cached_token_is_fresh_until_renewal_and_usable_until_expiry() -> None:
    entry = CachedToken(AccessToken("t", T0 + timedelta(hours=1), ("a",)), T0 + timedelta(minutes=55))

    assert entry.fresh(T0 + timedelta(minutes=54, seconds=59))
    assert not entry.fresh(T0 + timedelta(minutes=55))
    assert entry.usable(T0 + timedelta(minutes=59, seconds=59))
    assert not entry.usable(T0 + timedelta(hours=1))


def test_the_scope_key_ignores_order_and_repetition() -> None:
    assert scope_key(["b", "a", "b"]) == scope_key(["a", "b"])


def test_the_access_token_repr_hides_its_value() -> None:
    token = AccessToken("eyJhbGciOi.secret-token-body.sig", T0, ("a",))
    assert "secret-token-body" not in repr(token) + str(token)


def test_backoff_doubles_with_equal_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=4.0)

    assert [policy.delay(n, None, lambda: 0.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 2.0]
    assert [policy.delay(n, None, lambda: 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 4.0]


def test_retry_after_is_a_floor_for_the_delay() -> None:
    policy = RetryPolicy()
    assert policy.delay(1, 7.0, lambda: 1.0) == 7.0
    assert policy.delay(1, 0.0, lambda: 1.0) == 0.5


def test_no_retry_after_the_last_attempt_or_beyond_the_retry_after_limit() -> None:
    policy = RetryPolicy(max_attempts=3, max_retry_after=30)
    assert policy.delay(3, None, lambda: 0.5) is None
    assert policy.delay(1, 31.0, lambda: 0.5) is None
    assert policy.delay(1, 30.0, lambda: 0.5) == 30.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("Fri, 27 Nov 2026 06:00:30 GMT", 30.0),
        ("Fri, 27 Nov 2026 05:59:00 GMT", 0.0),
        ("soon", None),
        ("-3", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, T0) == seconds


def test_the_breaker_opens_after_the_threshold_of_consecutive_failures() -> None:
    breaker = CircuitBreaker(failure_threshold=2, reset_after=timedelta(seconds=30))
    breaker.record_failure(T0)
    assert breaker.allow(T0)
    breaker.record_failure(T0)

    assert not breaker.allow(T0 + timedelta(seconds=29))
    assert breaker.open_until == T0 + timedelta(seconds=30)


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(failure_threshold=2)
    breaker.record_failure(T0)
    breaker.record_success()
    breaker.record_failure(T0)

    assert breaker.allow(T0)


def test_half_open_lets_exactly_one_trial_through() -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after=timedelta(seconds=30))
    breaker.record_failure(T0)
    later = T0 + timedelta(seconds=30)

    assert breaker.allow(later)
    assert not breaker.allow(later)


def test_a_failed_trial_opens_the_circuit_again() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_after=timedelta(seconds=30))
    for _ in range(3):
        breaker.record_failure(T0)
    later = T0 + timedelta(seconds=30)
    assert breaker.allow(later)
    breaker.record_failure(later)

    assert not breaker.allow(later + timedelta(seconds=29))
    assert breaker.allow(later + timedelta(seconds=30))


def test_a_successful_trial_closes_the_circuit() -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after=timedelta(seconds=30))
    breaker.record_failure(T0)
    assert breaker.allow(T0 + timedelta(seconds=30))
    breaker.record_success()

    assert breaker.open_until is None
    assert breaker.allow(T0 + timedelta(seconds=30))
    assert breaker.allow(T0 + timedelta(seconds=30))
