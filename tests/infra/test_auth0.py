"""The Pulumi program on an Auth0 stack, under mocks: the staging stack of
tests/fixtures/auth0-staging (dev deploys to Okta, staging to Auth0, bundles in AWS Secrets
Manager), with report-reader (private_key_jwt, 30-day period, 7 days' grace), report-writer
(client_secret_basic, 60 + 10) and old-exporter (client_secret_basic, disabled in staging)."""

from __future__ import annotations

import json
import shutil
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc.errors import SecurityWarning
from joserfc.jwk import RSAKey

from svcaccounts.core import naming
from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.core.rotation import iso_utc
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_settings import settings_of
from svcaccounts.infra.auth0.jwk import jwk_thumbprint
from svcaccounts.infra.program import build
from tests.support.pulumi_harness import (
    MOCK_SECRET_PREFIX,
    PulumiHarness,
    Registered,
    mock_auth0_client_id,
    mock_rsa_key,
    mock_secret,
)
from tests.support.repository import FIXTURES

Mocks = Callable[[str], PulumiHarness]

STAGING = FIXTURES / "auth0-staging"
DOMAIN = "example-staging.eu.auth0.com"
AUDIENCE = "https://api.example.com/mcp"
TOKEN_URL = f"https://{DOMAIN}/oauth/token"
AT = datetime(2025, 6, 15, tzinfo=UTC)
# report-reader rotates from g19 to g20 on 2025-07-03, with 7 days' grace.
BEFORE_ROTATION = datetime(2025, 7, 2, tzinfo=UTC)
IN_GRACE = datetime(2025, 7, 4, tzinfo=UTC)
AFTER_GRACE = datetime(2025, 7, 11, tzinfo=UTC)
PROVIDER_URN = "pulumi:providers:auth0::auth0"


def auth0_plan(root: Path = STAGING, at: datetime = AT) -> EnvironmentPlan:
    result = load_repository(root)
    assert result.catalog is not None, result.findings
    (stack,) = [s for s in result.stacks if s.name == "staging"]
    settings = settings_of(stack).settings
    assert settings is not None
    return plan_environment(result.catalog.for_environment(settings.environment), settings, at)


def deployed(pulumi_mocks: Mocks, plan: EnvironmentPlan) -> tuple[PulumiHarness, dict[str, Any]]:
    harness = pulumi_mocks("staging")
    return harness, harness.run(lambda: build(plan).outputs)


def bundle_of(harness: PulumiHarness, account: str) -> dict[str, Any]:
    return json.loads(harness.named(f"{account}-bundle-version").inputs["secretString"])  # type: ignore[no-any-return]


def parent_name(resource: Registered) -> str | None:
    assert resource.parent is not None, resource.urn
    _, _, parent_type, name = resource.parent.split("::")
    return None if parent_type == "pulumi:pulumi:Stack" else name


def credentials_of(harness: PulumiHarness, account: str) -> list[dict[str, Any]]:
    return harness.named(f"{account}-credentials").inputs["privateKeyJwt"]["credentials"]  # type: ignore[no-any-return]


# ---- the plan's resources, and the shared API -----------------------------------------------


def test_the_program_registers_exactly_the_plans_resources_with_their_parents(pulumi_mocks: Mocks) -> None:
    plan = auth0_plan()
    harness, _ = deployed(pulumi_mocks, plan)
    registered = Counter((r.resource_type, r.name, parent_name(r)) for r in harness.resources)
    assert registered == Counter((r.type, r.name, r.parent) for r in plan.resources())


def test_the_api_is_one_resource_server_with_every_catalog_scope_in_one_resource(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, auth0_plan())
    api = harness.named("auth0-api").inputs
    assert api == {
        "name": "svcaccounts API (staging)",
        "identifier": AUDIENCE,
        "signingAlg": "RS256",
        "tokenDialect": "access_token",
        "tokenLifetime": 3600,
        "allowOfflineAccess": False,
        "skipConsentForVerifiableFirstPartyClients": False,
    }
    scopes = harness.named("auth0-api-scopes").inputs
    assert scopes["resourceServerIdentifier"] == AUDIENCE
    assert [(s["name"], s["description"]) for s in scopes["scopes"]] == [
        ("reports:read", "Read reports"),
        ("reports:write", "Write reports"),
        ("projects:read", "Read projects"),
        ("admin:all", "Administer everything"),
    ]
    assert harness.named("auth0").inputs["domain"] == DOMAIN
    assert all(PROVIDER_URN in (r.provider or "") for r in harness.resources if r.resource_type.startswith("auth0:"))
    assert not [r for r in harness.resources if r.resource_type == "auth0:index/resourceServerScope:ResourceServerScope"]


def test_the_api_takes_the_lifetime_the_accounts_agree_on(tmp_path: Path, pulumi_mocks: Mocks) -> None:
    root = tmp_path / "repo"
    shutil.copytree(STAGING, root)
    for name in ("report-reader", "report-writer", "old-exporter"):
        path = root / "service_accounts" / "reporting" / f"{name}.yaml"
        path.write_text(path.read_text().replace("auth_method:", "token_lifetime_minutes: 20\nauth_method:"))
    plan = auth0_plan(root)
    assert plan.api_token_lifetime_minutes == 20
    assert {account.token_lifetime_minutes for account in plan.accounts} == {20}
    harness, _ = deployed(pulumi_mocks, plan)
    assert harness.named("auth0-api").inputs["tokenLifetime"] == 1200


# ---- per account ----------------------------------------------------------------------------


def test_each_account_is_a_non_interactive_client_credentials_client(pulumi_mocks: Mocks) -> None:
    harness, _ = deployed(pulumi_mocks, auth0_plan())
    client = harness.named("report-writer-app").inputs
    assert client == {
        "name": "report-writer (staging)",
        "appType": "non_interactive",
        "grantTypes": ["client_credentials"],
        "description": "Managed by svcaccounts",
        "clientMetadata": {
            "managed_by": "svcaccounts",
            "owner_team": "reporting",
            "owner_email": "reporting@example.com",
        },
        "oidcConformant": True,
    }


def test_a_grant_is_exactly_the_effective_scopes_on_the_stacks_audience(pulumi_mocks: Mocks) -> None:
    plan = auth0_plan()
    harness, _ = deployed(pulumi_mocks, plan)
    # report-writer's staging override adds reports:read to its reports:write.
    assert harness.named("report-writer-grant").inputs == {
        "clientId": mock_auth0_client_id("report-writer-app"),
        "audience": AUDIENCE,
        "scopes": ["reports:write", "reports:read"],
        "subjectType": "client",
    }
    assert harness.named("report-reader-grant").inputs["scopes"] == ["reports:read", "projects:read"]
    # The API must define the scopes before a grant names them.
    scopes_urn = harness.named("auth0-api-scopes").urn
    assert all(scopes_urn in g.dependencies for g in harness.of_type(naming.AUTH0_CLIENT_GRANT_TYPE))


def test_a_disabled_account_has_no_grant_but_keeps_its_client_credentials_and_bundle(pulumi_mocks: Mocks) -> None:
    harness, outputs = deployed(pulumi_mocks, auth0_plan())
    names = {r.name for r in harness.resources}
    assert "old-exporter-grant" not in names
    assert {"old-exporter-app", "old-exporter-credentials", "old-exporter-bundle"} <= names
    assert outputs["old-exporter"]["status"] == "disabled"


def test_a_client_secret_account_sets_its_one_secret_as_a_pulumi_secret(pulumi_mocks: Mocks) -> None:
    plan = auth0_plan()
    writer = plan.account("report-writer")
    assert writer is not None
    harness, _ = deployed(pulumi_mocks, plan)
    credentials = harness.named("report-writer-credentials")
    secret = mock_secret(writer.current.resource)
    assert credentials.inputs == {
        "clientId": mock_auth0_client_id("report-writer-app"),
        "authenticationMethod": "client_secret_basic",
        "clientSecret": secret,
    }
    assert credentials.secret_inputs
    bundle = bundle_of(harness, "report-writer")
    assert bundle["client_secret"] == secret
    assert bundle["version"] == 2
    assert bundle["request"] == {"scope": "reports:write reports:read", "audience": AUDIENCE}
    assert bundle["token_url"] == TOKEN_URL
    assert bundle["client_id"] == mock_auth0_client_id("report-writer-app")


def test_the_bundle_names_the_key_by_the_kid_auth0_gives_it(pulumi_mocks: Mocks) -> None:
    plan = auth0_plan()
    reader = plan.account("report-reader")
    assert reader is not None
    harness, _ = deployed(pulumi_mocks, plan)
    private, public = mock_rsa_key(reader.current.resource)
    bundle = bundle_of(harness, "report-reader")
    assert bundle["private_key_pem"] == private
    # RFC 7638, as joserfc computes it: what Auth0 generates as the credential's kid.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # the mocks' keys are 1024 bits, for speed
        expected = RSAKey.import_key(public).thumbprint()
    assert bundle["key_id"] == jwk_thumbprint(public) == expected
    assert bundle["request"] == {"scope": "reports:read projects:read", "audience": AUDIENCE}


def _reader_keys(pulumi_mocks: Mocks, at: datetime) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    harness, _ = deployed(pulumi_mocks, auth0_plan(at=at))
    return credentials_of(harness, "report-reader"), bundle_of(harness, "report-reader")


def test_across_a_rotation_both_keys_work_through_grace(pulumi_mocks: Mocks) -> None:
    before, old_bundle = _reader_keys(pulumi_mocks, BEFORE_ROTATION)
    during, new_bundle = _reader_keys(pulumi_mocks, IN_GRACE)
    after, last_bundle = _reader_keys(pulumi_mocks, AFTER_GRACE)
    g19 = {"credentialType": "public_key", "name": "report-reader-g19", "algorithm": "RS256",
           "pem": mock_rsa_key("report-reader-key-g19")[1], "expiresAt": "2025-07-17T00:00:00Z"}
    g20 = {"credentialType": "public_key", "name": "report-reader-g20", "algorithm": "RS256",
           "pem": mock_rsa_key("report-reader-key-g20")[1], "expiresAt": "2025-08-16T00:00:00Z"}
    assert before == [g19]
    # The new key is added beside the old one, which is unchanged: consumers still holding the
    # g19 bundle keep getting tokens until grace ends, those with the g20 bundle already do.
    assert during == [g20, g19]
    assert after == [g20]
    assert (old_bundle["generation"], new_bundle["generation"], last_bundle["generation"]) == (19, 20, 20)
    assert old_bundle["key_id"] == jwk_thumbprint(g19["pem"])
    assert new_bundle["key_id"] == last_bundle["key_id"] == jwk_thumbprint(g20["pem"])
    # A credential's end is its generation's end of grace plus slack, fixed by the schedule.
    plan = auth0_plan(at=IN_GRACE).account("report-reader")
    assert plan is not None
    assert [iso_utc(c.expires_at) for c in plan.credentials] == [g20["expiresAt"], g19["expiresAt"]]  # type: ignore[arg-type]


def test_a_client_secret_has_no_overlap_across_a_rotation(pulumi_mocks: Mocks) -> None:
    # report-writer rotates on 2025-07-09: one secret before, the next one only after.
    plan = auth0_plan(at=datetime(2025, 7, 10, tzinfo=UTC))
    writer = plan.account("report-writer")
    assert writer is not None
    assert [c.generation for c in writer.credentials] == [11]
    assert writer.rotation.in_grace


# ---- outputs and isolation ------------------------------------------------------------------


def test_nothing_secret_reaches_the_accounts_output(pulumi_mocks: Mocks) -> None:
    _, outputs = deployed(pulumi_mocks, auth0_plan())
    text = json.dumps(outputs)
    assert MOCK_SECRET_PREFIX not in text and "PRIVATE KEY" not in text
    assert outputs["report-reader"]["tokenUrl"] == TOKEN_URL
    assert outputs["report-reader"]["clientId"] == mock_auth0_client_id("report-reader-app")


def test_a_change_to_one_account_touches_only_its_resources(tmp_path: Path, pulumi_mocks: Mocks) -> None:
    root = tmp_path / "repo"
    shutil.copytree(STAGING, root)
    path = root / "service_accounts" / "reporting" / "report-writer.yaml"
    path.write_text(path.read_text().replace("scopes: [reports:write, reports:read]", "scopes: [reports:write]"))
    runs = []
    for repository in (STAGING, root):
        harness, _ = deployed(pulumi_mocks, auth0_plan(repository))
        runs.append({r.name: (r.inputs, r.parent) for r in harness.resources})
    changed = {name for name in runs[0] if runs[0][name] != runs[1].get(name)}
    assert changed == {"report-writer-grant", "report-writer-bundle-version"}
