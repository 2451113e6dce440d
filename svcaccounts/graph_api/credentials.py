"""The reader's credential: an app registration's client secret, from the environment.

Read as the azuread Pulumi provider reads it (`ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`,
`ARM_TENANT_ID`), else as azure-identity's EnvironmentCredential does (`AZURE_CLIENT_ID`,
`AZURE_CLIENT_SECRET`, `AZURE_TENANT_ID`). One family is taken whole, never a mix: a client id
from one and a secret from the other would be a credential nobody issued. The tenant, when set,
must be the stack's (`svcaccounts:entraId.tenantId`): the log read is the stack's tenant's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from svcaccounts.graph_api.errors import GraphApiError

FAMILIES = ("ARM", "AZURE")
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class ClientSecretCredential:
    tenant_id: str | None
    client_id: str
    # Never printed: repr=False keeps it out of any traceback's locals rendering of the object.
    client_secret: str = field(repr=False)
    source: str = "ARM"


def credential_from_environment(environ: Mapping[str, str] | None = None) -> ClientSecretCredential:
    env = os.environ if environ is None else environ
    for family in FAMILIES:
        client_id = env.get(f"{family}_CLIENT_ID", "").strip()
        secret = env.get(f"{family}_CLIENT_SECRET", "")
        if not client_id and not secret:
            continue
        if not client_id or not secret:
            raise GraphApiError(
                f"{family}_CLIENT_ID and {family}_CLIENT_SECRET must both be set (docs/usage.md, 'Entra ID')"
            )
        if not _GUID.fullmatch(client_id):
            raise GraphApiError(f"{family}_CLIENT_ID is not an application (client) id")
        tenant = env.get(f"{family}_TENANT_ID", "").strip() or None
        return ClientSecretCredential(tenant, client_id, secret, family)
    raise GraphApiError(
        "no Microsoft Graph credential: set ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (or the "
        "AZURE_* names) for an app granted AuditLog.Read.All (docs/usage.md, 'Entra ID')"
    )


def checked_tenant(credential: ClientSecretCredential, stack_tenant: str) -> str:
    """The tenant to ask for a token: the stack's; a credential naming another is refused."""
    if not _GUID.fullmatch(stack_tenant):
        raise GraphApiError("the stack's svcaccounts:entraId.tenantId is not a tenant id")
    if credential.tenant_id is not None and credential.tenant_id.lower() != stack_tenant.lower():
        raise GraphApiError(
            f"{credential.source}_TENANT_ID is not the stack's tenant (svcaccounts:entraId.tenantId); "
            "the report would read another tenant's log"
        )
    return stack_tenant
