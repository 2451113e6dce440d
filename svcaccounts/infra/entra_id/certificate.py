"""A certificate's SHA-256 thumbprint as the client assertion's `x5t#S256` header carries it.
Pure; public material only."""

from __future__ import annotations

import base64
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def sha256_thumbprint(certificate_pem: str) -> str:
    """base64url (no padding) of the SHA-256 of the certificate's DER encoding (RFC 7515 §4.1.8)."""
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
