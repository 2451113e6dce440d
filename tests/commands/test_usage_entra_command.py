"""`svcaccounts usage` on an Entra ID stack end to end: the mixed-providers fixture's prod stack
(Entra ID), its deployed outputs, and a loopback Microsoft Graph and token endpoint whose every
answer is validated against Graph's published OpenAPI description (tests/fixtures/graph-openapi)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.commands import usage as usage_command
from svcaccounts.core.model import Rotation
from svcaccounts.core.rotation import rotation_state
from svcaccounts.graph_api.credentials import ClientSecretCredential
from svcaccounts.graph_api.reader import GraphReader
from svcaccounts.graph_api.sign_ins import NO_SCOPE_EVIDENCE
from tests.support.git import GitRepo
from tests.support.graph_server import (
    ACTIVITIES,
    SECRETS,
    SIGN_INS,
    App,
    FakeTenant,
    GraphServer,
    activity,
    sign_in,
)
from tests.support.repository import FIXTURES

TENANT = "11111111-2222-3333-4444-555555555555"
READER_APP = "aaaaaaaa-0000-4000-8000-000000000001"
READER_SECRET = "reader~secret~NOT-TO-BE-SHOWN-42"
AT = datetime(2026, 2, 1, tzinfo=UTC)  # the last scheduled rotation of report-writer (Jan 5) is inside the window
SINCE = AT - timedelta(days=30)
CLIENT = {
    "old-exporter": "0e000000-0000-4000-8000-000000000001",
    "report-reader": "0e000000-0000-4000-8000-000000000002",
    "report-writer": "0e000000-0000-4000-8000-000000000003",
}
STRANGER = "5e000000-0000-4000-8000-0000000000ff"
ROTATED = rotation_state("report-writer", Rotation(period_days=60, grace_days=10, force=0), AT).last_rotation


def outputs(path: Path, names: tuple[str, ...] = tuple(CLIENT)) -> Path:
    """`pulumi stack output --json` of the Entra prod stack: the application (client) id each."""
    accounts = {
        name: {
            "clientId": CLIENT[name],
            "keyVaultSecretName": f"{name}-prod",
            "tokenUrl": f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token",
            "scopes": ["reports:read"],
            "authMethod": "private_key_jwt",
            "generation": 2,
            "status": "active",
        }
        for name in names
    }
    path.write_text(json.dumps({"accounts": accounts}), encoding="utf-8")
    return path


def month_of_sign_ins() -> list[dict[str, object]]:
    days = [SINCE + timedelta(days=day, hours=9) for day in range(30)]
    return [
        *(sign_in(CLIENT["report-reader"], day) for day in days),
        # report-writer: fine before the rotation, refused (invalid client secret) after it
        *(sign_in(CLIENT["report-writer"], day) for day in days if day < ROTATED),
        *(
            sign_in(CLIENT["report-writer"], ROTATED + timedelta(days=11, seconds=40 * n), error_code=7000215)
            for n in range(70)
        ),
        sign_in(STRANGER, days[3]),
        sign_in(STRANGER, days[4], error_code=700027),
        sign_in(CLIENT["report-reader"], days[5], service_principal=False),  # a user sign-in: not read
        sign_in(CLIENT["report-reader"], SINCE - timedelta(days=2)),  # before the window
    ]


@pytest.fixture
def tenant() -> FakeTenant:
    return FakeTenant(
        TENANT,
        apps={READER_APP: App(READER_SECRET, frozenset({"AuditLog.Read.All"}))},
        sign_ins=month_of_sign_ins(),
        activities=[
            activity(CLIENT["report-reader"], AT - timedelta(hours=15)),
            activity(CLIENT["report-writer"], ROTATED - timedelta(days=1)),
            activity(STRANGER, AT - timedelta(days=3)),
        ],
        page_size=7,
    )


@pytest.fixture
def graph(tenant: FakeTenant) -> Iterator[GraphServer]:
    server = GraphServer(tenant)
    try:
        yield server
    finally:
        server.close()
    assert server.spec_violations == [], "the fake Graph sent bodies Graph's description forbids"


@pytest.fixture
def waits(graph: GraphServer, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The command reads the loopback Graph (throttled once) and records its waits."""
    graph.throttle(1)
    recorded: list[float] = []

    def open_graph_reader(token_url: str, credential: ClientSecretCredential) -> GraphReader:
        assert token_url == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
        return GraphReader(credential, token_url=graph.token_url, graph_url=graph.base_url, sleep=recorded.append)

    monkeypatch.setattr(usage_command, "open_graph_reader", open_graph_reader)
    for family in ("ARM", "AZURE"):
        for name in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID"):
            monkeypatch.delenv(f"{family}_{name}", raising=False)
    monkeypatch.setenv("ARM_CLIENT_ID", READER_APP)
    monkeypatch.setenv("ARM_CLIENT_SECRET", READER_SECRET)
    monkeypatch.setenv("ARM_TENANT_ID", TENANT)
    monkeypatch.delenv("SVCACCOUNTS_NOW", raising=False)
    return recorded


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repository = GitRepo(tmp_path / "mixed")
    repository.overlay(FIXTURES / "mixed-providers")
    repository.commit("definitions")
    return repository


def usage(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str, names: tuple[str, ...] = tuple(CLIENT)) -> tuple[int, str, str]:
    deployed = outputs(repo.root.parent / "outputs.json", names)
    code = main(["usage", "--root", str(repo.root), "--stack", "prod", "--deployed", str(deployed), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_reports_failing_consumers_and_bursts_and_judges_no_scope(
    repo: GitRepo, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = usage(repo, capsys, "--at", AT.isoformat(), "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert [(f["rule"], f["severity"], f["account"]) for f in document["findings"]] == [
        ("consumer-failing", "high", "report-writer"),
        ("failure-burst", "medium", "report-writer"),
    ]
    assert "70 failed token request(s) since the rotation" in document["findings"][0]["message"]
    assert "AADSTS7000215 ×70" in document["findings"][0]["message"]
    assert any(NO_SCOPE_EVIDENCE in note for note in document["notes"])
    assert document["proposed"] == [] and document["notProposed"] == []
    assert document["otherClientsEvents"] == 2
    reader = next(a for a in document["accounts"] if a["name"] == "report-reader")
    assert (reader["grants"], reader["scopesUsed"], reader["grantsWithoutScopes"]) == (30, [], 30)

    sign_in_calls = graph.graph_calls(SIGN_INS)
    assert [call.status for call in sign_in_calls][:2] == [429, 200] and waits == [2.0]
    assert len(sign_in_calls) >= 15  # over a hundred records, 7 a page
    assert graph.graph_calls(ACTIVITIES)[-1].status == 200
    assert "createdDateTime lt 2026-02-01T00:00:00Z" in sign_in_calls[0].query["$filter"]


def test_an_idle_account_names_its_last_sign_in(
    repo: GitRepo, tenant: FakeTenant, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    tenant.sign_ins = [r for r in tenant.sign_ins if r["appId"] != CLIENT["report-reader"]]
    tenant.activities[0] = activity(CLIENT["report-reader"], SINCE - timedelta(days=20))
    code, out, _ = usage(repo, capsys, "--at", AT.isoformat(), "--format", "json")
    assert code == 0
    (idle,) = [f for f in json.loads(out)["findings"] if f["rule"] == "account-idle"]
    assert idle["account"] == "report-reader"
    assert "(last sign-in the provider recorded: 2025-12-13)" in idle["message"]


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_no_output_shows_an_address_a_user_agent_an_id_or_a_secret(
    output: str, repo: GitRepo, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = usage(repo, capsys, "--at", AT.isoformat(), "--format", output)
    assert code == 0 and "consumer-failing" in out and "per-scope use is unavailable: on Entra ID" in out
    for secret in (*SECRETS, READER_SECRET, STRANGER):
        assert secret not in out and secret not in err, secret


def test_the_same_instant_gives_the_same_report(
    repo: GitRepo, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = usage(repo, capsys, "--at", AT.isoformat(), "--format", "markdown")
    graph.throttle(1)
    monkeypatch.setenv("SVCACCOUNTS_NOW", "2026-02-01T00:00:00Z")
    second = usage(repo, capsys, "--format", "markdown")
    assert first == second and first[0] == 0


def test_propose_proposes_nothing_and_says_why(
    repo: GitRepo, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = usage(repo, capsys, "--at", AT.isoformat(), "--propose")
    assert code == 0
    assert "svcaccounts usage: --propose: nothing proposed: this provider's log does not show which scopes were used" in err
    assert repo.git("status", "--porcelain") == ""


def test_a_window_beyond_entra_retention_is_refused(
    repo: GitRepo, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = usage(repo, capsys, "--at", AT.isoformat(), "--days", "31")
    assert (code, out) == (2, "")
    assert "--days must be at most 30 on entra-id (its log keeps no more; docs/usage.md)" in err
    assert graph.calls == []


def test_an_app_without_auditlog_read_all_gets_one_line_naming_the_permission(
    repo: GitRepo, tenant: FakeTenant, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    tenant.apps[READER_APP] = App(READER_SECRET, frozenset({"Directory.Read.All"}))
    graph.throttle(0)
    code, out, err = usage(repo, capsys, "--at", AT.isoformat())
    assert (code, out) == (2, "")
    assert err == (
        "svcaccounts usage: GET /beta/auditLogs/signIns: the app may not read this (403): grant it the "
        "application permission AuditLog.Read.All with admin consent; the tenant needs Microsoft Entra "
        "ID P1 or P2 (Authorization_RequestDenied)\n"
    )


def test_a_wrong_secret_is_one_line_without_the_secret(
    repo: GitRepo, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARM_CLIENT_SECRET", "wrong~secret~value~99")
    code, out, err = usage(repo, capsys, "--at", AT.isoformat())
    assert (code, out) == (2, "")
    assert "got no token for Microsoft Graph (401, invalid_client)" in err
    assert "wrong~secret~value~99" not in err and len(err.splitlines()) == 1


def test_a_credential_of_another_tenant_is_refused_before_any_request(
    repo: GitRepo, graph: GraphServer, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARM_TENANT_ID", "99999999-2222-3333-4444-555555555555")
    code, _, err = usage(repo, capsys, "--at", AT.isoformat())
    assert code == 2 and "ARM_TENANT_ID is not the stack's tenant" in err
    assert graph.calls == []
