"""`svcaccounts usage` on an Auth0 stack, end to end: the staging stack of
tests/fixtures/four-providers (Auth0), its deployed outputs, and a loopback Auth0 tenant whose
log holds a month of client-credentials exchanges (every request and answer validated against
Auth0's published Management API description)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.auth0_api.credentials import Auth0Credential
from svcaccounts.auth0_api.reader import Auth0Reader
from svcaccounts.cli import main
from svcaccounts.commands import usage as usage_command
from svcaccounts.core.model import Rotation
from svcaccounts.core.rotation import rotation_state
from tests.support.auth0_fixtures import READER_ID, READER_SECRET
from tests.support.auth0_logs import SECRETS, exchange_failed, exchange_succeeded
from tests.support.auth0_server import Auth0Server, FakeTenant
from tests.support.git import GitRepo
from tests.support.repository import FIXTURES

AT = datetime(2026, 3, 1, tzinfo=UTC)
SINCE = AT - timedelta(days=30)
CLIENT = {
    "old-exporter": "oldExporterClientId0000000000001",
    "ops-admin": "opsAdminClientId000000000000001",
    "report-reader": "reportReaderClientId000000000001",
    "report-writer": "reportWriterClientId000000000001",
}
STRANGER = "someoneElsesClientId00000000001"
# ops-admin's definition: a rotation every 30 days, 5 days of grace (its last one is inside the window).
OPS_ADMIN = Rotation(period_days=30, grace_days=5, force=0)
ROTATED = rotation_state("ops-admin", OPS_ADMIN, AT).last_rotation


def outputs(path: Path) -> Path:
    """`pulumi stack output --json` of the staging stack: one client id per account."""
    accounts = {
        name: {
            "clientId": client,
            "awsSecretArn": f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:svcaccounts/staging/{name}-AbCdEf",
            "tokenUrl": "https://example-staging.eu.auth0.com/oauth/token",
            "scopes": ["reports:read"],
            "authMethod": "private_key_jwt",
            "generation": 2,
            "status": "active",
        }
        for name, client in CLIENT.items()
    }
    path.write_text(json.dumps({"accounts": accounts}), encoding="utf-8")
    return path


def month_of_logs() -> list[dict[str, Any]]:
    days = [SINCE + timedelta(days=day, hours=9) for day in range(30)]
    return [
        # report-reader: a token every day; its scopes are never in evidence either way
        *(exchange_succeeded(CLIENT["report-reader"], day, scope="reports:read") for day in days),
        # ops-admin: fine until its last rotation, refused once the previous credential is gone
        exchange_succeeded(CLIENT["ops-admin"], ROTATED - timedelta(days=1)),
        *(
            exchange_failed(CLIENT["ops-admin"], ROTATED + timedelta(days=OPS_ADMIN.grace_days + 1, minutes=n))
            for n in range(5)
        ),
        # report-writer: nothing in the window; someone else's client: counted, never named
        exchange_succeeded(CLIENT["report-writer"], SINCE - timedelta(days=1)),
        exchange_succeeded(STRANGER, days[3]),
        exchange_failed(STRANGER, days[4]),
    ]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repository = GitRepo(tmp_path / "repo")
    repository.overlay(FIXTURES / "four-providers")
    repository.commit("definitions")
    return repository


@pytest.fixture
def waits(
    auth0_tenant: FakeTenant, auth0_server: Auth0Server, monkeypatch: pytest.MonkeyPatch
) -> list[float]:
    """The tenant holds a month of logs and rate-limits once; the command's reader records its
    waits instead of sleeping."""
    auth0_tenant.logs = month_of_logs()
    auth0_server.rate_limit(1)
    recorded: list[float] = []

    def open_auth0_reader(tenant_url: str, credential: Auth0Credential) -> Auth0Reader:
        return Auth0Reader(tenant_url, credential, sleep=recorded.append)

    monkeypatch.setattr(usage_command, "open_auth0_reader", open_auth0_reader)
    monkeypatch.setenv("AUTH0_CLIENT_ID", READER_ID)
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", READER_SECRET)
    monkeypatch.delenv("AUTH0_API_TOKEN", raising=False)
    monkeypatch.delenv("SVCACCOUNTS_NOW", raising=False)
    return recorded


def usage(repo: GitRepo, server: Auth0Server, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    deployed = outputs(repo.root.parent / "outputs.json")
    code = main(
        ["usage", "--root", str(repo.root), "--stack", "staging", "--deployed", str(deployed), "--org-url", server.base_url, *args]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_reports_idle_and_failing_accounts_and_judges_no_scope(
    repo: GitRepo, auth0_server: Auth0Server, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = usage(repo, auth0_server, capsys, "--at", AT.isoformat(), "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert [(f["rule"], f["severity"], f["account"]) for f in document["findings"]] == [
        ("consumer-failing", "high", "ops-admin"),
        ("account-idle", "medium", "report-writer"),
    ]
    failing = document["findings"][0]["message"]
    assert failing.startswith(f"5 failed token request(s) since the rotation of {ROTATED:%Y-%m-%d} (Unauthorized ×5)")
    assert document["scopeEvidence"] is False
    assert document["proposed"] == [] and document["notProposed"] == []
    assert document["notes"][0].startswith(
        "per-scope use is unavailable: Auth0's tenant log does not reliably list the scopes"
    )
    assert document["otherClientsEvents"] == 2
    reader = next(a for a in document["accounts"] if a["name"] == "report-reader")
    assert (reader["grants"], reader["scopesUsed"], reader["grantsWithoutScopes"]) == (30, [], 30)

    calls = auth0_server.log_calls()
    assert [call.status for call in calls] == [429, 200] and len(waits) == 1
    assert all("read:logs" in call.query.get("scope", "read:logs") for call in auth0_server.calls)


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_no_output_shows_an_address_a_user_agent_a_token_or_a_secret(
    output: str, repo: GitRepo, auth0_server: Auth0Server, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = usage(repo, auth0_server, capsys, "--at", AT.isoformat(), "--format", output)
    assert code == 0 and "consumer-failing" in out and "per-scope use is unavailable" in out
    for secret in (*SECRETS, READER_SECRET, STRANGER):
        assert secret not in out and secret not in err, secret


def test_the_same_instant_gives_the_same_report(
    repo: GitRepo, auth0_server: Auth0Server, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = usage(repo, auth0_server, capsys, "--at", AT.isoformat(), "--format", "markdown")
    auth0_server.rate_limit(1)
    monkeypatch.setenv("SVCACCOUNTS_NOW", "2026-03-01T00:00:00Z")
    second = usage(repo, auth0_server, capsys, "--format", "markdown")
    assert first == second and first[0] == 0


def test_propose_proposes_nothing_and_says_why(
    repo: GitRepo, auth0_server: Auth0Server, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = usage(repo, auth0_server, capsys, "--at", AT.isoformat(), "--propose")
    assert code == 0
    assert err == (
        "svcaccounts usage: --propose: nothing proposed: this provider's log does not show which scopes "
        "were used, and no evidence is not evidence of non-use\n"
    )
    assert repo.git("status", "--porcelain") == ""


def test_a_window_longer_than_auth0_keeps_is_refused_before_any_call(
    repo: GitRepo, auth0_server: Auth0Server, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = usage(repo, auth0_server, capsys, "--days", "31")
    assert code == 2
    assert err == "svcaccounts usage: --days must be at most 30 on auth0 (its log keeps no more; docs/usage.md)\n"
    assert auth0_server.calls == []


def test_a_credential_without_read_logs_is_one_line_naming_the_scope(
    repo: GitRepo, auth0_server: Auth0Server, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTH0_API_TOKEN", "hand-made-token-no-logs-77")
    auth0_server.tenant.api_tokens["hand-made-token-no-logs-77"] = frozenset({"read:clients"})
    code, out, err = usage(repo, auth0_server, capsys, "--at", AT.isoformat())
    assert (code, out) == (2, "")
    assert err == (
        "svcaccounts usage: GET /api/v2/logs: the credential may not read the tenant log: authorize its "
        "application for the Auth0 Management API with the read:logs scope (403, insufficient_scope)\n"
    )


def test_no_credential_names_the_variables(
    repo: GitRepo, auth0_server: Auth0Server, waits: list[float], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTH0_CLIENT_ID")
    monkeypatch.delenv("AUTH0_CLIENT_SECRET")
    code, _, err = usage(repo, auth0_server, capsys, "--at", AT.isoformat())
    assert code == 2
    assert "no Auth0 Management API credential: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET" in err
    assert auth0_server.calls == []
