"""Moving a stack to another identity provider, or another Entra tenant, is a high finding in
`svcaccounts diff`: every account gets a new client and credential there."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from svcaccounts.cli import main
from tests.identity_providers.conftest import TENANT, edit

_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env={**os.environ, **_GIT_ENV}, capture_output=True, check=True)


@pytest.fixture
def committed(mixed: Path) -> Path:
    git(mixed, "init", "--quiet", "--initial-branch=main")
    git(mixed, "add", "-A")
    git(mixed, "commit", "--quiet", "-m", "baseline")
    return mixed


def diff(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, str, str]]]:
    code = main(["diff", "--root", str(root), "--base", "main", "--format", "json", "--fail-on", "high"])
    document = json.loads(capsys.readouterr().out)
    return code, [(f["rule"], f["severity"], f["message"]) for f in document["findings"]]


def test_moving_dev_from_okta_to_entra_is_high_even_outside_production(
    committed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Entra has no lifetime per client: the dev override that sets one goes with the move.
    edit(committed, "service_accounts/reporting/report-reader.yaml", "  dev:\n    token_lifetime_minutes: 15\n", "  dev: {}\n")
    (committed / "Pulumi.dev.yaml").write_text(
        "config:\n"
        "  svcaccounts:environment: dev\n"
        "  svcaccounts:identityProvider: entra-id\n"
        "  svcaccounts:entraId:\n"
        f"    tenantId: {TENANT}\n"
        f"    identifierUri: api://{TENANT}/svcaccounts-dev\n"
        "  svcaccounts:keyVault:\n"
        "    name: kv-identity-dev\n"
        "    resourceGroup: rg-identity-dev\n"
    )
    code, findings = diff(committed, capsys)
    assert code == 1
    assert findings == [
        ("stack-identity-provider-changed", "high",
         "stack `dev`: identity provider Okta (`https://example-dev.okta.com`) → Microsoft Entra ID "
         f"(tenant `{TENANT}`): every account gets a new client and credential, and the old ones are deleted"),
        # The definitions' own change, reviewed as any other.
        ("token-lifetime-raised", "low", "token lifetime raised from 15 to 60 minutes"),
    ]


def test_another_tenant_is_high(committed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = "99999999-2222-3333-4444-555555555555"
    edit(committed, "Pulumi.prod.yaml", f"tenantId: {TENANT}\n    identifierUri: api://{TENANT}/",
         f"tenantId: {other}\n    identifierUri: api://{other}/")
    code, findings = diff(committed, capsys)
    assert code == 1
    assert findings == [
        ("stack-tenant-changed", "high",
         f"stack `prod`: Entra ID tenant `{TENANT}` → `{other}`: every account gets a new client and "
         "credential in the other tenant"),
        ("stack-identifier-uri-changed", "high",
         f"stack `prod`: API identifier URI `api://{TENANT}/svcaccounts-prod` → "
         f"`api://{other}/svcaccounts-prod`: tokens are requested for the new URI, and consumers that "
         "request the old one fail"),
    ]
