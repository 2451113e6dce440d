"""The Pulumi program on a Microsoft Entra ID stack, under mocks: the prod stack of
tests/fixtures/mixed-providers (dev deploys to Okta, prod to Entra ID), with report-reader
(private_key_jwt, 30-day period, 7 days' grace), report-writer (client_secret_basic, 60 + 10) and
old-exporter (client_secret_basic, disabled in prod)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pulumi
import pytest

from svcaccounts.core import naming
from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.core.rotation import iso_utc
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_settings import settings_of
from svcaccounts.infra.entra_id.certificate import sha256_thumbprint
from svcaccounts.infra.program import build, main
from tests.support.pulumi_harness import (
    MOCK_SECRET_PREFIX,
    PulumiHarness,
    Registered,
    mock_certificate,
    mock_entra_client_id,
    mock_entra_object_id,
    mock_rsa_key,
    mock_secret,
    pkcs1,
)
from tests.support.repository import FIXTURES

Mocks = Callable[[str], PulumiHarness]

MIXED = FIXTURES / "mixed-providers"
TENANT = "11111111-2222-3333-4444-555555555555"
IDENTIFIER_URI = f"api://{TENANT}/svcaccounts-prod"
TOKEN_URL = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
AT = datetime(2025, 6, 15, tzinfo=UTC)
PROVIDER_URN = "pulumi:providers:azuread::azuread"


def entra_plan(root: Path = MIXED, at: datetime = AT) -> EnvironmentPlan:
    result = load_repository(root)
    assert result.catalog is not None, result.findings
    (stack,) = [s for s in result.stacks if s.name == "prod"]
    settings = settings_of(stack).settings
    assert settings is not None
    return plan_environment(result.catalog.for_environment(settings.environment), settings, at)


def run(harness: PulumiHarness, plan: EnvironmentPlan) -> dict[str, Any]:
    return harness.run(lambda: build(plan).outputs)  # type: ignore[no-any-return]


def deployed(pulumi_mocks: Mocks, plan: EnvironmentPlan) -> tuple[PulumiHarness, dict[str, Any]]:
    harness = pulumi_mocks("prod")
    return harness, run(harness, plan)


def bundle_of(resource: Registered) -> dict[str, Any]:
    return json.loads(resource.inputs["properties"]["value"])  # type: ignore[no-any-return]


def parent_name(resource: Registered) -> str | None:
    """The parent's logical name from its URN (`urn:pulumi:<stack>::<project>::<type>::<name>`);
    None for the stack itself."""
    assert resource.parent is not None, resource.urn
    _, _, parent_type, name = resource.parent.split("::")
    return None if parent_type == "pulumi:pulumi:Stack" else name


# ---- the plan's resources, and the shared API -----------------------------------------------


def test_the_program_registers_exactly_the_plans_resources_with_their_parents(pulumi_mocks: Mocks) -> None:
    plan = entra_plan()
    harness, _ = deployed(pulumi_mocks, plan)
    registered = Counter((r.resource_type, r.name, parent_name(r)) for r in harness.resources)
    assert registered == Counter((r.type, r.name, r.parent) for r in plan.resources())


def test_the_api_application_has_one_application_role_per_used_scope(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, entra_plan())
    api = harness.named("entra-api")
    assert api.inputs["identifierUris"] == [IDENTIFIER_URI]
    assert api.inputs["signInAudience"] == "AzureADMyOrg"
    assert api.inputs["api"] == {"requestedAccessTokenVersion": 2}
    assert api.inputs["displayName"] == "svcaccounts API (prod)"
    # admin:all is in the catalog but granted to no prod account: no role for it.
    assert [(r["value"], r["id"], r["allowedMemberTypes"], r["enabled"]) for r in api.inputs["appRoles"]] == [
        (scope, naming.app_role_id(scope), ["Application"], True)
        for scope in ("reports:read", "reports:write", "projects:read")
    ]
    assert {r["value"]: r["description"] for r in api.inputs["appRoles"]}["reports:write"] == "Write reports"
    sp = harness.named("entra-api-sp")
    assert sp.inputs["clientId"] == mock_entra_client_id("entra-api")
    assert sp.inputs["appRoleAssignmentRequired"] is True
    assert harness.named("azuread").inputs["tenantId"] == TENANT
    assert all(PROVIDER_URN in (r.provider or "") for r in harness.resources if r.resource_type.startswith("azuread:"))


def test_role_ids_are_the_same_on_two_runs(pulumi_mocks: Mocks) -> None:
    runs = []
    for _ in range(2):
        harness, _ = deployed(pulumi_mocks, entra_plan())
        runs.append(
            (
                [(r["value"], r["id"]) for r in harness.named("entra-api").inputs["appRoles"]],
                sorted((r.name, r.inputs["appRoleId"]) for r in harness.of_type(naming.ENTRA_APP_ROLE_ASSIGNMENT_TYPE)),
            )
        )
    assert runs[0] == runs[1]
    assert dict(runs[0][0])["reports:read"] == naming.app_role_id("reports:read")


# ---- per account ----------------------------------------------------------------------------


def test_each_account_is_a_single_tenant_application_and_its_service_principal(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, entra_plan())
    app = harness.named("report-writer-app").inputs
    assert app["displayName"] == "report-writer (prod)"
    assert app["signInAudience"] == "AzureADMyOrg"
    assert app["notes"] == "Managed by svcaccounts. Owner: reporting <reporting@example.com>"
    # A client and nothing else: no API, roles, owners, redirect URIs or permissions of its own.
    assert set(app) == {"displayName", "signInAudience", "notes"}
    sp = harness.named("report-writer-sp").inputs
    assert sp == {"clientId": mock_entra_client_id("report-writer-app"), "accountEnabled": True}


def test_role_assignments_are_exactly_the_effective_scopes(pulumi_mocks: Mocks) -> None:
    plan = entra_plan()
    harness, _ = deployed(pulumi_mocks, plan)
    api_sp = mock_entra_object_id("entra-api-sp")
    for account in plan.accounts:
        principal = mock_entra_object_id(f"{account.name}-sp")
        assigned = {
            r.name: r.inputs
            for r in harness.of_type(naming.ENTRA_APP_ROLE_ASSIGNMENT_TYPE)
            if r.name.startswith(f"{account.name}-role-")
        }
        assert assigned == {
            f"{account.name}-role-{scope}": {
                "appRoleId": naming.app_role_id(scope),
                "principalObjectId": principal,
                "resourceObjectId": api_sp,
            }
            for scope in account.scopes
        }, account.name
    # report-writer's prod override adds reports:read to its reports:write.
    assert plan.account("report-writer").scopes == ("reports:write", "reports:read")  # type: ignore[union-attr]


def test_a_role_assignment_waits_for_the_api_application_that_defines_the_role(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, entra_plan())
    api = harness.named("entra-api")
    for assignment in harness.of_type(naming.ENTRA_APP_ROLE_ASSIGNMENT_TYPE):
        assert api.urn in assignment.dependencies, assignment.urn


def test_a_disabled_account_keeps_everything_with_its_service_principal_disabled(pulumi_mocks: Mocks) -> None:
    plan = entra_plan()
    harness, outputs = deployed(pulumi_mocks, plan)
    assert harness.named("old-exporter-sp").inputs["accountEnabled"] is False
    planned = {r.name for r in plan.account("old-exporter").resources}  # type: ignore[union-attr]
    assert planned <= {r.name for r in harness.resources}
    assert harness.named("old-exporter-role-reports:read")
    assert outputs["old-exporter"]["status"] == "disabled"


def test_a_private_key_account_registers_a_self_signed_certificate_per_generation(pulumi_mocks: Mocks) -> None:
    plan = entra_plan()
    reader = plan.account("report-reader")
    assert reader is not None
    (credential,) = reader.credentials
    generation = credential.generation
    harness, _ = deployed(pulumi_mocks, plan)
    assert harness.named(f"report-reader-key-g{generation}").inputs == {"algorithm": "RSA", "rsaBits": 2048}
    cert = harness.named(f"report-reader-cert-g{generation}")
    assert cert.secret_inputs  # the private key it signs with
    assert cert.inputs["privateKeyPem"] == pkcs1(mock_rsa_key(f"report-reader-key-g{generation}")[0])
    assert cert.inputs["subject"] == {"commonName": f"report-reader-g{generation}"}
    # Period, grace and slack: 30 + 7 + 7 days from issue cover the credential's end date.
    assert cert.inputs["validityPeriodHours"] == 44 * 24
    registered = harness.named(f"report-reader-certificate-g{generation}").inputs
    assert registered == {
        "applicationId": "/applications/" + mock_entra_object_id("report-reader-app"),
        "type": "AsymmetricX509Cert",
        "encoding": "pem",
        "value": cert.outputs["certPem"],  # type: ignore[index]
        "endDate": iso_utc(credential.expires_at),  # type: ignore[arg-type]
    }


def test_the_certificate_bundle_is_version_2_with_the_default_scope_and_the_thumbprint(pulumi_mocks: Mocks) -> None:
    plan = entra_plan()
    reader = plan.account("report-reader")
    assert reader is not None
    generation = reader.generation
    harness, outputs = deployed(pulumi_mocks, plan)
    secret = harness.named("report-reader-bundle")
    assert secret.secret_inputs
    assert secret.inputs["secretName"] == "report-reader-prod"
    pkcs8 = mock_rsa_key(f"report-reader-key-g{generation}")[0]
    certificate = mock_certificate(pkcs1(pkcs8), f"report-reader-g{generation}", 44 * 24)
    assert bundle_of(secret) == {
        "version": 2,
        "client_id": mock_entra_client_id("report-reader-app"),
        "token_url": TOKEN_URL,
        "auth_method": "private_key_jwt",
        "scopes": ["reports:read", "projects:read"],
        "request": {"scope": f"{IDENTIFIER_URI}/.default"},
        "generation": generation,
        "rotates_at": iso_utc(reader.rotation.next_rotation),
        "private_key_pem": pkcs8,
        "key_id": f"report-reader-g{generation}",
        "certificate_thumbprint_sha256": sha256_thumbprint(certificate),
    }
    assert outputs["report-reader"] == {
        "clientId": mock_entra_client_id("report-reader-app"),
        "keyVaultSecretName": "report-reader-prod",
        "tokenUrl": TOKEN_URL,
        "scopes": ["reports:read", "projects:read"],
        "authMethod": "private_key_jwt",
        "generation": generation,
        "nextRotation": iso_utc(reader.rotation.next_rotation),
        "status": "active",
    }


def test_the_password_bundle_holds_the_password_entra_generated(pulumi_mocks: Mocks) -> None:
    plan = entra_plan()
    writer = plan.account("report-writer")
    assert writer is not None
    (credential,) = writer.credentials
    harness, _ = deployed(pulumi_mocks, plan)
    password = harness.named(f"report-writer-password-g{credential.generation}").inputs
    assert password == {
        "applicationId": "/applications/" + mock_entra_object_id("report-writer-app"),
        "displayName": f"svcaccounts g{credential.generation}",
        "endDate": iso_utc(credential.expires_at),  # type: ignore[arg-type]
    }
    bundle = bundle_of(harness.named("report-writer-bundle"))
    assert bundle["client_secret"] == mock_secret(f"report-writer-password-g{credential.generation}")
    assert bundle["version"] == 2 and bundle["request"] == {"scope": f"{IDENTIFIER_URI}/.default"}
    assert "certificate_thumbprint_sha256" not in bundle


def test_the_bundle_is_published_after_the_role_assignments_and_the_newest_credential(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, entra_plan())
    bundle = harness.named("report-writer-bundle")
    waits_for = {r.name for r in harness.resources if r.urn in bundle.dependencies}
    assert {"report-writer-role-reports:write", "report-writer-role-reports:read"} <= waits_for
    assert any(name.startswith("report-writer-password-g") for name in waits_for)


def test_no_credential_reaches_the_outputs(pulumi_mocks: Mocks) -> None:
    plan = entra_plan()
    holder: dict[str, pulumi.Output[Any]] = {}

    def program() -> pulumi.Output[Any]:
        holder["outputs"] = build(plan).outputs
        return pulumi.Output.all(holder["outputs"], holder["outputs"].is_secret())  # type: ignore[arg-type]

    harness = pulumi_mocks("prod")
    outputs, secret = harness.run(program)
    assert secret is False
    text = json.dumps(outputs)
    assert MOCK_SECRET_PREFIX not in text and "PRIVATE KEY" not in text
    # The passwords are in the bundles, and only there.
    assert MOCK_SECRET_PREFIX in json.dumps(bundle_of(harness.named("report-writer-bundle")))


# ---- rotation across a boundary -------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "credential_type", "prefix"),
    [
        ("report-reader", naming.ENTRA_CERTIFICATE_TYPE, "report-reader-certificate-g"),
        ("report-writer", naming.ENTRA_PASSWORD_TYPE, "report-writer-password-g"),
    ],
)
def test_two_credentials_are_registered_inside_grace_and_one_after(
    pulumi_mocks: Mocks, account: str, credential_type: str, prefix: str
) -> None:
    planned = entra_plan().account(account)
    assert planned is not None
    boundary, old = planned.rotation.next_rotation, planned.generation
    grace = timedelta(days=planned.grace_days)
    registered: dict[str, list[str]] = {}
    bundles: dict[str, dict[str, Any]] = {}
    end_dates: dict[str, dict[str, str]] = {}
    for label, at in (
        ("before", boundary - timedelta(seconds=1)),
        ("grace", boundary + timedelta(days=1)),
        ("after", boundary + grace + timedelta(seconds=1)),
    ):
        harness, _ = deployed(pulumi_mocks, entra_plan(at=at))
        credentials = [r for r in harness.of_type(credential_type) if r.name.startswith(prefix)]
        registered[label] = sorted(r.name for r in credentials)
        end_dates[label] = {r.name: r.inputs["endDate"] for r in credentials}
        bundles[label] = bundle_of(harness.named(f"{account}-bundle"))
    assert registered == {
        "before": [f"{prefix}{old}"],
        "grace": [f"{prefix}{old}", f"{prefix}{old + 1}"],
        "after": [f"{prefix}{old + 1}"],
    }
    # The bundle holds the newest generation as soon as it exists.
    assert [bundles[label]["generation"] for label in ("before", "grace", "after")] == [old, old + 1, old + 1]
    # A generation's end date never changes (a new one would replace the credential), and the old
    # one is still valid when its grace ends.
    assert end_dates["grace"][f"{prefix}{old}"] == end_dates["before"][f"{prefix}{old}"]
    assert end_dates["grace"][f"{prefix}{old + 1}"] == end_dates["after"][f"{prefix}{old + 1}"]
    assert datetime.fromisoformat(end_dates["before"][f"{prefix}{old}"]) > boundary + grace


# ---- one account's change touches that account only -----------------------------------------


def inputs_by_name(harness: PulumiHarness) -> dict[str, tuple[str, Any]]:
    return {r.name: (r.resource_type, r.inputs) for r in harness.resources}


def test_a_change_to_one_account_touches_only_that_account(pulumi_mocks: Mocks, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(MIXED, root)
    writer = root / "service_accounts" / "reporting" / "report-writer.yaml"
    writer.write_text(writer.read_text().replace("scopes: [reports:write, reports:read]", "scopes: [reports:write]"))
    before, _ = deployed(pulumi_mocks, entra_plan())
    after, _ = deployed(pulumi_mocks, entra_plan(root))
    old, new = inputs_by_name(before), inputs_by_name(after)
    changed = {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}
    # The assignment goes, and the bundle's scopes follow; reports:read stays a role of the API
    # (report-reader and old-exporter still hold it), so the API is unchanged.
    assert changed == {"report-writer-role-reports:read", "report-writer-bundle"}


# ---- the program's entry on an Entra stack ----------------------------------------------------


def test_main_registers_the_entra_plan_at_svcaccounts_now(pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", iso_utc(AT))
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config(
        {
            "svcaccounts:environment": "prod",
            "svcaccounts:identityProvider": "entra-id",
            "svcaccounts:entraId": json.dumps({"tenantId": TENANT, "identifierUri": IDENTIFIER_URI}),
            "svcaccounts:keyVault": json.dumps({"name": "kv-identity-prod", "resourceGroup": "rg-identity-prod"}),
        }
    )
    harness.run(lambda: main(MIXED))
    assert sorted(harness.names()) == sorted((r.type, r.name) for r in entra_plan().resources())
