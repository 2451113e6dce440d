"""The token client against the loopback authorization server configured as Entra ID behaves
(tests/support/authz_server.py, `entra_scope`): `.default` requests from the bundle's
`request.scope`, granted scopes from the token's `roles`, certificate assertions with `x5t#S256`
and PS256, and a rotation re-read. Cache, single flight and renewal as for Okta."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey

from svcaccounts.client import BundleError, TokenClient
from svcaccounts.client.claims import unverified_claims
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.client_fakes import FakeClock, write_bundle

IDENTIFIER_URI = "api://11111111-2222-3333-4444-555555555555/svcaccounts-prod"
DEFAULT_SCOPE = f"{IDENTIFIER_URI}/.default"
ROLES = ("reports:read", "reports:write")


@pytest.fixture
def entra(signing_key: RSAKey) -> Iterator[AuthzServer]:
    server = AuthzServer(signing_key, entra_scope=DEFAULT_SCOPE)
    server.up()
    yield server
    server.down()


def certificate(common_name: str) -> tuple[str, str, RSAKey]:
    """A key and a self-signed certificate around it, as the program makes per generation:
    (PKCS#8 private key PEM, x5t#S256 thumbprint, public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = RSAKey.import_key(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return pem, thumbprint.rstrip(b"=").decode(), public


def v2_bundle(entra: AuthzServer, client_id: str, generation: int, **credential: Any) -> dict[str, Any]:
    return {
        "version": 2,
        "client_id": client_id,
        "token_url": entra.token_url,
        "auth_method": "private_key_jwt" if "private_key_pem" in credential else "client_secret_basic",
        "scopes": list(ROLES),
        "generation": generation,
        "rotates_at": "2027-01-01T00:00:00Z",
        "request": {"scope": DEFAULT_SCOPE},
        **credential,
    }


@pytest.fixture
def certificate_account(entra: AuthzServer, tmp_path: Path) -> Callable[[], tuple[Path, str]]:
    def make() -> tuple[Path, str]:
        pem, thumbprint, public = certificate("report-reader-g19")
        entra.register(
            RegisteredClient("0f0e0d0c", "private_key_jwt", ROLES, certificates={thumbprint: public})
        )
        document = v2_bundle(
            entra,
            "0f0e0d0c",
            19,
            private_key_pem=pem,
            key_id="report-reader-g19",
            certificate_thumbprint_sha256=thumbprint,
        )
        return write_bundle(tmp_path / "report-reader-prod.json", document), thumbprint

    return make


@pytest.fixture
def client_of(clock: FakeClock) -> Callable[..., TokenClient]:
    def make(path: Path, **options: Any) -> TokenClient:
        return TokenClient.from_file(
            path, clock=clock, sleep=clock.sleep, random=lambda: 0.5, timeout=5.0, **options
        )

    return make


def test_a_certificate_client_obtains_a_token_with_its_roles(
    entra: AuthzServer, certificate_account: Callable[[], tuple[Path, str]], client_of: Callable[..., TokenClient]
) -> None:
    path, thumbprint = certificate_account()
    # The tenant assigns one role fewer than the bundle lists: what was granted is the token's
    # roles, not what the bundle expected.
    entra.clients["0f0e0d0c"].scopes = ROLES[:1]
    token = client_of(path).token()
    assert token.scopes == ROLES[:1]
    claims = unverified_claims(token.value)
    assert (claims["roles"], claims["aud"]) == (list(ROLES[:1]), IDENTIFIER_URI)
    assert "scp" not in claims and "scope" not in claims
    assert [observed.form["scope"] for observed in entra.observed] == [DEFAULT_SCOPE]
    ((header, assertion),) = entra.assertions
    assert header == {"alg": "PS256", "typ": "JWT", "x5t#S256": thumbprint}
    assert (assertion["iss"], assertion["sub"], assertion["aud"]) == ("0f0e0d0c", "0f0e0d0c", entra.token_url)


def test_the_server_refuses_the_scope_names_themselves(
    entra: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    # A version 1 bundle (no request) asks for the scope names, which Entra refuses: the reason
    # bundles for Entra carry their request.
    secret = secrets.token_urlsafe(32)
    entra.register(RegisteredClient("0a0b", "client_secret_basic", ROLES, client_secret=secret))
    document = v2_bundle(entra, "0a0b", 1, client_secret=secret)
    del document["version"], document["request"]
    path = write_bundle(tmp_path / "v1.json", document)
    with pytest.raises(Exception, match="invalid_scope"):
        client_of(path, rotation_wait=None).token()


def test_a_secret_client_uses_default_and_caches_per_scope_set(
    entra: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient], clock: FakeClock
) -> None:
    secret = secrets.token_urlsafe(32)
    entra.register(RegisteredClient("0a0b", "client_secret_basic", ROLES, client_secret=secret))
    path = write_bundle(tmp_path / "writer.json", v2_bundle(entra, "0a0b", 10, client_secret=secret))
    client = client_of(path)
    first = client.token()
    assert client.token() is first or client.token().value == first.value
    assert entra.request_count == 1
    # Renewed ahead of expiry (an hour's token: 5 minutes before), with .default again.
    clock.advance(56 * 60)
    renewed = client.token()
    assert renewed.value != first.value
    assert entra.request_count == 2
    assert {observed.form["scope"] for observed in entra.observed} == {DEFAULT_SCOPE}


def test_twenty_threads_asking_at_once_cause_one_entra_request(
    entra: AuthzServer, certificate_account: Callable[[], tuple[Path, str]], client_of: Callable[..., TokenClient]
) -> None:
    path, _ = certificate_account()
    client = client_of(path)
    client.bundle()
    entra.gate.clear()
    start = threading.Barrier(21)
    results: list[Any] = []

    def call() -> None:
        start.wait()
        results.append(client.token())

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    start.wait()
    assert entra.received.wait(timeout=5)
    entra.gate.set()
    for thread in threads:
        thread.join(timeout=10)
    assert len({token.value for token in results}) == 1
    assert entra.request_count == 1


def test_a_rotated_certificate_is_picked_up_by_re_reading_the_bundle(
    entra: AuthzServer,
    certificate_account: Callable[[], tuple[Path, str]],
    client_of: Callable[..., TokenClient],
    clock: FakeClock,
) -> None:
    path, old_thumbprint = certificate_account()
    client = client_of(path)
    client.token()
    # Rotation: the new generation's certificate is registered, the bundle rewritten; after the
    # grace window the old certificate is removed.
    pem, thumbprint, public = certificate("report-reader-g20")
    entra.clients["0f0e0d0c"].certificates[thumbprint] = public
    write_bundle(
        path,
        v2_bundle(entra, "0f0e0d0c", 20, private_key_pem=pem, key_id="report-reader-g20", certificate_thumbprint_sha256=thumbprint),
    )
    del entra.clients["0f0e0d0c"].certificates[old_thumbprint]
    clock.advance(3600)
    token = client.token()
    assert token.scopes == ROLES
    assert client.bundle().generation == 20
    assert [header["x5t#S256"] for header, _ in entra.assertions] == [old_thumbprint, old_thumbprint, thumbprint]
    assert entra.errors() == [None, "invalid_client", None]


def test_a_bundle_of_an_unknown_version_is_refused_before_any_request(
    entra: AuthzServer, tmp_path: Path, client_of: Callable[..., TokenClient]
) -> None:
    document = v2_bundle(entra, "0a0b", 1, client_secret="not-sent-anywhere")
    document["version"] = 3
    path = write_bundle(tmp_path / "future.json", document)
    with pytest.raises(BundleError) as raised:
        client_of(path).token()
    assert "version: this client reads bundle versions 1 and 2, got 3; upgrade svcaccounts to read it" in str(raised.value)
    assert "not-sent-anywhere" not in str(raised.value)
    assert entra.request_count == 0
    assert json.loads(path.read_text())["version"] == 3
