"""The program under mocks after `svcaccounts okta import`: it registers exactly what the import
file adopts (type, name, parent), its inputs equal the imported state on every field that would
replace a resource, and the adoption window keeps today's credentials working until it ends."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pulumi
import pytest

from svcaccounts.adoption.replacement import COMPUTED_WHEN_ABSENT, IDENTITY, REPLACE_FORCING, imported_state
from svcaccounts.adoption.writer import PreparedImport, write_import
from svcaccounts.commands.okta_import import read_inventory
from svcaccounts.core import naming
from svcaccounts.core.clock import parse_instant
from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.definitions.layout import import_file_path
from svcaccounts.infra.program import build
from svcaccounts.okta_api.credentials import ApiToken
from svcaccounts.okta_api.reader import OktaReader
from svcaccounts.workspace import open_stack_at
from tests.support.import_org import IMPORT_REPO, NOW, SERVER, existing_org, fill_owners
from tests.support.okta_fixtures import API_TOKEN
from tests.support.okta_server import FakeOrg, OktaServer
from tests.support.pulumi_harness import PulumiHarness, Registered, mock_secret

Mocks = Callable[[str], PulumiHarness]
AT = parse_instant(NOW)
ADOPTED_SECRET = "the-secret-consumers-use-today"


@pytest.fixture
def imported(tmp_path: Path, okta_org: FakeOrg, okta_server: OktaServer) -> tuple[Path, PreparedImport]:
    """The fixture repository after an import of the existing org, owners named."""
    existing_org(okta_org)
    root = tmp_path / "repo"
    shutil.copytree(IMPORT_REPO, root)
    with OktaReader(okta_server.base_url, ApiToken(API_TOKEN)) as reader:
        inventory = read_inventory(reader, SERVER)
    prepared = write_import(
        root, inventory, stack="prod", environment="prod", now=AT, owns_scopes=True, project="svcaccounts"
    )
    fill_owners(root)
    return root, prepared


def plan_at(root: Path, at: datetime) -> EnvironmentPlan:
    opened = open_stack_at(root, "prod")
    return plan_environment(opened.view, opened.settings, at, opened.adoption)


def run(
    harness: PulumiHarness, plan: EnvironmentPlan, secrets: dict[str, str] | None = None
) -> dict[str, Any]:
    def program() -> pulumi.Output[Any]:
        adopted = {name: pulumi.Output.secret(value) for name, value in (secrets or {}).items()}
        return build(plan, adopted_secrets=adopted).outputs

    return harness.run(program)  # type: ignore[no-any-return]


def _parent_name(resource: Registered) -> str | None:
    if resource.parent is None or resource.parent.split("::")[-2].endswith("pulumi:Stack"):
        return None
    return resource.parent.rsplit("::", 1)[-1]


def provide_secret(root: Path, account: str) -> None:
    """What `pulumi config set --secret svcaccounts-adopted-secret:<account>` writes."""
    with (root / "Pulumi.prod.yaml").open("a", encoding="utf-8") as stack_file:
        stack_file.write(f"  svcaccounts-adopted-secret:{account}:\n    secure: v1:AAAAAAAAAAAAAAAA\n")


def test_the_import_file_names_what_the_program_registers(
    imported: tuple[Path, PreparedImport], pulumi_mocks: Mocks
) -> None:
    root, _ = imported
    harness = pulumi_mocks("prod")
    run(harness, plan_at(root, AT))
    registered = {(r.resource_type, r.name): r for r in harness.resources}
    entries = json.loads((root / import_file_path("prod")).read_text())["resources"]
    assert len(entries) == 3 + 4 * 4
    for entry in entries:
        resource = registered.get((entry["type"], entry["name"]))
        assert resource is not None, f"the program registers no {entry['type']} {entry['name']}"
        assert _parent_name(resource) == entry.get("parent"), entry["name"]
        assert resource.custom != entry.get("component", False), entry["name"]
        if resource.custom:
            assert resource.provider is not None
            assert resource.provider.split("::")[-1].startswith(naming.OKTA_PROVIDER_NAME), entry["name"]


def test_the_program_s_inputs_equal_the_imported_state_on_every_replace_forcing_field(
    imported: tuple[Path, PreparedImport], pulumi_mocks: Mocks
) -> None:
    root, prepared = imported
    harness = pulumi_mocks("prod")
    run(harness, plan_at(root, AT))
    state = imported_state(prepared.plan)
    ids = {resource.name: resource.id for resource in harness.resources}
    imported_policy = {f"{account.name}-rule": account.policy.id for account in prepared.plan.accounts}
    checked = 0
    for name, fields in state.items():
        resource = harness.named(name)
        for field in (*REPLACE_FORCING[resource.resource_type], *IDENTITY[resource.resource_type]):
            given = resource.inputs.get(field)
            if given is None and field in COMPUTED_WHEN_ABSENT:
                continue
            expected = fields[field]
            if field == "policyId":
                # Under mocks the policy's id is the mock's; after `pulumi import` it is Okta's.
                assert given == ids[name.replace("-rule", "-policy")]
                given = imported_policy[name]
            assert given == expected, f"{name}.{field}: program {given!r}, imported {expected!r}"
            checked += 1
    assert checked == 4 * (2 + 1 + 2) + 3 * 2


def test_a_private_key_app_keeps_its_legacy_key_beside_the_generated_one_until_the_window_ends(
    imported: tuple[Path, PreparedImport], pulumi_mocks: Mocks, okta_org: FakeOrg
) -> None:
    root, prepared = imported
    until = prepared.adoption.accounts["billing-sync"].until
    legacy = next(key for key in okta_org.jwks["0oa00000000000000001"])
    during = pulumi_mocks("prod")
    run(during, plan_at(root, AT))
    jwks = during.named("billing-sync-app").inputs["jwks"]
    assert jwks[0] == {"kid": "billing-2024", "kty": "RSA", "n": legacy["n"], "e": legacy["e"]}
    assert [key["kid"] for key in jwks[1:]] == [
        f"billing-sync-g{plan_at(root, AT).account('billing-sync').generation}"
    ]
    last = pulumi_mocks("prod")
    run(last, plan_at(root, until - timedelta(seconds=1)))
    assert "billing-2024" in [key["kid"] for key in last.named("billing-sync-app").inputs["jwks"]]
    after = pulumi_mocks("prod")
    run(after, plan_at(root, until))
    assert "billing-2024" not in [key["kid"] for key in after.named("billing-sync-app").inputs["jwks"]]


def test_an_adopted_secret_stays_in_okta_and_goes_into_the_bundle_until_the_first_rotation(
    imported: tuple[Path, PreparedImport], pulumi_mocks: Mocks
) -> None:
    root, prepared = imported
    provide_secret(root, "reporting-export")
    until = prepared.adoption.accounts["reporting-export"].until
    during = pulumi_mocks("prod")
    run(during, plan_at(root, until - timedelta(seconds=1)), {"reporting-export": ADOPTED_SECRET})
    app = during.named("reporting-export-app").inputs
    assert "clientBasicSecret" not in app and app["omitSecret"] is False
    assert not [r for r in during.resources if r.name.startswith("reporting-export-secret-")]
    bundle = json.loads(during.named("reporting-export-bundle").inputs["properties"]["value"])
    assert bundle["client_secret"] == ADOPTED_SECRET
    after = pulumi_mocks("prod")
    plan = plan_at(root, until)
    run(after, plan, {"reporting-export": ADOPTED_SECRET})
    generation = plan.account("reporting-export").generation  # type: ignore[union-attr]
    expected = mock_secret(f"reporting-export-secret-g{generation}")
    assert after.named("reporting-export-app").inputs["clientBasicSecret"] == expected
    bundle = json.loads(after.named("reporting-export-bundle").inputs["properties"]["value"])
    assert bundle["client_secret"] == expected


def test_without_the_adopted_secret_the_bundle_waits_and_okta_s_secret_is_untouched(
    imported: tuple[Path, PreparedImport], pulumi_mocks: Mocks
) -> None:
    root, _ = imported
    harness = pulumi_mocks("prod")
    outputs = run(harness, plan_at(root, AT))
    names = {resource.name for resource in harness.resources}
    assert "reporting-export-app" in names and "reporting-export-bundle" not in names
    assert "clientBasicSecret" not in harness.named("reporting-export-app").inputs
    assert "reporting-export" not in outputs and "billing-sync" in outputs


def test_rotation_status_says_the_bundle_waits_instead_of_behind_until_the_secret_is_given(
    imported: tuple[Path, PreparedImport], pulumi_mocks: Mocks, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The deployed outputs leave out an adopted account whose bundle waits: the daily rotation
    # job must name what the operator has to do, not report a failed deploy (exit 3).
    from svcaccounts.cli import main as cli

    root, _ = imported
    outputs = run(pulumi_mocks("prod"), plan_at(root, AT))
    written = tmp_path / "outputs.json"
    written.write_text(json.dumps({"accounts": outputs}))
    status = ["rotation", "status", "--root", str(root), "--stack", "prod", "--at", NOW, "--deployed", str(written)]
    assert cli(status) == 0
    out = capsys.readouterr().out
    (waits,) = [line for line in out.splitlines() if "bundle waits for the app's current secret" in line]
    assert "reporting-export" in waits
    assert "behind" not in out
    # Once the stack file holds the secret, the bundle is expected: its absence is behind again.
    provide_secret(root, "reporting-export")
    assert cli(status) == 3
