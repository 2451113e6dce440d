"""Every spelling of a resource type is checked: the providers' renamed tokens and every
azure-native API version. The spellings come from the installed SDKs (their `aliases=`), so an SDK
upgrade that adds one fails here until the pack knows it."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pulumi_policy import StackValidationPolicy
from svcaccounts_policies import (
    aws_secrets,
    cognito,
    key_vault,
    okta_app_companions,
    okta_apps,
    okta_auth,
    resource_types,
    stack,
)
from svcaccounts_policies.key_vault import KEY_VAULT_SECRET
from svcaccounts_policies.pack import POLICIES
from svcaccounts_policies.resource_types import canonical_type

from tests.support.policy_baselines import (
    BASELINES,
    NOW,
    baseline,
    check_resource,
    in_environment,
    violations,
)
from tests.support.policy_evaluator import Registered, evaluate, urn_for

RULE_MODULES: tuple[ModuleType, ...] = (
    okta_apps,
    okta_app_companions,
    okta_auth,
    key_vault,
    aws_secrets,
    cognito,
    stack,
)
PACK_DIR = Path(resource_types.__file__).parent
TOKEN = re.compile(r"(okta|azure-native|aws|azuread):[A-Za-z0-9/]+:[A-Za-z0-9]+")
SDK_PACKAGES = {
    "okta": "pulumi_okta",
    "azure-native": "pulumi_azure_native",
    "aws": "pulumi_aws",
    "azuread": "pulumi_azuread",
}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


def sdk_class(token: str) -> Any:
    """The installed SDK's resource class for a type token, found through the package's own
    token -> class registry (what the Pulumi runtime uses to rehydrate resources)."""
    package = SDK_PACKAGES[token.split(":")[0]]
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    registry = re.search(r'resource_modules="""(.*?)"""', Path(spec.origin).read_text(), re.DOTALL)
    assert registry is not None
    for module in json.loads(registry.group(1)):
        if token in module["classes"]:
            return getattr(importlib.import_module(module["fqn"]), module["classes"][token])
    raise LookupError(f"{token} is not a resource type of the installed {package}")


def sdk_aliases(token: str) -> list[str]:
    return re.findall(r'pulumi\.Alias\(type_="([^"]+)"\)', inspect.getsource(sdk_class(token)))


def matched_tokens() -> set[str]:
    """Every provider type token named in the rule modules (alone, or in a collection)."""
    tokens: set[str] = set()
    for module in RULE_MODULES:
        for value in vars(module).values():
            values = value if isinstance(value, frozenset | tuple | set) else (value,)
            tokens |= {item for item in values if isinstance(item, str) and TOKEN.fullmatch(item)}
    return tokens


SPELLINGS = sorted(
    {(token, alias) for token in BASELINES for alias in sdk_aliases(token)}
    # azure-native 1.x's "latest" module predates the installed SDK.
    | {(KEY_VAULT_SECRET, "azure-native:keyvault/latest:Secret")}
)


def test_the_sdks_are_read_for_aliases() -> None:
    # Without this, a regular expression that finds nothing would make the tests below vacuous.
    assert "azure-native:keyvault/v20241101:Secret" in sdk_aliases(KEY_VAULT_SECRET)
    assert sdk_aliases("okta:auth/serverPolicyRule:ServerPolicyRule") == [
        "okta:auth/serverPolicyClaim:ServerPolicyClaim"
    ]


@pytest.mark.parametrize("token", sorted(matched_tokens()))
def test_every_type_the_pack_matches_is_a_type_of_the_installed_sdk(token: str) -> None:
    assert sdk_class(token).__name__ == token.rsplit(":", 1)[1]


@pytest.mark.parametrize("token", sorted(matched_tokens()))
def test_every_alias_the_sdk_declares_maps_to_the_type(token: str) -> None:
    assert [canonical_type(alias) for alias in sdk_aliases(token)] == [token] * len(sdk_aliases(token))


def test_the_issues_versioned_key_vault_secret_without_value_expiry_or_tags_is_reported() -> None:
    props = baseline(KEY_VAULT_SECRET)
    del props["properties"]["value"]
    del props["properties"]["attributes"]["expires"]
    del props["tags"]

    assert [policy for policy, _ in violations("azure-native:keyvault/v20241101:Secret", props)] == [
        "key-vault-secret-expiry",
        "key-vault-secret-owner-environment-tags",
        "key-vault-secret-has-value",
    ]


@pytest.mark.parametrize(("token", "alias"), SPELLINGS, ids=[alias for _, alias in SPELLINGS])
def test_a_resource_registered_under_an_alias_gets_the_same_verdicts(token: str, alias: str) -> None:
    # Empty properties break every rule of the type; the alias must be told exactly the same.
    expected = violations(token, {})
    assert expected
    assert violations(alias, {}) == expected


@pytest.mark.parametrize("token", sorted(BASELINES))
def test_the_compliant_baseline_passes_under_every_spelling(token: str) -> None:
    for alias in sdk_aliases(token):
        assert check_resource(alias, BASELINES[token]).violations == ()


def test_a_privileged_scope_in_a_rule_registered_under_its_old_token_is_reported() -> None:
    component = urn_for(stack.SERVICE_ACCOUNT_COMPONENT, "reporting")
    rule = Registered(
        urn_for("okta:auth/serverPolicyClaim:ServerPolicyClaim", "reporting-rule"),
        "okta:auth/serverPolicyClaim:ServerPolicyClaim",
        "reporting-rule",
        {**baseline(okta_auth.SERVER_POLICY_RULE), "scopeWhitelists": ["mcp:users:admin"]},
        parent=component,
    )
    config = in_environment(
        "prod", **{"privileged-scopes-allowlisted": {"privilegedScopes": ["mcp:users:admin"]}}
    )
    stack_policies = [policy for policy in POLICIES if isinstance(policy, StackValidationPolicy)]
    report = evaluate(
        stack_policies,
        [Registered(component, stack.SERVICE_ACCOUNT_COMPONENT, "reporting", {}), rule],
        config=config,
    )

    assert [(finding.policy, finding.urn) for finding in report.violations] == [
        ("privileged-scopes-allowlisted", rule.urn)
    ]


def test_no_rule_compares_resource_types_itself() -> None:
    """One matching mechanism: only resource_types.py looks at a resource type token."""
    offenders = []
    for path in sorted(PACK_DIR.glob("*.py")):
        if path.name in ("resource_types.py", "offline.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                parts = [node.left, *node.comparators]
                if any(isinstance(part, ast.Attribute) and part.attr == "resource_type" for part in parts):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
