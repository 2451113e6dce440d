"""The telemetry hook: one event per token request, for users' metrics.

Outcomes: "success"; "invalid_client" and "rejected" (an OAuth error from the server);
"rate_limited" (429), "server_error" (5xx), "unreachable" (network) and "bad_response" (not a
token response); and "circuit_open" when the breaker answered without contacting the server.

A plain callable receives the `TokenEvent`s only, as it always has. A `TelemetryObserver` also
receives a `CacheLookup` per `token()` call and a `BreakerChange` when the circuit opens or
closes (the OpenTelemetry adapter, svcaccounts.client.otel, is one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Outcome = Literal[
    "success",
    "invalid_client",
    "rejected",
    "rate_limited",
    "server_error",
    "unreachable",
    "bad_response",
    "circuit_open",
]

log = logging.getLogger("svcaccounts.client")


@dataclass(frozen=True, slots=True)
class TokenEvent:
    client_id: str
    scopes: tuple[str, ...]
    outcome: Outcome
    latency_seconds: float
    attempt: int
    status_code: int | None = None
    # The bundle's scopes: `scopes` is what the caller asked for, which need not be among them, so a
    # hook that records scopes can keep to these instead of taking any list a caller passes.
    bundle_scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """One `token()` call: answered from the cache (`hit`), or it waited for a token request."""

    client_id: str
    hit: bool


@dataclass(frozen=True, slots=True)
class BreakerChange:
    """The circuit breaker opened (`open`: the client fails fast) or closed again."""

    client_id: str
    open: bool


class TelemetryObserver:
    """Every event the client produces, one method per kind. Subclass it, override what you need,
    and pass an instance as `telemetry=`."""

    def token_request(self, event: TokenEvent) -> None:
        return None

    def cache_lookup(self, event: CacheLookup) -> None:
        return None

    def breaker_change(self, event: BreakerChange) -> None:
        return None


TelemetryHook = Callable[[TokenEvent], None]
Telemetry = TelemetryHook | TelemetryObserver
ClientEvent = TokenEvent | CacheLookup | BreakerChange


def emit(hook: Telemetry | None, event: ClientEvent) -> None:
    """Give the event to the user's hook (a plain callable takes TokenEvents only); a failing hook
    is logged, never allowed to break token fetching."""
    if hook is None:
        return
    try:
        if isinstance(hook, TelemetryObserver):
            if isinstance(event, TokenEvent):
                hook.token_request(event)
            elif isinstance(event, CacheLookup):
                hook.cache_lookup(event)
            else:
                hook.breaker_change(event)
        elif isinstance(event, TokenEvent):
            hook(event)
    except Exception as error:
        log.warning("telemetry hook failed: %s", type(error).__name__)
