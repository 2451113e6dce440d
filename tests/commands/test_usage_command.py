"""`svcaccounts usage` end to end: the fixture repository (tests/fixtures/usage-repo), its prod
stack's deployed outputs, and a loopback Okta org whose System Log holds a month of token events
(every answer validated against Okta's published API description)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.cli import main
from svcaccounts.commands import usage as usage_command
from svcaccounts.core.model import Rotation
from svcaccounts.core.rotation import rotation_state
from svcaccounts.okta_api.credentials import OktaCredential
from svcaccounts.okta_api.reader import LOG_SCOPES, OktaReader
from tests.support.git import GitRepo
from tests.support.okta_fixtures import API_TOKEN
from tests.support.okta_logs import SECRETS, app_created, other_event, token_granted, token_refused
from tests.support.okta_server import FakeOrg, OktaServer
from tests.support.repository import FIXTURES

AT = datetime(2026, 3, 1, tzinfo=UTC)
SINCE = AT - timedelta(days=30)
NAMES = ("admin-tool", "idle-job", "invoice-export", "new-service", "orders-sync", "reports-reader", "rotated-consumer")
CLIENT = {name: f"0oa{index:017d}" for index, name in enumerate(NAMES, start=1)}
STRANGER = "0oaNOTOFTHISSTACK001"
ROTATED = rotation_state("rotated-consumer", Rotation(period_days=10, grace_days=1, force=0), AT).last_rotation


def outputs(path: Path) -> Path:
    """`pulumi stack output --json` of the prod stack: one client id per account."""
    accounts = {
        name: {
            "clientId": client,
            "keyVaultSecretName": f"{name}-prod",
            "tokenUrl": "https://example-prod.okta.com/oauth2/aus1prod/v1/token",
            "scopes": ["orders:read"],
            "authMethod": "private_key_jwt",
            "generation": 3,
            "status": "active",
        }
        for name, client in CLIENT.items()
    }
    path.write_text(json.dumps({"accounts": accounts}), encoding="utf-8")
    return path


def month_of_logs() -> list[dict[str, Any]]:
    days = [SINCE + timedelta(days=day, hours=9) for day in range(30)]
    logs = [
        *(token_granted(CLIENT["orders-sync"], day, ["orders:read"]) for day in days),
        # orders:write only on the window's first day
        token_granted(CLIENT["orders-sync"], SINCE + timedelta(hours=2), ["orders:read", "orders:write"]),
        *(token_granted(CLIENT["reports-reader"], day, ["reports:read"]) for day in days[::3]),
        *(token_granted(CLIENT["invoice-export"], day, ["invoices:read"]) for day in days[::7]),
        token_granted(CLIENT["admin-tool"], days[4], ["orders:read"]),
        app_created(CLIENT["new-service"], AT - timedelta(days=4)),
        # rotated-consumer: fine before the rotation, refused once the previous key is gone
        token_granted(CLIENT["rotated-consumer"], ROTATED - timedelta(days=1), ["orders:read"]),
        *(
            token_refused(CLIENT["rotated-consumer"], ROTATED + timedelta(days=1, hours=3, seconds=45 * n))
            for n in range(70)
        ),
        # what is not this stack's, or not known
        token_granted(STRANGER, days[10], ["users:admin"]),
        token_refused(STRANGER, days[11]),
        other_event("app.oauth2.as.token.grant.new_kind", CLIENT["orders-sync"], days[12]),
        other_event("user.session.start", CLIENT["orders-sync"], days[12]),
        token_granted(CLIENT["idle-job"], SINCE - timedelta(days=2), ["reports:read"]),  # before the window
    ]
    return logs


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repository = GitRepo(tmp_path / "repo")
    repository.overlay(FIXTURES / "usage-repo")
    repository.commit("definitions")
    return repository


@pytest.fixture
def waits(okta_org: FakeOrg, okta_server: OktaServer, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The org holds a month of logs, pages 25 events at a time and rate-limits once; the
    command's reader records its waits instead of sleeping."""
    okta_org.logs = month_of_logs()
    okta_org.page_size = 25
    okta_server.rate_limit(1)
    recorded: list[float] = []

    def open_reader(org_url: str, credential: OktaCredential) -> OktaReader:
        return OktaReader(org_url, credential, scopes=LOG_SCOPES, sleep=recorded.append)

    monkeypatch.setattr(usage_command, "open_reader", open_reader)
    monkeypatch.setenv("OKTA_API_TOKEN", API_TOKEN)
    monkeypatch.delenv("OKTA_API_CLIENT_ID", raising=False)
    monkeypatch.delenv("SVCACCOUNTS_NOW", raising=False)
    return recorded


def usage(
    repo: GitRepo, server: OktaServer, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    deployed = outputs(repo.root.parent / "outputs.json")
    code = main(
        ["usage", "--root", str(repo.root), "--stack", "prod", "--deployed", str(deployed), "--org-url", server.base_url, *args]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_reports_unused_scopes_idle_new_and_failing_accounts(
    repo: GitRepo, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = usage(repo, okta_server, capsys, "--at", AT.isoformat(), "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert [(f["rule"], f["severity"], f["account"]) for f in document["findings"]] == [
        ("scope-never-used", "high", "admin-tool"),
        ("consumer-failing", "high", "rotated-consumer"),
        ("account-idle", "medium", "idle-job"),
        ("scope-never-used", "medium", "invoice-export"),
        ("scope-never-used", "medium", "orders-sync"),
        ("scope-never-used", "medium", "reports-reader"),
        ("failure-burst", "medium", "rotated-consumer"),
        ("account-new", "info", "new-service"),
    ]
    assert {f["environment"] for f in document["findings"]} == {"prod"}
    unused = {f["account"]: f["message"] for f in document["findings"] if f["rule"] == "scope-never-used"}
    assert unused["orders-sync"].startswith("granted `reports:read`, absent from all 31 successful grant(s)")
    assert document["proposed"] == [
        {"account": "invoice-export", "environment": "prod", "remove": ["invoices:export"]},
        {"account": "orders-sync", "environment": "prod", "remove": ["reports:read"]},
        {"account": "reports-reader", "environment": "prod", "remove": ["orders:read"]},
    ]
    assert [held["account"] for held in document["notProposed"]] == ["admin-tool"]
    assert document["otherClientsEvents"] == 2
    assert document["unknownEventTypes"] == {"app.oauth2.as.token.grant.new_kind": 1}
    assert (document["since"], document["until"], document["days"]) == ("2026-01-30T00:00:00Z", "2026-03-01T00:00:00Z", 30)

    calls = okta_server.api_calls("/api/v1/logs")
    assert [call.status for call in calls][:2] == [429, 200] and len(waits) == 1
    assert len(calls) >= 5  # over a hundred events, 25 a page
    assert {call.query["until"] for call in calls} == {"2026-03-01T00:00:00.000Z"}


def test_fail_on_trips_on_a_high_finding(
    repo: GitRepo, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = usage(repo, okta_server, capsys, "--at", AT.isoformat(), "--fail-on", "high")
    assert code == 1


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_no_output_shows_an_address_a_user_agent_or_a_token(
    output: str, repo: GitRepo, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = usage(repo, okta_server, capsys, "--at", AT.isoformat(), "--format", output)
    assert code == 0 and "consumer-failing" in out
    for secret in SECRETS:
        assert secret not in out and secret not in err, secret
    assert STRANGER not in out


def test_the_same_instant_gives_the_same_report(
    repo: GitRepo, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = usage(repo, okta_server, capsys, "--at", AT.isoformat(), "--format", "markdown")
    okta_server.rate_limit(1)
    monkeypatch.setenv("SVCACCOUNTS_NOW", "2026-03-01T00:00:00Z")
    second = usage(repo, okta_server, capsys, "--format", "markdown")
    assert first == second and first[0] == 0


def diff_findings(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str | None, str | None, str]]:
    assert main(["diff", "--base", "HEAD", "--root", str(repo.root), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    return [(f["rule"], f["environment"], f["account"], f["message"]) for f in document["findings"]]


def test_propose_writes_the_revocations_diff_shows_and_nothing_else(
    repo: GitRepo, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    admin_before = (repo.root / "service_accounts/ops/admin-tool.yaml").read_bytes()
    code, _, err = usage(repo, okta_server, capsys, "--at", AT.isoformat(), "--propose")
    assert code == 0
    assert "--propose: admin-tool: not changed: it holds a privileged scope" in err
    assert "--propose: wrote service_accounts/shop/orders-sync.yaml" in err
    assert diff_findings(repo, capsys) == [
        ("scope-revoked", "prod", "invoice-export", "revoked scope `invoices:export`"),
        ("scope-revoked", "prod", "orders-sync", "revoked scope `reports:read`"),
        ("scope-revoked", "prod", "reports-reader", "revoked scope `orders:read`"),
    ]
    assert (repo.root / "service_accounts/ops/admin-tool.yaml").read_bytes() == admin_before
    changed = repo.git("diff", "--stat").splitlines()
    assert len(changed) == 4  # three files and the summary line
    assert main(["validate", "--root", str(repo.root)]) == 0


def test_a_window_longer_than_okta_keeps_is_refused(
    repo: GitRepo, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = usage(repo, okta_server, capsys, "--days", "91")
    assert code == 2
    assert "days must be at most 90 (Okta keeps 90 days of its log)" in err
    assert okta_server.api_calls() == []


def test_a_stack_on_another_provider_is_refused_with_what_it_offers(
    tmp_path: Path, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "cognito"
    GitRepo(root).overlay(FIXTURES / "cognito-prod")
    deployed = outputs(tmp_path / "outputs.json")
    code = main(["usage", "--root", str(root), "--stack", "prod", "--deployed", str(deployed)])
    err = capsys.readouterr().err
    assert code == 2
    assert "stack prod is on cognito: Amazon Cognito's token endpoint requests are in CloudTrail" in err
    assert "no per-scope use" in err
    assert okta_server.api_calls() == []


def test_a_credential_the_org_refuses_is_one_line_without_the_token(
    repo: GitRepo, okta_server: OktaServer, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKTA_API_TOKEN", "00-wrong-token-value-x")
    okta_server.rate_limit(0)
    code, out, err = usage(repo, okta_server, capsys, "--at", AT.isoformat())
    assert (code, out) == (2, "")
    assert err.startswith("svcaccounts usage: GET /api/v1/logs: the credential is invalid or expired (401)")
    assert "00-wrong-token-value-x" not in err
