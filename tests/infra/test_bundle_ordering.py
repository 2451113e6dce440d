"""A bundle is published after its account's access policy and rule, and the Okta provider's
request deadline leaves room for every retry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from svcaccounts.infra import okta as program
from svcaccounts.infra.program import build
from tests.support.pulumi_harness import PulumiHarness
from tests.support.samples import aws_sample_plan, sample_plan

Mocks = Callable[[str], PulumiHarness]
AT = datetime(2025, 6, 15, 12, tzinfo=UTC)


def _after(harness: PulumiHarness, name: str) -> set[str]:
    """The names of what `name` was registered to depend on (where depends_on lands)."""
    return {urn.rsplit("::", 1)[-1] for urn in harness.named(name).dependencies}


def test_a_key_vault_bundle_waits_for_the_policy_and_the_rule(pulumi_mocks: Mocks) -> None:
    plan = sample_plan("prod")
    harness = pulumi_mocks("prod")
    harness.run(lambda: build(plan).outputs)
    for account in plan.accounts:
        after = _after(harness, f"{account.name}-bundle")
        assert {f"{account.name}-policy", f"{account.name}-rule"} <= after, account.name


def test_an_aws_bundle_value_waits_for_the_policy_and_the_rule(pulumi_mocks: Mocks) -> None:
    plan = aws_sample_plan(AT)
    harness = pulumi_mocks("prod-aws")
    harness.run(lambda: build(plan).outputs)
    for account in plan.accounts:
        after = _after(harness, f"{account.name}-bundle-version")
        assert {f"{account.name}-policy", f"{account.name}-rule"} <= after, account.name


def test_the_okta_request_deadline_covers_every_retry() -> None:
    # The provider's request_timeout bounds a call with all its retries and waits: either no
    # deadline (0), or one longer than the retries can take.
    timeout = program.OKTA_REQUEST_TIMEOUT_SECONDS
    worst_case = program.OKTA_MAX_RETRIES * program.OKTA_MAX_WAIT_SECONDS
    assert timeout == 0 or timeout > worst_case
    assert 0 <= timeout <= 300  # the provider's own bound


def test_the_provider_is_registered_without_a_request_deadline(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("prod")
    harness.run(lambda: build(sample_plan("prod")).outputs)
    provider = harness.named("okta")
    assert provider.inputs.get("requestTimeout", 0) in (0, "0")
    assert provider.inputs["maxRetries"] in (10, "10")
