"""Access tokens and when to renew them (pure time arithmetic, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Renew ahead of expiry by the smaller of these two, so that a caller never receives a token that
# expires while its request is in flight, and a short-lived token is not renewed almost at once.
RENEW_AHEAD_MAX = timedelta(minutes=5)
RENEW_AHEAD_FRACTION = 0.10


@dataclass(frozen=True, slots=True)
class AccessToken:
    # repr=False: a token is a bearer credential; printing the object must not leak it.
    value: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...]

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def scope_key(scopes: Iterable[str]) -> frozenset[str]:
    """The cache key of a scope set: order and repetition do not matter."""
    return frozenset(scopes)


def renew_at(obtained_at: datetime, expires_at: datetime) -> datetime:
    """The moment from which a token obtained at `obtained_at` should be replaced."""
    lifetime = expires_at - obtained_at
    ahead = min(RENEW_AHEAD_MAX, lifetime * RENEW_AHEAD_FRACTION)
    return expires_at - max(ahead, timedelta(0))


@dataclass(frozen=True, slots=True)
class CachedToken:
    token: AccessToken
    renew_at: datetime

    def fresh(self, now: datetime) -> bool:
        """Good to hand out without trying to renew first."""
        return now < self.renew_at

    def usable(self, now: datetime) -> bool:
        """Not expired: may be served when renewal is impossible."""
        return not self.token.expired(now)
