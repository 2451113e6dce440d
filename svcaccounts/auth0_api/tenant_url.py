"""Which Auth0 tenant to read: `https://<svcaccounts:auth0.domain>`, or `--org-url`.

A credential is sent to this URL, so it must be the tenant itself: `https://` with no path,
query or user info; plain `http://` only to a loopback address (the tests' server).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from svcaccounts.auth0_api.errors import Auth0ApiError


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tenant_url(domain: str, override: str | None) -> str:
    """The tenant's base URL without a trailing slash; Auth0ApiError when it is not one."""
    url = override if override is not None else f"https://{domain}"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise Auth0ApiError("--org-url: not a URL") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise Auth0ApiError("--org-url: expected https://<tenant>.<region>.auth0.com")
    if parts.scheme == "http" and not _is_loopback(host):
        raise Auth0ApiError(
            "--org-url: plain http is allowed only to a loopback address; the Management API "
            "credential would cross the network in clear text"
        )
    if parts.username is not None or parts.password is not None:
        raise Auth0ApiError("--org-url: must not carry user information")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise Auth0ApiError("--org-url: expected the tenant's base URL, with no path, query or fragment")
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:  # an IPv6 literal
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return f"{parts.scheme}://{netloc}"
