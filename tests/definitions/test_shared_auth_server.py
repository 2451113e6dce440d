"""Stacks that share an existing authorization server: exactly one creates the catalog's scopes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.core.plan import plan_environment
from svcaccounts.core.settings import ExistingAuthServer
from svcaccounts.workspace import open_stack_at
from tests.support.repository import VERIFY_REPO

FIXTURE_REPO = VERIFY_REPO
AT = datetime(2026, 6, 1, tzinfo=UTC)
SERVER = "  svcaccounts:authServer:\n    create:\n      name: service-accounts-dev\n      audience: api://mcp-dev\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, root)
    return root


def stack_on_shared_server(repo: Path, name: str, scopes: str | None) -> None:
    text = (FIXTURE_REPO / "Pulumi.dev.yaml").read_text()
    assert SERVER in text
    block = "  svcaccounts:authServer:\n    id: aus1shared\n" + (f"    scopes: {scopes}\n" if scopes else "")
    text = text.replace(SERVER, block).replace("name: kv-identity-dev", f"name: kv-{name}")
    (repo / f"Pulumi.{name}.yaml").write_text(text.replace("svcaccounts:environment: dev", "svcaccounts:environment: dev"))


def validate(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["validate", "--root", str(repo)])
    return code, [line for line in capsys.readouterr().out.splitlines() if "authorization server" in line]


def test_two_owners_of_one_server_are_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_on_shared_server(repo, "dev", None)
    stack_on_shared_server(repo, "dev-eu", None)
    code, lines = validate(repo, capsys)
    assert code == 1
    assert [line.split(": error: ")[0] for line in lines] == ["Pulumi.dev-eu.yaml:6:5", "Pulumi.dev.yaml:6:5"]
    assert lines[0].endswith(
        "stacks dev, dev-eu all create the catalog's scopes on authorization server aus1shared on "
        "https://dev-11111111.oktapreview.com: keep svcaccounts:authServer.scopes: own (the default) "
        "on one stack and set scopes: reference on the others"
    )


def test_one_owner_and_one_reference_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_on_shared_server(repo, "dev", "own")
    stack_on_shared_server(repo, "dev-eu", "reference")
    assert validate(repo, capsys) == (0, [])


def test_a_reference_without_an_owner_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_on_shared_server(repo, "dev", "reference")
    code, lines = validate(repo, capsys)
    assert code == 1
    assert "no stack creates the catalog's scopes on authorization server aus1shared" in lines[0]


def test_the_same_server_id_in_another_org_is_another_server(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_on_shared_server(repo, "dev", None)
    stack_on_shared_server(repo, "dev-eu", None)
    other = repo / "Pulumi.dev-eu.yaml"
    other.write_text(other.read_text().replace("dev-11111111", "dev-22222222"))
    assert validate(repo, capsys) == (0, [])


def test_a_bad_scopes_value_is_a_located_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_on_shared_server(repo, "dev", "mine")
    assert main(["validate", "--root", str(repo)]) == 1
    assert "svcaccounts:authServer.scopes must be own" in capsys.readouterr().out


def test_a_referencing_stack_plans_no_scopes(repo: Path) -> None:
    stack_on_shared_server(repo, "dev", "own")
    stack_on_shared_server(repo, "dev-eu", "reference")
    owner, referencing = open_stack_at(repo, "dev"), open_stack_at(repo, "dev-eu")
    assert referencing.settings.auth_server == ExistingAuthServer("aus1shared", owns_scopes=False)
    owner_plan = plan_environment(owner.view, owner.settings, AT)
    referencing_plan = plan_environment(referencing.view, referencing.settings, AT)
    scope_type = "okta:auth/serverScope:ServerScope"
    assert sum(r.type == scope_type for r in owner_plan.shared) == len(owner.view.scopes) > 0
    assert not any(r.type == scope_type for r in referencing_plan.shared)
