"""`svcaccounts okta import` against the loopback Okta org (every answer validated against Okta's
published API description), then `svcaccounts validate` and `plan` on what it wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from svcaccounts.cli import main as cli_main
from svcaccounts.definitions.layout import import_file_path
from tests.support.import_org import IMPORT_REPO, NOW, SERVER, existing_org, fill_owners, import_args, oa
from tests.support.okta_fixtures import API_TOKEN
from tests.support.okta_server import FakeOrg, OktaServer


@pytest.fixture
def org_repo(
    tmp_path: Path, okta_org: FakeOrg, okta_server: OktaServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, OktaServer]:
    existing_org(okta_org)
    monkeypatch.setenv("OKTA_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)
    root = tmp_path / "repo"
    shutil.copytree(IMPORT_REPO, root)
    return root, okta_server


def run_import(
    root: Path, server: OktaServer, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    code = cli_main(import_args(root, server.base_url, *extra))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_it_writes_a_definition_per_adoptable_app_and_reports_the_rest(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    code, out, _ = run_import(root, server, capsys, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert [(a["name"], a["appId"]) for a in report["accounts"]] == [
        ("billing-sync", oa(1)),
        ("reporting-export", oa(2)),
        ("billing-sync-2", oa(8)),
        ("docs-reader-2", oa(9)),
    ]
    refused = {f["subject"]: f["message"] for f in report["findings"] if f["kind"] == "not-adopted"}
    assert "not client_credentials only" in refused[f"app {oa(3)} ('Token Exchanger')"]
    assert "also names 1 other client" in refused[f"app {oa(4)} ('Shared One')"]
    assert "grants every scope" in refused[f"app {oa(6)} ('Everything')"]
    assert "no active access policy" in refused[f"app {oa(7)} ('Orphan')"]
    assert "catalog cannot hold" in refused[f"app {oa(10)} ('Bad Scope')"]
    assert "ALL_CLIENTS" in refused["policy pol00000000000000099 ('Default Policy')"]
    renamed = [f["message"] for f in report["findings"] if f["kind"] == "renamed"]
    assert renamed == [
        "named billing-sync-2: billing-sync is already an account's name",
        "named docs-reader-2: docs-reader is already an account's name",
    ]
    assert report["secretConfigKeys"] == [
        "svcaccounts-adopted-secret:reporting-export",
        "svcaccounts-adopted-secret:billing-sync-2",
        "svcaccounts-adopted-secret:docs-reader-2",
    ]
    assert "pulumi config set --secret svcaccounts-adopted-secret:reporting-export --stack prod" in "\n".join(
        report["nextSteps"]
    )
    definition = (root / "service_accounts/imported/billing-sync.yaml").read_text()
    assert 'scopes: ["billing:read", "mcp:docs:read"]' in definition
    assert "auth_method: private_key_jwt\ntoken_lifetime_minutes: 30\n" in definition
    assert "environments:\n  prod: {}\n" in definition
    assert "status: disabled" in (root / "service_accounts/imported/reporting-export.yaml").read_text()
    # No credential in the report: the API token is not there, nor any key material.
    assert API_TOKEN not in out and '"n"' not in out


def test_validate_fails_only_on_the_owner_placeholders_with_located_messages(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    assert run_import(root, server, capsys)[0] == 0
    assert cli_main(["validate", "--root", str(root)]) == 1
    lines = capsys.readouterr().out.splitlines()[:-1]
    assert len(lines) == 8
    assert (
        "service_accounts/imported/billing-sync.yaml:8:9: error: owner.team is the placeholder "
        "`svcaccounts okta import` writes: set the team that answers for this account" in lines[2]
    )
    assert all(
        ": owner.team is the placeholder" in line or ": owner.email is a placeholder" in line
        for line in lines
    )


def test_once_owners_are_named_validate_passes_and_plan_shows_the_adoption(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    assert run_import(root, server, capsys)[0] == 0
    fill_owners(root)
    assert cli_main(["validate", "--root", str(root)]) == 0
    assert capsys.readouterr().out == "ok: 5 files checked\n"
    assert cli_main(["plan", "--stack", "prod", "--format", "json", "--root", str(root)]) == 0
    plan = {account["name"]: account for account in json.loads(capsys.readouterr().out)["accounts"]}
    assert plan["billing-sync"]["adoption"]["legacy_key_ids"] == ["billing-2024"]
    assert plan["reporting-export"]["adoption"]["bundle_waits"] is True
    assert plan["reporting-export"]["credentials"][0]["kind"] == "adopted_secret"


def test_the_catalog_keeps_its_text_and_new_scopes_are_privileged_until_confirmed(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    before = (root / "scopes.yaml").read_text()
    assert run_import(root, server, capsys)[0] == 0
    after = (root / "scopes.yaml").read_text()
    assert after.startswith(before)
    assert after[len(before) :] == (
        '  - name: "billing:read"\n'
        '    description: "Read invoices"\n'
        "    # imported from Okta, which knows nothing of privilege: confirm, or set false\n"
        "    privileged: true\n"
        '  - name: "reports:export"\n'
        '    description: "Imported from Okta (reports:export)"\n'
        "    # imported from Okta, which knows nothing of privilege: confirm, or set false\n"
        "    privileged: true\n"
    )
    pack = json.loads((root / "policies/policy-config.json").read_text())
    assert pack["privileged-scopes-allowlisted"]["privilegedScopes"] == [
        "billing:read",
        "mcp:users:admin",
        "reports:export",
    ]


def test_the_import_file_has_each_resource_with_okta_s_import_id(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    assert run_import(root, server, capsys)[0] == 0
    document = json.loads((root / import_file_path("prod")).read_text())
    assert document["nameTable"] == {"okta": "urn:pulumi:prod::svcaccounts::pulumi:providers:okta::okta"}
    by_name = {entry["name"]: entry for entry in document["resources"]}
    assert by_name["billing-sync"] == {
        "type": "svcaccounts:index:ServiceAccount",
        "name": "billing-sync",
        "component": True,
    }
    assert by_name["billing-sync-app"]["id"] == oa(1)
    assert by_name["billing-sync-policy"]["id"] == f"{SERVER}/pol00000000000000001"
    assert by_name["billing-sync-rule"]["id"] == f"{SERVER}/pol00000000000000001/rul00000000000000001"
    assert by_name["scope-billing:read"]["id"] == f"{SERVER}/scp00000000000000001"
    assert {by_name[f"billing-sync-{role}"]["parent"] for role in ("app", "policy", "rule")} == {
        "billing-sync"
    }


def test_the_same_org_gives_the_same_files(
    org_repo: tuple[Path, OktaServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    again = tmp_path / "again"
    shutil.copytree(root, again)
    assert run_import(root, server, capsys)[0] == 0
    assert run_import(again, server, capsys)[0] == 0
    written = sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file())
    assert written == sorted(path.relative_to(again) for path in again.rglob("*") if path.is_file())
    for relative in written:
        assert (root / relative).read_bytes() == (again / relative).read_bytes(), relative


def test_nothing_is_overwritten_and_a_conflict_is_reported(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    (root / "import").mkdir()
    (root / "import/prod.adoption.yaml").write_text("accounts: {}\n")
    snapshot = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    code, out, err = run_import(root, server, capsys)
    assert code == 1 and out == ""
    assert "import/prod.adoption.yaml exists; move it away" in err
    assert "nothing was written" in err
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == snapshot


def test_apps_already_in_the_import_file_are_not_adopted_twice(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    assert run_import(root, server, capsys)[0] == 0
    snapshot = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    code, out, _ = run_import(root, server, capsys, "--format", "json")
    report = json.loads(out)
    # Skipped (not renamed to billing-sync-3), and nothing to write.
    assert code == 0 and report["accounts"] == [] and report["written"] == []
    skipped = [
        f["subject"]
        for f in report["findings"]
        if f["message"] == "already in this stack's import file; skipped"
    ]
    assert skipped == [
        f"app {oa(n)} ({label!r})"
        for n, label in (
            (1, "Billing Sync (prod)"),
            (2, "Reporting Export"),
            (8, "Billing-Sync"),
            (9, "Docs Reader"),
        )
    ]
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == snapshot


def test_a_stack_on_another_server_is_refused(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    root, server = org_repo
    code = cli_main(
        ["okta", "import", "--auth-server", "ausOther", "--environment", "prod", "--stack", "prod",
         "--root", str(root), "--org-url", server.base_url]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "stack prod deploys to ausImport0000000001, not authorization server ausOther" in err
    assert "Traceback" not in err


def test_a_refused_credential_is_one_line_without_the_token(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, server = org_repo
    monkeypatch.setenv("OKTA_API_TOKEN", "00-wrong-token-value")
    code, out, err = run_import(root, server, capsys)
    assert code == 2 and out == ""
    assert err.startswith("svcaccounts okta import: ") and err.count("\n") == 1
    assert "00-wrong-token-value" not in err


def test_preflight_reads_the_import_file_and_knows_the_adopted_apps(
    org_repo: tuple[Path, OktaServer], capsys: pytest.CaptureFixture[str]
) -> None:
    # The two commands meet at import/<stack>.json: one writes it, the other reads it to know
    # which clients and policies the stack manages. After an import, the adopted apps' own
    # policies are the stack's; what the import refused stays visible to preflight.
    root, server = org_repo
    assert run_import(root, server, capsys)[0] == 0
    fill_owners(root)
    code = cli_main(
        ["okta", "preflight", "--root", str(root), "--stack", "prod", "--org-url", server.base_url,
         "--format", "json"]
    )  # fmt: skip
    out = capsys.readouterr().out
    report = json.loads(out)
    messages = [finding["message"] for finding in report["findings"]]
    # The adopted apps are managed: no policy naming only them is reported as foreign.
    for app_id in (oa(1), oa(2), oa(8), oa(9)):
        assert not [m for m in messages if "does not manage" in m and app_id in m and oa(4) not in m], app_id
    # What the import refused is still there on the server, and preflight says so.
    rules = {finding["rule"] for finding in report["findings"]}
    assert "all-clients-policy" in rules
    assert "unmanaged-client-policy" in rules
    assert code == 1
    assert any("import/prod.json" in note for note in report["notes"])
