"""One repository, three providers (tests/fixtures/four-providers): dev deploys to Okta, staging
to Auth0 and prod to Amazon Cognito, from one set of definitions. report-reader, report-writer
and ops-admin use private_key_jwt on Okta and Auth0 and a `client_secret_basic` override for prod
(Cognito offers client secrets only); ops-admin holds the catalog's two privileged scopes and is
on the pack's prod allowlist; old-exporter is disabled in staging and prod.

What it proves: the repository validates (and without the prod override, the account is a
located error on the Cognito stack only), each stack plans on its provider with the effective
method of its environment, `diff` reports a change between two revisions with the right
severities, the whole policy pack passes over what the program registers for each stack, and a
rotation keeps every consumer working on each provider. The Entra ID repository
(tests/fixtures/mixed-providers, dev on Okta, prod on Entra ID) is held to the same checks, so
that the fourth provider is covered beside the other three."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import config as runtime_config
from pulumi_policy import EnforcementLevel
from svcaccounts_policies.pack import POLICIES

from svcaccounts.cli import main
from svcaccounts.core import clock
from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_settings import settings_of
from svcaccounts.infra.auth0.jwk import jwk_thumbprint
from tests.identity_providers.conftest import edit
from tests.support.git import GitRepo
from tests.support.policy_evaluator import Registered, evaluate
from tests.support.pulumi_harness import register
from tests.support.repository import FIXTURES, repository

FOUR = FIXTURES / "four-providers"
MIXED = FIXTURES / "mixed-providers"
AT = "2025-06-15"
READER = "service_accounts/reporting/report-reader.yaml"
WRITER = "service_accounts/reporting/report-writer.yaml"
KEY_BASED = ("ops-admin", "report-reader", "report-writer")

# Per stack: the provider, its token URL, and report-reader's effective auth method there.
STACKS = {
    "dev": ("okta", "https://example-dev.okta.com/oauth2/aus1dev/v1/token", "private_key_jwt"),
    "staging": ("auth0", "https://example-staging.eu.auth0.com/oauth/token", "private_key_jwt"),
    "prod": (
        "cognito",
        "https://example-prod.auth.eu-west-1.amazoncognito.com/oauth2/token",
        "client_secret_basic",
    ),
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    repository(root, FOUR)
    return root


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, int, int, str]]]:
    code = main(["validate", "--root", str(root), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    return code, [(f["path"], f["line"], f["col"], f["message"]) for f in document["findings"]]


def plan_document(root: Path, stack: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["plan", "--root", str(root), "--stack", stack, "--at", AT, "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)  # type: ignore[no-any-return]


def accounts_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {account["name"]: account for account in document["accounts"]}


# ---- validate -----------------------------------------------------------------------------------


def test_the_four_provider_repository_is_valid(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(repo, capsys) == (0, [])


def test_without_the_prod_override_a_private_key_account_is_an_error_on_the_cognito_stack_only(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, READER, "  prod:\n    auth_method: client_secret_basic\n", "  prod: {}\n")
    code, findings = validate(repo, capsys)
    assert code == 1
    # One finding: Okta (dev) and Auth0 (staging) offer private_key_jwt; Cognito (prod) does not.
    assert findings == [
        (
            READER,
            7,
            1,
            "auth_method private_key_jwt is not offered by Amazon Cognito: stack prod (environment prod) "
            "deploys to Amazon Cognito; use client_secret_basic (environments.prod.auth_method changes it "
            "for this environment only)",
        )
    ]


def test_a_secret_override_for_another_environment_does_not_reach_prod(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The override belongs to staging (Auth0 takes either method): prod stays private_key_jwt.
    edit(repo, READER, "  staging: {}\n", "  staging:\n    auth_method: client_secret_basic\n")
    edit(repo, READER, "  prod:\n    auth_method: client_secret_basic\n", "  prod: {}\n")
    code, findings = validate(repo, capsys)
    assert code == 1
    assert [(path, line, col) for path, line, col, _ in findings] == [(READER, 7, 1)]
    assert "stack prod (environment prod) deploys to Amazon Cognito" in findings[0][3]


# ---- plan ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", list(STACKS))
def test_each_stack_plans_on_its_provider_with_its_environments_method(
    repo: Path, capsys: pytest.CaptureFixture[str], stack: str
) -> None:
    provider, token_url, method = STACKS[stack]
    document = plan_document(repo, stack, capsys)
    assert (document["identity_provider"], document["token_url"]) == (provider, token_url)
    accounts = accounts_of(document)
    assert sorted(accounts) == ["old-exporter", "ops-admin", "report-reader", "report-writer"]
    assert {name: accounts[name]["auth_method"] for name in KEY_BASED} == dict.fromkeys(KEY_BASED, method)
    assert accounts["ops-admin"]["scopes"] == ["admin:all", "audit:export"]


def test_the_disabled_account_on_each_provider(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev, staging, prod = (accounts_of(plan_document(repo, stack, capsys))["old-exporter"] for stack in STACKS)
    resources = {
        stack: {resource["name"] for resource in account["resources"]}
        for stack, account in (("dev", dev), ("staging", staging), ("prod", prod))
    }
    # Dev (Okta): active, its app, policy, rule, secret and bundle.
    assert dev["status"] == "active"
    assert "old-exporter-app" in resources["dev"]
    # Staging (Auth0): disabled by having no grant; the client, its secret and bundle stay.
    assert staging["status"] == "disabled"
    assert "old-exporter-grant" not in resources["staging"]
    assert {"old-exporter-app", "old-exporter-credentials", "old-exporter-bundle"} <= resources["staging"]
    # Prod (Cognito): app clients cannot be disabled, so there is none, and no bundle.
    assert prod["status"] == "disabled"
    assert (prod["credentials"], prod["cognito_client_names"]) == ([], [])
    assert resources["prod"] == {"old-exporter"}


# ---- diff between two revisions -------------------------------------------------------------------


def test_diff_reports_a_weakening_in_staging_and_grants_in_prod_with_their_severities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git = GitRepo(tmp_path / "repo")
    git.overlay(FOUR)
    git.commit("baseline")
    root = git.root
    # Staging (Auth0): report-reader weakens to a client secret there only.
    edit(root, READER, "  staging: {}\n", "  staging:\n    auth_method: client_secret_basic\n")
    # Prod (Cognito): report-reader gains a scope, report-writer a privileged one.
    edit(
        root,
        READER,
        "  prod:\n    auth_method: client_secret_basic\n",
        "  prod:\n    auth_method: client_secret_basic\n    scopes: [reports:read, projects:read, reports:write]\n",
    )
    edit(
        root,
        WRITER,
        "    auth_method: client_secret_basic\n    scopes: [reports:write, reports:read]\n",
        "    auth_method: client_secret_basic\n    scopes: [reports:write, reports:read, audit:export]\n",
    )
    assert validate(root, capsys) == (0, [])
    code = main(["diff", "--root", str(root), "--base", "main", "--format", "json", "--fail-on", "high"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert sorted((f["environment"], f["account"], f["rule"], f["severity"]) for f in document["findings"]) == [
        ("prod", "report-reader", "scope-granted", "medium"),
        ("prod", "report-writer", "privileged-scope-granted", "high"),
        ("staging", "report-reader", "auth-method-weakened", "high"),
    ]


# ---- the policy pack over what the program registers ------------------------------------------------


@pytest.fixture
def stack_config() -> Iterator[None]:
    """The policy process's view of stack config, as the CLI sets it up: starts empty."""
    token = runtime_config.CONFIG.set({})
    yield
    runtime_config.CONFIG.reset(token)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pack judges credential end dates against now.
    monkeypatch.setenv("SVCACCOUNTS_NOW", f"{AT}T09:00:00Z")


def stack_plan(root: Path, stack: str, at: datetime) -> EnvironmentPlan:
    result = load_repository(root)
    assert result.catalog is not None, result.findings
    (found,) = [s for s in result.stacks if s.name == stack]
    settings = settings_of(found).settings
    assert settings is not None
    return plan_environment(result.catalog.for_environment(settings.environment), settings, at)


def registered(root: Path, stack: str, at: datetime | None = None) -> list[Registered]:
    """What the program registers for `stack` under mocks, with the stack's config as the pack
    reads it (`pulumi preview --policy-pack` passes the stack's config)."""
    plan = stack_plan(root, stack, at or clock.parse_instant(f"{AT}T09:00:00Z"))
    resources = register(plan)
    runtime_config.set_config("svcaccounts:environment", plan.environment)
    runtime_config.set_config("svcaccounts:production", "true" if plan.settings.production else "false")
    return resources


def pack_config(root: Path) -> dict[str, Any]:
    """The committed, generated configuration: what CI passes as --policy-pack-config."""
    return json.loads((root / "policies" / "policy-config.json").read_text())  # type: ignore[no-any-return]


PROVIDER_TYPES = {
    "dev": "okta:app/oAuth:OAuth",
    "staging": "auth0:index/client:Client",
    "prod": "aws:cognito/userPoolClient:UserPoolClient",
}


@pytest.mark.parametrize("stack", list(STACKS))
def test_each_stacks_program_passes_the_whole_pack(stack: str, stack_config: None) -> None:
    resources = registered(FOUR, stack)
    assert PROVIDER_TYPES[stack] in {resource.resource_type for resource in resources}
    report = evaluate(POLICIES, resources, config=pack_config(FOUR))
    assert [(f.policy, f.urn.rsplit("::", 1)[1]) for f in report.violations] == []
    assert report.not_run == ()
    expected_not_applicable = (
        ()
        if stack == "prod"
        else (("privileged-scopes-allowlisted", f"applies to production stacks only; this stack is {stack}"),)
    )
    assert report.not_applicable == expected_not_applicable


def test_the_prod_pack_sees_the_privileged_scopes_of_cognito_clients(stack_config: None) -> None:
    # Guards the test above: without the allowlist, ops-admin's app client is reported in prod.
    resources = registered(FOUR, "prod")
    config = pack_config(FOUR)
    config["privileged-scopes-allowlisted"]["allowedAccounts"] = []
    report = evaluate(POLICIES, resources, config=config)
    assert [(f.policy, f.urn.rsplit("::", 1)[1], f.enforcement_level) for f in report.violations] == [
        ("privileged-scopes-allowlisted", "ops-admin-client-g19", EnforcementLevel.MANDATORY)
    ]
    assert "admin:all, audit:export" in report.violations[0].message


# ---- rotation on each provider ------------------------------------------------------------------------

# report-reader rotates from g19 to g20 on 2025-07-03, with 7 days' grace.
BEFORE_ROTATION = datetime(2025, 7, 2, tzinfo=UTC)
IN_GRACE = datetime(2025, 7, 4, tzinfo=UTC)
AFTER_GRACE = datetime(2025, 7, 11, tzinfo=UTC)


def _named(resources: list[Registered], name: str) -> Registered:
    (found,) = [resource for resource in resources if resource.name == name]
    return found


def bundle_of(resources: list[Registered], stack: str, account: str) -> dict[str, Any]:
    if stack == "dev":  # Key Vault
        return json.loads(_named(resources, f"{account}-bundle").inputs["properties"]["value"])  # type: ignore[no-any-return]
    return json.loads(_named(resources, f"{account}-bundle-version").inputs["secretString"])  # type: ignore[no-any-return]


def live_credentials(resources: list[Registered], stack: str, account: str) -> list[str]:
    """What the provider accepts for `account`, named as its bundle names it."""
    if stack == "dev":  # Okta: the keys in the app's JWKS, by kid
        return [jwk["kid"] for jwk in _named(resources, f"{account}-app").inputs["jwks"]]
    if stack == "staging":  # Auth0: the client's public keys, by the kid Auth0 derives
        credentials = _named(resources, f"{account}-credentials").inputs["privateKeyJwt"]["credentials"]
        return [jwk_thumbprint(credential["pem"]) for credential in credentials]
    # Cognito: an app client per live generation, by client id
    return [
        resource.id or ""
        for resource in resources
        if resource.resource_type == PROVIDER_TYPES["prod"] and resource.name.startswith(f"{account}-client-")
    ]


def bundle_credential(bundle: dict[str, Any], stack: str) -> str:
    return str(bundle["client_id"] if stack == "prod" else bundle["key_id"])


@pytest.mark.parametrize("stack", list(STACKS))
def test_a_rotation_keeps_every_consumer_working_on_each_provider(stack: str, stack_config: None) -> None:
    seen = {}
    for label, at in (("before", BEFORE_ROTATION), ("grace", IN_GRACE), ("after", AFTER_GRACE)):
        resources = registered(FOUR, stack, at)
        bundle = bundle_of(resources, stack, "report-reader")
        live = live_credentials(resources, stack, "report-reader")
        # The bundle always names a credential the provider accepts.
        assert bundle_credential(bundle, stack) in live
        seen[label] = (bundle["generation"], bundle_credential(bundle, stack), set(live))
    (old_generation, old, before), (new_generation, new, grace), (_, last, after) = (
        seen["before"],
        seen["grace"],
        seen["after"],
    )
    assert (old_generation, new_generation) == (19, 20)
    assert old != new
    assert before == {old}
    # Through grace the previous generation's credential stays: a consumer still holding the old
    # bundle keeps getting tokens (Okta and Auth0: two keys; Cognito: two app clients).
    assert grace == {old, new}
    assert after == {new} and last == new


# ---- the repository with Entra ID ---------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_entra_repository_still_validates_plans_and_passes_the_pack(
    stack: str, capsys: pytest.CaptureFixture[str], stack_config: None
) -> None:
    assert validate(MIXED, capsys) == (0, [])
    document = plan_document(MIXED, stack, capsys)
    assert document["identity_provider"] == {"dev": "okta", "prod": "entra-id"}[stack]
    report = evaluate(POLICIES, registered(MIXED, stack), config=pack_config(MIXED))
    assert [(f.policy, f.urn.rsplit("::", 1)[1]) for f in report.violations] == []
    assert report.not_run == ()


def test_the_entra_repository_diffs_a_weakening_and_a_grant_in_its_entra_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git = GitRepo(tmp_path / "repo")
    git.overlay(MIXED)
    git.commit("baseline")
    new_prod = "  prod:\n    auth_method: client_secret_basic\n    scopes: [reports:read, projects:read, reports:write]\n"
    edit(git.root, READER, "  prod: {}\n", new_prod)
    code = main(["diff", "--root", str(git.root), "--base", "main", "--format", "json", "--fail-on", "high"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert sorted((f["environment"], f["account"], f["rule"], f["severity"]) for f in document["findings"]) == [
        ("prod", "report-reader", "auth-method-weakened", "high"),
        ("prod", "report-reader", "scope-granted", "medium"),
    ]
