"""Rules both contracts share: what a token URL may be, and how a value taken from a document is
shown in a message (cut short, on one line), so that a stray blob cannot flood a log."""

from __future__ import annotations

import re
from ipaddress import ip_address
from urllib.parse import urlsplit

SHOWN_LENGTH = 60

# OAuth client ids as the identity providers issue them: letters, digits, '_' and '-' (Okta's
# 0oa1b2c3d4EXAMPLE, Entra's GUIDs). Nothing a shell or a dotenv file could read as syntax.
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}")


def cut(text: str, limit: int = SHOWN_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def printable(text: str, limit: int = SHOWN_LENGTH) -> str:
    """`text` on one line: a name from a document cannot start a line of its own in a message."""
    return cut("".join(c if c.isprintable() else "?" for c in text), limit)


def json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def token_url_problem(url: str) -> str | None:
    """Why `url` cannot be a token endpoint, or None: https://, or http:// to a loopback host (local
    development, test servers); never a user name or password in it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"not a URL: {cut(repr(url))}"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        # Not quoted: the userinfo may be a password.
        return "must not contain a user name or password (user:password@)"
    if not parts.hostname:
        return f"not an absolute URL: {cut(repr(url))}"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return None
    return f"must be an https:// URL (http:// only for loopback hosts), got {cut(repr(url))}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
