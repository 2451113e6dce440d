"""Reading a credential bundle on the client's side: the text's decoding and the private key's
checks, around the contract's reader (svcaccounts.core.contracts.bundle, which owns the format;
schema: svcaccounts/schemas/credential-bundle.schema.json).

Parsing collects every problem before failing, and no message ever quotes a secret field.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from svcaccounts.client.errors import BundleError
from svcaccounts.client.limits import InvalidJSON, parse_json
from svcaccounts.core.contracts.bundle import BundleInvalid, CredentialBundle, read_bundle

__all__ = ["CredentialBundle", "parse_bundle", "signing_algorithm"]


def parse_bundle(text: str | bytes, *, origin: str) -> CredentialBundle:
    """Parse and validate a bundle; `origin` says where it came from, for messages."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BundleError(origin, ["not UTF-8 text"]) from None
    try:
        # Duplicate keys refused: which of two `client_secret`s is meant is not for us to guess.
        document = parse_json(text, reject_duplicates=True)
    except InvalidJSON as error:
        raise BundleError(origin, [str(error)]) from None
    try:
        return read_bundle(document, private_key_problem=_private_key_problem)
    except BundleInvalid as error:
        raise BundleError(origin, error.problems) from None


def _private_key_problem(pem: str) -> str | None:
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        # The library's message is not quoted: it might describe the key material.
        return "not an unencrypted PEM private key"
    except Exception:
        return "not a supported PEM private key"
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return "must be an RSA or EC private key"
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name not in _EC_CURVES:
        return f"unsupported EC curve {key.curve.name}; use P-256, P-384 or P-521"
    return None


# curve name -> JWS algorithm, for private_key_jwt assertions signed with an EC key.
_EC_CURVES = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


def signing_algorithm(pem: str) -> str:
    """The JWS `alg` for an assertion signed with this (already validated) private key."""
    key = load_pem_private_key(pem.encode(), password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return _EC_CURVES[key.curve.name]
    return "RS256"
