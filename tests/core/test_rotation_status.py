"""Rotation status: across rotation boundaries, and against deployed outputs that lag."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from svcaccounts.core.contracts.accounts_output import (
    DeployedAccount,
    DeployedError,
    parse_deployed,
    read_deployed,
)
from svcaccounts.core.model import EnvironmentOverride, EnvironmentView, Rotation, RotationOverride
from svcaccounts.core.rotation import next_rotation
from svcaccounts.core.rotation_status import (
    AccountRotation,
    RotationStatus,
    rotation_status,
)
from svcaccounts.render.rotation import render_json, render_markdown, render_table
from tests.support.catalogs import account, catalog

ROTATION = Rotation(period_days=30, grace_days=3, force=0)
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# The first scheduled boundary of svc-reader after START: the tests look at both sides of it.
BOUNDARY = next_rotation("svc-reader", ROTATION, START)
SECOND = timedelta(seconds=1)


def view(overrides: Mapping[str, EnvironmentOverride] | None = None) -> EnvironmentView:
    return catalog(account(rotation=ROTATION, overrides=overrides)).for_environment("prod")


def status_at(
    now: datetime,
    deployed: Mapping[str, DeployedAccount] | None = None,
    *,
    within_days: int = 7,
) -> RotationStatus:
    return rotation_status(view(), stack="prod", now=now, deployed=deployed, within_days=within_days)


def only(status: RotationStatus) -> AccountRotation:
    (single,) = status.accounts
    return single


def deployed(generation: int, name: str = "svc-reader") -> dict[str, DeployedAccount]:
    return {name: DeployedAccount(name=name, generation=generation)}


def test_just_before_a_boundary_the_account_is_due_and_not_yet_rotated() -> None:
    before = only(status_at(BOUNDARY - SECOND))
    after = only(status_at(BOUNDARY))
    assert after.generation == before.generation + 1
    assert (before.due, before.in_grace, before.next_rotation) == (True, False, BOUNDARY)
    assert before.days_left == 0.0


def test_at_the_boundary_a_new_generation_starts_and_the_previous_is_in_grace() -> None:
    at = only(status_at(BOUNDARY))
    assert (at.last_rotation, at.next_rotation) == (BOUNDARY, BOUNDARY + timedelta(days=30))
    assert at.in_grace
    assert not at.due
    assert at.days_left == 30.0


def test_grace_ends_grace_days_after_the_boundary() -> None:
    assert only(status_at(BOUNDARY + timedelta(days=3) - SECOND)).in_grace
    assert not only(status_at(BOUNDARY + timedelta(days=3))).in_grace


def test_due_follows_the_within_window() -> None:
    eight_days_before = BOUNDARY - timedelta(days=8)
    assert not only(status_at(eight_days_before)).due
    assert only(status_at(eight_days_before, within_days=8)).due
    assert not only(status_at(BOUNDARY - SECOND, within_days=0)).due


def test_without_deployed_outputs_nothing_is_behind() -> None:
    status = status_at(BOUNDARY)
    assert not status.compared
    assert status.behind == ()
    assert only(status).deployed_generation is None


def test_deployed_at_the_expected_generation_is_up_to_date() -> None:
    expected = only(status_at(BOUNDARY)).generation
    status = status_at(BOUNDARY, deployed(expected))
    assert status.behind == ()
    assert only(status).deployed_generation == expected


def test_a_deployment_that_missed_the_boundary_is_behind_but_not_overdue_in_grace() -> None:
    before = only(status_at(BOUNDARY - SECOND)).generation
    lagging = only(status_at(BOUNDARY + timedelta(days=1), deployed(before)))
    assert (lagging.behind, lagging.overdue) == (True, False)


def test_behind_past_the_grace_window_is_overdue() -> None:
    before = only(status_at(BOUNDARY - SECOND)).generation
    lagging = only(status_at(BOUNDARY + timedelta(days=3), deployed(before)))
    assert (lagging.behind, lagging.overdue) == (True, True)


def test_overdue_counts_from_the_rotation_the_deployed_bundle_missed() -> None:
    # Two boundaries missed: the deployed bundle expired grace days after the first of them.
    before = only(status_at(BOUNDARY - SECOND)).generation
    missed = {"svc-reader": DeployedAccount("svc-reader", before, BOUNDARY)}
    at_expiry = BOUNDARY + timedelta(days=3)
    assert only(status_at(at_expiry - SECOND, missed)).overdue is False
    assert only(status_at(at_expiry, missed)).overdue is True


def test_a_never_deployed_account_is_behind_but_not_overdue() -> None:
    lagging = only(status_at(BOUNDARY + timedelta(days=60), {}))
    assert (lagging.behind, lagging.overdue) == (True, False)


def test_a_forced_rotation_is_behind_until_deployed() -> None:
    forced = view({"prod": EnvironmentOverride(rotation=RotationOverride(force=1))})
    scheduled = only(status_at(START)).generation
    status = rotation_status(forced, stack="prod", now=START, deployed=deployed(scheduled))
    assert only(status).generation == scheduled + 1
    assert only(status).behind


def test_an_undeployed_forced_rotation_is_not_overdue_before_the_bundle_expires() -> None:
    forced = view({"prod": EnvironmentOverride(rotation=RotationOverride(force=1))})
    scheduled = only(status_at(BOUNDARY + timedelta(days=10))).generation
    current = {"svc-reader": DeployedAccount("svc-reader", scheduled, BOUNDARY + timedelta(days=30))}
    now = BOUNDARY + timedelta(days=10)
    (account,) = rotation_status(forced, stack="prod", now=now, deployed=current).accounts
    assert (account.behind, account.overdue) == (True, False)


def test_an_account_missing_from_the_outputs_is_behind() -> None:
    status = status_at(START, {})
    assert [a.name for a in status.behind] == ["svc-reader"]
    assert only(status).deployed_generation is None


def test_deployed_accounts_no_longer_defined_are_listed_not_behind() -> None:
    outputs = {**deployed(only(status_at(START)).generation), **deployed(4, "svc-gone")}
    status = status_at(START, outputs)
    assert status.behind == ()
    assert status.not_in_definitions == ("svc-gone",)


def test_accounts_absent_from_the_environment_are_not_listed() -> None:
    dev_only = catalog(account(environments=("dev",))).for_environment("prod")
    assert rotation_status(dev_only, stack="prod", now=START).accounts == ()


def test_parse_deployed_accepts_an_object_keyed_by_account() -> None:
    document = {
        "accounts": {
            "svc-reader": {
                "clientId": "0oa123",
                "generation": 7,
                "nextRotation": "2026-07-01T00:00:00Z",
            }
        },
        "tokenUrl": "https://example.okta.com/oauth2/aus1/v1/token",
    }
    assert parse_deployed(document) == {
        "svc-reader": DeployedAccount("svc-reader", 7, datetime(2026, 7, 1, tzinfo=UTC), client_ids=("0oa123",))
    }


def test_parse_deployed_accepts_a_list_of_named_accounts_in_snake_case() -> None:
    document = {
        "accounts": [{"name": "svc-reader", "generation": 2, "next_rotation": "2026-07-01T00:00:00Z"}]
    }
    assert parse_deployed(document) == {
        "svc-reader": DeployedAccount("svc-reader", 2, datetime(2026, 7, 1, tzinfo=UTC))
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"other": 1}, "no `accounts` output (outputs: other)"),
        ({"accounts": "[secret]"}, "`accounts` is a secret in the stack outputs"),
        ({"accounts": {"svc": {"generation": "3"}}}, "`accounts`.svc.generation must be a pos"),
        ({"accounts": {"svc": {"generation": True}}}, "must be a positive integer, not True"),
        ({"accounts": [{"generation": 3}]}, "`accounts`[0].name must be the account name"),
        ([], "the stack outputs must be a JSON object, not list"),
        (
            {"accounts": {"svc": {"generation": 2, "nextRotation": "soon"}}},
            "`accounts`.svc.nextRotation must be an ISO 8601 UTC time (ending Z or +00:00), not 'soon'",
        ),
    ],
)
def test_parse_deployed_explains_what_is_wrong(document: object, message: str) -> None:
    with pytest.raises(DeployedError, match=re.escape(message)):
        parse_deployed(document)


def test_read_deployed_rejects_text_that_is_not_json() -> None:
    with pytest.raises(DeployedError, match=r"not JSON \(line 1, column 1"):
        read_deployed("Current stack outputs (1):")


def test_table_lists_flags_and_a_summary() -> None:
    before = only(status_at(BOUNDARY - SECOND)).generation
    text = render_table(status_at(BOUNDARY + timedelta(days=5), deployed(before)))
    header, row = text.splitlines()[2:4]
    assert header.split() == [
        "ACCOUNT", "GEN", "DEPLOYED", "LAST", "ROTATION", "NEXT", "ROTATION", "DAYS", "LEFT", "FLAGS",
    ]  # fmt: skip
    assert row.split()[0:3] == ["svc-reader", str(before + 1), str(before)]
    assert row.split()[-1] == "OVERDUE"
    assert "1 behind the expected generation (1 past their grace)" in text


def test_json_carries_deployed_fields_only_when_compared() -> None:
    plain = json.loads(render_json(status_at(START)))
    assert "deployed_generation" not in plain["accounts"][0]
    assert plain["compared_with_deployed"] is False
    compared = json.loads(render_json(status_at(START, {})))
    assert compared["accounts"][0]["deployed_generation"] is None
    assert compared["behind"] == ["svc-reader"]


def test_markdown_has_a_title_summary_and_table() -> None:
    text = render_markdown(status_at(START))
    assert text.startswith("### Rotation status: stack `prod` (environment `prod`) at ")
    assert "| ACCOUNT | GEN | DEPLOYED |" in text
    assert "| svc-reader |" in text


def test_a_deployed_generation_ahead_of_the_expected_one_is_flagged_ahead_not_ok() -> None:
    expected = only(status_at(START)).generation
    status = status_at(START, deployed(expected + 1))
    assert status.ahead == status.accounts
    assert status.behind == ()
    assert "AHEAD" in render_table(status).splitlines()[3].split()[-1]
    assert json.loads(render_json(status))["ahead"] == ["svc-reader"]
    assert "deployed generations are up to date" not in render_table(status)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "not valid JSON: nested too deeply"),
        ('{"accounts": ' + "9" * 5000 + "}", "not valid JSON: a number is too long"),
    ],
    ids=["deep", "long-integer"],
)
def test_read_deployed_turns_interpreter_limits_into_a_message(text: str, message: str) -> None:
    with pytest.raises(DeployedError, match=message):
        read_deployed(text)


@pytest.mark.parametrize(
    ("next_rotation", "message"),
    [
        ("9999-12-31T00:00:00Z", "implausibly far in the future"),
        ("2026-07-01T00:00:00+02:00", "must be an ISO 8601 UTC time"),
    ],
    ids=["far-future", "not-utc"],
)
def test_parse_deployed_refuses_unusable_next_rotation(next_rotation: str, message: str) -> None:
    document = {"accounts": {"svc": {"generation": 1, "nextRotation": next_rotation}}}
    with pytest.raises(DeployedError, match=message):
        parse_deployed(document)
