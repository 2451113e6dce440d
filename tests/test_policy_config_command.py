"""`svcaccounts policy-config`: the pack's configuration comes from the catalog, and validate
fails while the committed file is stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from svcaccounts_policies import config as pack_config

from svcaccounts.cli import main
from svcaccounts.core.settings import PRODUCTION_ENVIRONMENTS
from tests.support.repository import DEFINITION_FIXTURES

FIXTURE_REPO = DEFINITION_FIXTURES / "valid"
CONFIG = "policies/policy-config.json"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, root)
    return root


def privileged(repo: Path) -> list[str]:
    document = json.loads((repo / CONFIG).read_text())
    return list(document["privileged-scopes-allowlisted"]["privilegedScopes"])


def test_the_committed_fixture_is_current(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy-config", "--check", "--root", str(repo)]) == 0
    assert main(["validate", "--root", str(repo)]) == 0


def test_a_newly_privileged_scope_makes_the_file_stale_until_regenerated(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = repo / "scopes.yaml"
    text = catalog.read_text()
    assert "  - name: mcp:projects:write\n    description: Create and update projects\n" in text
    catalog.write_text(
        text.replace(
            "  - name: mcp:projects:write\n    description: Create and update projects\n",
            "  - name: mcp:projects:write\n    description: Create and update projects\n    privileged: true\n",
        )
    )
    assert main(["validate", "--root", str(repo)]) == 1
    assert "policies/policy-config.json:1:1: error: stale:" in capsys.readouterr().out
    assert main(["policy-config", "--check", "--root", str(repo)]) == 1
    assert main(["policy-config", "--root", str(repo)]) == 0
    assert "mcp:projects:write" in privileged(repo)
    assert main(["validate", "--root", str(repo)]) == 0


def test_the_allowlist_is_kept_and_checked_against_the_definitions(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / CONFIG
    document = json.loads(path.read_text())
    document["privileged-scopes-allowlisted"]["allowedAccounts"] = ["orders-sync", "ghost"]
    path.write_text(json.dumps(document, indent=2) + "\n")
    assert main(["policy-config", "--root", str(repo)]) == 0
    assert json.loads(path.read_text())["privileged-scopes-allowlisted"]["allowedAccounts"] == ["ghost", "orders-sync"]
    capsys.readouterr()
    assert main(["validate", "--root", str(repo)]) == 1
    assert "allowedAccounts names 'ghost', which no definition has" in capsys.readouterr().out


def test_a_missing_file_is_an_error_when_the_catalog_has_privileged_scopes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / CONFIG).unlink()
    assert main(["validate", "--root", str(repo)]) == 1
    assert "policies/policy-config.json:1:1: error: missing" in capsys.readouterr().out


def test_the_pack_and_the_core_agree_on_production_environments() -> None:
    assert pack_config.PRODUCTION_ENVIRONMENTS == PRODUCTION_ENVIRONMENTS


def test_the_repositorys_own_configuration_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    # Deliberately the live repository: the workflows pass this very file to the pack.
    assert main(["policy-config", "--check", "--root", str(Path(__file__).parent.parent)]) == 0
