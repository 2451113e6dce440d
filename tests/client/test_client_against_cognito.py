"""The token client, and `svcaccounts verify`, against the loopback authorization server configured
as Amazon Cognito's token endpoint behaves (tests/support/authz_server.py,
`cognito_resource_server`): the bundle's request.scope names each scope as
`<resource server>/<scope>`, client_secret_basic, a token whose `scope` claim carries that form and
names the client in `client_id`, a response without `scope`; granted scopes come back in the
catalog's names. Rotation: a new generation is a new client id, and the client moves to it by
re-reading the bundle."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from svcaccounts.cli import main
from svcaccounts.client import TokenClient
from svcaccounts.client.claims import unverified_claims
from svcaccounts.core.plan import plan_environment
from svcaccounts.definitions import load_repository
from svcaccounts.definitions.stack_settings import settings_of
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.client_fakes import FakeClock, write_bundle
from tests.support.repository import FIXTURES

RESOURCE_SERVER = "https://api.example.com/mcp"
SCOPES = ("reports:read", "projects:read")
REQUEST_SCOPE = " ".join(f"{RESOURCE_SERVER}/{scope}" for scope in SCOPES)


@pytest.fixture
def cognito(signing_key: RSAKey) -> Iterator[AuthzServer]:
    server = AuthzServer(signing_key, cognito_resource_server=RESOURCE_SERVER)
    server.up()
    yield server
    server.down()


@pytest.fixture
def client_of(clock: FakeClock) -> Callable[..., TokenClient]:
    def make(path: Path, **options: Any) -> TokenClient:
        return TokenClient.from_file(
            path, clock=clock, sleep=clock.sleep, random=lambda: 0.5, timeout=5.0, **options
        )

    return make


def cognito_bundle(
    server: AuthzServer, client_id: str, secret: str, generation: int, scopes: tuple[str, ...] = SCOPES
) -> dict[str, Any]:
    """What the program writes for a Cognito account (tests/infra/test_cognito.py checks that)."""
    return {
        "version": 2,
        "client_id": client_id,
        "token_url": server.token_url,
        "auth_method": "client_secret_basic",
        "scopes": list(scopes),
        "generation": generation,
        "rotates_at": "2027-01-01T00:00:00Z",
        "request": {"scope": " ".join(f"{RESOURCE_SERVER}/{scope}" for scope in scopes)},
        "client_secret": secret,
    }


def app_client(server: AuthzServer, client_id: str, scopes: tuple[str, ...] = SCOPES) -> str:
    secret = secrets.token_urlsafe(32)
    server.register(RegisteredClient(client_id, "client_secret_basic", scopes, client_secret=secret))
    return secret


def test_a_token_carries_cognitos_scopes_and_the_client_reports_the_catalogs_names(
    cognito: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    secret = app_client(cognito, "4f1a2b3c4d5e6f7a8b9c0d1e2f")
    path = write_bundle(tmp_path / "reader.json", cognito_bundle(cognito, "4f1a2b3c4d5e6f7a8b9c0d1e2f", secret, 19))
    token = client_of(path).token()
    assert token.scopes == SCOPES
    claims = unverified_claims(token.value)
    assert claims["scope"] == REQUEST_SCOPE
    assert (claims["client_id"], claims["token_use"]) == ("4f1a2b3c4d5e6f7a8b9c0d1e2f", "access")
    assert "scp" not in claims and "cid" not in claims and "roles" not in claims
    (observed,) = cognito.observed
    assert observed.form["scope"] == REQUEST_SCOPE
    assert "client_secret" not in observed.form  # client_secret_basic: in the Authorization header


def test_fewer_granted_scopes_are_reported_as_granted(
    cognito: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    # The app client allows one scope fewer than the bundle asks for: Cognito refuses the request,
    # so the bundle and the client must agree; a token for the one allowed scope maps back.
    secret = app_client(cognito, "c0ffee", SCOPES[:1])
    path = write_bundle(tmp_path / "reader.json", cognito_bundle(cognito, "c0ffee", secret, 1, SCOPES[:1]))
    assert client_of(path).token().scopes == SCOPES[:1]
    wider = write_bundle(tmp_path / "wider.json", cognito_bundle(cognito, "c0ffee", secret, 1))
    with pytest.raises(Exception, match="invalid_scope"):
        client_of(wider, rotation_wait=None).token()


def test_a_new_generations_client_is_picked_up_by_re_reading_the_bundle(
    cognito: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient], clock: FakeClock
) -> None:
    old_secret = app_client(cognito, "0ldc11en7")
    path = write_bundle(tmp_path / "reader.json", cognito_bundle(cognito, "0ldc11en7", old_secret, 19))
    client = client_of(path)
    first = client.token()
    # Rotation: the next generation is a new app client, the bundle names it; through grace the
    # old client keeps working (a token from the cache, or a fresh one).
    new_secret = app_client(cognito, "newc11en7")
    write_bundle(path, cognito_bundle(cognito, "newc11en7", new_secret, 20))
    # Grace ends: the old client is deleted. The cached token is renewed: invalid_client, the
    # client re-reads the bundle, and the new client gets the token.
    del cognito.clients["0ldc11en7"]
    clock.advance(56 * 60)
    renewed = client.token()
    assert renewed.value != first.value
    assert unverified_claims(renewed.value)["client_id"] == "newc11en7"
    assert client.bundle().generation == 20
    authorizations = [o.form.get("scope") for o in cognito.observed]
    assert authorizations == [REQUEST_SCOPE] * 3


def test_basic_authentication_names_the_client(
    cognito: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    seen: list[str] = []

    def echo(headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        seen.append(base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode().split(":")[0])
        return 400, {"error": "invalid_request"}

    secret = app_client(cognito, "c0ffee")
    cognito.inject_echo(echo)
    path = write_bundle(tmp_path / "reader.json", cognito_bundle(cognito, "c0ffee", secret, 1))
    with pytest.raises(Exception, match="invalid_request"):
        client_of(path, rotation_wait=None).token()
    assert seen == ["c0ffee"]


# ---- svcaccounts verify on the Cognito prod stack ---------------------------------------------

NOW = datetime(2025, 6, 15, tzinfo=UTC)


@pytest.fixture
def deployed_bundles(cognito: AuthzServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What `pulumi up` leaves for tests/fixtures/cognito-prod at NOW: an app client per active
    account on the server, its bundle in a folder (`verify --bundles`), as the plan says."""
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"))
    loaded = load_repository(FIXTURES / "cognito-prod")
    assert loaded.catalog is not None
    (stack,) = loaded.stacks
    settings = settings_of(stack).settings
    assert settings is not None
    plan = plan_environment(loaded.catalog.for_environment("prod"), settings, NOW)
    folder = tmp_path / "bundles"
    folder.mkdir()
    for account in plan.accounts:
        if not account.enabled:
            continue
        client_id = f"c{account.generation}{account.name.replace('-', '')}"
        secret = app_client(cognito, client_id, account.scopes)
        bundle = cognito_bundle(cognito, client_id, secret, account.generation, account.scopes)
        write_bundle(folder / f"{account.name}-prod.json", bundle)
    return folder


def test_verify_compares_cognitos_granted_scopes_by_their_catalog_names(
    deployed_bundles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", "--stack", "prod", "--root", str(FIXTURES / "cognito-prod"), "--bundles", str(deployed_bundles)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[-1] == "3 accounts: 2 ok, 0 mismatch, 0 failed, 1 skipped"


def test_verify_reports_a_scope_cognito_did_not_grant(
    cognito: AuthzServer, deployed_bundles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (writer,) = [c for c in cognito.clients.values() if "reportwriter" in c.client_id]
    writer.scopes = ("reports:write",)
    # The bundle still asks for both; ask for what the client allows, as a stale client would.
    bundle_path = deployed_bundles / "report-writer-prod.json"
    text = bundle_path.read_text().replace(f" {RESOURCE_SERVER}/reports:read", "")
    bundle_path.write_text(text)
    code = main(["verify", "--stack", "prod", "--root", str(FIXTURES / "cognito-prod"), "--bundles", str(deployed_bundles)])
    out = capsys.readouterr().out
    assert code == 1
    (line,) = [line for line in out.splitlines() if line.startswith("report-writer")]
    assert "granted scopes: missing reports:read" in line
