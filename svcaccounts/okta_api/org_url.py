"""Which Okta org to read: from the stack file (`okta:orgName` + `okta:baseUrl`) or `--org-url`.

A credential is sent to this URL, so it must be the org itself (svcaccounts/bounded_http.py,
`checked_base_url`: https, no path, query or user info; plain http only to a loopback address).
"""

from __future__ import annotations

from svcaccounts.bounded_http import checked_base_url
from svcaccounts.okta_api.errors import OktaApiError


def checked_org_url(url: str) -> str:
    """`url` without a trailing slash; OktaApiError when it is not an org's base URL."""
    return checked_base_url(
        url,
        error=OktaApiError,
        example="https://<your org>.okta.com",
        credential="API credential",
        place="the org's",
    )
