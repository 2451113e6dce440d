"""Which Okta org to read: from the stack file (`okta:orgName` + `okta:baseUrl`) or `--org-url`.

A credential is sent to this URL, so it must be the org itself: `https://` with no path, query or
user info; plain `http://` only to a loopback address (the tests' server), never across a network.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from svcaccounts.okta_api.errors import OktaApiError


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_org_url(url: str) -> str:
    """`url` without a trailing slash; OktaApiError when it is not an org's base URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise OktaApiError("--org-url: not a URL") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise OktaApiError("--org-url: expected https://<your org>.okta.com")
    if parts.scheme == "http" and not _is_loopback(host):
        raise OktaApiError(
            "--org-url: plain http is allowed only to a loopback address; the API credential "
            "would cross the network in clear text"
        )
    if parts.username is not None or parts.password is not None:
        raise OktaApiError("--org-url: must not carry user information")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise OktaApiError("--org-url: expected the org's base URL, with no path, query or fragment")
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:  # an IPv6 literal
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return f"{parts.scheme}://{netloc}"
