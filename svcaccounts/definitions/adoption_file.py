"""Reading `import/<stack>.adoption.yaml`: an imported account's legacy keys or kept secret, and
the window's end (svcaccounts/core/adoption.py says what they do).

    # Written by `svcaccounts okta import`; reviewed like the definitions (docs/migration.md).
    accounts:
      billing-sync:                       # private_key_jwt: its keys before the import
        until: "2025-07-14T00:00:00Z"
        legacy_keys:
          - {kid: 2024-key, kty: RSA, n: "0vx7ag...", e: AQAB}
      reporting-export:                   # client_secret_basic: its secret before the import
        until: "2025-08-23T00:00:00Z"
        keep_secret: true

Read by the same strict YAML reader as the definitions, with every problem located. The file
holds public keys only: a member that belongs to a private JWK (`d`, `p`, …) is refused without
quoting it. The adopted client secret itself never appears here: it is a Pulumi config secret
(`svcaccounts-adopted-secret:<account>`, ciphertext in the stack file), and a plain value there is
an error too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from svcaccounts.core.adoption import (
    SECRET_CONFIG_NAMESPACE,
    AccountAdoption,
    LegacyKey,
    StackAdoption,
    secret_config_key,
)
from svcaccounts.core.clock import ClockError, parse_instant
from svcaccounts.core.model import EnvironmentView
from svcaccounts.definitions.findings import Finding
from svcaccounts.definitions.stack_files import Stack
from svcaccounts.definitions.yaml_reader import Document, JsonPath, read_document

# Public members by key type (RFC 7518 section 6), and those any JWK may carry. RSA only: the
# provider's `jwks` block has no `crv`, so an EC key could not be carried over faithfully.
PUBLIC_MEMBERS: Mapping[str, tuple[str, ...]] = {"RSA": ("n", "e")}
OPTIONAL_MEMBERS = ("alg", "use")
# Members of a private JWK: never in this file (a private key in a repository is a leak).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_BASE64URL = re.compile(r"[A-Za-z0-9_-]{1,2048}\Z")
_KID = re.compile(r"[\x21-\x7e]{1,128}\Z")
# The key ids the program gives generated keys (naming.key_id): a legacy key may not take one.
_GENERATED_KID = re.compile(r"-g[0-9]+\Z")


@dataclass(frozen=True, slots=True)
class AdoptionResult:
    adoption: StackAdoption
    findings: tuple[Finding, ...]


class _Reader:
    def __init__(self, document: Document) -> None:
        self.document = document

    def error(self, where: JsonPath, message: str, *, key: bool = False) -> None:
        line, col = self.document.locate(where, key=key)
        self.document.add(Finding(self.document.path, line, col, message))

    def unknown(self, value: Mapping[str, Any], where: JsonPath, known: tuple[str, ...]) -> None:
        for extra in sorted(set(value) - set(known)):
            self.error((*where, extra), f"unknown field {extra!r} (expected {', '.join(known)})", key=True)


def _legacy_key(reader: _Reader, account: str, value: object, where: JsonPath) -> LegacyKey | None:
    if not isinstance(value, dict):
        reader.error(where, "a legacy key is a mapping of a public JWK's members")
        return None
    private = sorted(set(value) & PRIVATE_MEMBERS)
    if private:
        # Name the member, never its value: this is a private key in a repository.
        reader.error(
            (*where, private[0]),
            f"{private[0]!r} belongs to a private key: this file holds public keys only; remove the "
            "key, and treat the private key as leaked (rotate it)",
            key=True,
        )
        return None
    kty = value.get("kty")
    if not isinstance(kty, str) or kty not in PUBLIC_MEMBERS:
        reader.error((*where, "kty"), f"kty must be {' or '.join(PUBLIC_MEMBERS)}")
        return None
    members = PUBLIC_MEMBERS[kty]
    reader.unknown(value, where, ("kid", "kty", *members, *OPTIONAL_MEMBERS))
    kid = value.get("kid")
    ok = True
    if not isinstance(kid, str) or not _KID.match(kid):
        reader.error((*where, "kid"), "kid is required: the key id consumers put in their assertions")
        ok = False
    elif kid.startswith(f"{account}-") and _GENERATED_KID.search(kid):
        reader.error(
            (*where, "kid"),
            f"kid {kid!r} is a generated key's id (<account>-g<N>); a legacy key keeps its own",
        )
        ok = False
    for member in members:
        text = value.get(member)
        if not (isinstance(text, str) and _BASE64URL.match(text)):
            reader.error((*where, member), f"{member} is required: base64url text")
            ok = False
    for member in OPTIONAL_MEMBERS:
        if member in value and not (isinstance(value[member], str) and _KID.match(value[member])):
            reader.error((*where, member), f"{member} must be text")
            ok = False
    if not ok:
        return None
    kept = {name: str(value[name]) for name in ("kid", "kty", *members, *OPTIONAL_MEMBERS) if name in value}
    return LegacyKey(kid=str(kid), members=kept)


def _account(reader: _Reader, name: str, value: object) -> AccountAdoption | None:
    where: JsonPath = ("accounts", name)
    if not isinstance(value, dict):
        reader.error(where, "an account's adoption is a mapping: until, and legacy_keys or keep_secret")
        return None
    reader.unknown(value, where, ("until", "legacy_keys", "keep_secret"))
    until_text = value.get("until")
    until = None
    if not isinstance(until_text, str):
        reader.error(
            where if "until" not in value else (*where, "until"),
            "until is required: the window's end, an ISO 8601 UTC time in quotes",
        )
    else:
        try:
            until = parse_instant(until_text, source="until")
        except ClockError as error:
            reader.error((*where, "until"), str(error))
    keys_value = value.get("legacy_keys")
    keep_secret = value.get("keep_secret", False)
    if keep_secret not in (True, False):
        reader.error((*where, "keep_secret"), "keep_secret must be true or false")
        return None
    if (keys_value is not None) == bool(keep_secret):
        reader.error(
            where,
            "an adopted account has exactly one of legacy_keys (private_key_jwt) or "
            "keep_secret: true (client_secret_basic)",
        )
        return None
    keys: list[LegacyKey] = []
    if keys_value is not None:
        if not isinstance(keys_value, list) or not keys_value:
            reader.error((*where, "legacy_keys"), "legacy_keys is a non-empty list of public JWKs")
            return None
        seen: set[str] = set()
        for index, item in enumerate(keys_value):
            key = _legacy_key(reader, name, item, (*where, "legacy_keys", index))
            if key is None:
                continue
            if key.kid in seen:
                reader.error((*where, "legacy_keys", index, "kid"), f"kid {key.kid!r} appears twice")
                continue
            seen.add(key.kid)
            keys.append(key)
        if len(keys) != len(keys_value):
            return None
    if until is None:
        return None
    return AccountAdoption(account=name, until=until, legacy_keys=tuple(keys), keeps_secret=bool(keep_secret))


def read_adoption(stack: str, path: str, data: bytes) -> tuple[StackAdoption, Document]:
    """The adoption state of `stack` from its file; problems are findings on the document."""
    document = read_document(path, data)
    reader = _Reader(document)
    accounts: dict[str, AccountAdoption] = {}
    value = document.value
    if isinstance(value, dict):
        reader.unknown(value, (), ("accounts",))
        listed = value.get("accounts")
        if not isinstance(listed, dict):
            reader.error(("accounts",), "accounts is required: a mapping of account name to its adoption")
        else:
            for name, entry in listed.items():
                adopted = _account(reader, str(name), entry)
                if adopted is not None:
                    accounts[str(name)] = adopted
    return StackAdoption(stack=stack, accounts=MappingProxyType(accounts)), document


def provided_secrets(stack: Stack) -> tuple[frozenset[str], list[Finding]]:
    """The accounts whose adopted secret the stack file holds as ciphertext, and an error for
    each one in plain text (only the key is named: the value must not reach a CI log)."""
    provided: set[str] = set()
    findings: list[Finding] = []
    prefix = SECRET_CONFIG_NAMESPACE + ":"
    for key in sorted(k for k in stack.config if k.startswith(prefix)):
        value = stack.config[key]
        if isinstance(value, dict) and set(value) == {"secure"}:
            provided.add(key[len(prefix) :])
            continue
        line, col = stack.locate(("config", key))
        findings.append(
            Finding(
                stack.path,
                line,
                col,
                f"{key} is in plain text: remove it and rotate that client secret in Okta, then set it "
                f"with `pulumi config set --secret {key}`",
            )
        )
    return frozenset(provided), findings


def adoption_findings(
    adoption: StackAdoption, document: Document, view: EnvironmentView | None
) -> list[Finding]:
    """What the adoption file says that the stack's definitions contradict: an account the
    environment does not have, legacy keys on a client_secret_basic account, a kept secret on a
    private_key_jwt one. `view` None: the definitions are invalid (validate reports them)."""
    if view is None:
        return []
    accounts = {account.name: account for account in view.accounts}
    findings: list[Finding] = []

    def error(name: str, message: str) -> None:
        line, col = document.locate(("accounts", name), key=True)
        findings.append(Finding(document.path, line, col, message))

    for name, adopted in sorted(adoption.accounts.items()):
        account = accounts.get(name)
        if account is None:
            error(
                name,
                f"no account {name!r} in environment {view.environment}: remove its adoption, or define it",
            )
        elif adopted.legacy_keys and account.auth_method != "private_key_jwt":
            error(name, f"legacy_keys apply to private_key_jwt accounts; {name} uses {account.auth_method}")
        elif adopted.keeps_secret and account.auth_method != "client_secret_basic":
            error(
                name,
                f"keep_secret applies to client_secret_basic accounts; {name} uses {account.auth_method}",
            )
    for name in sorted(
        adoption.secrets_provided - {n for n, a in adoption.accounts.items() if a.keeps_secret}
    ):
        findings.append(
            Finding(
                document.path,
                1,
                1,
                f"the stack file sets {secret_config_key(name)}, but no account here keeps its secret: "
                f"remove it (`pulumi config rm {secret_config_key(name)}`)",
                "warning",
            )
        )
    return findings
