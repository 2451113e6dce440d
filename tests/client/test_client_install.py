"""`pip install 'svcaccounts[client]'` and `'svcaccounts[client-aws]'` (docs/client.md, "Installing"):
each brings the token client and `svcaccounts token`, `env` and `verify`, and nothing from Pulumi.

The commands run in a child interpreter where only the extra's distributions can be imported
(tests/lean_environment.py explains why that stands for a fresh venv). They get tokens from the
loopback server, and they read a stack's secret store through the store's own SDK as far as the
network: the store is unreachable on purpose, and the SDK's "cannot reach" error proves it ran.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from tests.lean_environment import declared_closure, run_lean
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.client_fakes import write_bundle
from tests.support.repository import FIXTURES as FIXTURE_ROOT

FIXTURES = FIXTURE_ROOT
# The dev stack (Key Vault) and its accounts: reporter (client_secret_basic, generation 2 at
# VERIFY_NOW), docs-reader (private_key_jwt, generation 1) and retired-job (disabled).
VERIFY_REPO = FIXTURES / "verify-repo"
AWS_DEV_STACK = FIXTURES / "aws-dev-stack" / "Pulumi.dev-aws.yaml"
VERIFY_NOW = "2024-01-15T12:00:00Z"
REPORTER_SCOPES = ("mcp:reports:generate", "mcp:docs:read")
DOCS_READER_SCOPES = ("mcp:docs:read",)
# Nothing listens on port 9 (discard) on loopback: a connection there is refused at once.
CLOSED = "http://127.0.0.1:9"
# What each extra must let the client reach, and must not bring.
STORE_SDKS = {
    "client": {"azure-identity", "azure-keyvault-secrets"},
    "client-aws": {"boto3"},
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(VERIFY_REPO, root)
    shutil.copy(AWS_DEV_STACK, root / AWS_DEV_STACK.name)
    return root


@pytest.fixture
def bundles(authz: AuthzServer, client_key: RSAKey, tmp_path: Path) -> Path:
    """What the program deploys in dev: both enabled accounts registered on the server, and their
    bundles as the files `verify --bundles` reads. Returns the directory; reporter's is the one
    `token` and `env` read."""
    directory = tmp_path / "bundles"
    directory.mkdir()
    secret = secrets.token_urlsafe(24)
    authz.register(
        RegisteredClient("0oa-reporter", "client_secret_basic", REPORTER_SCOPES, client_secret=secret)
    )
    write_bundle(
        directory / "reporter-dev.json",
        {
            "client_id": "0oa-reporter",
            "token_url": authz.token_url,
            "auth_method": "client_secret_basic",
            "scopes": list(REPORTER_SCOPES),
            "generation": 2,
            "rotates_at": "2027-01-01T00:00:00Z",
            "client_secret": secret,
        },
    )
    public = RSAKey.import_key(client_key.as_dict(private=False))
    authz.register(
        RegisteredClient("0oa-docs-reader", "private_key_jwt", DOCS_READER_SCOPES, public_key=public)
    )
    write_bundle(
        directory / "docs-reader-dev.json",
        {
            "client_id": "0oa-docs-reader",
            "token_url": authz.token_url,
            "auth_method": "private_key_jwt",
            "scopes": list(DOCS_READER_SCOPES),
            "generation": 1,
            "rotates_at": "2027-01-01T00:00:00Z",
            "private_key_pem": client_key.as_pem(private=True).decode(),
            "key_id": "docs-reader-g1",
        },
    )
    return directory


@pytest.mark.parametrize("extra", ["client", "client-aws"])
def test_the_extra_brings_its_store_sdk_and_nothing_from_pulumi(extra: str) -> None:
    closure = declared_closure(extra)

    assert sorted(name for name in closure if name.startswith("pulumi")) == []
    assert STORE_SDKS[extra] <= closure
    other_stores = set().union(*(sdks for name, sdks in STORE_SDKS.items() if name != extra))
    assert sorted(closure & other_stores) == []


STORE_COMMANDS = {
    "client": (
        ["token", "reporter", "--stack", "dev"],
        "svcaccounts token: Key Vault https://kv-identity-dev.vault.azure.net/ secret reporter-dev: "
        "cannot reach Key Vault (ServiceRequestError)\n",
    ),
    "client-aws": (
        ["token", "reporter", "--stack", "dev-aws"],
        "svcaccounts token: AWS Secrets Manager secret svcaccounts/dev/reporter/bundle in eu-west-1: "
        "cannot reach Secrets Manager (EndpointConnectionError)\n",
    ),
}


@pytest.mark.parametrize("extra", ["client", "client-aws"])
def test_token_env_and_verify_run_with_only_the_extra_installed(
    extra: str, repo: Path, bundles: Path
) -> None:
    store_command, store_error = STORE_COMMANDS[extra]
    reporter = str(bundles / "reporter-dev.json")

    run = run_lean(
        declared_closure(extra),
        imports=["svcaccounts.client"],
        commands=[
            ["token", "--help"],
            ["env", "--help"],
            ["verify", "--help"],
            ["token", "--bundle", reporter, "--decode"],
            ["env", "--bundle", reporter],
            ["verify", "--stack", "dev", "--root", str(repo), "--bundles", str(bundles)],
            [*store_command, "--root", str(repo)],
        ],
        env={
            "SVCACCOUNTS_NOW": VERIFY_NOW,
            # Key Vault: the vault's https:// URL goes through this proxy, which refuses at once
            # (azure-core retries three times, with backoff: about 5 s). Both spellings: the
            # lower-case one wins where both are set.
            "HTTPS_PROXY": CLOSED,
            "https_proxy": CLOSED,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            # AWS: the endpoint refuses at once; any credentials sign a request that never leaves.
            "AWS_ENDPOINT_URL": CLOSED,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        },
        cwd=repo.parent,
    )

    assert run.imported == {"svcaccounts.client": None}
    helps, (token, env, verify, store) = run.ran[:3], run.ran[3:]
    for ran in helps:
        assert (ran.code, ran.stderr) == (0, ""), ran
        assert ran.stdout.startswith(f"usage: svcaccounts {ran.argv[0]} ")
    assert (token.code, token.stderr) == (0, "")
    assert '"sub": "0oa-reporter"' in token.stdout
    assert (env.code, env.stderr) == (0, "")
    assert "SVCACCOUNTS_CLIENT_ID=0oa-reporter\n" in env.stdout
    assert (verify.code, verify.stderr) == (0, "")
    assert verify.stdout.splitlines()[1:3] == [
        "docs-reader  private_key_jwt      1    ok",
        "reporter     client_secret_basic  2    ok",
    ]
    assert (store.code, store.stdout, store.stderr) == (1, "", store_error)
    assert [name for name in run.blocked_attempts if name.startswith("pulumi")] == []
    assert run.loaded_outside == []


def test_the_lean_environment_refuses_what_the_extra_does_not_bring(tmp_path: Path) -> None:
    # The check above means something only if the child really cannot import the rest.
    run = run_lean(
        declared_closure("client"),
        imports=["svcaccounts.client", "boto3", "svcaccounts.infra.okta.service_account"],
        cwd=tmp_path,
    )

    assert run.imported == {
        "svcaccounts.client": None,
        "boto3": "ModuleNotFoundError: No module named 'boto3'",
        "svcaccounts.infra.okta.service_account": "ModuleNotFoundError: No module named 'pulumi'",
    }
    assert {"boto3", "pulumi"} <= set(run.blocked_attempts)
