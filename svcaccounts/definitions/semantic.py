"""Checks a schema cannot express: names against files, scopes against the catalog, environments
against the stacks, rules that hold only after overrides, and uniqueness across files.

Each check reads whatever parts of a readable document are well formed (the schema reports the
rest) and adds located findings; building the model from the valid documents happens in the
loader (`svcaccounts/definitions/loader.py`).
"""

from __future__ import annotations

import difflib
import posixpath
import re
import unicodedata
from collections.abc import Collection, Iterable
from typing import Any, TypeGuard

from svcaccounts.definitions.findings import Finding
from svcaccounts.definitions.schema import account_defaults
from svcaccounts.definitions.yaml_reader import Document, JsonPath, field_name

RESERVED_SCOPE_PREFIX = "okta."
# What a reviewer can read unambiguously and every renderer shows as written: no backticks, pipes
# or angle brackets to break the markdown report, no look-alike Unicode.
SCOPE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*\Z")


# The owner `svcaccounts okta import` writes: Okta does not know who answers for an app, so a
# person must say it. `.invalid` is reserved (RFC 2606): no mailbox can ever have it.
PLACEHOLDER_OWNER_TEAM = "owner-required"
PLACEHOLDER_OWNER_EMAIL = "owner-required@svcaccounts.invalid"


def scope_name_problem(name: str) -> str | None:
    """Why `name` cannot be a catalog scope, or None (the catalog's rules, shared with import)."""
    if name == "*":
        return "scope name '*' is not allowed: Okta reads it as every scope"
    if any(char.isspace() for char in name):
        return "scope names must not contain whitespace"
    if not SCOPE_NAME.match(name):
        return "scope names are letters, digits and . _ : / - (starting with a letter or digit)"
    if name.startswith(RESERVED_SCOPE_PREFIX):
        return f"scope names must not start with '{RESERVED_SCOPE_PREFIX}' (reserved by Okta)"
    return None


def check_catalog(document: Document) -> None:
    """Scope names: unique, no whitespace, not `*`, not under Okta's reserved `okta.` prefix."""
    first_index: dict[str, int] = {}
    scopes = _mapping(document.value).get("scopes")
    for index, scope in enumerate(scopes if isinstance(scopes, list) else []):
        name = _mapping(scope).get("name")
        if not isinstance(name, str):
            continue  # the schema reports it
        where: JsonPath = ("scopes", index, "name")
        problem = scope_name_problem(name)
        if problem is not None:
            _error(document, where, problem)
        if name in first_index:
            first_line, _ = document.locate(("scopes", first_index[name], "name"))
            _error(document, where, f"scope '{name}' is defined twice (first on line {first_line})")
        else:
            first_index[name] = index


def check_values(document: Document) -> None:
    """Rules on every value of a readable file, in one walk (values the reader or the schema
    already reported are skipped):
    - no field takes a fraction, yet JSON Schema counts 60.0 as an integer, so a number written
      with a decimal point is refused wherever it stands;
    - text carries no control or invisible formatting characters (bidi overrides, zero-width
      spaces): they make a reviewed file, or the access report, read as something it is not."""
    _check_value(document, document.value, ())


# A module-level function, not a recursive closure: a closure that calls itself is a reference
# cycle, which would keep every document (and its YAML nodes) alive until the cyclic collector
# runs, and the CLI runs without it.
def _check_value(document: Document, value: Any, where: JsonPath) -> None:
    if where in document.schema_errors or where in document.flagged:
        return  # already reported by the reader or the schema
    if isinstance(value, str):
        # isprintable() is False for every Cc/Cf character (and tab/newline): C speed for the
        # common case, the detailed look only for the rare string that fails it.
        if not value.isprintable():
            bad = next((char for char in value if _hidden(char)), None)
            if bad is not None:
                message = f"{field_name(where)} contains the invisible or control character U+{ord(bad):04X}"
                _error(document, where, message)
    elif isinstance(value, float):
        message = f"{field_name(where)} must be a whole number, written without a decimal point"
        _error(document, where, message)
    elif isinstance(value, dict):
        # Keys need no look: the schema admits only its own field names, and environment names
        # must match a stack's.
        for key, item in value.items():
            _check_value(document, item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(document, item, (*where, index))


def _hidden(char: str) -> bool:
    # Cc: control characters (a tab or newline inside a description is fine); Cf: formatting
    # characters such as U+202E RIGHT-TO-LEFT OVERRIDE and U+200B ZERO WIDTH SPACE.
    if char in "\t\n":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def check_account(
    document: Document,
    *,
    catalog_scopes: Collection[str] | None,
    environments: Collection[str],
) -> None:
    """Per-file checks of one account. They run on every readable file, also one the schema
    refused, on whatever parts are well formed, so that a file with five mistakes is fixed in one
    run. `catalog_scopes` None: the catalog is broken."""
    account = document.value
    if not isinstance(account, dict):
        return
    name = account.get("name")
    stem = posixpath.basename(document.path).rsplit(".", 1)[0]
    if isinstance(name, str) and name != stem:
        _error(document, ("name",), f"name {_quoted(name)} must equal the file name {_quoted(stem)}")

    if catalog_scopes is not None:
        _check_scopes(document, ("scopes",), account.get("scopes"), catalog_scopes)
    _check_owner(document, _mapping(account.get("owner")))

    defaults = account_defaults()
    rotation = _mapping(account.get("rotation"))
    period, grace = rotation.get("period_days"), rotation.get("grace_days", defaults.grace_days)
    _check_grace(document, ("rotation",), period, grace)
    methods = [account.get("auth_method", defaults.auth_method)] + [
        _mapping(override).get("auth_method") for override in _mapping(account.get("environments")).values()
    ]
    # An environment may override the method; a key in any of them makes grace 0 a cutover there.
    if "private_key_jwt" in methods:
        for grace_at, value in _grace_settings(account):
            if value == 0:
                line, col = document.locate(grace_at)
                document.add(
                    Finding(
                        document.path,
                        line,
                        col,
                        "grace_days 0 removes the previous key in the same update that adds the new one: "
                        "consumers fail until they re-read the bundle; 1 or more keeps rotation seamless",
                        "warning",
                    )
                )

    for environment, value in _mapping(account.get("environments")).items():
        where: JsonPath = ("environments", environment)
        if environment not in environments:
            known = ", ".join(sorted(environments)) or "none: add a Pulumi.<stack>.yaml"
            message = f"unknown environment {_quoted(environment)} (stacks declare: {known})"
            _error(document, where, message, key=True)
        override = _mapping(value)
        if catalog_scopes is not None and "scopes" in override:
            _check_scopes(document, (*where, "scopes"), override["scopes"], catalog_scopes)
        if "rotation" in override:
            rotation_override = _mapping(override["rotation"])
            _check_grace(
                document,
                (*where, "rotation"),
                rotation_override.get("period_days", period),
                rotation_override.get("grace_days", grace),
                environment=environment,
            )


def _check_owner(document: Document, owner: dict[str, Any]) -> None:
    """An imported account's owner is a placeholder until a person names the team that answers
    for it; any `.invalid` address is refused too, since no mail can reach it."""
    team, email = owner.get("team"), owner.get("email")
    if team == PLACEHOLDER_OWNER_TEAM:
        _error(
            document,
            ("owner", "team"),
            "owner.team is the placeholder `svcaccounts okta import` writes: set the team that "
            "answers for this account (and owner.email, its address)",
        )
    if isinstance(email, str) and email.lower().endswith(".invalid"):
        _error(
            document,
            ("owner", "email"),
            "owner.email is a placeholder (.invalid receives no mail): set the owning team's address",
        )


def _mapping(value: object) -> dict[str, Any]:
    """`value` where it is a mapping, else an empty one: the schema reports the wrong shape."""
    return value if isinstance(value, dict) else {}


def _grace_settings(account: dict[str, Any]) -> Iterable[tuple[JsonPath, object]]:
    """Every grace_days the file writes, with where it is written."""
    rotation = _mapping(account.get("rotation"))
    if "grace_days" in rotation:
        yield ("rotation", "grace_days"), rotation["grace_days"]
    for environment, override in _mapping(account.get("environments")).items():
        rotation_override = _mapping(_mapping(override).get("rotation"))
        if "grace_days" in rotation_override:
            yield ("environments", environment, "rotation", "grace_days"), rotation_override["grace_days"]


def check_unique_names(documents: Iterable[Document]) -> None:
    """An account is its name, wherever its file lives: each name once across all folders."""
    by_name: dict[str, list[Document]] = {}
    for document in documents:
        name = document.value.get("name") if isinstance(document.value, dict) else None
        if isinstance(name, str):
            by_name.setdefault(name, []).append(document)
    for name, holders in by_name.items():
        if len(holders) < 2:
            continue
        for document in holders:
            others = ", ".join(other.path for other in holders if other is not document)
            _error(document, ("name",), f"account '{name}' is also defined in {others}")


def _check_scopes(document: Document, where: JsonPath, scopes: object, catalog: Collection[str]) -> None:
    if not isinstance(scopes, list):
        return
    for index, scope in enumerate(scopes):
        if not isinstance(scope, str) or scope in catalog:
            continue
        close = difflib.get_close_matches(scope, list(catalog), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else " (see scopes.yaml)"
        _error(document, (*where, index), f"unknown scope {_quoted(scope)}{hint}")


def _check_grace(
    document: Document, where: JsonPath, period: object, grace: object, *, environment: str | None = None
) -> None:
    if not _whole(period) or not _whole(grace) or grace < period:
        return
    place = f" in {environment}" if environment else ""
    target = (*where, "grace_days") if document.node_at((*where, "grace_days")) else (*where, "period_days")
    _error(
        document,
        target if document.node_at(target) else where,
        f"rotation.grace_days ({grace}) must be less than rotation.period_days ({period}){place}",
    )


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _quoted(text: str) -> str:
    # Long values are cut: a scope list is the wrong place for a secret, but it is a place.
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _error(document: Document, where: JsonPath, message: str, *, key: bool = False) -> None:
    line, col = document.locate(where, key=key)
    document.add(Finding(document.path, line, col, message))
