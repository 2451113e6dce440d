"""The telemetry hook: one event per token request, for users' metrics.

Outcomes: "success"; "invalid_client" and "rejected" (an OAuth error from the server);
"rate_limited" (429), "server_error" (5xx), "unreachable" (network) and "bad_response" (not a
token response); and "circuit_open" when the breaker answered without contacting the server.
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


TelemetryHook = Callable[[TokenEvent], None]


def emit(hook: TelemetryHook | None, event: TokenEvent) -> None:
    """Call the user's hook; a failing hook is logged, never allowed to break token fetching."""
    if hook is None:
        return
    try:
        hook(event)
    except Exception as error:
        log.warning("telemetry hook failed: %s", type(error).__name__)
