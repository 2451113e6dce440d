"""RSA public key (PEM) → the JWK fields Okta's app `jwks` wants. Pure; public material only."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def _b64url_uint(value: int) -> str:
    # RFC 7518 §6.3.1: unsigned big-endian, minimal length, base64url without padding.
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def rsa_public_jwk(public_key_pem: str) -> dict[str, str]:
    """`{"kty": "RSA", "n": ..., "e": ...}` of an RSA public key in PEM (SubjectPublicKeyInfo)."""
    key = load_pem_public_key(public_key_pem.encode("ascii"))
    if not isinstance(key, RSAPublicKey):
        raise ValueError("expected an RSA public key")
    numbers = key.public_numbers()
    return {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
