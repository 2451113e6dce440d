"""A repository whose dev stack deploys to Okta and whose staging stack deploys to Auth0
(tests/fixtures/auth0-staging): what `validate`, `plan` and `diff` say about it, and what Auth0
cannot express (one token lifetime per API)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from svcaccounts.cli import main
from tests.identity_providers.conftest import edit
from tests.identity_providers.test_provider_changes_in_review import git
from tests.support.repository import FIXTURES

READER = "service_accounts/reporting/report-reader.yaml"
WRITER = "service_accounts/reporting/report-writer.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "auth0-staging", root)
    return root


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, int, int, str]]]:
    code = main(["validate", "--root", str(root), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    return code, [(f["path"], f["line"], f["col"], f["message"]) for f in document["findings"]]


def test_the_repository_is_valid(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(repo, capsys) == (0, [])


def test_differing_lifetimes_in_the_auth0_environment_are_located_errors(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, WRITER, "  staging:\n", "  staging:\n    token_lifetime_minutes: 30\n")
    code, findings = validate(repo, capsys)
    assert code == 1
    assert findings == [
        (
            WRITER,
            14,
            5,
            "token_lifetime_minutes differs between the accounts of environment staging: stack staging "
            "deploys to Auth0, which sets one access-token lifetime for the API, not per client; they "
            "ask for 30 (report-writer); 60 (old-exporter, report-reader) (an account without the key "
            "has the default); give every account of the environment the same lifetime",
        )
    ]


def test_the_dev_lifetime_on_okta_does_not_reach_the_auth0_stack(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # report-reader sets 15 minutes in dev only: Okta deploys it, the staging API is untouched.
    code = main(["plan", "--root", str(repo), "--stack", "staging", "--at", "2025-06-15", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["auth0"] == {
        "domain": "example-staging.eu.auth0.com",
        "audience": "https://api.example.com/mcp",
        "token_lifetime_minutes": 60,
    }
    assert document["token_url"] == "https://example-staging.eu.auth0.com/oauth/token"
    reader = next(a for a in document["accounts"] if a["name"] == "report-reader")
    assert reader["auth0_client_name"] == "report-reader (staging)"
    assert [(c["key_id"], c["expires_at"]) for c in reader["credentials"]] == [
        ("report-reader-g19", "2025-07-17T00:00:00Z")
    ]


def test_the_plan_states_the_client_secret_cutover(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--root", str(repo), "--stack", "staging", "--at", "2025-06-15"]) == 0
    assert (
        "client secrets rotate by cutover (Auth0 keeps one secret per client): at each rotation the old "
        "secret stops working when pulumi up runs, until consumers re-read the bundle: "
        "report-writer"
    ) in capsys.readouterr().out.splitlines()


def test_diff_reports_a_new_audience_and_a_weakened_method_in_staging(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "baseline")
    edit(repo, "Pulumi.staging.yaml", "https://api.example.com/mcp", "https://api.example.com/mcp2")
    edit(repo, READER, "  staging: {}\n", "  staging:\n    auth_method: client_secret_basic\n")
    code = main(["diff", "--root", str(repo), "--base", "main", "--format", "json", "--fail-on", "high"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert sorted((f["rule"], f["severity"], f["environment"]) for f in document["findings"]) == [
        ("auth-method-weakened", "high", "staging"),
        ("stack-auth0-audience-changed", "medium", "staging"),
    ]
