"""The samples this repository ships (service_accounts/, scopes.yaml, Pulumi.<stack>.yaml) and the
policy pack's shipped configuration. These are the only tests that read them: every other test
uses the copy in tests/fixtures/sample-organisation/, so editing a sample can break only these."""

from __future__ import annotations

import json

import jsonschema
import pytest
from svcaccounts_policies.pack import POLICIES

from svcaccounts.cli import main
from svcaccounts.definitions import load_repository
from tests.support.repository import REPOSITORY_ROOT

PACK_DIR = REPOSITORY_ROOT / "policies"


def test_the_shipped_samples_validate_and_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(REPOSITORY_ROOT)]) == 0
    assert capsys.readouterr().out == "ok: 3 files checked\n"
    stacks = [stack.name for stack in load_repository(REPOSITORY_ROOT).stacks]
    assert stacks
    for stack in stacks:
        assert main(["plan", "--stack", stack, "--root", str(REPOSITORY_ROOT)]) == 0, stack
        assert capsys.readouterr().err == ""


def test_shipped_config_names_the_catalogs_privileged_scopes_and_fits_the_schemas() -> None:
    shipped = json.loads((PACK_DIR / "policy-config.json").read_text())
    catalog = load_repository(PACK_DIR.parent).catalog
    assert catalog is not None
    privileged = sorted(scope.name for scope in catalog.scopes if scope.privileged)
    assert sorted(shipped["privileged-scopes-allowlisted"]["privilegedScopes"]) == privileged
    by_name = {policy.name: policy for policy in POLICIES}
    for name, settings in shipped.items():
        schema = by_name[name].config_schema
        assert schema is not None
        jsonschema.validate(
            settings, {"type": "object", "properties": schema.properties, "additionalProperties": False}
        )
