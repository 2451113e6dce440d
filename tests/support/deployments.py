"""What `pulumi up` leaves behind for the dev stack of tests/fixtures/verify-repo/, without Pulumi:
an account's app registered on the loopback authorization server, and its credential bundle
stored where the command under test reads it: in the stack's Key Vault (a FakeKeyVault), or as a
file named after the Key Vault secret in a bundles folder (`verify --bundles DIR`)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from svcaccounts.core.naming import key_id
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.client_fakes import FakeKeyVault, write_bundle

# verify compares each bundle's generation with the definitions' at now: at this instant the
# fixture repository's docs-reader is at generation 1 and reporter at 2 (what deploy_* write).
VERIFY_NOW = "2024-01-15T12:00:00Z"
ROTATES_AT = "2027-01-01T00:00:00Z"


def _store(where: FakeKeyVault | Path, account: str, bundle: dict[str, Any]) -> None:
    secret_name = f"{account}-dev"
    if isinstance(where, Path):
        write_bundle(where / f"{secret_name}.json", bundle)
    else:
        where.secrets[secret_name] = json.dumps(bundle)


def deploy_basic(authz: AuthzServer, where: FakeKeyVault | Path, account: str, scopes: tuple[str, ...]) -> str:
    """A client_secret_basic account: the app on the server, then the bundle. Returns the secret."""
    secret = secrets.token_urlsafe(24)
    authz.register(RegisteredClient(f"0oa-{account}", "client_secret_basic", scopes, client_secret=secret))
    _store(
        where,
        account,
        {
            "client_id": f"0oa-{account}",
            "token_url": authz.token_url,
            "auth_method": "client_secret_basic",
            "scopes": list(scopes),
            "generation": 2,
            "rotates_at": ROTATES_AT,
            "client_secret": secret,
        },
    )
    return secret


def deploy_jwt(
    authz: AuthzServer, where: FakeKeyVault | Path, account: str, scopes: tuple[str, ...], key: RSAKey
) -> str:
    """A private_key_jwt account: the app with its public key, then the bundle. Returns the PEM."""
    public = RSAKey.import_key(key.as_dict(private=False))
    authz.register(RegisteredClient(f"0oa-{account}", "private_key_jwt", scopes, public_key=public))
    pem: str = key.as_pem(private=True).decode()
    _store(
        where,
        account,
        {
            "client_id": f"0oa-{account}",
            "token_url": authz.token_url,
            "auth_method": "private_key_jwt",
            "scopes": list(scopes),
            "generation": 1,
            "rotates_at": ROTATES_AT,
            "private_key_pem": pem,
            "key_id": key_id(account, 1),
        },
    )
    return pem
