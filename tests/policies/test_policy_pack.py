"""The pack definition: every rule registered once, described, with a level and a valid schema."""

from __future__ import annotations

import ast
import inspect
import re
from types import ModuleType

import jsonschema
import pytest
import yaml
from pulumi_policy import EnforcementLevel, Policy, ResourceValidationPolicy, StackValidationPolicy
from svcaccounts_policies import (
    auth0,
    aws_secrets,
    cognito,
    config,
    entra_id,
    key_vault,
    okta_app_companions,
    okta_apps,
    okta_auth,
    stack,
)
from svcaccounts_policies.pack import PACK_NAME, POLICIES

from tests.support.repository import REPOSITORY_ROOT

PACK_DIR = REPOSITORY_ROOT / "policies"
RULE_MODULES = (okta_apps, okta_app_companions, okta_auth, key_vault, aws_secrets, entra_id, auth0, cognito, stack)
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def rule_functions(module: ModuleType) -> set[object]:
    return {
        function
        for _, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and list(inspect.signature(function).parameters) == ["args", "report_violation"]
    }


def registered_function(policy: Policy) -> object:
    # pulumi_policy keeps the callback in a name-mangled attribute and offers no getter.
    if isinstance(policy, ResourceValidationPolicy):
        return policy._ResourceValidationPolicy__validate  # type: ignore[attr-defined]
    return policy._StackValidationPolicy__validate  # type: ignore[attr-defined]


def test_every_rule_function_is_registered_exactly_once() -> None:
    defined = set().union(*(rule_functions(module) for module in RULE_MODULES))
    # The modules' policies: the pack's are the same, each wrapped (test_policy_rule_failures.py).
    registered = [registered_function(policy) for module in RULE_MODULES for policy in module.POLICIES]
    assert len(registered) == len(set(registered))
    assert set(registered) == defined


def test_pack_lists_each_modules_policies() -> None:
    declared = tuple(policy.name for module in RULE_MODULES for policy in module.POLICIES)
    assert declared == tuple(policy.name for policy in POLICIES)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda policy: policy.name)
def test_policy_is_named_described_and_levelled(policy: Policy) -> None:
    assert KEBAB.match(policy.name)
    assert policy.description.endswith(".")
    assert policy.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY)
    assert policy.severity is not None


def test_policy_names_are_unique() -> None:
    names = [policy.name for policy in POLICIES]
    assert len(names) == len(set(names))


def test_stack_rules_are_stack_policies_and_the_rest_resource_policies() -> None:
    stack_names = {policy.name for policy in stack.POLICIES}
    for policy in POLICIES:
        expected = StackValidationPolicy if policy.name in stack_names else ResourceValidationPolicy
        assert isinstance(policy, expected)


def test_only_the_prod_client_secret_finding_is_advisory() -> None:
    advisory = [p.name for p in POLICIES if p.enforcement_level == EnforcementLevel.ADVISORY]
    assert advisory == ["okta-app-prod-prefers-private-key-jwt"]


@pytest.mark.parametrize(
    "policy", [p for p in POLICIES if p.config_schema is not None], ids=lambda policy: policy.name
)
def test_config_schema_is_valid_and_documents_every_default(policy: Policy) -> None:
    assert policy.config_schema is not None
    document = {"type": "object", "properties": policy.config_schema.properties}
    jsonschema.Draft7Validator.check_schema(document)
    for key, schema in policy.config_schema.properties.items():
        assert schema["description"]
        # The environment and production are resolved at run time (module docstring of config.py);
        # all else has a default.
        # privilegedScopes has none on purpose: unset in production is a violation (stack.py).
        assert ("default" in schema) == (key not in ("environment", "production", "privilegedScopes"))
        if "default" in schema:
            jsonschema.validate({key: schema["default"]}, document)


def test_documented_defaults_are_the_issue_defaults() -> None:
    lifetime = next(p for p in POLICIES if p.name == "okta-policy-rule-token-lifetime")
    expiry = next(p for p in POLICIES if p.name == "key-vault-secret-expiry")
    assert lifetime.config_schema is not None and expiry.config_schema is not None
    assert lifetime.config_schema.properties["prodMaximumMinutes"]["default"] == 60
    assert lifetime.config_schema.properties["nonProdMaximumMinutes"]["default"] == 1440
    assert expiry.config_schema.properties["maximumDays"]["default"] == 366
    assert config.PROD == "prod"


def test_main_only_builds_the_pack_from_the_registered_list() -> None:
    tree = ast.parse((PACK_DIR / "__main__.py").read_text())
    imports = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imports == {
        ("pulumi_policy", "PolicyPack"),
        ("svcaccounts_policies.pack", "DEFAULT_ENFORCEMENT"),
        ("svcaccounts_policies.pack", "PACK_NAME"),
        ("svcaccounts_policies.pack", "POLICIES"),
    }
    calls = [
        node.value for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    others = [
        node
        for node in tree.body[1:]
        if not isinstance(node, ast.ImportFrom)
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
    ]
    assert others == []
    assert len(calls) == 1 and ast.unparse(calls[0].func) == "PolicyPack"
    keywords = {kw.arg: ast.unparse(kw.value) for kw in calls[0].keywords}
    assert keywords["name"] == "PACK_NAME"
    assert keywords["policies"] == "list(POLICIES)"


def test_project_file_declares_a_python_pack() -> None:
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", PACK_NAME)

