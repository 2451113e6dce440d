"""The credential bundle: the JSON document the Pulumi program stores for each account (Key Vault
secret or Secrets Manager secret) and the token client reads. Schema for other languages:
svcaccounts/schemas/credential-bundle.schema.json.

    {"client_id", "token_url", "auth_method", "scopes": [...], "generation": int,
     "rotates_at": ISO 8601 UTC, and either "client_secret" (client_secret_basic)
     or "private_key_pem" + "key_id" (private_key_jwt)}

Versions. A bundle without "version" is version 1: what Okta stacks write, unchanged. A bundle
that needs more than Okta's carries "version": 2 and a "request" object with what the token
request must send ("scope": the exact scope string, for Entra ID `<identifierUri>/.default`;
"audience" where a provider needs one); "scopes" still lists the catalog scope names the account
is granted. Amazon Cognito's request names each scope as `<resource server>/<scope>`; a token
carries them so, and `catalog_scopes` maps them back to the catalog's names. A private_key_jwt
bundle for a certificate-based provider adds "certificate_thumbprint_sha256" (base64url, the
assertion header's `x5t#S256`); one whose provider wants another `aud` in the client assertion
than the token URL (Auth0: the tenant's URL) adds "assertion_audience". A reader refuses
a version it does not know instead of requesting the wrong scope.

`bundle_json` is the one writer (the program calls it inside `Output.apply`, on values Pulumi
already holds as secrets); `read_bundle` is the one reader of a decoded document (the client
decodes the text, refusing duplicate keys, and passes the private key check, which needs a crypto
library, as `private_key_problem`).

Reading collects every problem before failing, and no message quotes a credential. Unknown keys
are ignored, so that the program can add fields without breaking deployed consumers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from svcaccounts.core.contracts.values import CLIENT_ID_PATTERN, cut, json_type, token_url_problem
from svcaccounts.core.model import AUTH_METHODS, AuthMethod

SCHEMA = "credential-bundle.schema.json"
CONTENT_TYPE = "application/json"

CLIENT_ID = "client_id"
TOKEN_URL = "token_url"
AUTH_METHOD = "auth_method"
SCOPES = "scopes"
GENERATION = "generation"
ROTATES_AT = "rotates_at"
CLIENT_SECRET = "client_secret"
PRIVATE_KEY_PEM = "private_key_pem"
KEY_ID = "key_id"
VERSION = "version"
REQUEST = "request"
REQUEST_SCOPE = "scope"
REQUEST_AUDIENCE = "audience"
CERTIFICATE_THUMBPRINT = "certificate_thumbprint_sha256"
ASSERTION_AUDIENCE = "assertion_audience"

# Version 1 is implied by a bundle without "version" (Okta's, byte-for-byte as before).
VERSION_1 = 1
VERSION_2 = 2
KNOWN_VERSIONS = (VERSION_1, VERSION_2)
# A SHA-256 digest in base64url without padding: 43 characters.
_THUMBPRINT = re.compile(r"[A-Za-z0-9_-]{43}")

REQUIRED_FIELDS = (CLIENT_ID, TOKEN_URL, AUTH_METHOD, SCOPES, GENERATION, ROTATES_AT)
# The fields each auth method adds; a bundle carries its own method's and no other's.
CREDENTIAL_FIELDS: Mapping[AuthMethod, tuple[str, ...]] = {
    "client_secret_basic": (CLIENT_SECRET,),
    "private_key_jwt": (PRIVATE_KEY_PEM, KEY_ID),
}
SECRET_FIELDS = (CLIENT_SECRET, PRIVATE_KEY_PEM)

# A check of the private key's PEM: the problem, or None. Never quotes the key.
PrivateKeyCheck = Callable[[str], str | None]


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
    version: int = VERSION_1
    # Version 2: what the token request sends as `scope` (and `audience`), instead of `scopes`.
    request_scope: str | None = None
    request_audience: str | None = None
    # The certificate's SHA-256 thumbprint (base64url): the client assertion's `x5t#S256`.
    certificate_thumbprint: str | None = None
    # The client assertion's `aud` when it is not the token URL (Auth0 asks for its tenant URL).
    assertion_audience: str | None = None

    def catalog_scopes(self, granted: Sequence[str]) -> tuple[str, ...]:
        """The catalog names of scopes a token was granted. A version 2 request that names each
        scope with a prefix (Cognito's `<resource server>/<scope>`) gets them back so: each
        request token that is `<prefix>/<scope>` for a scope of the bundle maps to that scope.
        A request token that is itself a scope of the bundle (Auth0 sends the catalog's names) is
        kept, so that scope `a/read` is never read as `read`. Anything else is kept as granted,
        so that a comparison with the definition shows it."""
        if self.request_scope is None:
            return tuple(granted)
        names: dict[str, str] = {}
        own = set(self.scopes)
        # Longest first: of scopes `read` and `a/read`, the token `<prefix>/a/read` is `a/read`.
        for scope in sorted(self.scopes, key=len, reverse=True):
            for token in self.request_scope.split():
                if token in own:
                    continue
                if token.endswith("/" + scope) and len(token) > len(scope) + 1:
                    names.setdefault(token, scope)
        return tuple(names.get(value, value) for value in granted)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credential values, for redacting text that came from outside."""
        return tuple(value for value in (self.client_secret, self.private_key_pem) if value)


class BundleInvalid(ValueError):
    """Not a credential bundle; `problems` names every problem by its field, quoting no credential."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


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
    request_scope: str | None = None,
    request_audience: str | None = None,
    certificate_thumbprint: str | None = None,
    assertion_audience: str | None = None,
) -> str:
    """The bundle's JSON text: version 1 (no "version") unless the token request needs more
    than the scope names (`request_scope`), then version 2. ValueError (quoting no value) when
    the credential fields do not match the auth method."""
    bundle: dict[str, object] = {
        CLIENT_ID: client_id,
        TOKEN_URL: token_url,
        AUTH_METHOD: auth_method,
        SCOPES: list(scopes),
        GENERATION: generation,
        ROTATES_AT: rotates_at,
    }
    if auth_method == "client_secret_basic":
        if client_secret is None or private_key_pem is not None:
            raise ValueError("a client_secret_basic bundle holds a client secret and no private key")
        bundle[CLIENT_SECRET] = client_secret
    else:
        if private_key_pem is None or key_id is None or client_secret is not None:
            raise ValueError("a private_key_jwt bundle holds a private key and its key id, no secret")
        bundle[PRIVATE_KEY_PEM] = private_key_pem
        bundle[KEY_ID] = key_id
    if request_scope is not None:
        bundle[VERSION] = VERSION_2
        request = {REQUEST_SCOPE: request_scope}
        if request_audience is not None:
            request[REQUEST_AUDIENCE] = request_audience
        bundle[REQUEST] = request
    elif request_audience is not None:
        raise ValueError("a request audience comes with a request scope")
    if certificate_thumbprint is not None:
        if auth_method != "private_key_jwt" or request_scope is None:
            raise ValueError("a certificate thumbprint belongs to a version 2 private_key_jwt bundle")
        bundle[CERTIFICATE_THUMBPRINT] = certificate_thumbprint
    if assertion_audience is not None:
        if auth_method != "private_key_jwt" or request_scope is None:
            raise ValueError("an assertion audience belongs to a version 2 private_key_jwt bundle")
        bundle[ASSERTION_AUDIENCE] = assertion_audience
    # Sorted keys and fixed separators: the same credentials always give the same bytes, so an
    # unchanged account never shows a diff on its stored secret.
    return json.dumps(bundle, sort_keys=True, separators=(",", ":"))


def read_bundle(document: object, *, private_key_problem: PrivateKeyCheck | None = None) -> CredentialBundle:
    """The bundle in a decoded JSON document, or BundleInvalid listing every problem.
    `private_key_problem` checks a private_key_jwt bundle's key (the client passes one)."""
    if not isinstance(document, dict):
        raise BundleInvalid([f"expected a JSON object, got {json_type(document)}"])
    version = document.get(VERSION, VERSION_1)
    if version not in KNOWN_VERSIONS or isinstance(version, bool):
        # Nothing else is read: a newer bundle may need a request this client would get wrong.
        raise BundleInvalid(
            [
                f"{VERSION}: this client reads bundle versions {' and '.join(map(str, KNOWN_VERSIONS))}, "
                f"got {_shown(version)}; upgrade svcaccounts to read it"
            ]
        )
    problems = [f"{key}: required" for key in REQUIRED_FIELDS if key not in document]

    client_id = _string(document, CLIENT_ID, problems)
    if client_id is not None and not CLIENT_ID_PATTERN.fullmatch(client_id):
        # Not quoted: it is printed by `svcaccounts env`, which must never emit shell syntax.
        problems.append(f"{CLIENT_ID}: expected 1 to 100 letters, digits, '_' or '-'")
        client_id = None
    token_url = _string(document, TOKEN_URL, problems)
    if token_url is not None and (url_problem := token_url_problem(token_url)):
        problems.append(f"{TOKEN_URL}: {url_problem}")

    auth_method: AuthMethod | None = None
    if AUTH_METHOD in document:
        raw_method = document[AUTH_METHOD]
        if raw_method in AUTH_METHODS:
            auth_method = raw_method
        else:
            expected = " or ".join(repr(method) for method in AUTH_METHODS)
            problems.append(f"{AUTH_METHOD}: expected {expected}, got {_shown(raw_method)}")

    scopes = _scopes(document, problems)
    generation = _generation(document, problems)
    rotates_at = _rotates_at(document, problems)

    client_secret: str | None = None
    private_key_pem: str | None = None
    key_id: str | None = None
    if auth_method == "client_secret_basic":
        client_secret = _string(document, CLIENT_SECRET, problems, required=True)
    elif auth_method == "private_key_jwt":
        private_key_pem = _private_key(document, problems, private_key_problem)
        key_id = _string(document, KEY_ID, problems, required=True)
    if auth_method is not None:
        problems.extend(
            f"{key}: not allowed with auth_method {auth_method!r}"
            for method, keys in CREDENTIAL_FIELDS.items()
            if method != auth_method
            for key in keys
            if key in document
        )

    request_scope, request_audience = _request(document, version, problems)
    thumbprint = _thumbprint(document, version, auth_method, problems)
    assertion_audience = _assertion_audience(document, version, auth_method, problems)

    if problems:
        raise BundleInvalid(problems)
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
        version=version,
        request_scope=request_scope,
        request_audience=request_audience,
        certificate_thumbprint=thumbprint,
        assertion_audience=assertion_audience,
    )


def _assertion_audience(
    document: Mapping[str, object], version: int, auth_method: AuthMethod | None, problems: list[str]
) -> str | None:
    if ASSERTION_AUDIENCE not in document:
        return None
    value = document[ASSERTION_AUDIENCE]
    if version != VERSION_2 or auth_method != "private_key_jwt":
        problems.append(f"{ASSERTION_AUDIENCE}: only in version 2 private_key_jwt bundles")
        return None
    if not isinstance(value, str) or token_url_problem(value) is not None:
        problems.append(f"{ASSERTION_AUDIENCE}: expected the authorization server's URL")
        return None
    return value


def _request(
    document: Mapping[str, object], version: int, problems: list[str]
) -> tuple[str | None, str | None]:
    if version == VERSION_1:
        if REQUEST in document:
            problems.append(f"{REQUEST}: only version 2 bundles carry one (add \"{VERSION}\": 2)")
        return None, None
    value = document.get(REQUEST)
    if not isinstance(value, dict):
        got = json_type(value)
        problems.append(f"{REQUEST}: version 2 requires an object with {REQUEST_SCOPE}, got {got}")
        return None, None
    scope = value.get(REQUEST_SCOPE)
    if not isinstance(scope, str) or not scope.strip() or any(c in scope for c in "\r\n\t"):
        problems.append(f"{REQUEST}.{REQUEST_SCOPE}: expected the scope string the token request sends")
        scope = None
    audience = value.get(REQUEST_AUDIENCE)
    if audience is not None and (not isinstance(audience, str) or not audience.strip()):
        problems.append(f"{REQUEST}.{REQUEST_AUDIENCE}: expected a non-empty string")
        audience = None
    return scope, audience


def _thumbprint(
    document: Mapping[str, object], version: int, auth_method: AuthMethod | None, problems: list[str]
) -> str | None:
    if CERTIFICATE_THUMBPRINT not in document:
        return None
    value = document[CERTIFICATE_THUMBPRINT]
    if version != VERSION_2 or auth_method != "private_key_jwt":
        problems.append(f"{CERTIFICATE_THUMBPRINT}: only in version 2 private_key_jwt bundles")
        return None
    if not isinstance(value, str) or not _THUMBPRINT.fullmatch(value):
        problems.append(f"{CERTIFICATE_THUMBPRINT}: expected a SHA-256 digest in base64url (43 characters)")
        return None
    return value


def _shown(value: object) -> str:
    """A non-secret value for a message, in its JSON spelling (strings quoted), cut short."""
    return cut(repr(value) if isinstance(value, str) else json.dumps(value))


def _string(
    document: Mapping[str, object], key: str, problems: list[str], *, required: bool = False
) -> str | None:
    # The message names the JSON type, never the value: the key may be a credential's.
    if key not in document:
        if required:
            problems.append(f"{key}: required")
        return None
    value = document[key]
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key}: expected a non-empty string, got {json_type(value)}")
        return None
    return value


def _private_key(
    document: Mapping[str, object], problems: list[str], check: PrivateKeyCheck | None
) -> str | None:
    pem = _string(document, PRIVATE_KEY_PEM, problems, required=True)
    if pem is not None and check is not None and (key_problem := check(pem)):
        problems.append(f"{PRIVATE_KEY_PEM}: {key_problem}")
    return pem


def _scopes(document: Mapping[str, object], problems: list[str]) -> tuple[str, ...] | None:
    if SCOPES not in document:
        return None
    value = document[SCOPES]
    if not isinstance(value, list) or not value:
        problems.append(f"{SCOPES}: expected a non-empty array of strings, got {json_type(value)}")
        return None
    scopes: list[str] = []
    for index, scope in enumerate(value):
        if not isinstance(scope, str) or not scope or any(c.isspace() for c in scope):
            problems.append(f"{SCOPES}[{index}]: expected a scope name without spaces")
        elif scope in scopes:
            problems.append(f"{SCOPES}[{index}]: duplicate scope {scope!r}")
        else:
            scopes.append(scope)
    return tuple(scopes) if len(scopes) == len(value) else None


def _generation(document: Mapping[str, object], problems: list[str]) -> int | None:
    if GENERATION not in document:
        return None
    value = document[GENERATION]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.append(f"{GENERATION}: expected a non-negative integer, got {_shown(value)}")
        return None
    return value


def _rotates_at(document: Mapping[str, object], problems: list[str]) -> datetime | None:
    if ROTATES_AT not in document:
        return None
    value = document[ROTATES_AT]
    if not isinstance(value, str):
        problems.append(f"{ROTATES_AT}: expected an ISO-8601 UTC timestamp, got {json_type(value)}")
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"{ROTATES_AT}: not an ISO-8601 timestamp: {_shown(value)}")
        return None
    if moment.utcoffset() != timedelta(0):
        problems.append(f"{ROTATES_AT}: must be in UTC (end with Z or +00:00), got {_shown(value)}")
        return None
    return moment.astimezone(UTC)
