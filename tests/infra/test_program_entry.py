"""The program's entry function and the promise that no credential value leaks anywhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from svcaccounts.core.contracts.bundle import bundle_json
from svcaccounts.infra.program import build, main
from svcaccounts.render.plan import render
from tests.support.pulumi_harness import MOCK_SECRET_PREFIX, PulumiHarness, mock_rsa_key
from tests.support.samples import SAMPLE_ORGANISATION, sample_plan

Mocks = Callable[[str], PulumiHarness]
AT = "2025-06-15T12:00:00Z"

PROD_CONFIG = {
    "svcaccounts:authServer": json.dumps({"id": "aus9prd0f6e5d4c3b2a1"}),
    "svcaccounts:keyVault": json.dumps({"name": "kv-identity-prod", "resourceGroup": "rg-identity-prod"}),
    "okta:orgName": "prod-33333333",
    "okta:baseUrl": "okta.com",
}


def test_main_reads_the_stack_config_and_registers_the_plan(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", AT)
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config(PROD_CONFIG)
    harness.run(lambda: main(SAMPLE_ORGANISATION))
    assert sorted(harness.names()) == sorted((r.type, r.name) for r in sample_plan("prod").resources())


def test_main_takes_the_api_token_from_secret_config(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", AT)
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config({**PROD_CONFIG, "okta:apiToken": "00token-from-config"}, ["okta:apiToken"])
    harness.run(lambda: main(SAMPLE_ORGANISATION))
    provider = harness.named("okta")
    assert provider.inputs["apiToken"] == "00token-from-config"
    assert provider.secret_inputs


def test_bad_stack_config_stops_the_program_with_every_problem(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", AT)
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config({"okta:orgName": "prod-33333333"})
    with pytest.raises(pulumi.RunError) as raised:
        harness.run(lambda: main(SAMPLE_ORGANISATION))
    message = str(raised.value)
    assert "svcaccounts:authServer is required" in message
    assert "svcaccounts:keyVault is required" in message
    assert harness.resources == []


def test_a_bad_svcaccounts_now_stops_the_program(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", "yesterday")
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config(PROD_CONFIG)
    with pytest.raises(pulumi.RunError, match="SVCACCOUNTS_NOW 'yesterday' is not an ISO 8601 time"):
        harness.run(lambda: main(SAMPLE_ORGANISATION))


def test_the_accounts_output_has_the_documented_fields_and_is_not_secret(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    holder: dict[str, pulumi.Output[Any]] = {}

    def program() -> pulumi.Output[Any]:
        holder["outputs"] = build(sample_plan("dev")).outputs
        return holder["outputs"]

    outputs = harness.run(program)
    assert set(outputs["mcp-reporting-service"]) == {
        "clientId", "keyVaultSecretName", "tokenUrl", "scopes", "authMethod", "generation", "nextRotation",
        "status",
    }
    # Had any credential flowed into it, Pulumi would have marked the whole output secret.
    assert _sync_await(holder["outputs"].is_secret()) is False


def test_no_credential_value_reaches_outputs_plan_or_logs(
    pulumi_mocks: Mocks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    plan = sample_plan("dev")
    harness = pulumi_mocks("dev")
    outputs = harness.run(lambda: build(plan).outputs)
    credentials = [
        value
        for resource in harness.resources
        if resource.resource_type == "azure-native:keyvault:Secret"
        for key, value in json.loads(resource.inputs["properties"]["value"]).items()
        if key in ("client_secret", "private_key_pem")
    ]
    assert len(credentials) == len(plan.accounts)  # the scan looks for something real
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


def test_bundle_errors_never_quote_the_credential() -> None:
    pem = mock_rsa_key("error-message-key")[0]
    with pytest.raises(ValueError) as raised:
        bundle_json(
            client_id="0oa1",
            token_url="https://x/v1/token",
            auth_method="client_secret_basic",
            scopes=["a"],
            generation=1,
            rotates_at="2025-01-01T00:00:00Z",
            client_secret=MOCK_SECRET_PREFIX + "abc",
            private_key_pem=pem,
        )
    assert MOCK_SECRET_PREFIX not in str(raised.value) and "PRIVATE KEY" not in str(raised.value)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"okta:orgName": "attacker-1"}, "okta"),
        ({"svcaccounts:authServer": json.dumps({"id": "aus0other"})}, "auth_server"),
        ({"svcaccounts:environment": "staging"}, "environment, production"),
        ({"svcaccounts:production": "false"}, "production"),
    ],
    ids=["org", "auth-server", "environment", "production"],
)
def test_runtime_config_that_differs_from_the_reviewed_stack_file_stops_the_program(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch, override: dict[str, str], field: str
) -> None:
    # `pulumi config set` or `pulumi up -c` can change what deploys without a reviewed change.
    monkeypatch.setenv("SVCACCOUNTS_NOW", AT)
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config({**PROD_CONFIG, **override})
    with pytest.raises(pulumi.RunError) as raised:
        harness.run(lambda: main(SAMPLE_ORGANISATION))
    message = str(raised.value)
    assert message.startswith("the config Pulumi passes for stack prod differs from Pulumi.prod.yaml")
    assert f"in: {field}." in message
    assert harness.resources == []


def test_an_unknown_runtime_setting_stops_the_program(pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", AT)
    harness = pulumi_mocks("prod")
    pulumi.runtime.set_all_config({**PROD_CONFIG, "svcaccounts:enviroment": "staging"})
    with pytest.raises(pulumi.RunError, match="unknown setting svcaccounts:enviroment; did you mean"):
        harness.run(lambda: main(SAMPLE_ORGANISATION))
    assert harness.resources == []


def test_a_stack_without_a_committed_stack_file_is_not_deployed(
    pulumi_mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", AT)
    harness = pulumi_mocks("prod-eu")
    pulumi.runtime.set_all_config(PROD_CONFIG)
    with pytest.raises(pulumi.RunError, match=r"no stack 'prod-eu' \(Pulumi.prod-eu.yaml\)"):
        harness.run(lambda: main(SAMPLE_ORGANISATION))
