"""Where the pack's environment, time and settings come from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pulumi
import pytest
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings
from svcaccounts_policies.config import PolicyConfigError, environment, now, read_int, read_strings

from svcaccounts.core import clock


@pytest.fixture
def stack_named_prod_eu(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A policy process for stack prod-eu with no explicit config: what the CLI sets up."""
    monkeypatch.setattr(runtime_settings.SETTINGS, "stack", "prod-eu")
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    token = runtime_config.CONFIG.set({})
    yield
    runtime_config.CONFIG.reset(token)


def test_explicit_policy_config_wins(stack_named_prod_eu: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"svcaccounts:environment": "staging"}))
    assert environment({"environment": "prod"}) == "prod"


def test_stack_config_environment_comes_next(
    stack_named_prod_eu: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Pulumi CLI hands stack config to policy packs in PULUMI_CONFIG.
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"svcaccounts:environment": "prod"}))
    assert environment({}) == "prod"


def test_stack_name_is_the_fallback(stack_named_prod_eu: None) -> None:
    assert pulumi.get_stack() == "prod-eu"
    assert environment({}) == "prod-eu"


def test_empty_explicit_environment_is_a_config_error() -> None:
    with pytest.raises(PolicyConfigError, match="'environment' must be a non-empty string"):
        environment({"environment": ""})


@pytest.mark.parametrize(
    "text", ["2026-03-01T12:00:00Z", "2026-03-01", "2026-03-01T12:00:00+02:00", "2026-03-01T12:00:00"]
)
def test_now_reads_svcaccounts_now_like_the_program(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", text)
    assert now() == clock.now()
    assert now().tzinfo == UTC


def test_now_without_override_is_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SVCACCOUNTS_NOW", raising=False)
    before = datetime.now(UTC)
    assert before <= now() <= datetime.now(UTC)


def test_unreadable_now_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", "next tuesday")
    with pytest.raises(PolicyConfigError, match="SVCACCOUNTS_NOW is not an ISO 8601 time"):
        now()


def test_json_numbers_arrive_as_floats_and_whole_ones_are_accepted() -> None:
    assert read_int({"maximumDays": 30.0}, "maximumDays", 366) == 30
    assert read_int({}, "maximumDays", 366) == 366


@pytest.mark.parametrize("value", [30.5, True, "30", 0])
def test_bad_numbers_are_config_errors(value: object) -> None:
    with pytest.raises(PolicyConfigError, match="policy config 'maximumDays' must be"):
        read_int({"maximumDays": value}, "maximumDays", 366)


def test_string_lists_must_be_lists_of_strings() -> None:
    assert read_strings({"allowedAccounts": ["a"]}, "allowedAccounts", ()) == ("a",)
    with pytest.raises(PolicyConfigError, match="must be a list of strings"):
        read_strings({"allowedAccounts": "a"}, "allowedAccounts", ())
