"""The `kid` Auth0 gives a private_key_jwt credential: the RFC 7638 JWK thumbprint of its public
key, as terraform-provider-auth0 computes it to recognise a credential it registered
(`jwkThumbprint`). A client assertion that names another `kid` does not match the credential
(the header is optional, but one that is sent must be Auth0's). Pure; public material only."""

from __future__ import annotations

import base64
import hashlib
import json

from svcaccounts.infra.okta.jwk import rsa_public_jwk


def jwk_thumbprint(public_key_pem: str) -> str:
    """base64url (no padding) of the SHA-256 of the key's required members, sorted, no spaces."""
    jwk = rsa_public_jwk(public_key_pem)
    members = {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
