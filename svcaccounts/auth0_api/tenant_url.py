"""Which Auth0 tenant to read: `https://<svcaccounts:auth0.domain>`, or `--org-url`.

A credential is sent to this URL, so it must be the tenant itself (svcaccounts/bounded_http.py,
`checked_base_url`: https, no path, query or user info; plain http only to a loopback address).
"""

from __future__ import annotations

from svcaccounts.auth0_api.errors import Auth0ApiError
from svcaccounts.bounded_http import checked_base_url


def tenant_url(domain: str, override: str | None) -> str:
    """The tenant's base URL without a trailing slash; Auth0ApiError when it is not one."""
    return checked_base_url(
        override if override is not None else f"https://{domain}",
        error=Auth0ApiError,
        example="https://<tenant>.<region>.auth0.com",
        credential="Management API credential",
        place="the tenant's",
    )
