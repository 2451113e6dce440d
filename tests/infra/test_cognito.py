"""The Pulumi program on an Amazon Cognito stack, under mocks: the prod stack of
tests/fixtures/cognito-prod (bundles in AWS Secrets Manager), with report-reader (30-day period,
7 days' grace, 30-minute tokens), report-writer (60 + 10, the schema's 60-minute tokens, a prod
scope override) and old-exporter (disabled in prod)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pulumi
import pytest

from svcaccounts.core import naming
from svcaccounts.core.contracts.accounts_output import client_accounts, parse_deployed
from svcaccounts.core.contracts.bundle import read_bundle
from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.core.rotation import iso_utc
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_settings import settings_of
from svcaccounts.infra.program import build, main
from tests.support import contract_schemas
from tests.support.pulumi_harness import (
    MOCK_SECRET_PREFIX,
    PulumiHarness,
    Registered,
    mock_aws_secret_arn,
    mock_cognito_client_id,
    mock_secret,
)
from tests.support.repository import FIXTURES

Mocks = Callable[[str], PulumiHarness]

COGNITO_PROD = FIXTURES / "cognito-prod"
POOL = "eu-west-1_AbCdEfGhI"
IDENTIFIER = "https://api.example.com/mcp"
TOKEN_URL = "https://example-prod.auth.eu-west-1.amazoncognito.com/oauth2/token"
AT = datetime(2025, 6, 15, tzinfo=UTC)
COGNITO_PROVIDER_URN = "pulumi:providers:aws::aws-cognito"


def cognito_plan(root: Path = COGNITO_PROD, at: datetime = AT) -> EnvironmentPlan:
    result = load_repository(root)
    assert result.catalog is not None, result.findings
    (stack,) = [s for s in result.stacks if s.name == "prod"]
    settings = settings_of(stack).settings
    assert settings is not None
    return plan_environment(result.catalog.for_environment(settings.environment), settings, at)


def deployed(pulumi_mocks: Mocks, plan: EnvironmentPlan) -> tuple[PulumiHarness, dict[str, Any]]:
    harness = pulumi_mocks("prod")
    return harness, harness.run(lambda: build(plan).outputs)


def bundle_of(harness: PulumiHarness, account: str) -> dict[str, Any]:
    return json.loads(harness.named(f"{account}-bundle-version").inputs["secretString"])  # type: ignore[no-any-return]


def parent_name(resource: Registered) -> str | None:
    assert resource.parent is not None, resource.urn
    _, _, parent_type, name = resource.parent.split("::")
    return None if parent_type == "pulumi:pulumi:Stack" else name


def clients(harness: PulumiHarness, account: str) -> list[Registered]:
    return [r for r in harness.of_type(naming.COGNITO_USER_POOL_CLIENT_TYPE) if parent_name(r) == account]


# ---- the plan's resources, and the shared resource server --------------------------------------


def test_the_program_registers_exactly_the_plans_resources_with_their_parents(pulumi_mocks: Mocks) -> None:
    plan = cognito_plan()
    harness, _ = deployed(pulumi_mocks, plan)
    registered = Counter((r.resource_type, r.name, parent_name(r)) for r in harness.resources)
    assert registered == Counter((r.type, r.name, r.parent) for r in plan.resources())


def test_client_names_come_from_the_naming_function_the_plan_uses(pulumi_mocks: Mocks) -> None:
    plan = cognito_plan()
    harness, _ = deployed(pulumi_mocks, plan)
    for account in plan.accounts:
        live = account.rotation.live_generations if account.enabled else ()
        expected = sorted(naming.cognito_client_name(account.name, g) for g in live)
        assert sorted(r.name for r in clients(harness, account.name)) == expected, account.name
        assert [r.inputs["name"] for r in clients(harness, account.name)] == [
            naming.cognito_client_display_name(account.name, "prod", g) for g in live
        ]


def test_the_resource_server_has_one_scope_per_catalog_scope_in_the_pool(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, cognito_plan())
    server = harness.named("cognito-resource-server")
    assert server.inputs == {
        "userPoolId": POOL,
        "identifier": IDENTIFIER,
        "name": "svcaccounts prod",
        # admin:all is held by no prod account, and defined all the same: the catalog is the server's.
        "scopes": [
            {"scopeName": "reports:read", "scopeDescription": "Read reports"},
            {"scopeName": "reports:write", "scopeDescription": "Write reports"},
            {"scopeName": "projects:read", "scopeDescription": "Read projects"},
            {"scopeName": "admin:all", "scopeDescription": "Administer everything"},
        ],
    }
    assert harness.named("aws-cognito").inputs["region"] == "eu-west-1"
    cognito_resources = [r for r in harness.resources if r.resource_type.startswith("aws:cognito/")]
    assert cognito_resources and all(COGNITO_PROVIDER_URN in (r.provider or "") for r in cognito_resources)


# ---- per account ----------------------------------------------------------------------------


def test_a_client_is_client_credentials_only_with_a_generated_secret_its_scopes_and_lifetime(
    pulumi_mocks: Mocks,
) -> None:
    plan = cognito_plan()
    harness, _ = deployed(pulumi_mocks, plan)
    reader = plan.account("report-reader")
    assert reader is not None
    (client,) = clients(harness, "report-reader")
    assert client.inputs == {
        "name": f"report-reader.prod.g{reader.generation}",
        "userPoolId": POOL,
        "generateSecret": True,
        "allowedOauthFlowsUserPoolClient": True,
        "allowedOauthFlows": ["client_credentials"],
        "allowedOauthScopes": [f"{IDENTIFIER}/reports:read", f"{IDENTIFIER}/projects:read"],
        "explicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
        "accessTokenValidity": 30,
        "tokenValidityUnits": {"accessToken": "minutes"},
    }
    (writer,) = clients(harness, "report-writer")
    # The prod override's scopes, and the schema's default lifetime (Cognito has one per client).
    assert writer.inputs["allowedOauthScopes"] == [f"{IDENTIFIER}/reports:write", f"{IDENTIFIER}/reports:read"]
    assert writer.inputs["accessTokenValidity"] == 60


def test_a_client_waits_for_the_resource_server_that_defines_its_scopes(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, cognito_plan())
    server = harness.named("cognito-resource-server")
    for client in harness.of_type(naming.COGNITO_USER_POOL_CLIENT_TYPE):
        assert server.urn in client.dependencies, client.urn


def test_a_disabled_account_has_no_client_and_no_bundle(pulumi_mocks: Mocks) -> None:
    harness, outputs = deployed(pulumi_mocks, cognito_plan())
    assert clients(harness, "old-exporter") == []
    assert [r.name for r in harness.resources if parent_name(r) == "old-exporter"] == []
    assert harness.named("old-exporter").custom is False
    assert outputs["old-exporter"] == {
        "tokenUrl": TOKEN_URL,
        "scopes": ["reports:read"],
        "authMethod": "client_secret_basic",
        "generation": cognito_plan().account("old-exporter").generation,  # type: ignore[union-attr]
        "nextRotation": iso_utc(cognito_plan().account("old-exporter").rotation.next_rotation),  # type: ignore[union-attr]
        "status": "disabled",
        "clientIds": [],
    }


def test_the_bundle_is_version_2_with_the_scopes_in_cognitos_form(pulumi_mocks: Mocks) -> None:
    plan = cognito_plan()
    reader = plan.account("report-reader")
    assert reader is not None
    harness, outputs = deployed(pulumi_mocks, plan)
    client_name = naming.cognito_client_name("report-reader", reader.generation)
    version = harness.named("report-reader-bundle-version")
    assert version.secret_inputs
    assert bundle_of(harness, "report-reader") == {
        "version": 2,
        "client_id": mock_cognito_client_id(client_name),
        "token_url": TOKEN_URL,
        "auth_method": "client_secret_basic",
        "scopes": ["reports:read", "projects:read"],
        "request": {"scope": f"{IDENTIFIER}/reports:read {IDENTIFIER}/projects:read"},
        "generation": reader.generation,
        "rotates_at": iso_utc(reader.rotation.next_rotation),
        "client_secret": mock_secret(client_name),
    }
    assert read_bundle(bundle_of(harness, "report-reader")).request_scope == (
        f"{IDENTIFIER}/reports:read {IDENTIFIER}/projects:read"
    )
    assert outputs["report-reader"] == {
        "clientId": mock_cognito_client_id(client_name),
        "clientIds": [mock_cognito_client_id(client_name)],
        "awsSecretArn": mock_aws_secret_arn("svcaccounts/prod/report-reader/bundle"),
        "tokenUrl": TOKEN_URL,
        "scopes": ["reports:read", "projects:read"],
        "authMethod": "client_secret_basic",
        "generation": reader.generation,
        "nextRotation": iso_utc(reader.rotation.next_rotation),
        "status": "active",
    }


def test_the_aws_secret_is_named_and_encrypted_as_the_store_says(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, cognito_plan())
    secret = harness.named("report-writer-bundle").inputs
    assert secret["name"] == "svcaccounts/prod/report-writer/bundle"
    assert secret["kmsKeyId"] == "alias/svcaccounts-prod"
    assert secret["recoveryWindowInDays"] == 30
    # The store's provider (region from awsSecretsManager), not the pool's.
    assert "pulumi:providers:aws::aws::" in (harness.named("report-writer-bundle").provider or "")


def test_the_bundle_is_published_after_the_newest_client(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, cognito_plan())
    version = harness.named("report-writer-bundle-version")
    waits_for = {r.name for r in harness.resources if r.urn in version.dependencies}
    assert any(name.startswith("report-writer-client-g") for name in waits_for)


def test_the_accounts_output_is_what_the_schema_and_the_reader_accept(pulumi_mocks: Mocks) -> None:
    _, outputs = deployed(pulumi_mocks, cognito_plan())
    document = {"accounts": outputs}
    jsonschema.Draft202012Validator(contract_schemas.load("accounts-output.schema.json")).validate(document)
    deployed_accounts = parse_deployed(document)
    assert deployed_accounts["old-exporter"].client_ids == ()
    owners = client_accounts(deployed_accounts)
    assert sorted(owners.values()) == ["report-reader", "report-writer"]


def test_no_credential_reaches_the_outputs(pulumi_mocks: Mocks) -> None:
    plan = cognito_plan()
    holder: dict[str, pulumi.Output[Any]] = {}

    def program() -> pulumi.Output[Any]:
        holder["outputs"] = build(plan).outputs
        return pulumi.Output.all(holder["outputs"], holder["outputs"].is_secret())  # type: ignore[arg-type]

    harness = pulumi_mocks("prod")
    outputs, secret = harness.run(program)
    assert secret is False
    assert MOCK_SECRET_PREFIX not in json.dumps(outputs)
    # The client secrets are in the bundles, and only there.
    assert MOCK_SECRET_PREFIX in json.dumps(bundle_of(harness, "report-writer"))


# ---- rotation across a boundary -------------------------------------------------------------


def test_rotation_adds_a_client_keeps_the_previous_through_grace_and_locks_nobody_out(
    pulumi_mocks: Mocks,
) -> None:
    planned = cognito_plan().account("report-reader")
    assert planned is not None
    boundary, old = planned.rotation.next_rotation, planned.generation
    grace = timedelta(days=planned.grace_days)
    old_id = mock_cognito_client_id(naming.cognito_client_name("report-reader", old))
    new_id = mock_cognito_client_id(naming.cognito_client_name("report-reader", old + 1))
    seen: dict[str, tuple[list[str], str, list[str], dict[str, Any]]] = {}
    for label, at in (
        ("before", boundary - timedelta(seconds=1)),
        ("grace", boundary + timedelta(days=1)),
        ("after", boundary + grace + timedelta(seconds=1)),
    ):
        harness, outputs = deployed(pulumi_mocks, cognito_plan(at=at))
        live = sorted(r.id or "" for r in clients(harness, "report-reader"))
        bundle = bundle_of(harness, "report-reader")
        seen[label] = (live, bundle["client_id"], outputs["report-reader"]["clientIds"], bundle)
        # Whatever bundle a consumer read last, its client still exists: nobody is locked out.
        assert bundle["client_id"] in live
    assert seen["before"][:3] == (sorted([old_id]), old_id, [old_id])
    # Inside grace both clients exist; the bundle and clientId name the newest, clientIds both.
    assert seen["grace"][:3] == (sorted([old_id, new_id]), new_id, [new_id, old_id])
    # A consumer still holding the old bundle keeps working during grace: its client is live.
    assert seen["before"][1] in seen["grace"][0]
    assert seen["after"][:3] == (sorted([new_id]), new_id, [new_id])
    assert seen["grace"][3]["generation"] == old + 1


def test_a_generations_client_is_the_same_on_every_run_inside_its_life(pulumi_mocks: Mocks) -> None:
    planned = cognito_plan().account("report-reader")
    assert planned is not None
    boundary = planned.rotation.next_rotation
    runs = []
    for at in (boundary + timedelta(hours=1), boundary + timedelta(days=2)):
        harness, _ = deployed(pulumi_mocks, cognito_plan(at=at))
        runs.append({r.name: r.inputs for r in clients(harness, "report-reader")})
    assert runs[0] == runs[1]


# ---- one account's change touches that account only -----------------------------------------


def test_a_change_to_one_account_touches_only_that_account(pulumi_mocks: Mocks, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(COGNITO_PROD, root)
    writer = root / "service_accounts" / "reporting" / "report-writer.yaml"
    writer.write_text(writer.read_text().replace("scopes: [reports:write, reports:read]", "scopes: [reports:write]"))
    before, _ = deployed(pulumi_mocks, cognito_plan())
    after, _ = deployed(pulumi_mocks, cognito_plan(root))
    old = {r.name: (r.resource_type, r.inputs) for r in before.resources}
    new = {r.name: (r.resource_type, r.inputs) for r in after.resources}
    changed = {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}
    generation = cognito_plan().account("report-writer").generation  # type: ignore[union-attr]
    # The client's allowed scopes (an update in place) and the bundle's scopes; the resource
    # server keeps every catalog scope.
    assert changed == {f"report-writer-client-g{generation}", "report-writer-bundle-version"}


# ---- the program's entry on a Cognito stack ---------------------------------------------------


def test_main_registers_the_cognito_plan_at_svcaccounts_now(pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", iso_utc(AT))
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config(
        {
            "svcaccounts:environment": "prod",
            "svcaccounts:identityProvider": "cognito",
            "svcaccounts:cognito": json.dumps(
                {"region": "eu-west-1", "userPoolId": POOL, "domain": "example-prod", "resourceServer": IDENTIFIER}
            ),
            "svcaccounts:secretStore": "aws-secrets-manager",
            "svcaccounts:awsSecretsManager": json.dumps({"region": "eu-west-1", "kmsKeyId": "alias/svcaccounts-prod"}),
        }
    )
    harness.run(lambda: main(COGNITO_PROD))
    assert sorted(harness.names()) == sorted((r.type, r.name) for r in cognito_plan().resources())


# ---- the commands that read the deployed outputs -----------------------------------------------


def test_rotation_status_and_env_read_the_cognito_stacks_outputs(
    pulumi_mocks: Mocks, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from svcaccounts.cli import main as cli

    plan = cognito_plan()
    _, outputs = deployed(pulumi_mocks, plan)
    written = tmp_path / "outputs.json"
    written.write_text(json.dumps({"accounts": outputs}))
    root = str(COGNITO_PROD)
    assert cli(["rotation", "status", "--root", root, "--stack", "prod", "--at", iso_utc(AT), "--deployed", str(written)]) == 0
    capsys.readouterr()
    assert cli(["env", "--root", root, "--stack", "prod", "--deployed", str(written), "report-reader"]) == 0
    lines = capsys.readouterr().out
    reader = plan.account("report-reader")
    assert reader is not None
    client_id = mock_cognito_client_id(naming.cognito_client_name("report-reader", reader.generation))
    assert client_id in lines and TOKEN_URL in lines
