"""`svcaccounts rotation status` end to end on the fixture repository."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.core.model import Rotation
from svcaccounts.core.rotation import generation_at, next_rotation
from tests.support.repository import BASELINE, CHANGES, repository

# svc-reader in the fixture: period 90 days, grace 7.
ROTATION = Rotation(period_days=90, grace_days=7, force=0)
BOUNDARY = next_rotation("svc-reader", ROTATION, datetime(2026, 6, 1, tzinfo=UTC))
AFTER = BOUNDARY + timedelta(days=1)
GENERATION_AFTER = generation_at("svc-reader", ROTATION, AFTER)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return repository(tmp_path / "repo", BASELINE)


def outputs(tmp_path: Path, generation: int) -> Path:
    """What `pulumi stack output --json` prints for the fixture's prod stack, deployed with
    `generation` (GENERATION_AFTER, or one behind it: deployed before BOUNDARY)."""
    rotates_at = BOUNDARY if generation < GENERATION_AFTER else BOUNDARY + timedelta(days=90)
    path = tmp_path / "outputs.json"
    account = {
        "clientId": "0oa1example",
        "keyVaultSecretName": "svc-reader-prod",
        "tokenUrl": "https://example.okta.com/oauth2/aus1/v1/token",
        "scopes": ["api:read"],
        "authMethod": "private_key_jwt",
        "generation": generation,
        "nextRotation": rotates_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "active",
    }
    path.write_text(json.dumps({"accounts": {"svc-reader": account}}), encoding="utf-8")
    return path


def status(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["rotation", "status", "--root", str(root), "--stack", "prod", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_accounts_of_the_stack(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = status(root, capsys, "--at", AFTER.isoformat(), "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert [a["name"] for a in document["accounts"]] == ["svc-reader"]
    assert document["accounts"][0]["generation"] == GENERATION_AFTER


def test_the_time_can_come_from_svcaccounts_now(
    root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", AFTER.isoformat())
    code, out, _ = status(root, capsys, "--format", "json")
    assert code == 0
    assert json.loads(out)["at"] == AFTER.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_up_to_date_deployment_exits_0(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = outputs(tmp_path, GENERATION_AFTER)
    code, out, err = status(root, capsys, "--at", AFTER.isoformat(), "--deployed", str(deployed))
    assert (code, err) == (0, "")
    assert "deployed generations are up to date" in out


def test_lagging_deployment_exits_3_and_names_the_account(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = outputs(tmp_path, GENERATION_AFTER - 1)
    code, out, err = status(root, capsys, "--at", AFTER.isoformat(), "--deployed", str(deployed))
    assert code == 3
    assert "BEHIND" in out
    assert err == (
        "svcaccounts rotation status: 1 account(s) behind the expected generation: svc-reader; "
        "the scheduled rotation did not run or failed\n"
    )


def test_lag_past_the_grace_window_is_overdue(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = (BOUNDARY + timedelta(days=8)).isoformat()
    deployed = outputs(tmp_path, GENERATION_AFTER - 1)
    code, out, _ = status(root, capsys, "--at", later, "--deployed", str(deployed), "--format", "json")
    assert code == 3
    (account,) = json.loads(out)["accounts"]
    assert (account["behind"], account["overdue"]) == (True, True)


def test_deployed_outputs_can_come_from_standard_input(
    root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = outputs(tmp_path, GENERATION_AFTER - 1).read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert status(root, capsys, "--at", AFTER.isoformat(), "--deployed", "-")[0] == 3


def test_unreadable_deployed_file_is_a_usage_error(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = status(root, capsys, "--deployed", str(missing))
    assert (code, out) == (2, "")
    assert err.startswith(f"svcaccounts rotation status: cannot read {missing}: ")


def test_deployed_file_that_is_not_stack_output_json_is_a_usage_error(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "outputs.txt"
    bad.write_text("Current stack outputs (1):\n", encoding="utf-8")
    code, _, err = status(root, capsys, "--deployed", str(bad))
    assert code == 2
    assert "not JSON" in err and "pulumi stack output --json" in err


def test_unknown_stack_is_a_usage_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rotation", "status", "--root", str(root), "--stack", "qa"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no stack 'qa' (Pulumi.qa.yaml)" in err
    assert "known stacks: dev, prod, staging" in err


def test_bad_time_is_a_usage_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = status(root, capsys, "--at", "next tuesday")
    assert code == 2
    assert "--at 'next tuesday' is not an ISO 8601 time" in err


def test_invalid_definitions_exit_1(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repository(root, CHANGES / "invalid-account")
    code, out, err = status(root, capsys)
    assert (code, out) == (1, "")
    assert "svc-broken.yaml" in err
    assert "invalid definitions: fix them first (svcaccounts validate)" in err


def test_negative_within_is_a_usage_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = status(root, capsys, "--within", "-1")
    assert code == 2
    assert "days must not be negative" in err


def test_within_beyond_ten_years_is_a_usage_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = status(root, capsys, "--within", "99999999999999999999")
    assert code == 2
    assert "days must be at most 3650" in err
    assert "Traceback" not in err


def test_deployed_device_is_refused_without_reading_it(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = status(root, capsys, "--deployed", "/dev/zero")
    assert (code, out) == (2, "")
    assert "/dev/zero: not a regular file" in err


def test_deployed_file_larger_than_16_mib_is_refused(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = outputs(tmp_path, GENERATION_AFTER)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(" " * (16 * 1024 * 1024 + 1))
    code, out, err = status(root, capsys, "--at", AFTER.isoformat(), "--deployed", str(path))
    assert (code, out) == (2, "")
    assert "larger than 16 MiB" in err


def test_deployed_next_rotation_at_the_end_of_time_is_a_usage_error(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = outputs(tmp_path, GENERATION_AFTER - 1)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["accounts"]["svc-reader"]["nextRotation"] = "9999-12-31T00:00:00Z"
    path.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = status(root, capsys, "--at", AFTER.isoformat(), "--deployed", str(path))
    assert (code, out) == (2, "")
    assert "implausibly far in the future" in err


def test_deployment_ahead_of_the_expected_generation_exits_3_and_is_flagged(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = outputs(tmp_path, GENERATION_AFTER + 5)
    code, out, err = status(root, capsys, "--at", AFTER.isoformat(), "--deployed", str(deployed))
    assert code == 3
    assert "AHEAD" in out
    assert "1 account(s) ahead of the expected generation: svc-reader" in err
