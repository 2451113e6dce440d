"""The program under mocks for an AWS-backed stack (svcaccounts:secretStore: aws-secrets-manager):
each bundle is an AWS secret plus a secret version, in the configured region, and the `accounts`
output names the secret's ARN."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from svcaccounts.core.plan import EnvironmentPlan
from svcaccounts.core.rotation import iso_utc
from svcaccounts.infra.program import build, main
from svcaccounts.render.plan import render
from tests.support.pulumi_harness import (
    MOCK_SECRET_PREFIX,
    PulumiHarness,
    Registered,
    mock_aws_secret_arn,
    mock_client_id,
    mock_rsa_key,
    mock_secret,
)
from tests.support.repository import AWS_STACK_DIR, repository
from tests.support.samples import SAMPLE_ORGANISATION, aws_sample_plan

Mocks = Callable[[str], PulumiHarness]
AT = datetime(2025, 6, 15, 12, tzinfo=UTC)
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"

AWS_CONFIG = {
    "svcaccounts:environment": "prod",
    "svcaccounts:authServer": json.dumps({"id": "aus9prd0f6e5d4c3b2a1"}),
    "svcaccounts:secretStore": "aws-secrets-manager",
    "svcaccounts:awsSecretsManager": json.dumps(
        {"region": "eu-west-1", "kmsKeyId": "alias/svcaccounts-prod", "namePrefix": "svcaccounts/",
         "recoveryWindowDays": 30}
    ),
    "okta:orgName": "prod-33333333",
    "okta:baseUrl": "okta.com",
}


def run(harness: PulumiHarness, plan: EnvironmentPlan) -> dict[str, Any]:
    return harness.run(lambda: build(plan).outputs)  # type: ignore[no-any-return]


def bundle_of(version: Registered) -> dict[str, Any]:
    return json.loads(version.inputs["secretString"])  # type: ignore[no-any-return]


def test_the_program_registers_exactly_the_plans_resources(pulumi_mocks: Mocks) -> None:
    plan = aws_sample_plan(AT)
    harness = pulumi_mocks("prod-aws")
    run(harness, plan)
    assert Counter(harness.names()) == Counter((r.type, r.name) for r in plan.resources())
    assert not harness.of_type("azure-native:keyvault:Secret")


def test_main_reads_the_aws_store_from_the_stack_config(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The program reads the reviewed stack file: the AWS stack joins a copy of the repository.
    root = repository(tmp_path / "repo", SAMPLE_ORGANISATION, AWS_STACK_DIR)
    monkeypatch.setenv("SVCACCOUNTS_NOW", iso_utc(AT))
    harness = pulumi_mocks("prod-aws")
    pulumi.runtime.set_all_config(AWS_CONFIG)
    harness.run(lambda: main(root))
    assert sorted(harness.names()) == sorted((r.type, r.name) for r in aws_sample_plan(AT).resources())


def test_the_aws_provider_has_the_configured_region(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("prod-aws")
    run(harness, aws_sample_plan(AT))
    assert harness.named("aws").inputs["region"] == "eu-west-1"
    for resource in [*harness.of_type(SECRET), *harness.of_type(VERSION)]:
        assert resource.provider is not None and "pulumi:providers:aws::aws" in resource.provider


def test_the_secret_has_name_key_description_recovery_window_and_the_key_vault_tags(
    pulumi_mocks: Mocks,
) -> None:
    plan = aws_sample_plan(AT)
    planned = plan.account("mcp-reporting-service")
    assert planned is not None
    harness = pulumi_mocks("prod-aws")
    run(harness, plan)
    secret = harness.named("mcp-reporting-service-bundle")
    assert secret.resource_type == SECRET
    assert secret.inputs == {
        "name": "svcaccounts/prod/mcp-reporting-service/bundle",
        "kmsKeyId": "alias/svcaccounts-prod",
        "description": "svcaccounts credential bundle of mcp-reporting-service (prod), "
        "content type application/json",
        "recoveryWindowInDays": 30,
        "tags": {
            "owner-team": planned.owner_team,
            "environment": "prod",
            "generation": str(planned.generation),
            "managed-by": "svcaccounts",
            "rotates-at": iso_utc(planned.rotation.next_rotation),
        },
    }
    assert not secret.secret_inputs


def test_the_version_holds_the_bundle_as_a_pulumi_secret_in_its_secret(pulumi_mocks: Mocks) -> None:
    plan = aws_sample_plan(AT)
    planned = plan.account("mcp-reporting-service")
    assert planned is not None
    harness = pulumi_mocks("prod-aws")
    run(harness, plan)
    version = harness.named("mcp-reporting-service-bundle-version")
    assert version.secret_inputs
    assert set(version.inputs) == {"secretId", "secretString"}
    assert version.inputs["secretId"] == mock_aws_secret_arn("svcaccounts/prod/mcp-reporting-service/bundle")
    assert bundle_of(version) == {
        "client_id": mock_client_id("mcp-reporting-service-app"),
        "token_url": "https://prod-33333333.okta.com/oauth2/aus9prd0f6e5d4c3b2a1/v1/token",
        "auth_method": "client_secret_basic",
        "scopes": ["mcp:reports:generate"],
        "generation": planned.generation,
        "rotates_at": iso_utc(planned.rotation.next_rotation),
        "client_secret": mock_secret(f"mcp-reporting-service-secret-g{planned.generation}"),
    }


def test_a_private_key_bundle_is_the_same_json_as_in_key_vault(pulumi_mocks: Mocks) -> None:
    plan = aws_sample_plan(AT)
    planned = plan.account("mcp-project-service")
    assert planned is not None
    harness = pulumi_mocks("prod-aws")
    run(harness, plan)
    bundle = bundle_of(harness.named("mcp-project-service-bundle-version"))
    assert bundle["private_key_pem"] == mock_rsa_key(f"mcp-project-service-key-g{planned.generation}")[0]
    assert bundle["key_id"] == f"mcp-project-service-g{planned.generation}"


def test_the_accounts_output_names_the_secret_arn_and_is_not_secret(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("prod-aws")
    holder: dict[str, pulumi.Output[Any]] = {}

    def program() -> pulumi.Output[Any]:
        holder["outputs"] = build(aws_sample_plan(AT)).outputs
        return holder["outputs"]

    outputs = harness.run(program)
    reporting = outputs["mcp-reporting-service"]
    assert set(reporting) == {
        "clientId", "awsSecretArn", "tokenUrl", "scopes", "authMethod", "generation", "nextRotation",
        "status",
    }
    assert reporting["awsSecretArn"] == mock_aws_secret_arn("svcaccounts/prod/mcp-reporting-service/bundle")
    assert _sync_await(holder["outputs"].is_secret()) is False


def test_no_credential_value_reaches_outputs_plan_or_logs(
    pulumi_mocks: Mocks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    plan = aws_sample_plan(AT)
    harness = pulumi_mocks("prod-aws")
    outputs = run(harness, plan)
    credentials = [
        value
        for version in harness.of_type(VERSION)
        for key, value in bundle_of(version).items()
        if key in ("client_secret", "private_key_pem")
    ]
    assert len(credentials) == len(plan.accounts)
    assert any(c.startswith(MOCK_SECRET_PREFIX) for c in credentials)
    surfaces = {
        "outputs": json.dumps(outputs),
        "logs": caplog.text,
        **{f"plan-{fmt}": render(plan, fmt) for fmt in ("table", "json", "markdown")},
    }
    for surface, text in surfaces.items():
        assert "PRIVATE KEY" not in text, surface
        for credential in credentials:
            assert credential not in text, surface


def test_the_bundle_resources_belong_to_the_account_and_are_replaced_create_before_delete(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mocks do not see resource options; record them where every resource passes.
    options: dict[str, pulumi.ResourceOptions] = {}
    register = pulumi.Resource.__init__

    def spy(self: pulumi.Resource, t: str, name: str, custom: bool, props: Any = None,
            opts: pulumi.ResourceOptions | None = None, *args: Any, **kwargs: Any) -> None:
        options[name] = opts or pulumi.ResourceOptions()
        register(self, t, name, custom, props, opts, *args, **kwargs)

    monkeypatch.setattr(pulumi.Resource, "__init__", spy)
    harness = pulumi_mocks("prod-aws")
    run(harness, aws_sample_plan(AT))
    for name in ("mcp-project-service-bundle", "mcp-project-service-bundle-version"):
        parent = options[name].parent
        assert parent is not None and parent._name == "mcp-project-service", name
        # Replacing a version must create the new one (which takes AWSCURRENT) before the old goes.
        assert not options[name].delete_before_replace, name
