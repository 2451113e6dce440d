"""The Pulumi program under mocks: which resources exist per environment and with which inputs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
import pytest

from svcaccounts.core.model import (
    Catalog,
    EnvironmentOverride,
    Scope,
    ServiceAccount,
)
from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.core.rotation import epoch_seconds, next_rotation
from svcaccounts.infra.okta.jwk import rsa_public_jwk
from svcaccounts.infra.program import build
from tests.support.catalogs import DEV_SETTINGS, MONTHLY, dev_account
from tests.support.pulumi_harness import (
    MOCK_AUTH_SERVER_ID,
    PulumiHarness,
    Registered,
    mock_client_id,
    mock_rsa_key,
    mock_secret,
)
from tests.support.samples import sample_plan

Mocks = Callable[[str], PulumiHarness]

AT = datetime(2025, 6, 15, 12, tzinfo=UTC)
SCOPES = (Scope("mcp:projects:read", "Read projects"), Scope("mcp:reports:generate", "Reports"))
TOKEN_URL = "https://dev-1.okta.com/oauth2/aus1dev/v1/token"


def plan_of(*accounts: ServiceAccount, at: datetime = AT) -> EnvironmentPlan:
    catalog = Catalog(SCOPES, tuple(sorted(accounts, key=lambda a: a.name)), ("dev",))
    return plan_environment(catalog.for_environment("dev"), DEV_SETTINGS, at)


def run(harness: PulumiHarness, plan: EnvironmentPlan) -> dict[str, Any]:
    return harness.run(lambda: build(plan).outputs)  # type: ignore[no-any-return]


def bundle_of(resource: Registered) -> dict[str, Any]:
    return json.loads(resource.inputs["properties"]["value"])  # type: ignore[no-any-return]


# ---- per sample environment -----------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_program_registers_exactly_the_plans_resources(pulumi_mocks: Mocks, stack: str) -> None:
    plan = sample_plan(stack)
    harness = pulumi_mocks(stack)
    run(harness, plan)
    assert Counter(harness.names()) == Counter((r.type, r.name) for r in plan.resources())


def test_prod_registers_nothing_for_an_account_absent_there(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("prod")
    outputs = run(harness, sample_plan("prod"))
    assert not [r for r in harness.resources if r.name.startswith("mcp-vscode-client")]
    assert set(outputs) == {"mcp-project-service", "mcp-reporting-service"}


def test_prod_applies_the_per_environment_overrides(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("prod")
    run(harness, sample_plan("prod"))
    rule = harness.named("mcp-project-service-rule").inputs
    assert rule["scopeWhitelists"] == ["mcp:projects:read"]
    assert rule["accessTokenLifetimeMinutes"] == 30
    bundle = bundle_of(harness.named("mcp-project-service-bundle"))
    assert bundle["scopes"] == ["mcp:projects:read"]
    assert bundle["token_url"] == "https://prod-33333333.okta.com/oauth2/aus9prd0f6e5d4c3b2a1/v1/token"


def test_dev_creates_its_authorization_server_and_uses_its_id(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    outputs = run(harness, sample_plan("dev"))
    server = harness.named("auth-server").inputs
    assert server["audiences"] == ["api://mcp-dev"] and server["name"] == "service-accounts-dev"
    assert {r.inputs["authServerId"] for r in harness.of_type("okta:auth/serverScope:ServerScope")} == {
        MOCK_AUTH_SERVER_ID
    }
    assert outputs["mcp-vscode-client"]["tokenUrl"].endswith(f"/oauth2/{MOCK_AUTH_SERVER_ID}/v1/token")


# ---- inputs of one account ------------------------------------------------------------------


def test_the_app_is_a_client_credentials_only_service_app(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    run(harness, plan_of(dev_account("svc-a")))
    app = harness.named("svc-a-app")
    assert app.inputs["type"] == "service"
    assert app.inputs["grantTypes"] == ["client_credentials"]
    assert app.inputs["responseTypes"] == ["token"]
    assert app.inputs["tokenEndpointAuthMethod"] == "private_key_jwt"
    assert app.inputs["status"] == "ACTIVE"
    assert app.inputs["label"] == "svc-a (dev)"
    assert "clientBasicSecret" not in app.inputs
    assert app.provider is not None and "pulumi:providers:okta::okta" in app.provider


def test_the_app_never_gets_an_authentication_policy(pulumi_mocks: Mocks) -> None:
    # Without the skip, every update (each rotation) would try to assign the org's default access
    # policy to the service app, and Okta refuses that after the new credential is in place.
    harness = pulumi_mocks("dev")
    run(harness, plan_of(dev_account("svc-a")))
    assert harness.named("svc-a-app").inputs["skipAuthenticationPolicy"] is True


def test_the_bundle_holds_the_private_key_as_pkcs8(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    run(harness, plan_of(dev_account("svc-a")))
    pem = bundle_of(harness.of_type("azure-native:keyvault:Secret")[0])["private_key_pem"]
    # pulumi-tls's privateKeyPem is PKCS#1 for RSA; consumers are promised PKCS#8.
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")


def test_the_jwks_publishes_the_key_pair_with_a_stable_kid(pulumi_mocks: Mocks) -> None:
    plan = plan_of(dev_account("svc-a"))
    generation = plan.accounts[0].generation
    harness = pulumi_mocks("dev")
    run(harness, plan)
    key = harness.named(f"svc-a-key-g{generation}").inputs
    assert key == {"algorithm": "RSA", "rsaBits": 2048}
    public = rsa_public_jwk(mock_rsa_key(f"svc-a-key-g{generation}")[1])
    assert harness.named("svc-a-app").inputs["jwks"] == [
        {"kid": f"svc-a-g{generation}", "kty": "RSA", "n": public["n"], "e": public["e"]}
    ]


def test_the_policy_names_exactly_its_own_app(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    run(harness, plan_of(dev_account("svc-a"), dev_account("svc-b")))
    policy = harness.named("svc-a-policy").inputs
    assert policy["clientWhitelists"] == [mock_client_id("svc-a-app")]
    assert policy["authServerId"] == "aus1dev"
    assert policy["priority"] == 99_999


def test_the_rule_grants_only_client_credentials_the_scopes_and_the_lifetime(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    run(harness, plan_of(dev_account("svc-a", scopes=("mcp:projects:read", "mcp:reports:generate"))))
    rule = harness.named("svc-a-rule").inputs
    assert rule["grantTypeWhitelists"] == ["client_credentials"]
    assert rule["scopeWhitelists"] == ["mcp:projects:read", "mcp:reports:generate"]
    assert rule["accessTokenLifetimeMinutes"] == 60
    assert rule["priority"] == 1
    assert rule["policyId"] == "svc-a-policy-id"


def test_each_catalog_scope_is_an_implicit_unpublished_server_scope(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    run(harness, plan_of(dev_account("svc-a")))
    scopes = {r.inputs["name"]: r.inputs for r in harness.of_type("okta:auth/serverScope:ServerScope")}
    assert set(scopes) == {"mcp:projects:read", "mcp:reports:generate"}
    assert {(s["consent"], s["metadataPublish"]) for s in scopes.values()} == {("IMPLICIT", "NO_CLIENTS")}


def test_the_bundle_is_a_secret_json_with_expiry_and_tags(pulumi_mocks: Mocks) -> None:
    plan = plan_of(dev_account("svc-a"))
    planned = plan.accounts[0]
    harness = pulumi_mocks("dev")
    run(harness, plan)
    secret = harness.named("svc-a-bundle")
    assert secret.secret_inputs
    assert secret.inputs["secretName"] == "svc-a-dev"
    assert secret.inputs["vaultName"] == "kv-identity-dev"
    assert secret.inputs["resourceGroupName"] == "rg-identity-dev"
    assert secret.inputs["properties"]["contentType"] == "application/json"
    assert secret.inputs["properties"]["attributes"]["expires"] == epoch_seconds(
        planned.rotation.next_rotation + timedelta(days=3)
    )
    assert secret.inputs["tags"] == {
        "owner-team": "team-a",
        "environment": "dev",
        "generation": str(planned.generation),
        "managed-by": "svcaccounts",
        "rotates-at": planned.rotation.next_rotation.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert bundle_of(secret) == {
        "client_id": mock_client_id("svc-a-app"),
        "token_url": TOKEN_URL,
        "auth_method": "private_key_jwt",
        "scopes": ["mcp:projects:read"],
        "generation": planned.generation,
        "rotates_at": planned.rotation.next_rotation.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "private_key_pem": mock_rsa_key(f"svc-a-key-g{planned.generation}")[0],
        "key_id": f"svc-a-g{planned.generation}",
    }


def test_a_client_secret_account_sets_a_random_secret_on_the_app_and_in_the_bundle(
    pulumi_mocks: Mocks,
) -> None:
    plan = plan_of(dev_account("svc-b", auth_method="client_secret_basic"))
    generation = plan.accounts[0].generation
    harness = pulumi_mocks("dev")
    run(harness, plan)
    password = harness.named(f"svc-b-secret-g{generation}").inputs
    assert password == {"length": 64, "special": False}
    app = harness.named("svc-b-app")
    assert app.inputs["tokenEndpointAuthMethod"] == "client_secret_basic"
    assert app.inputs["clientBasicSecret"] == mock_secret(f"svc-b-secret-g{generation}")
    assert app.secret_inputs
    assert "jwks" not in app.inputs
    bundle = bundle_of(harness.named("svc-b-bundle"))
    assert bundle["client_secret"] == mock_secret(f"svc-b-secret-g{generation}")
    assert "private_key_pem" not in bundle and "key_id" not in bundle


def test_a_disabled_account_has_an_inactive_app(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    outputs = run(harness, plan_of(dev_account("svc-a", overrides={"dev": EnvironmentOverride(status="disabled")})))
    assert harness.named("svc-a-app").inputs["status"] == "INACTIVE"
    assert outputs["svc-a"]["status"] == "disabled"


def test_the_okta_provider_backs_off_on_rate_limits(pulumi_mocks: Mocks) -> None:
    harness = pulumi_mocks("dev")
    run(harness, plan_of(dev_account("svc-a")))
    provider = harness.named("okta").inputs
    # Provider inputs travel JSON-encoded.
    assert {k: json.loads(v) for k, v in provider.items() if k not in ("orgName", "baseUrl")} == {
        "maxApiCapacity": 50,
        "backoff": True,
        "maxRetries": 10,
        "minWaitSeconds": 30,
        "maxWaitSeconds": 120,
        "requestTimeout": 0,
    }
    assert (provider["orgName"], provider["baseUrl"]) == ("dev-1", "okta.com")
    assert "apiToken" not in provider


# ---- rotation across a boundary -------------------------------------------------------------


def boundary_of(name: str) -> datetime:
    return next_rotation(name, MONTHLY, AT)


def test_private_key_rotation_keeps_two_keys_during_grace_and_one_after(pulumi_mocks: Mocks) -> None:
    boundary = boundary_of("svc-a")
    kids = {}
    bundles = {}
    for label, at in (
        ("before", boundary - timedelta(seconds=1)),
        ("grace", boundary + timedelta(days=1)),
        ("after", boundary + timedelta(days=3)),
    ):
        harness = pulumi_mocks("dev")
        run(harness, plan_of(dev_account("svc-a"), at=at))
        kids[label] = [jwk["kid"] for jwk in harness.named("svc-a-app").inputs["jwks"]]
        bundles[label] = bundle_of(harness.named("svc-a-bundle"))
    old = bundles["before"]["generation"]
    assert kids["before"] == [f"svc-a-g{old}"]
    assert kids["grace"] == [f"svc-a-g{old}", f"svc-a-g{old + 1}"]
    assert kids["after"] == [f"svc-a-g{old + 1}"]
    # The bundle always holds the newest key.
    assert bundles["grace"]["key_id"] == f"svc-a-g{old + 1}"
    assert bundles["grace"]["private_key_pem"] == mock_rsa_key(f"svc-a-key-g{old + 1}")[0]
    assert bundles["grace"]["private_key_pem"] != bundles["before"]["private_key_pem"]


def test_client_secret_rotation_sets_a_new_secret(pulumi_mocks: Mocks) -> None:
    boundary = boundary_of("svc-b")
    secrets = []
    for at in (boundary - timedelta(seconds=1), boundary + timedelta(days=1)):
        harness = pulumi_mocks("dev")
        run(harness, plan_of(dev_account("svc-b", auth_method="client_secret_basic"), at=at))
        passwords = harness.of_type("random:index/randomPassword:RandomPassword")
        assert len(passwords) == 1
        secrets.append(
            (
                passwords[0].name,
                harness.named("svc-b-app").inputs["clientBasicSecret"],
                bundle_of(harness.named("svc-b-bundle"))["client_secret"],
            )
        )
    (old_name, old_app, old_bundle), (new_name, new_app, new_bundle) = secrets
    assert old_name != new_name
    assert old_app == old_bundle and new_app == new_bundle
    assert new_app != old_app


# ---- stability ------------------------------------------------------------------------------


def inputs_by_name(harness: PulumiHarness) -> dict[str, tuple[str, Any]]:
    return {r.name: (r.resource_type, r.inputs) for r in harness.resources}


def test_two_runs_register_the_same_resources_with_the_same_inputs(pulumi_mocks: Mocks) -> None:
    first = pulumi_mocks("staging")
    first_outputs = run(first, sample_plan("staging"))
    second = pulumi_mocks("staging")
    second_outputs = run(second, sample_plan("staging"))
    assert inputs_by_name(first) == inputs_by_name(second)
    assert first_outputs == second_outputs


def test_adding_and_removing_an_account_leaves_the_others_unchanged(pulumi_mocks: Mocks) -> None:
    others = (dev_account("svc-a"), dev_account("svc-c", auth_method="client_secret_basic"))
    without = pulumi_mocks("dev")
    run(without, plan_of(*others))
    with_b = pulumi_mocks("dev")
    run(with_b, plan_of(*others, dev_account("svc-b", scopes=("mcp:reports:generate",))))
    assert "svc-b-app" in inputs_by_name(with_b)
    before = inputs_by_name(without)
    after = {name: value for name, value in inputs_by_name(with_b).items() if not name.startswith("svc-b")}
    assert before == after


# ---- resource options -----------------------------------------------------------------------


def test_policy_priority_is_ignored_after_creation_and_rules_wait_for_their_scopes(
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
    plan = plan_of(dev_account("svc-a", scopes=("mcp:reports:generate",)))
    harness = pulumi_mocks("dev")
    run(harness, plan)
    assert options["svc-a-policy"].ignore_changes == ["priority"]
    assert not options["svc-a-rule"].ignore_changes
    rule_waits_for = [resource._name for resource in options["svc-a-rule"].depends_on]  # type: ignore[union-attr]
    assert rule_waits_for == ["scope-mcp:reports:generate"]
    key = plan.accounts[0].current.resource
    for name in ("svc-a-app", "svc-a-policy", "svc-a-rule", key, "svc-a-bundle"):
        parent = options[name].parent
        assert parent is not None and parent._name == "svc-a", name
    okta_provider = options["svc-a-app"].provider
    assert okta_provider is not None and okta_provider._name == "okta"
