"""The token client's events as OpenTelemetry metrics and spans (`pip install 'svcaccounts[otel]'`).

    from svcaccounts.client import TokenClient
    from svcaccounts.client.otel import OpenTelemetryObserver

    tokens = TokenClient.from_environment(telemetry=OpenTelemetryObserver())

Only the OpenTelemetry API is used: the application configures the SDK (exporters, and its
resource, where `deployment.environment.name` belongs: the environment is the application's, not
the bundle's). Without an SDK every instrument is a no-op.

No semantic convention covers token fetches, so these names are ours:

| instrument | kind | attributes |
|---|---|---|
| `svcaccounts.client.token.requests` | counter | `svcaccounts.outcome` (a telemetry `Outcome`) |
| `svcaccounts.client.token.duration` | histogram, s | `svcaccounts.outcome` |
| `svcaccounts.client.token.cache` | counter | `svcaccounts.cache.result`: `hit` or `miss` |
| `svcaccounts.client.breaker.open` | up-down counter | (1 while the client's circuit is open) |

and every one carries `oauth.client_id`. Each token request (not a `circuit_open` answer, which
sends none) is also a span, `svcaccounts.client.token.request`, in the caller's trace. Nothing
recorded is a credential or a token; the only scopes recorded are the span's, and only those of
the bundle, never the list a caller passed.
"""

from __future__ import annotations

import time
from importlib import metadata

from opentelemetry import metrics, trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider

from svcaccounts.client.telemetry import BreakerChange, CacheLookup, TelemetryObserver, TokenEvent

INSTRUMENTATION_SCOPE = "svcaccounts.client"
TOKEN_REQUESTS = "svcaccounts.client.token.requests"
TOKEN_DURATION = "svcaccounts.client.token.duration"
TOKEN_CACHE = "svcaccounts.client.token.cache"
BREAKER_OPEN = "svcaccounts.client.breaker.open"
TOKEN_REQUEST_SPAN = "svcaccounts.client.token.request"

CLIENT_ID = "oauth.client_id"
OUTCOME = "svcaccounts.outcome"
CACHE_RESULT = "svcaccounts.cache.result"
SCOPES = "svcaccounts.scopes"
ATTEMPT = "svcaccounts.attempt"
HTTP_STATUS = "http.response.status_code"  # the semantic convention's
ERROR_TYPE = "error.type"  # the semantic convention's

# Each attempt is its own event, so a duration is one HTTP exchange: milliseconds to seconds. The
# API's default boundaries are meant for values in milliseconds.
DURATION_BOUNDARIES = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


def _version() -> str:
    try:
        return metadata.version("svcaccounts")
    except metadata.PackageNotFoundError:  # run from a source tree that was not installed
        return ""


class OpenTelemetryObserver(TelemetryObserver):
    """Pass as `telemetry=` to a TokenClient or AsyncTokenClient. The global providers are used
    unless others are given (tests give the SDK's in-memory ones)."""

    def __init__(
        self,
        *,
        meter_provider: MeterProvider | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        meter = metrics.get_meter(INSTRUMENTATION_SCOPE, _version(), meter_provider=meter_provider)
        self._tracer = trace.get_tracer(INSTRUMENTATION_SCOPE, _version(), tracer_provider=tracer_provider)
        self._requests = meter.create_counter(
            TOKEN_REQUESTS, unit="{request}", description="Token requests, by outcome"
        )
        self._duration = meter.create_histogram(
            TOKEN_DURATION,
            unit="s",
            description="Duration of token requests",
            explicit_bucket_boundaries_advisory=DURATION_BOUNDARIES,
        )
        self._cache = meter.create_counter(
            TOKEN_CACHE, unit="{lookup}", description="token() calls answered from the cache (hit) or not"
        )
        self._breaker = meter.create_up_down_counter(
            BREAKER_OPEN, unit="{breaker}", description="1 while the client's circuit breaker is open"
        )

    def token_request(self, event: TokenEvent) -> None:
        attributes = {CLIENT_ID: event.client_id, OUTCOME: event.outcome}
        self._requests.add(1, attributes)
        if event.outcome == "circuit_open":  # answered by the breaker: no request, no duration
            return
        self._duration.record(event.latency_seconds, attributes)
        self._span(event)

    def cache_lookup(self, event: CacheLookup) -> None:
        self._cache.add(1, {CLIENT_ID: event.client_id, CACHE_RESULT: "hit" if event.hit else "miss"})

    def breaker_change(self, event: BreakerChange) -> None:
        self._breaker.add(1 if event.open else -1, {CLIENT_ID: event.client_id})

    def _span(self, event: TokenEvent) -> None:
        # The event arrives when the request is over: the span is drawn from its measured latency.
        end = time.time_ns()
        attributes: dict[str, str | int | list[str]] = {
            CLIENT_ID: event.client_id,
            OUTCOME: event.outcome,
            ATTEMPT: event.attempt,
            # Only scopes of the bundle: a caller's list may hold anything, of any length.
            SCOPES: [scope for scope in event.scopes if scope in event.bundle_scopes],
        }
        if event.status_code is not None:
            attributes[HTTP_STATUS] = event.status_code
        if event.outcome != "success":
            attributes[ERROR_TYPE] = event.outcome
        span = self._tracer.start_span(
            TOKEN_REQUEST_SPAN,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=end - int(event.latency_seconds * 1e9),
        )
        if event.outcome != "success":
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=end)
