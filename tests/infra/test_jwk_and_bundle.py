"""The pure helpers of the program: JWK fields and the bundle's bytes."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc.jwk import RSAKey

from svcaccounts.core.contracts.bundle import bundle_json
from svcaccounts.infra.okta.jwk import rsa_public_jwk


def test_the_jwk_fields_match_an_independent_implementation() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    reference = RSAKey.import_key(public).as_dict(private=False)
    assert rsa_public_jwk(public) == {"kty": "RSA", "n": reference["n"], "e": reference["e"]}


def test_a_non_rsa_key_is_refused() -> None:
    ec_public = (
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
        "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
        "-----END PUBLIC KEY-----\n"
    )
    with pytest.raises(ValueError, match="RSA"):
        rsa_public_jwk(ec_public)


def test_the_same_credentials_always_give_the_same_bytes() -> None:
    args = dict(
        client_id="0oa1",
        token_url="https://dev-1.okta.com/oauth2/aus1/v1/token",
        auth_method="private_key_jwt",
        scopes=["b", "a"],
        generation=3,
        rotates_at="2025-01-01T00:00:00Z",
        private_key_pem="PEM",
        key_id="svc-g3",
    )
    first = bundle_json(**args)  # type: ignore[arg-type]
    assert first == bundle_json(**args)  # type: ignore[arg-type]
    assert list(json.loads(first)) == sorted(json.loads(first))
    assert json.loads(first)["scopes"] == ["b", "a"]


def test_a_private_key_bundle_needs_its_key_id() -> None:
    with pytest.raises(ValueError, match="key id"):
        bundle_json(
            client_id="0oa1",
            token_url="u",
            auth_method="private_key_jwt",
            scopes=[],
            generation=1,
            rotates_at="t",
            private_key_pem="PEM",
        )
