"""A repository where dev deploys to Okta and prod to Entra ID: what `validate`, `plan` and `diff`
say about it, and what Entra ID cannot express of a definition (a located error naming the stack)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.cli import main
from svcaccounts.core import naming
from tests.identity_providers.conftest import TENANT, edit


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, int, int, str]]]:
    code = main(["validate", "--root", str(root), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    return code, [(f["path"], f["line"], f["col"], f["message"]) for f in document["findings"]]


def plan(root: Path, capsys: pytest.CaptureFixture[str], stack: str, *args: str) -> tuple[int, str, str]:
    code = main(["plan", "--root", str(root), "--stack", stack, "--at", "2025-06-15", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_mixed_repository_is_valid(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(mixed, capsys) == (0, [])


def test_an_explicit_token_lifetime_is_an_error_on_the_entra_stack_only(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # report-reader sets 15 minutes in dev (Okta: deployed) and nothing in prod (Entra: fine);
    # written on the account, it reaches prod too.
    edit(mixed, "service_accounts/reporting/report-reader.yaml", "auth_method:", "token_lifetime_minutes: 20\nauth_method:")
    code, findings = validate(mixed, capsys)
    assert code == 1
    assert findings == [
        ("service_accounts/reporting/report-reader.yaml", 7, 1,
         "token_lifetime_minutes cannot be deployed: stack prod (environment prod) deploys to Microsoft "
         "Entra ID, which has no access-token lifetime per client; remove it (tokens then last the "
         "provider's default)"),
    ]


def test_a_token_lifetime_in_the_entra_environment_override_is_located_there(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(mixed, "service_accounts/reporting/report-writer.yaml", "  prod:\n", "  prod:\n    token_lifetime_minutes: 30\n")
    code, findings = validate(mixed, capsys)
    assert code == 1
    assert [(path, line, col) for path, line, col, _ in findings] == [
        ("service_accounts/reporting/report-writer.yaml", 14, 5)
    ]


def test_plan_and_the_program_refuse_what_the_stack_cannot_express(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(mixed, "service_accounts/reporting/report-writer.yaml", "  prod:\n", "  prod:\n    token_lifetime_minutes: 30\n")
    code, _, err = plan(mixed, capsys, "prod")
    assert code == 1
    assert "report-writer.yaml:14:5: error: token_lifetime_minutes cannot be deployed: stack prod" in err
    # Dev deploys to Okta, where the lifetime is the access rule's: its plan is unaffected.
    assert plan(mixed, capsys, "dev")[0] == 0


def test_a_scope_longer_than_an_app_role_value_is_an_error_on_the_entra_stack(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_scope = "reports:" + "x" * 113  # 121 characters
    edit(mixed, "scopes.yaml", "  - name: admin:all", f"  - name: {long_scope}\n    description: Long\n  - name: admin:all")
    edit(mixed, "service_accounts/reporting/report-writer.yaml", "scopes: [reports:write, reports:read]", f"scopes: [reports:write, {long_scope}]")
    code, findings = validate(mixed, capsys)
    assert code == 1
    assert findings == [
        ("service_accounts/reporting/report-writer.yaml", 14, 5,
         f"scope '{long_scope}' has 121 characters: stack prod (environment prod) deploys to Microsoft "
         "Entra ID, whose app role values (the token's roles claim) take at most 120; grant a scope "
         "with a shorter name"),
    ]


def test_a_rotation_longer_than_an_entra_credential_may_live_is_an_error(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(mixed, "service_accounts/reporting/old-exporter.yaml", "period_days: 90\n  grace_days: 7", "period_days: 350\n  grace_days: 9")
    code, findings = validate(mixed, capsys)
    assert code == 1
    assert findings == [
        ("service_accounts/reporting/old-exporter.yaml", 8, 1,
         "rotation period_days + grace_days (350 + 9) plus 7 days' slack for a late scheduled deploy is "
         "366 days: stack prod (environment prod) deploys to Microsoft Entra ID, where a credential's end "
         "date may be at most 365 days away; shorten the period or the grace"),
    ]


def _plan_document(mixed: Path, capsys: pytest.CaptureFixture[str], stack: str, at: str = "2025-06-15") -> Any:
    code = main(["plan", "--root", str(mixed), "--stack", stack, "--at", at, "--format", "json"])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def test_the_entra_plan_names_its_resources(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = _plan_document(mixed, capsys, "prod")
    assert document["identity_provider"] == "entra-id"
    assert document["token_url"] == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert [(r["type"], r["name"]) for r in document["shared_resources"]] == [
        ("pulumi:providers:azuread", "azuread"),
        ("azuread:index/application:Application", "entra-api"),
        ("azuread:index/servicePrincipal:ServicePrincipal", "entra-api-sp"),
    ]
    writer = next(a for a in document["accounts"] if a["name"] == "report-writer")
    assert [(r["type"], r["name"]) for r in writer["resources"]] == [
        ("svcaccounts:index:ServiceAccount", "report-writer"),
        ("azuread:index/application:Application", "report-writer-app"),
        ("azuread:index/servicePrincipal:ServicePrincipal", "report-writer-sp"),
        ("azuread:index/appRoleAssignment:AppRoleAssignment", "report-writer-role-reports:write"),
        ("azuread:index/appRoleAssignment:AppRoleAssignment", "report-writer-role-reports:read"),
        ("azuread:index/applicationPassword:ApplicationPassword", "report-writer-password-g10"),
        ("azure-native:keyvault:Secret", "report-writer-bundle"),
    ]
    assert writer["token_lifetime_minutes"] is None
    assert writer["entra_display_name"] == "report-writer (prod)"
    reader = next(a for a in document["accounts"] if a["name"] == "report-reader")
    assert [(r["type"], r["name"]) for r in reader["resources"][5:8]] == [
        ("tls:index/privateKey:PrivateKey", "report-reader-key-g19"),
        ("tls:index/selfSignedCert:SelfSignedCert", "report-reader-cert-g19"),
        ("azuread:index/applicationCertificate:ApplicationCertificate", "report-reader-certificate-g19"),
    ]


def test_app_roles_are_the_used_scopes_with_ids_derived_from_their_names(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roles = _plan_document(mixed, capsys, "prod")["entra_id"]["app_roles"]
    # admin:all is in the catalog but granted to nobody in prod: no role for it.
    assert [role["scope"] for role in roles] == ["reports:read", "reports:write", "projects:read"]
    # Fixed values: a role id must never change across runs, machines or Python versions.
    assert roles[0]["id"] == "42ca860d-029d-5d47-a95a-d9ab5678754c"
    assert [role["id"] for role in roles] == [naming.app_role_id(role["scope"]) for role in roles]
    later = _plan_document(mixed, capsys, "prod", at="2026-03-01")["entra_id"]["app_roles"]
    assert later == roles


def test_a_client_secret_overlaps_during_grace_on_entra_but_not_on_okta(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # report-writer rotates on 2025-05-10 (period 60, grace 10): on 2025-05-15 g10 is new.
    prod = _plan_document(mixed, capsys, "prod", at="2025-05-15")
    dev = _plan_document(mixed, capsys, "dev", at="2025-05-15")
    prod_writer = next(a for a in prod["accounts"] if a["name"] == "report-writer")
    dev_writer = next(a for a in dev["accounts"] if a["name"] == "report-writer")
    assert [(c["generation"], c["resource"], c["expires_at"]) for c in prod_writer["credentials"]] == [
        (10, "report-writer-password-g10", "2025-07-26T00:00:00Z"),
        (9, "report-writer-password-g9", "2025-05-27T00:00:00Z"),
    ]
    assert [(c["generation"], c["resource"]) for c in dev_writer["credentials"]] == [
        (10, "report-writer-secret-g10")
    ]
    assert "expires_at" not in dev_writer["credentials"][0]
    # After the grace window only the new generation is registered.
    after = _plan_document(mixed, capsys, "prod", at="2025-05-21")
    writer = next(a for a in after["accounts"] if a["name"] == "report-writer")
    assert [c["generation"] for c in writer["credentials"]] == [10]


@pytest.mark.parametrize("output", ["table", "markdown"])
def test_the_entra_plan_renders_in_every_format(
    mixed: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    code, out, _ = plan(mixed, capsys, "prod", "--format", output)
    assert code == 0
    assert "Microsoft Entra ID" in out
    assert f"api://{TENANT}/svcaccounts-prod/.default" in out
    assert "report-writer-password-g10" in out


def test_the_okta_plan_states_the_client_secret_cutover_and_entra_has_none(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Okta keeps one secret per app (as Auth0 does): a rotation is a cutover, said by the plan.
    # Entra holds several passwords at once, so its rotation overlaps and nothing is said.
    assert main(["plan", "--root", str(mixed), "--stack", "dev", "--at", "2025-06-15"]) == 0
    assert (
        "client secrets rotate by cutover (Okta keeps one secret per client): at each rotation the old "
        "secret stops working when pulumi up runs, until consumers re-read the bundle: report-writer"
    ) in capsys.readouterr().out.splitlines()
    assert main(["plan", "--root", str(mixed), "--stack", "prod", "--at", "2025-06-15"]) == 0
    assert "cutover" not in capsys.readouterr().out
