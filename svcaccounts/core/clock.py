"""The single entry point of time: the wall clock, or `SVCACCOUNTS_NOW` when it is set.

Everything else (rotation, plan, the Pulumi program) receives `now` as an argument, so tests and
`svcaccounts plan --at` can look at any instant without patching anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

NOW_VARIABLE = "SVCACCOUNTS_NOW"
# Far enough for any plan; near year 9999 every "next rotation" would overflow datetime.
LATEST_YEAR = 8999


class ClockError(ValueError):
    """A time given by the user (environment variable or option) that cannot be read."""


def parse_instant(text: str, *, source: str = "time") -> datetime:
    """An ISO 8601 instant as an aware UTC datetime.

    A date alone means midnight UTC and a time without offset is read as UTC: planning ahead with
    `--at 2025-03-01` should not depend on the machine's time zone.
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(
            f"{source} {text!r} is not an ISO 8601 time (example: 2025-03-01T00:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or instant.year > LATEST_YEAR:
        raise ClockError(f"{source} {text!r} is too far ahead (plans reach up to {LATEST_YEAR})")
    return instant


def now(
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> datetime:
    """The current instant in UTC: `SVCACCOUNTS_NOW` when set (and not empty), else the clock."""
    env = os.environ if environ is None else environ
    override = env.get(NOW_VARIABLE, "").strip()
    if override:
        return parse_instant(override, source=NOW_VARIABLE)
    current = (clock or (lambda: datetime.now(UTC)))()
    if current.tzinfo is None:
        raise ClockError("the clock returned a time without a time zone")
    return current.astimezone(UTC)
