"""Retry and circuit-breaker policies: when to try the token endpoint again, and when to stop.

Pure decisions over injected time and randomness, so tests drive them without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries of one token request on 429, 5xx and network errors.

    Backoff doubles from `base_delay` up to `max_delay`, with "equal jitter" (half fixed, half
    random) so that many clients that failed together do not retry together. A Retry-After from
    the server is a floor; one longer than `max_retry_after` ends the retries at once, since
    waiting that long inside a caller's request is worse than failing (or serving the cache).
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 10.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(
        self, failed_attempt: int, retry_after: float | None, random: Callable[[], float]
    ) -> float | None:
        """Seconds to wait after the `failed_attempt`-th (1-based) failure, or None to give up."""
        if failed_attempt >= self.max_attempts:
            return None
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (failed_attempt - 1))
        jittered = backoff / 2 + random() * backoff / 2
        return max(jittered, retry_after or 0.0)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent/invalid.

    The header is the server's: nothing in it may raise. Delta-seconds are ASCII digits only
    (str.isdigit() also accepts "²", which float() refuses); a huge number becomes inf, which the
    retry policy treats as "longer than worth waiting". The date parser raises OverflowError as
    well as ValueError for out-of-range fields.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - now).total_seconds())


class CircuitBreaker:
    """Tracks whether the token endpoint is available.

    After `failure_threshold` consecutive failed token requests (each after its retries) the
    circuit opens: requests fail fast for `reset_after`. Then one trial request is let through
    (half-open); its success closes the circuit, its failure opens it again. Any answer from the
    server, even an OAuth error, counts as available: the breaker is about reachability, not
    about credentials.
    """

    def __init__(self, *, failure_threshold: int = 3, reset_after: timedelta = timedelta(seconds=30)) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until: datetime | None = None
        self._trial_in_flight = False
        self._listeners: list[Callable[[bool], None]] = []

    def add_listener(self, listener: Callable[[bool], None]) -> None:
        """`listener(True)` when the circuit opens, `listener(False)` when it closes again."""
        self._listeners.append(listener)

    def allow(self, now: datetime) -> bool:
        """Whether a request may go to the server now (claims the trial when half-open)."""
        with self._lock:
            if self._open_until is None:
                return True
            if now < self._open_until or self._trial_in_flight:
                return False
            self._trial_in_flight = True
            return True

    def record_success(self) -> None:
        with self._lock:
            was_open = self._open_until is not None
            self._failures = 0
            self._open_until = None
            self._trial_in_flight = False
        if was_open:
            self._notify(False)

    def record_failure(self, now: datetime) -> None:
        with self._lock:
            was_open = self._open_until is not None
            self._failures += 1
            was_trial = self._trial_in_flight
            self._trial_in_flight = False
            if was_trial or self._failures >= self.failure_threshold:
                self._open_until = now + self.reset_after
            opened = not was_open and self._open_until is not None
        if opened:
            self._notify(True)

    def _notify(self, opened: bool) -> None:
        # Outside the lock: a listener may read the breaker.
        for listener in self._listeners:
            listener(opened)

    def release(self) -> None:
        """A request ended without telling anything about availability (e.g. a local error)."""
        with self._lock:
            self._trial_in_flight = False

    @property
    def open_until(self) -> datetime | None:
        with self._lock:
            return self._open_until

    @property
    def consecutive_failures(self) -> int:
        with self._lock:
            return self._failures


@dataclass(frozen=True, slots=True)
class RotationWait:
    """How long to keep re-reading an unchanged bundle after the server answered `invalid_client`.

    A client_secret_basic rotation invalidates the old secret in Okta a few seconds (up to about
    two minutes, when Okta or Azure throttle the deployment) before the new bundle reaches the
    store (docs/pulumi-program.md). A caller with no unexpired cached token would otherwise fail
    in that window; instead the client re-reads the bundle every `interval` for up to `max_wait`
    and retries as soon as it changes. A caller that has a cached token never waits: it is served
    that token while renewal is retried every `renewal_retry_interval`.
    """

    max_wait: timedelta = timedelta(minutes=2)
    interval: timedelta = timedelta(seconds=10)

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise ValueError("interval must be positive")
        if self.max_wait < timedelta(0):
            raise ValueError("max_wait must not be negative")
