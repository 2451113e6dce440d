"""The credential bundle: the JSON contract between the Pulumi program (which writes it to Key Vault)
and the token client (which reads it).

    {"client_id", "token_url", "auth_method", "scopes": [...], "generation": int,
     "rotates_at": ISO-8601 UTC, and either "client_secret" (client_secret_basic)
     or "private_key_pem" + "key_id" (private_key_jwt)}

Parsing collects every problem before failing, and no message ever quotes a secret field. Unknown
keys are ignored so that the program can add fields without breaking deployed consumers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from svcaccounts.client.errors import BundleError
from svcaccounts.client.limits import InvalidJSON, parse_json
from svcaccounts.core.model import AUTH_METHODS, AuthMethod

SECRET_FIELDS = ("client_secret", "private_key_pem")
_REQUIRED = ("client_id", "token_url", "auth_method", "scopes", "generation", "rotates_at")


@dataclass(frozen=True, slots=True)
class CredentialBundle:
    client_id: str
    token_url: str
    auth_method: AuthMethod
    scopes: tuple[str, ...]
    generation: int
    rotates_at: datetime
    # repr=False keeps the credential out of reprs, f-strings, logs and assertion rewrites.
    client_secret: str | None = field(default=None, repr=False)
    private_key_pem: str | None = field(default=None, repr=False)
    key_id: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credential values, for redacting text that came from outside."""
        return tuple(value for value in (self.client_secret, self.private_key_pem) if value)


def parse_bundle(text: str | bytes, *, origin: str) -> CredentialBundle:
    """Parse and validate a bundle; `origin` says where it came from, for messages."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BundleError(origin, ["not UTF-8 text"]) from None
    try:
        # Duplicate keys refused: which of two `client_secret`s is meant is not for us to guess.
        document = parse_json(text, reject_duplicates=True)
    except InvalidJSON as error:
        raise BundleError(origin, [str(error)]) from None
    if not isinstance(document, dict):
        raise BundleError(origin, [f"expected a JSON object, got {_json_type(document)}"])
    return bundle_from_mapping(document, origin=origin)


def bundle_from_mapping(document: Mapping[str, object], *, origin: str) -> CredentialBundle:
    problems: list[str] = []
    for key in _REQUIRED:
        if key not in document:
            problems.append(f"{key}: required")

    client_id = _string(document, "client_id", problems)
    token_url = _string(document, "token_url", problems)
    if token_url is not None and (url_problem := token_url_problem(token_url)):
        problems.append(f"token_url: {url_problem}")

    auth_method: AuthMethod | None = None
    raw_method = document.get("auth_method")
    if "auth_method" in document:
        if raw_method in AUTH_METHODS:
            auth_method = raw_method
        else:
            expected = " or ".join(repr(method) for method in AUTH_METHODS)
            problems.append(f"auth_method: expected {expected}, got {_short(raw_method)}")

    scopes = _scopes(document, problems)
    generation = _generation(document, problems)
    rotates_at = _rotates_at(document, problems)

    client_secret: str | None = None
    private_key_pem: str | None = None
    key_id: str | None = None
    if auth_method == "client_secret_basic":
        client_secret = _secret_string(document, "client_secret", problems)
        for key in ("private_key_pem", "key_id"):
            if key in document:
                problems.append(f"{key}: not allowed with auth_method 'client_secret_basic'")
    elif auth_method == "private_key_jwt":
        private_key_pem = _secret_string(document, "private_key_pem", problems)
        if private_key_pem is not None and (key_problem := _private_key_problem(private_key_pem)):
            problems.append(f"private_key_pem: {key_problem}")
        key_id = _string(document, "key_id", problems, required=True)
        if "client_secret" in document:
            problems.append("client_secret: not allowed with auth_method 'private_key_jwt'")

    if problems:
        raise BundleError(origin, problems)
    assert client_id is not None and token_url is not None and auth_method is not None
    assert scopes is not None and generation is not None and rotates_at is not None
    return CredentialBundle(
        client_id=client_id,
        token_url=token_url,
        auth_method=auth_method,
        scopes=scopes,
        generation=generation,
        rotates_at=rotates_at,
        client_secret=client_secret,
        private_key_pem=private_key_pem,
        key_id=key_id,
    )


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _short(value: object) -> str:
    """A non-secret value for a message, cut so a stray blob cannot flood it."""
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _string(
    document: Mapping[str, object], key: str, problems: list[str], *, required: bool = False
) -> str | None:
    if key not in document:
        if required:
            problems.append(f"{key}: required")
        return None
    value = document[key]
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key}: expected a non-empty string, got {_json_type(value)}")
        return None
    return value


def _secret_string(document: Mapping[str, object], key: str, problems: list[str]) -> str | None:
    # Like _string, but the message never includes the value, only its JSON type.
    return _string(document, key, problems, required=True)


def token_url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"not a URL: {_short(url)}"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        # Not quoted: the userinfo may be a password.
        return "must not contain a user name or password (user:password@)"
    if not parts.hostname:
        return f"not an absolute URL: {_short(url)}"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        # Plain HTTP only to this machine: local development and the test authorization server.
        return None
    return f"must be an https:// URL (http:// only for loopback hosts), got {_short(url)}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _scopes(document: Mapping[str, object], problems: list[str]) -> tuple[str, ...] | None:
    if "scopes" not in document:
        return None
    value = document["scopes"]
    if not isinstance(value, list) or not value:
        problems.append(f"scopes: expected a non-empty array of strings, got {_json_type(value)}")
        return None
    scopes: list[str] = []
    for index, scope in enumerate(value):
        if not isinstance(scope, str) or not scope or any(c.isspace() for c in scope):
            problems.append(f"scopes[{index}]: expected a scope name without spaces")
        elif scope in scopes:
            problems.append(f"scopes[{index}]: duplicate scope {scope!r}")
        else:
            scopes.append(scope)
    return tuple(scopes) if len(scopes) == len(value) else None


def _generation(document: Mapping[str, object], problems: list[str]) -> int | None:
    if "generation" not in document:
        return None
    value = document["generation"]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.append(f"generation: expected a non-negative integer, got {_short(value)}")
        return None
    return value


def _rotates_at(document: Mapping[str, object], problems: list[str]) -> datetime | None:
    if "rotates_at" not in document:
        return None
    value = document["rotates_at"]
    if not isinstance(value, str):
        problems.append(f"rotates_at: expected an ISO-8601 UTC timestamp, got {_json_type(value)}")
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"rotates_at: not an ISO-8601 timestamp: {_short(value)}")
        return None
    if moment.utcoffset() != timedelta(0):
        problems.append(f"rotates_at: must be in UTC (end with Z or +00:00), got {_short(value)}")
        return None
    return moment.astimezone(UTC)


def _private_key_problem(pem: str) -> str | None:
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        # The library's message is not quoted: it might describe the key material.
        return "not an unencrypted PEM private key"
    except Exception:
        return "not a supported PEM private key"
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return "must be an RSA or EC private key"
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name not in _EC_CURVES:
        return f"unsupported EC curve {key.curve.name}; use P-256, P-384 or P-521"
    return None


# curve name -> JWS algorithm, for private_key_jwt assertions signed with an EC key.
_EC_CURVES = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


def signing_algorithm(pem: str) -> str:
    """The JWS `alg` for an assertion signed with this (already validated) private key."""
    key = load_pem_private_key(pem.encode(), password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return _EC_CURVES[key.curve.name]
    return "RS256"
