"""No violation message ever repeats a property value that could be a credential.

Policies see decrypted properties, so every string a resource carries is put in turn where a
credential could have been pasted, and the messages are searched for it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.policy_baselines import BASELINES, NOW, check_resource

CANARY = "CANARY-client-secret-0123456789"


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_paths(item, (*path, index))


def with_canary(props: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(props)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = CANARY
    return changed


CASES = [
    (resource_type, path)
    for resource_type, props in BASELINES.items()
    for path in string_paths(props)
    # The secret marker's own signature key is wire format, not a property value.
    if "4dabf18193072939515e22adb298388d" not in path
]


@pytest.mark.parametrize(("resource_type", "path"), CASES, ids=lambda case: str(case))
def test_a_value_in_any_string_property_never_reaches_a_message(
    resource_type: str, path: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)
    report = check_resource(resource_type, with_canary(BASELINES[resource_type], path))
    assert all(CANARY not in finding.message for finding in report.violations)


@pytest.mark.parametrize(
    ("resource_type", "path"),
    [
        ("okta:app/oAuth:OAuth", ("type",)),
        ("okta:app/oAuth:OAuth", ("grantTypes", 0)),
        ("okta:app/oAuth:OAuth", ("responseTypes", 0)),
        ("okta:app/oAuth:OAuth", ("tokenEndpointAuthMethod",)),
        ("okta:auth/serverPolicyRule:ServerPolicyRule", ("grantTypeWhitelists", 0)),
    ],
)
def test_rules_that_describe_values_do_see_the_canary(
    resource_type: str, path: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without this, a pack that reported nothing at all would pass the test above.
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)
    report = check_resource(resource_type, with_canary(BASELINES[resource_type], path))
    assert len(report.violations) == 1
    message = report.violations[0].message
    assert "1 other value" in message or "an unrecognised value" in message
