"""The OpenTelemetry adapter: the client's events as metrics and spans, read back through the SDK's
in-memory reader and exporter, with the client against the loopback authorization server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from svcaccounts.client import (
    CircuitBreaker,
    CircuitOpenError,
    TokenClient,
    TokenEndpointUnavailable,
    TokenRequestError,
)
from svcaccounts.client.otel import OpenTelemetryObserver
from tests.support.authz_server import AuthzServer
from tests.support.client_fakes import FakeClock

Account = Callable[..., tuple[Path, str]]
MakeClient = Callable[..., TokenClient]
CLIENT = "reporting-basic"


@dataclass
class Otel:
    reader: InMemoryMetricReader
    spans: InMemorySpanExporter
    observer: OpenTelemetryObserver
    tracer_provider: TracerProvider

    def points(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, value) of each data point of metric `name`: a sum's value, a histogram's
        (count, sum)."""
        found = []
        data = self.reader.get_metrics_data()
        assert data is not None
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    if metric.name != name:
                        continue
                    for point in metric.data.data_points:
                        value = (point.count, point.sum) if hasattr(point, "count") else point.value
                        found.append((dict(point.attributes or {}), value))
        return found

    def exported(self) -> str:
        """Everything recorded, as the SDK serialises it: for checking what never appears."""
        data = self.reader.get_metrics_data()
        assert data is not None
        return data.to_json() + "".join(span.to_json() for span in self.spans.get_finished_spans())


@pytest.fixture
def otel() -> Iterator[Otel]:
    reader = InMemoryMetricReader()
    resource = Resource.create({"service.name": "reporting", "deployment.environment.name": "staging"})
    meter_provider = MeterProvider(metric_readers=[reader], resource=resource)
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    observer = OpenTelemetryObserver(meter_provider=meter_provider, tracer_provider=tracer_provider)
    yield Otel(reader, exporter, observer, tracer_provider)
    meter_provider.shutdown()
    tracer_provider.shutdown()


def test_a_token_request_and_a_cached_answer(
    basic_account: Account, make_client: MakeClient, otel: Otel
) -> None:
    path, _ = basic_account()
    client = make_client(path, telemetry=otel.observer)

    client.token()
    client.token()

    assert otel.points("svcaccounts.client.token.requests") == [
        ({"oauth.client_id": CLIENT, "svcaccounts.outcome": "success"}, 1)
    ]
    [(attributes, (count, seconds))] = otel.points("svcaccounts.client.token.duration")
    assert attributes == {"oauth.client_id": CLIENT, "svcaccounts.outcome": "success"}
    assert count == 1 and seconds > 0
    assert sorted(otel.points("svcaccounts.client.token.cache"), key=str) == [
        ({"oauth.client_id": CLIENT, "svcaccounts.cache.result": "hit"}, 1),
        ({"oauth.client_id": CLIENT, "svcaccounts.cache.result": "miss"}, 1),
    ]


def test_each_token_request_is_a_client_span_in_the_callers_trace(
    basic_account: Account, make_client: MakeClient, otel: Otel
) -> None:
    path, _ = basic_account()
    client = make_client(path, telemetry=otel.observer)

    with otel.tracer_provider.get_tracer("app").start_as_current_span("handle request") as parent:
        client.token(["reports.read"])

    spans = {span.name: span for span in otel.spans.get_finished_spans()}
    span: ReadableSpan = spans["svcaccounts.client.token.request"]
    assert span.kind == SpanKind.CLIENT
    assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
    assert dict(span.attributes or {}) == {
        "oauth.client_id": CLIENT,
        "svcaccounts.outcome": "success",
        "svcaccounts.attempt": 1,
        "svcaccounts.scopes": ("reports.read",),
        "http.response.status_code": 200,
    }
    assert span.status.status_code == StatusCode.UNSET
    assert span.start_time is not None and span.end_time is not None and span.end_time > span.start_time


def test_a_rejected_request_is_counted_by_outcome_and_its_span_is_an_error(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, otel: Otel
) -> None:
    path, _ = basic_account()
    client = make_client(path, telemetry=otel.observer)

    with pytest.raises(TokenRequestError):
        client.token(["reports.admin"])  # not a scope of this client: invalid_scope

    assert otel.points("svcaccounts.client.token.requests") == [
        ({"oauth.client_id": CLIENT, "svcaccounts.outcome": "rejected"}, 1)
    ]
    [span] = otel.spans.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "rejected"
    assert (span.attributes or {})["http.response.status_code"] == 400


def test_the_breaker_is_open_while_it_is_and_its_fast_failures_send_nothing(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, clock: FakeClock, otel: Otel
) -> None:
    path, _ = basic_account()
    client = make_client(path, telemetry=otel.observer, breaker=CircuitBreaker(failure_threshold=1))
    authz.down()
    with pytest.raises(TokenEndpointUnavailable):
        client.token()
    with pytest.raises(CircuitOpenError):
        client.token()

    assert otel.points("svcaccounts.client.breaker.open") == [({"oauth.client_id": CLIENT}, 1)]
    assert sorted(otel.points("svcaccounts.client.token.requests"), key=str) == [
        ({"oauth.client_id": CLIENT, "svcaccounts.outcome": "circuit_open"}, 1),
        ({"oauth.client_id": CLIENT, "svcaccounts.outcome": "unreachable"}, 3),
    ]
    assert len(otel.spans.get_finished_spans()) == 3  # the attempts; the breaker's answer sent nothing

    authz.up()
    clock.advance(30)
    client.token()
    assert otel.points("svcaccounts.client.breaker.open") == [({"oauth.client_id": CLIENT}, 0)]


def test_no_secret_token_or_foreign_scope_is_recorded_and_the_environment_is_the_applications(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, otel: Otel
) -> None:
    path, secret = basic_account()
    client = make_client(path, telemetry=otel.observer)
    token = client.token()
    with pytest.raises(TokenRequestError):
        client.token(["reports.read", "scope-a-caller-made-up"])

    exported = otel.exported()
    assert secret not in exported and token.value not in exported
    assert "scope-a-caller-made-up" not in exported
    assert json.loads(otel.spans.get_finished_spans()[1].to_json())["attributes"]["svcaccounts.scopes"] == [
        "reports.read"
    ]
    # The environment is a resource attribute of the application, not a per-point attribute.
    data = otel.reader.get_metrics_data()
    assert data is not None
    assert data.resource_metrics[0].resource.attributes["deployment.environment.name"] == "staging"
    point_keys = {
        key
        for name in ("requests", "duration", "cache")
        for attributes, _ in otel.points(f"svcaccounts.client.token.{name}")
        for key in attributes
    }
    assert point_keys == {"oauth.client_id", "svcaccounts.outcome", "svcaccounts.cache.result"}


def test_without_an_sdk_the_observer_costs_nothing_and_breaks_nothing(
    basic_account: Account, make_client: MakeClient
) -> None:
    path, _ = basic_account()
    # The API's global providers are no-ops until an application installs an SDK.
    client = make_client(path, telemetry=OpenTelemetryObserver())

    assert client.token().scopes == ("reports.read", "reports.write")
