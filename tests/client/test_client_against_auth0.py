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
