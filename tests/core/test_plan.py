"""The plan: one environment's desired resources, names and rotation, offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from svcaccounts.core.model import (
    Catalog,
    EnvironmentOverride,
    Rotation,
    Scope,
    ServiceAccount,
)
from svcaccounts.core.plan import (
    EnvironmentPlan,
    PlannedResource,
    compare_plans,
    plan_environment,
)
from svcaccounts.core.rotation import next_rotation
from svcaccounts.core.settings import (
    AwsSecretsManagerSettings,
    ExistingAuthServer,
    OktaSettings,
    StackSettings,
)
from svcaccounts.render.plan import render, render_json
from tests.support.catalogs import DEV_SETTINGS, dev_account
from tests.support.samples import sample_plan

AT = datetime(2025, 6, 15, 12, tzinfo=UTC)
SCOPES = (
    Scope("mcp:projects:read", "Read projects"),
    Scope("mcp:projects:write", "Write projects"),
    Scope("mcp:reports:generate", "Reports"),
)


def plan_of(*accounts: ServiceAccount, at: datetime = AT) -> EnvironmentPlan:
    catalog = Catalog(scopes=SCOPES, accounts=tuple(sorted(accounts, key=lambda a: a.name)),
                      environments=("dev", "prod"))
    return plan_environment(catalog.for_environment("dev"), DEV_SETTINGS, at)


def test_a_private_key_account_owns_app_policy_rule_key_and_bundle() -> None:
    plan = plan_of(dev_account("svc-a", rotation=Rotation(period_days=30, grace_days=0, force=0)))
    (only,) = plan.accounts
    generation = only.generation
    assert only.resources == (
        PlannedResource("svcaccounts:index:ServiceAccount", "svc-a"),
        PlannedResource("okta:app/oAuth:OAuth", "svc-a-app", "svc-a"),
        PlannedResource("okta:auth/serverPolicy:ServerPolicy", "svc-a-policy", "svc-a"),
        PlannedResource("okta:auth/serverPolicyRule:ServerPolicyRule", "svc-a-rule", "svc-a"),
        PlannedResource("tls:index/privateKey:PrivateKey", f"svc-a-key-g{generation}", "svc-a"),
        PlannedResource("azure-native:keyvault:Secret", "svc-a-bundle", "svc-a"),
    )
    assert only.current.key_id == f"svc-a-g{generation}"
    assert only.key_vault_secret == "svc-a-dev"
    assert only.label == "svc-a (dev)"


def test_shared_resources_are_the_provider_and_one_scope_per_catalog_scope() -> None:
    plan = plan_of(dev_account("svc-a"))
    assert plan.shared == (
        PlannedResource("pulumi:providers:okta", "okta"),
        PlannedResource("okta:auth/serverScope:ServerScope", "scope-mcp:projects:read"),
        PlannedResource("okta:auth/serverScope:ServerScope", "scope-mcp:projects:write"),
        PlannedResource("okta:auth/serverScope:ServerScope", "scope-mcp:reports:generate"),
    )


def test_during_grace_a_private_key_account_has_two_keys_and_the_newest_first() -> None:
    boundary = next_rotation("svc-a", Rotation(period_days=30, grace_days=3, force=0), AT)
    plan = plan_of(dev_account("svc-a"), at=boundary + timedelta(days=1))
    (only,) = plan.accounts
    assert [c.generation for c in only.credentials] == [only.generation, only.generation - 1]
    assert [r.name for r in only.resources if r.type.startswith("tls:")] == [
        f"svc-a-key-g{only.generation}",
        f"svc-a-key-g{only.generation - 1}",
    ]


def test_a_client_secret_account_has_one_secret_per_generation_even_during_grace() -> None:
    boundary = next_rotation("svc-b", Rotation(period_days=30, grace_days=3, force=0), AT)
    before = plan_of(dev_account("svc-b", auth_method="client_secret_basic"), at=boundary - timedelta(seconds=1))
    after = plan_of(dev_account("svc-b", auth_method="client_secret_basic"), at=boundary + timedelta(days=1))
    (old,), (new,) = before.accounts, after.accounts
    assert [c.resource for c in old.credentials] == [f"svc-b-secret-g{old.generation}"]
    assert [c.resource for c in new.credentials] == [f"svc-b-secret-g{old.generation + 1}"]
    assert new.current.key_id is None


def test_disabled_accounts_are_planned_with_their_status() -> None:
    disabled = dev_account("svc-a", overrides={"dev": EnvironmentOverride(status="disabled")})
    (only,) = plan_of(disabled).accounts
    assert not only.enabled and only.status == "disabled"
    assert len(only.resources) == len(plan_of(dev_account("svc-a")).accounts[0].resources)


def test_accounts_absent_from_the_environment_are_not_planned() -> None:
    prod_only = dev_account("svc-p", environments=("prod",))
    plan = plan_of(dev_account("svc-a"), prod_only)
    assert [a.name for a in plan.accounts] == ["svc-a"]
    assert all(not r.name.startswith("svc-p") for r in plan.resources())


def test_adding_or_removing_an_account_leaves_the_others_unchanged() -> None:
    base = plan_of(dev_account("svc-a"), dev_account("svc-c", auth_method="client_secret_basic"))
    grown = plan_of(dev_account("svc-a"), dev_account("svc-b"), dev_account("svc-c", auth_method="client_secret_basic"))
    assert base.account("svc-a") == grown.account("svc-a")
    assert base.account("svc-c") == grown.account("svc-c")


def test_the_plan_is_deterministic() -> None:
    assert render_json(sample_plan("staging")) == render_json(sample_plan("staging"))


def test_sample_prod_applies_its_overrides_and_omits_dev_only_accounts() -> None:
    plan = sample_plan("prod")
    assert [a.name for a in plan.accounts] == ["mcp-project-service", "mcp-reporting-service"]
    project = plan.account("mcp-project-service")
    assert project is not None
    assert project.scopes == ("mcp:projects:read",)
    assert project.token_lifetime_minutes == 30
    assert project.key_vault_secret == "mcp-project-service-prod"
    assert plan.token_url == "https://prod-33333333.okta.com/oauth2/aus9prd0f6e5d4c3b2a1/v1/token"


def test_sample_dev_creates_its_authorization_server() -> None:
    plan = sample_plan("dev")
    assert PlannedResource("okta:auth/server:Server", "auth-server") in plan.shared
    assert plan.token_url is None


def test_switching_auth_method_is_a_credential_change() -> None:
    before = plan_of(dev_account("svc-a", auth_method="client_secret_basic"))
    after = plan_of(dev_account("svc-a", auth_method="private_key_jwt"))
    (change,) = compare_plans(before, after)
    assert change.kind == "credential-change"
    assert "client_secret_basic -> private_key_jwt" in change.message


def test_a_scheduled_rotation_changes_only_the_due_account() -> None:
    rotation = Rotation(period_days=30, grace_days=3, force=0)
    boundary = next_rotation("svc-a", rotation, AT)
    accounts = (dev_account("svc-a"), dev_account("svc-b"), dev_account("svc-c"))
    due = {n for n in ("svc-b", "svc-c") if next_rotation(n, rotation, AT) == boundary}
    before = plan_of(*accounts, at=boundary - timedelta(seconds=1))
    changes = compare_plans(before, plan_of(*accounts, at=boundary))
    assert {c.account for c in changes} == {"svc-a", *due}
    assert {c.kind for c in changes} == {"rotation"}


def test_json_has_every_account_field() -> None:
    document = json.loads(render(sample_plan("staging"), "json"))
    project = next(a for a in document["accounts"] if a["name"] == "mcp-project-service")
    assert set(project) >= {
        "scopes", "auth_method", "token_lifetime_minutes", "rotation", "key_vault_secret", "resources"
    }
    assert set(project["rotation"]) >= {"generation", "next_rotation", "expires_at"}
    assert document["resource_count"] == len(sample_plan("staging").resources())


def test_resources_come_in_the_planned_resources_own_order() -> None:
    plan = sample_plan("staging")
    assert list(plan.resources()) == sorted(plan.resources())
    assert plan.resource_count == len(plan.resources())


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_formats_list_every_account_and_resource(fmt: str) -> None:
    plan = sample_plan("staging")
    text = render(plan, fmt)  # type: ignore[arg-type]
    for resource in plan.resources():
        assert resource.name in text
    assert "mcp-project-service-staging" in text


def test_a_thousand_accounts_are_planned_and_rendered() -> None:
    # How long it takes is measured by `make bench` (bench/), not asserted here.
    accounts = tuple(dev_account(f"service-{i:04d}") for i in range(1000))
    catalog = Catalog(scopes=SCOPES, accounts=accounts, environments=("dev",))
    plan = plan_environment(catalog.for_environment("dev"), DEV_SETTINGS, AT)
    render(plan, "table")
    assert len(json.loads(render(plan, "json"))["accounts"]) == 1000
    assert len(plan.accounts) == 1000


def test_forcing_a_rotation_is_visible_in_the_plan() -> None:
    forced = dev_account("svc-a", rotation=Rotation(period_days=30, grace_days=3, force=1))
    normal = dev_account("svc-a")
    (forced_plan,), (normal_plan,) = plan_of(forced).accounts, plan_of(normal).accounts
    assert forced_plan.generation == normal_plan.generation + 1
    assert forced_plan.rotation.next_rotation == normal_plan.rotation.next_rotation


# ---- an AWS-backed stack ----------------------------------------------------------------------

AWS_SETTINGS = StackSettings(
    stack="dev",
    environment="dev",
    auth_server=ExistingAuthServer("aus1dev"),
    key_vault=None,
    okta=OktaSettings("dev-1"),
    aws_secrets_manager=AwsSecretsManagerSettings("eu-west-1", "alias/svc", "identity/", 7),
)


def aws_plan_of(*accounts: ServiceAccount, at: datetime = AT) -> EnvironmentPlan:
    catalog = Catalog(scopes=SCOPES, accounts=tuple(sorted(accounts, key=lambda a: a.name)),
                      environments=("dev", "prod"))
    return plan_environment(catalog.for_environment("dev"), AWS_SETTINGS, at)


def test_an_aws_stack_plans_a_secret_and_a_version_instead_of_the_key_vault_secret() -> None:
    (only,) = aws_plan_of(dev_account("svc-a", rotation=Rotation(period_days=30, grace_days=0, force=0))).accounts
    assert only.resources[-2:] == (
        PlannedResource("aws:secretsmanager/secret:Secret", "svc-a-bundle", "svc-a"),
        PlannedResource("aws:secretsmanager/secretVersion:SecretVersion", "svc-a-bundle-version", "svc-a"),
    )
    assert "azure-native:keyvault:Secret" not in {r.type for r in only.resources}
    assert (only.secret_store, only.aws_secret, only.key_vault_secret) == (
        "aws-secrets-manager", "identity/dev/svc-a/bundle", None
    )


def test_an_aws_stack_has_an_explicit_aws_provider() -> None:
    plan = aws_plan_of(dev_account("svc-a"))
    assert plan.shared[:2] == (
        PlannedResource("pulumi:providers:okta", "okta"),
        PlannedResource("pulumi:providers:aws", "aws"),
    )
    assert PlannedResource("pulumi:providers:aws", "aws") not in plan_of(dev_account("svc-a")).shared


def test_the_json_of_an_aws_plan_names_the_store_and_the_secret() -> None:
    document = json.loads(render(aws_plan_of(dev_account("svc-a")), "json"))
    assert document["secret_store"] == "aws-secrets-manager"
    assert document["aws_secrets_manager"] == {
        "region": "eu-west-1", "kms_key_id": "alias/svc", "name_prefix": "identity/",
        "recovery_window_days": 7,
    }
    assert "key_vault" not in document
    (svc_a,) = document["accounts"]
    assert svc_a["aws_secret"] == "identity/dev/svc-a/bundle" and "key_vault_secret" not in svc_a


def test_the_table_of_an_aws_plan_shows_the_store_and_the_aws_secret() -> None:
    text = render(aws_plan_of(dev_account("svc-a")), "table")
    assert "aws secrets manager: region eu-west-1, KMS key alias/svc, recovery window 7 days" in text
    assert "AWS SECRET" in text and "KEY VAULT SECRET" not in text
    assert "identity/dev/svc-a/bundle" in text
    assert "key vault:" not in text


def test_removing_an_account_from_an_aws_stack_names_the_recovery_window() -> None:
    changes = compare_plans(aws_plan_of(dev_account("svc-a"), dev_account("svc-b")), aws_plan_of(dev_account("svc-a")))
    assert [(c.account, c.kind, c.message) for c in changes] == [
        (
            "svc-b",
            "removed",
            "app, policy and credentials deleted; AWS secret identity/dev/svc-b/bundle is scheduled for "
            "deletion (7-day recovery window; see docs/aws-secrets-manager.md to restore the account later)",
        )
    ]


def test_switching_a_stack_to_aws_shows_every_account_changing_store() -> None:
    changes = compare_plans(plan_of(dev_account("svc-a")), aws_plan_of(dev_account("svc-a")))
    assert [(c.account, c.kind, c.message) for c in changes] == [
        (
            "dev",
            "stack",
            "secret store Key Vault `kv-identity-dev` (resource group `rg-identity-dev`) → AWS Secrets Manager "
            "in `eu-west-1` (KMS key `alias/svc`, prefix `identity/`, recovery 7 days)",
        ),
        (
            "svc-a",
            "changed",
            "bundle store azure-key-vault -> aws-secrets-manager: the old secret is deleted; consumers must "
            "read the new store",
        )
    ]


def test_the_sample_aws_stack_plans_every_account_in_aws() -> None:
    from tests.support.samples import aws_sample_plan

    plan = aws_sample_plan(AT)
    assert {a.name: a.aws_secret for a in plan.accounts} == {
        "mcp-project-service": "svcaccounts/prod/mcp-project-service/bundle",
        "mcp-reporting-service": "svcaccounts/prod/mcp-reporting-service/bundle",
    }
    # The same accounts and credentials as the Key Vault prod stack: only the store differs.
    key_vault_prod = sample_plan("prod")
    assert [(a.name, a.credentials) for a in plan.accounts] == [
        (a.name, a.credentials) for a in key_vault_prod.accounts
    ]
