"""The program under mocks writes what the contracts' readers read and their schemas accept: the
stored credential bundles and the `accounts` output, for a Key Vault and an AWS stack."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from svcaccounts.client import parse_bundle
from svcaccounts.core.contracts import accounts_output, bundle
from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.definitions import load_files
from svcaccounts.definitions.loader import read_repository_files
from svcaccounts.definitions.stack_settings import settings_of
from svcaccounts.infra.program import build
from tests.support import contract_schemas
from tests.support.contract_schemas import VALID
from tests.support.pulumi_harness import PulumiHarness
from tests.support.repository import DEFINITION_FIXTURES, FIXTURES

Mocks = Callable[[str], PulumiHarness]
AT = datetime(2025, 6, 15, 12, tzinfo=UTC)
REPOSITORY = DEFINITION_FIXTURES / "valid"
AWS_STACK_FILE = FIXTURES / "contracts" / "Pulumi.dev-aws.yaml"
# Where each store's resources hold the bundle's text.
STORED_BUNDLES: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "dev": ("azure-native:keyvault:Secret", lambda inputs: inputs["properties"]["value"]),
    "dev-aws": ("aws:secretsmanager/secretVersion:SecretVersion", lambda inputs: inputs["secretString"]),
}


def plan_of(stack: str) -> EnvironmentPlan:
    files = read_repository_files(REPOSITORY)
    files[AWS_STACK_FILE.name] = AWS_STACK_FILE.read_bytes()
    result = load_files(files)
    assert result.catalog is not None, result.findings
    (found,) = [candidate for candidate in result.stacks if candidate.name == stack]
    settings = settings_of(found).settings
    assert settings is not None
    return plan_environment(result.catalog.for_environment(settings.environment), settings, AT)


@pytest.fixture(params=sorted(STORED_BUNDLES))
def deployed(
    request: pytest.FixtureRequest, pulumi_mocks: Mocks
) -> tuple[str, EnvironmentPlan, PulumiHarness, Any]:
    """(stack, its plan, the mocks after the run, the `accounts` output)."""
    stack: str = request.param
    plan = plan_of(stack)
    harness = pulumi_mocks(stack)
    return stack, plan, harness, harness.run(lambda: build(plan).outputs)


def test_the_accounts_output_validates_and_reads_back(
    deployed: tuple[str, EnvironmentPlan, PulumiHarness, Any],
) -> None:
    stack, plan, _, output = deployed
    document = {"accounts": output}

    assert contract_schemas.verdicts(accounts_output.SCHEMA, document) == VALID
    read = accounts_output.parse_deployed(document, token_settings_required=True)
    assert sorted(read) == sorted(account.name for account in plan.accounts)
    assert {account.auth_method for account in plan.accounts} == {"private_key_jwt", "client_secret_basic"}
    for account in plan.accounts:
        deployed_account = read[account.name]
        assert deployed_account.generation == account.generation
        assert deployed_account.next_rotation == account.rotation.next_rotation
        assert deployed_account.token_settings is not None
        assert deployed_account.token_settings.auth_method == account.auth_method
        assert deployed_account.token_settings.scopes == account.scopes
        store_name = (
            deployed_account.aws_secret_name if stack == "dev-aws" else deployed_account.key_vault_secret_name
        )
        assert store_name == account.secret_name


def test_every_stored_bundle_validates_and_agrees_with_the_output(
    deployed: tuple[str, EnvironmentPlan, PulumiHarness, Any],
) -> None:
    stack, plan, harness, output = deployed
    resource_type, text_of = STORED_BUNDLES[stack]
    texts = [text_of(resource.inputs) for resource in harness.of_type(resource_type)]
    assert len(texts) == len(plan.accounts)

    for text in texts:
        assert contract_schemas.verdicts(bundle.SCHEMA, json.loads(text)) == VALID
        read = parse_bundle(text, origin=stack)  # the token client: structure and private key
        (name,) = [name for name, entry in output.items() if entry["clientId"] == read.client_id]
        entry = output[name]
        assert (read.generation, read.auth_method, list(read.scopes)) == (
            entry["generation"],
            entry["authMethod"],
            entry["scopes"],
        )
        assert read.rotates_at == accounts_output.deployed_account({"accounts": output}, name).next_rotation
