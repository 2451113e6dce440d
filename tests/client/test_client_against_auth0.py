"""The token client against the loopback authorization server configured as Auth0 behaves
(tests/support/authz_server.py, `auth0_audience`): `scope` and `audience` from the bundle's
request, granted scopes from the answer (and the token's `scope` claim), assertions naming the
tenant's URL as `aud` and Auth0's kid, and both keys working through a rotation's grace."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from svcaccounts.client import TokenClient
from svcaccounts.client.claims import granted_scopes, unverified_claims
from svcaccounts.infra.auth0.jwk import jwk_thumbprint
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.client_fakes import FakeClock, write_bundle

AUDIENCE = "https://api.example.com/mcp"
SCOPES = ("reports:read", "projects:read")
CLIENT_ID = "a1b2c3d4e5f6"


@pytest.fixture
def auth0(signing_key: RSAKey) -> Iterator[AuthzServer]:
    server = AuthzServer(signing_key, auth0_audience=AUDIENCE)
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


def new_key() -> tuple[str, str, RSAKey]:
    """(PKCS#8 private key PEM, Auth0's kid for it, the public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return private_pem, jwk_thumbprint(public_pem), RSAKey.import_key(public_pem)


def bundle(auth0: AuthzServer, generation: int, **credential: Any) -> dict[str, Any]:
    """A bundle as the program writes it for an Auth0 account."""
    private = "private_key_pem" in credential
    return {
        "version": 2,
        "client_id": CLIENT_ID,
        "token_url": auth0.token_url,
        "auth_method": "private_key_jwt" if private else "client_secret_basic",
        "scopes": list(SCOPES),
        "generation": generation,
        "rotates_at": "2027-01-01T00:00:00Z",
        "request": {"scope": " ".join(SCOPES), "audience": AUDIENCE},
        **({"assertion_audience": auth0.issuer} if private else {}),
        **credential,
    }


def key_account(auth0: AuthzServer, tmp_path: Path, generation: int = 19) -> tuple[Path, str]:
    pem, kid, public = new_key()
    client = auth0.clients.get(CLIENT_ID) or auth0.register(RegisteredClient(CLIENT_ID, "private_key_jwt", SCOPES))
    client.auth0_keys[kid] = public
    path = write_bundle(tmp_path / f"g{generation}.json", bundle(auth0, generation, private_key_pem=pem, key_id=kid))
    return path, kid


def test_a_key_client_sends_scope_and_audience_and_gets_the_scope_claim(
    auth0: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    path, kid = key_account(auth0, tmp_path)
    token = client_of(path).token()
    assert token.scopes == SCOPES
    claims = unverified_claims(token.value)
    assert (claims["aud"], claims["scope"], claims["azp"]) == (AUDIENCE, "reports:read projects:read", CLIENT_ID)
    # What `svcaccounts verify` compares with the definition.
    assert granted_scopes(claims) == SCOPES
    ((observed),) = auth0.observed
    assert (observed.form["scope"], observed.form["audience"]) == ("reports:read projects:read", AUDIENCE)
    ((header, assertion),) = auth0.assertions
    assert (header["alg"], header["kid"]) == ("RS256", kid)
    assert (assertion["iss"], assertion["sub"], assertion["aud"]) == (CLIENT_ID, CLIENT_ID, auth0.issuer)


def test_both_keys_work_through_grace_and_the_old_one_stops_after(
    auth0: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    old_path, old_kid = key_account(auth0, tmp_path, 19)
    new_path, new_kid = key_account(auth0, tmp_path, 20)
    # During grace the client holds both keys: a consumer still on g19 and one on g20 both work.
    assert client_of(old_path).token().scopes == SCOPES
    assert client_of(new_path).token().scopes == SCOPES
    del auth0.clients[CLIENT_ID].auth0_keys[old_kid]
    assert client_of(new_path).token().scopes == SCOPES
    with pytest.raises(Exception, match="invalid_client"):
        client_of(old_path, rotation_wait=None).token()
    assert [header["kid"] for header, _ in auth0.assertions] == [old_kid, new_kid, new_kid, old_kid]


def test_a_secret_client_sends_the_audience_too(
    auth0: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    secret = secrets.token_urlsafe(48)
    auth0.register(RegisteredClient(CLIENT_ID, "client_secret_basic", SCOPES, client_secret=secret))
    path = write_bundle(tmp_path / "writer.json", bundle(auth0, 10, client_secret=secret))
    assert client_of(path).token().scopes == SCOPES
    assert auth0.observed[0].form["audience"] == AUDIENCE


def test_a_request_without_the_audience_is_refused_as_auth0_does(
    auth0: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    secret = secrets.token_urlsafe(48)
    auth0.register(RegisteredClient(CLIENT_ID, "client_secret_basic", SCOPES, client_secret=secret))
    document = bundle(auth0, 10, client_secret=secret)
    del document["request"]["audience"]
    path = write_bundle(tmp_path / "no-audience.json", document)
    with pytest.raises(Exception, match="invalid_request"):
        client_of(path, rotation_wait=None).token()
    assert auth0.errors() == ["invalid_request"]


# ---- svcaccounts verify on the Auth0 staging stack --------------------------------------------


def test_verify_on_the_auth0_stack_compares_the_granted_scopes_with_the_definitions(
    auth0: AuthzServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `pulumi up` leaves for tests/fixtures/auth0-staging: a client per account with the
    plan's credential, its bundle in a folder (`verify --bundles`); then one grant narrowed."""
    from datetime import UTC, datetime

    from svcaccounts.cli import main
    from svcaccounts.core.plan import plan_environment
    from svcaccounts.definitions import load_repository
    from svcaccounts.definitions.stack_settings import settings_of
    from tests.support.repository import FIXTURES

    now = datetime(2025, 6, 15, tzinfo=UTC)
    monkeypatch.setenv("SVCACCOUNTS_NOW", "2025-06-15T00:00:00Z")
    root = FIXTURES / "auth0-staging"
    loaded = load_repository(root)
    assert loaded.catalog is not None
    (stack,) = [s for s in loaded.stacks if s.name == "staging"]
    settings = settings_of(stack).settings
    assert settings is not None
    plan = plan_environment(loaded.catalog.for_environment("staging"), settings, now)
    folder = tmp_path / "bundles"
    folder.mkdir()
    for account in plan.accounts:
        client_id = f"c{account.name.replace('-', '')}"
        document: dict[str, Any] = {
            "version": 2,
            "client_id": client_id,
            "token_url": auth0.token_url,
            "scopes": list(account.scopes),
            "generation": account.generation,
            "rotates_at": "2027-01-01T00:00:00Z",
            "request": {"scope": " ".join(account.scopes), "audience": AUDIENCE},
        }
        if account.auth_method == "private_key_jwt":
            pem, kid, public = new_key()
            client = auth0.register(RegisteredClient(client_id, "private_key_jwt", account.scopes))
            client.auth0_keys[kid] = public
            document |= {"auth_method": "private_key_jwt", "private_key_pem": pem, "key_id": kid,
                         "assertion_audience": auth0.issuer}  # fmt: skip
        else:
            secret = secrets.token_urlsafe(24)
            auth0.register(RegisteredClient(client_id, "client_secret_basic", account.scopes, client_secret=secret))
            document |= {"auth_method": "client_secret_basic", "client_secret": secret}
        write_bundle(folder / f"{account.name}-staging.json", document)

    command = ["verify", "--stack", "staging", "--root", str(root), "--bundles", str(folder)]
    code = main(command)
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[-1].startswith("3 accounts: 2 ok, 0 mismatch, 0 failed")

    # The grant was narrowed by hand: a request for the defined scopes is refused (exit 1)...
    auth0.clients["creportwriter"].scopes = ("reports:write",)
    assert main(command) == 1
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("report-writer")]
    assert "FAILED" in line and "was rejected" in line
    # ...and a stale bundle asking only for what the grant allows gets a token that verify
    # compares with the definition, naming the scope missing from it.
    stale = folder / "report-writer-staging.json"
    stale.write_text(stale.read_text().replace('"scope": "reports:write reports:read"', '"scope": "reports:write"'))
    assert main(command) == 1
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("report-writer")]
    assert "granted scopes: missing reports:read" in line
