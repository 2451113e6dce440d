"""Rules both contracts share: what a token URL may be, and how a value taken from a document is
shown in a message (cut short, on one line), so that a stray blob cannot flood a log."""

from __future__ import annotations

import re
import string
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
    development, test servers); never a user name or password in it. Also refused: what an HTTP
    client would refuse at the first request (a NUL byte, a port that is not a number, a malformed
    host), so that such a document fails when it is read, naming the field."""
    # Before urlsplit(), which silently drops tabs and newlines.
    if (bad := next((char for char in url if char not in _URL_CHARACTERS), None)) is not None:
        return f"contains U+{ord(bad):04X}, which a URL cannot hold; percent-encode it"
    try:
        parts = urlsplit(url)
    except ValueError:
        # Never quoted: a malformed URL may still hold a password before its '@'.
        return "not a URL (a bracket, port or host that cannot be parsed)"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        # Not quoted: the userinfo may be a password.
        return "must not contain a user name or password (user:password@)"
    if not parts.hostname:
        return "not an absolute URL (no host)"
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = 0
    if port == 0:
        return "the port must be a number from 1 to 65535"
    if not _is_host(parts.hostname):
        return "the host is not a host name or an IP address"
    if "#" in url:
        return "must not have a fragment (#...); RFC 6749 forbids one on the token endpoint"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return None
    scheme = parts.scheme if parts.scheme.isalnum() else "another"
    return f"must be an https:// URL (http:// only for loopback hosts), got a {cut(scheme, 10)} URL"


# RFC 3986: unreserved and reserved characters, and "%" for percent-encoding; nothing else.
_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
# A DNS label as hosts use them (underscores occur in internal names); urlsplit lowercases hosts.
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


def _is_host(host: str) -> bool:
    """An IP address, or a DNS name of valid labels. An "xn--" label must at least decode as
    punycode (the full IDNA rules are the HTTP client's, which refuses the rest at request time)."""
    try:
        ip_address(host)
        return True
    except ValueError:
        pass
    name = host.removesuffix(".")
    if not name or len(name) > 253:
        return False
    return all(_HOST_LABEL.fullmatch(label) and _punycode_ok(label) for label in name.split("."))


def _punycode_ok(label: str) -> bool:
    if not label.startswith("xn--"):
        return True
    try:
        return bool(label[4:].encode("ascii").decode("punycode"))
    except UnicodeError:
        return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
