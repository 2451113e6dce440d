"""The credential bundle: the JSON contract between this program and the consumers' token client.

    {"client_id", "token_url", "auth_method", "scopes": [...], "generation", "rotates_at",
     and "client_secret" (client_secret_basic) or "private_key_pem" + "key_id" (private_key_jwt)}

Pure. Called only inside `Output.apply` on values that Pulumi already marks secret; the result is
wrapped in `Output.secret` again by the caller, so it never reaches state or logs in clear text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from svcaccounts.core.model import AuthMethod

BUNDLE_CONTENT_TYPE = "application/json"


def bundle_json(
    *,
    client_id: str,
    token_url: str,
    auth_method: AuthMethod,
    scopes: Sequence[str],
    generation: int,
    rotates_at: str,
    client_secret: str | None = None,
    private_key_pem: str | None = None,
    key_id: str | None = None,
) -> str:
    bundle: dict[str, object] = {
        "client_id": client_id,
        "token_url": token_url,
        "auth_method": auth_method,
        "scopes": list(scopes),
        "generation": generation,
        "rotates_at": rotates_at,
    }
    if auth_method == "client_secret_basic":
        if client_secret is None or private_key_pem is not None:
            raise ValueError("a client_secret_basic bundle holds a client secret and no private key")
        bundle["client_secret"] = client_secret
    else:
        if private_key_pem is None or key_id is None or client_secret is not None:
            raise ValueError("a private_key_jwt bundle holds a private key and its key id, no secret")
        bundle["private_key_pem"] = private_key_pem
        bundle["key_id"] = key_id
    # Sorted keys and fixed separators: the same credentials always give the same bytes, so an
    # unchanged account never shows a diff on its Key Vault secret.
    return json.dumps(bundle, sort_keys=True, separators=(",", ":"))
