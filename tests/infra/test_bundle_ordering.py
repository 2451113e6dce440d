"""A bundle is published after its account's access policy and rule, and the Okta provider's
request deadline leaves room for every retry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pulumi.runtime.mocks import MockMonitor
from pulumi_harness import PulumiHarness

from svcaccounts.infra import program
from svcaccounts.infra.program import build
from tests.aws_stack import aws_sample_plan

Mocks = Callable[[str], PulumiHarness]
AT = datetime(2025, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def dependencies(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, set[str]]]:
    """URN → the URNs it was registered to depend on (the mocks' monitor sees the engine's
    request, where depends_on lands)."""
    recorded: dict[str, set[str]] = {}
    register = MockMonitor.RegisterResource

    def recording(self: MockMonitor, request: Any) -> Any:
        response = register(self, request)
        recorded[request.name] = set(request.dependencies)
        return response

    monkeypatch.setattr(MockMonitor, "RegisterResource", recording)
    yield recorded


def _urn_names(urns: set[str]) -> set[str]:
    return {urn.rsplit("::", 1)[-1] for urn in urns}


def test_a_key_vault_bundle_waits_for_the_policy_and_the_rule(
    pulumi_mocks: Mocks, dependencies: dict[str, set[str]]
) -> None:
    from tests.infra.test_program_entry import sample_plan

    plan = sample_plan("prod")
    pulumi_mocks("prod").run(lambda: build(plan).outputs)
    for account in plan.accounts:
        after = _urn_names(dependencies[f"{account.name}-bundle"])
        assert {f"{account.name}-policy", f"{account.name}-rule"} <= after, account.name


def test_an_aws_bundle_value_waits_for_the_policy_and_the_rule(
    pulumi_mocks: Mocks, dependencies: dict[str, set[str]]
) -> None:
    plan = aws_sample_plan(AT)
    pulumi_mocks("prod-aws").run(lambda: build(plan).outputs)
    for account in plan.accounts:
        after = _urn_names(dependencies[f"{account.name}-bundle-version"])
        assert {f"{account.name}-policy", f"{account.name}-rule"} <= after, account.name


def test_the_okta_request_deadline_covers_every_retry() -> None:
    # The provider's request_timeout bounds a call with all its retries and waits: either no
    # deadline (0), or one longer than the retries can take.
    timeout = program.OKTA_REQUEST_TIMEOUT_SECONDS
    worst_case = program.OKTA_MAX_RETRIES * program.OKTA_MAX_WAIT_SECONDS
    assert timeout == 0 or timeout > worst_case
    assert 0 <= timeout <= 300  # the provider's own bound


def test_the_provider_is_registered_without_a_request_deadline(pulumi_mocks: Mocks) -> None:
    from tests.infra.test_program_entry import sample_plan

    harness = pulumi_mocks("prod")
    harness.run(lambda: build(sample_plan("prod")).outputs)
    provider = harness.mocks.named("okta")
    assert provider.inputs.get("requestTimeout", 0) in (0, "0")
    assert provider.inputs["maxRetries"] in (10, "10")
