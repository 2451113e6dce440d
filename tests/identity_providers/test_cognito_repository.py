"""A repository whose prod stack deploys to Amazon Cognito (tests/fixtures/cognito-prod): what
`validate`, `plan` and `diff` say about it, and what Cognito cannot express of a definition or of
the catalog (a located error naming the stack)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.core import naming
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.provider_checks import provider_findings
from svcaccounts.definitions.stack_settings import settings_of
from tests.identity_providers.conftest import edit

COGNITO_PROD = Path(__file__).parent.parent / "fixtures" / "cognito-prod"
IDENTIFIER = "https://api.example.com/mcp"
TOKEN_URL = "https://example-prod.auth.eu-west-1.amazoncognito.com/oauth2/token"
WRITER = "service_accounts/reporting/report-writer.yaml"
_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(COGNITO_PROD, root)
    return root


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, int, int, str]]]:
    code = main(["validate", "--root", str(root), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    return code, [(f["path"], f["line"], f["col"], f["message"]) for f in document["findings"]]


def plan_json(root: Path, capsys: pytest.CaptureFixture[str], at: str = "2025-06-15") -> dict[str, object]:
    code = main(["plan", "--root", str(root), "--stack", "prod", "--at", at, "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)  # type: ignore[no-any-return]


def test_the_cognito_repository_is_valid(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(repo, capsys) == (0, [])


def test_private_key_jwt_is_refused_on_the_account_naming_the_stack(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, WRITER, "client_secret_basic", "private_key_jwt")
    code, findings = validate(repo, capsys)
    assert code == 1
    # At the account's auth_method, the line that chose prod's effective method.
    assert findings == [
        (WRITER, 7, 1,
         "auth_method private_key_jwt is not offered by Amazon Cognito: stack prod (environment prod) "
         "deploys to Amazon Cognito; use client_secret_basic (environments.prod.auth_method changes it "
         "for this environment only)"),
    ]


def test_a_private_key_account_with_a_secret_override_for_prod_is_valid_on_cognito(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Key-based elsewhere, a client secret in the Cognito environment: what Cognito checks is the
    # environment's effective method.
    edit(repo, WRITER, "auth_method: client_secret_basic", "auth_method: private_key_jwt")
    edit(repo, WRITER, "  prod:\n", "  prod:\n    auth_method: client_secret_basic\n")
    assert validate(repo, capsys) == (0, [])
    document = plan_json(repo, capsys)
    accounts = {a["name"]: a for a in document["accounts"]}  # type: ignore[union-attr]
    assert accounts["report-writer"]["auth_method"] == "client_secret_basic"


def test_a_private_key_override_for_prod_is_located_at_the_override(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, WRITER, "  prod:\n", "  prod:\n    auth_method: private_key_jwt\n")
    code, findings = validate(repo, capsys)
    assert code == 1
    assert findings == [
        (WRITER, 13, 5,
         "auth_method private_key_jwt is not offered by Amazon Cognito: stack prod (environment prod) "
         "deploys to Amazon Cognito; use client_secret_basic (environments.prod.auth_method changes it "
         "for this environment only)"),
    ]


def test_a_catalog_over_cognitos_100_scopes_is_located_at_the_101st(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "".join(f"  - name: extra:{n}\n    description: Extra {n}\n" for n in range(97))
    (repo / "scopes.yaml").write_text((repo / "scopes.yaml").read_text() + extra)
    code, findings = validate(repo, capsys)
    assert code == 1
    # The four scopes fill lines 2-10 (admin:all has three), then two lines each: extra:96 is on 11 + 96 * 2.
    assert findings == [
        ("scopes.yaml", 203, 11,
         "the catalog has 101 scopes: stack prod deploys to Amazon Cognito, whose resource server holds at "
         "most 100; this is scope 101. Remove scopes nobody needs, or split the catalog"),
    ]


def test_scope_names_cognito_refuses_are_located_in_the_catalog(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No account holds projects/read: the resource server would still have to define it.
    edit(repo, "scopes.yaml", "name: projects:read", "name: projects/read")
    edit(repo, "service_accounts/reporting/report-reader.yaml", "projects:read", "reports:read")
    edit(repo, "service_accounts/reporting/report-reader.yaml", "[reports:read, reports:read]", "[reports:read]")
    code, findings = validate(repo, capsys)
    assert code == 1
    assert findings == [
        ("scopes.yaml", 6, 11,
         "scope 'projects/read' cannot be deployed: stack prod deploys to Amazon Cognito: Amazon Cognito "
         "takes printable ASCII without spaces, '\"', '/' or '\\' in a scope name"),
    ]


def test_a_scope_too_long_with_the_identifier_in_front_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_name = "r" * (256 - len(IDENTIFIER))  # one over: <identifier>/<scope> has 257 characters
    edit(repo, "scopes.yaml", "name: admin:all", f"name: {long_name}")
    edit(repo, "policies/policy-config.json", '"admin:all"', f'"{long_name}"')
    code, findings = validate(repo, capsys)
    assert code == 1
    assert [message for _, _, _, message in findings] == [
        f"scope '{long_name}' cannot be deployed: stack prod deploys to Amazon Cognito: as "
        "<resourceServer>/<scope> it has 257 characters, and an app client's scopes have at most 256"
    ]


def test_a_lifetime_outside_five_minutes_to_a_day_is_an_error_at_its_line() -> None:
    # The schema keeps today's definitions inside 5-1440 minutes; the provider's own range is
    # checked too, so that a wider schema (another provider's) cannot reach Cognito.
    loaded = load_repository(COGNITO_PROD)
    assert loaded.catalog is not None
    (stack,) = loaded.stacks
    settings = settings_of(stack).settings
    assert settings is not None
    view = loaded.catalog.for_environment("prod")
    reader = view.account("report-reader")
    assert reader is not None and reader.token_lifetime_at == (8, 1)
    too_long = replace(view, accounts=(replace(reader, token_lifetime_minutes=1441),))
    assert [str(finding) for finding in provider_findings(settings, too_long)] == [
        "service_accounts/reporting/report-reader.yaml:8:1: error: token_lifetime_minutes 1441 cannot be "
        "deployed: stack prod (environment prod) deploys to Amazon Cognito, whose access tokens last 5 to "
        "1440 minutes"
    ]
    assert provider_findings(settings, replace(view, accounts=(replace(reader, token_lifetime_minutes=1440),))) == []


def test_the_plan_names_the_resource_server_one_client_per_generation_and_no_client_when_disabled(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = plan_json(repo, capsys)
    assert document["identity_provider"] == "cognito"
    assert document["token_url"] == TOKEN_URL
    assert document["cognito"] == {
        "region": "eu-west-1",
        "user_pool_id": "eu-west-1_AbCdEfGhI",
        "domain": "example-prod",
        "resource_server": IDENTIFIER,
        "scopes": [f"{IDENTIFIER}/{s}" for s in ("reports:read", "reports:write", "projects:read", "admin:all")],
    }
    assert [(r["type"], r["name"]) for r in document["shared_resources"]] == [  # type: ignore[union-attr]
        ("pulumi:providers:aws", "aws-cognito"),
        ("aws:cognito/resourceServer:ResourceServer", "cognito-resource-server"),
        ("pulumi:providers:aws", "aws"),
    ]
    accounts = {a["name"]: a for a in document["accounts"]}  # type: ignore[union-attr]
    reader = accounts["report-reader"]
    generation = reader["rotation"]["generation"]
    assert reader["token_lifetime_minutes"] == 30
    assert reader["cognito_client_names"] == [f"report-reader.prod.g{generation}"]
    assert [(r["type"], r["name"]) for r in reader["resources"]] == [
        ("svcaccounts:index:ServiceAccount", "report-reader"),
        ("aws:cognito/userPoolClient:UserPoolClient", naming.cognito_client_name("report-reader", generation)),
        ("aws:secretsmanager/secret:Secret", "report-reader-bundle"),
        ("aws:secretsmanager/secretVersion:SecretVersion", "report-reader-bundle-version"),
    ]
    disabled = accounts["old-exporter"]
    assert disabled["status"] == "disabled"
    assert disabled["credentials"] == [] and disabled["cognito_client_names"] == []
    assert [r["name"] for r in disabled["resources"]] == ["old-exporter"]


def test_the_table_says_a_disabled_account_has_no_client(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--root", str(repo), "--stack", "prod", "--at", "2025-06-15"]) == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("old-exporter")]
    assert "none: disabled (Cognito app clients cannot be disabled, so it has none)" in line
    assert "identity provider: Amazon Cognito, user pool eu-west-1_AbCdEfGhI (eu-west-1)" in out


def test_the_plan_keeps_two_clients_inside_grace(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = plan_json(repo, capsys)
    reader = {a["name"]: a for a in before["accounts"]}["report-reader"]  # type: ignore[union-attr]
    boundary = reader["rotation"]["next_rotation"][:10]
    during = plan_json(repo, capsys, at=boundary)
    reader_now = {a["name"]: a for a in during["accounts"]}["report-reader"]  # type: ignore[union-attr]
    generation = reader["rotation"]["generation"]
    assert [c["resource"] for c in reader_now["credentials"]] == [
        naming.cognito_client_name("report-reader", generation + 1),
        naming.cognito_client_name("report-reader", generation),
    ]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env={**os.environ, **_GIT_ENV}, capture_output=True, check=True)


@pytest.fixture
def committed(repo: Path) -> Path:
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "baseline")
    return repo


def diff(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, str, str]]]:
    code = main(["diff", "--root", str(root), "--base", "main", "--format", "json", "--fail-on", "high"])
    document = json.loads(capsys.readouterr().out)
    return code, [(f["rule"], f["severity"], f["message"]) for f in document["findings"]]


def test_another_pool_and_resource_server_are_high_in_production(
    committed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(committed, "Pulumi.prod.yaml", "eu-west-1_AbCdEfGhI", "eu-west-1_ZyXwVuTsR")
    edit(committed, "Pulumi.prod.yaml", "resourceServer: https://api.example.com/mcp", "resourceServer: mcp-api")
    code, findings = diff(committed, capsys)
    assert code == 1
    assert findings == [
        ("stack-user-pool-changed", "high",
         "stack `prod`: Cognito user pool `eu-west-1_AbCdEfGhI` → `eu-west-1_ZyXwVuTsR`: every account gets a "
         "new app client and secret in the other pool"),
        ("stack-resource-server-changed", "high",
         "stack `prod`: Cognito resource server `https://api.example.com/mcp` → `mcp-api`: every scope gets "
         "the new identifier as its prefix, and APIs that check the old one refuse the new tokens"),
    ]


def test_another_region_is_a_pool_change(committed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(committed, "Pulumi.prod.yaml", "region: eu-west-1\n    userPoolId: eu-west-1_AbCdEfGhI",
         "region: eu-central-1\n    userPoolId: eu-central-1_AbCdEfGhI")
    code, findings = diff(committed, capsys)
    assert code == 1
    assert [rule for rule, _, _ in findings] == ["stack-user-pool-changed"]


def test_moving_from_cognito_to_okta_is_high(committed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (committed / "Pulumi.prod.yaml").write_text(
        "config:\n"
        "  svcaccounts:environment: prod\n"
        "  svcaccounts:authServer:\n"
        "    id: aus1prod\n"
        "  svcaccounts:secretStore: aws-secrets-manager\n"
        "  svcaccounts:awsSecretsManager:\n"
        "    region: eu-west-1\n"
        "    kmsKeyId: alias/svcaccounts-prod\n"
        "  okta:orgName: example-prod\n"
    )
    code, findings = diff(committed, capsys)
    assert code == 1
    assert findings[0] == (
        "stack-identity-provider-changed", "high",
        "stack `prod`: identity provider Amazon Cognito (user pool `eu-west-1_AbCdEfGhI`) → Okta "
        "(`https://example-prod.okta.com`): every account gets a new client and credential, and the old ones "
        "are deleted",
    )


def test_plan_against_a_base_says_what_disabling_does_on_cognito(
    committed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(committed, "service_accounts/reporting/report-writer.yaml", "  prod:\n", "  prod:\n    status: disabled\n")
    code = main(["plan", "--root", str(committed), "--stack", "prod", "--at", "2025-06-15", "--base", "main",
                 "--format", "json"])  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["changes"]["items"] == [
        {
            "account": "report-writer",
            "kind": "changed",
            "message": "status active -> disabled: its app clients and bundle are deleted (Cognito app clients "
            "have no disabled state); enabling it again creates a new client id",
        }
    ]
