"""The credential bundle as a Pulumi Output: the contract's one writer
(svcaccounts.core.contracts.bundle.bundle_json) applied to the values only the deploy knows.

Called on values that Pulumi already marks secret; the store wraps the result in `Output.secret`
again, so it never reaches state or logs in clear text.
"""

from __future__ import annotations

from typing import Any

import pulumi

from svcaccounts.core.contracts.bundle import bundle_json
from svcaccounts.core.plan import AccountPlan
from svcaccounts.core.rotation import iso_utc


def bundle_value(
    account: AccountPlan,
    client_id: pulumi.Output[str],
    token_url: pulumi.Input[str],
    credential: pulumi.Output[str],
    *,
    request_scope: str | None = None,
    certificate_thumbprint: pulumi.Output[str] | None = None,
    request_audience: str | None = None,
    key_id: pulumi.Output[str] | None = None,
    assertion_audience: str | None = None,
) -> pulumi.Output[str]:
    """The JSON text of `account`'s bundle. `credential` is the newest generation's private key
    (PKCS#8 PEM) or client secret, as the account's auth method says. A provider whose token
    request needs more than the scope names passes `request_scope` (a version 2 bundle), and a
    certificate-based private_key_jwt its certificate's thumbprint; one that needs an `audience`
    too (Auth0) passes `request_audience`, and one that names keys itself (Auth0) the `key_id`."""
    rotates_at = iso_utc(account.rotation.next_rotation)
    newest = account.current
    private_key = newest.kind == "private_key"

    def write(values: list[Any]) -> str:
        client_id_value, token_url_value, credential_value, thumbprint_value, key_id_value = values
        return bundle_json(
            client_id=client_id_value,
            token_url=token_url_value,
            auth_method=account.auth_method,
            scopes=account.scopes,
            generation=account.generation,
            rotates_at=rotates_at,
            client_secret=None if private_key else credential_value,
            private_key_pem=credential_value if private_key else None,
            key_id=(key_id_value or newest.key_id) if private_key else None,
            request_scope=request_scope,
            request_audience=request_audience,
            assertion_audience=assertion_audience if private_key else None,
            certificate_thumbprint=thumbprint_value,
        )

    # One apply over plain strings: every Output (and every dict that Output.all would unwrap)
    # costs the SDK scheduling work per account.
    return pulumi.Output.all(client_id, token_url, credential, certificate_thumbprint, key_id).apply(write)
