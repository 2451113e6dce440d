"""Checks a schema cannot express: names against files, scopes against the catalog, environments
against the stacks, rules that hold only after overrides, and uniqueness across files.

Each check reads schema-valid documents and adds located findings; building the model from the
same documents happens in the loader (`svcaccounts/definitions/loader.py`).
"""

from __future__ import annotations

import difflib
import posixpath
import re
import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

from svcaccounts.definitions.findings import Finding
from svcaccounts.definitions.schema import account_defaults
from svcaccounts.definitions.yaml_reader import Document, JsonPath, field_name

RESERVED_SCOPE_PREFIX = "okta."
# What a reviewer can read unambiguously and every renderer shows as written: no backticks, pipes
# or angle brackets to break the markdown report, no look-alike Unicode.
SCOPE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*\Z")


def check_catalog(document: Document) -> None:
    """Scope names: unique, no whitespace, not `*`, not under Okta's reserved `okta.` prefix."""
    first_index: dict[str, int] = {}
    for index, scope in enumerate(document.value["scopes"]):
        name: str = scope["name"]
        where: JsonPath = ("scopes", index, "name")
        if name == "*":
            _error(document, where, "scope name '*' is not allowed: Okta reads it as every scope")
        elif any(char.isspace() for char in name):
            _error(document, where, "scope names must not contain whitespace")
        elif not SCOPE_NAME.match(name):
            _error(
                document,
                where,
                "scope names are letters, digits and . _ : / - (starting with a letter or digit)",
            )
        elif name.startswith(RESERVED_SCOPE_PREFIX):
            _error(
                document,
                where,
                f"scope names must not start with '{RESERVED_SCOPE_PREFIX}' (reserved by Okta)",
            )
        if name in first_index:
            first_line, _ = document.locate(("scopes", first_index[name], "name"))
            _error(document, where, f"scope '{name}' is defined twice (first on line {first_line})")
        else:
            first_index[name] = index


def check_values(document: Document) -> None:
    """Rules on every value of a schema-valid file, in one walk:
    - no field takes a fraction, yet JSON Schema counts 60.0 as an integer, so a number written
      with a decimal point is refused wherever it stands;
    - text carries no control or invisible formatting characters (bidi overrides, zero-width
      spaces): they make a reviewed file, or the access report, read as something it is not."""
    _check_value(document, document.value, ())


# A module-level function, not a recursive closure: a closure that calls itself is a reference
# cycle, which would keep every document (and its YAML nodes) alive until the cyclic collector
# runs, and the CLI runs without it.
def _check_value(document: Document, value: Any, where: JsonPath) -> None:
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
    """Per-file checks of one schema-valid account. `catalog_scopes` None: the catalog is broken."""
    account: dict[str, Any] = document.value
    stem = posixpath.basename(document.path).rsplit(".", 1)[0]
    if account["name"] != stem:
        _error(document, ("name",), f"name '{account['name']}' must equal the file name '{stem}'")

    if catalog_scopes is not None:
        _check_scopes(document, ("scopes",), account["scopes"], catalog_scopes)

    rotation = account["rotation"]
    default_grace = account_defaults().grace_days
    _check_grace(document, ("rotation",), rotation["period_days"], rotation.get("grace_days", default_grace))
    if account.get("auth_method", account_defaults().auth_method) == "private_key_jwt":
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

    for environment, override in account["environments"].items():
        where: JsonPath = ("environments", environment)
        if environment not in environments:
            known = ", ".join(sorted(environments)) or "none: add a Pulumi.<stack>.yaml"
            _error(
                document, where, f"unknown environment '{environment}' (stacks declare: {known})", key=True
            )
        if catalog_scopes is not None and "scopes" in override:
            _check_scopes(document, (*where, "scopes"), override["scopes"], catalog_scopes)
        if "rotation" in override:
            period = override["rotation"].get("period_days", rotation["period_days"])
            grace = override["rotation"].get("grace_days", rotation.get("grace_days", default_grace))
            _check_grace(document, (*where, "rotation"), period, grace, environment=environment)


def _grace_settings(account: dict[str, Any]) -> Iterable[tuple[JsonPath, int]]:
    """Every grace_days the file writes, with where it is written."""
    if "grace_days" in account["rotation"]:
        yield ("rotation", "grace_days"), account["rotation"]["grace_days"]
    for environment, override in account["environments"].items():
        if "grace_days" in override.get("rotation", {}):
            yield ("environments", environment, "rotation", "grace_days"), override["rotation"]["grace_days"]


def check_unique_names(documents: Iterable[Document]) -> None:
    """An account is its name, wherever its file lives: each name once across all folders."""
    by_name: dict[str, list[Document]] = {}
    for document in documents:
        by_name.setdefault(document.value["name"], []).append(document)
    for name, holders in by_name.items():
        if len(holders) < 2:
            continue
        for document in holders:
            others = ", ".join(other.path for other in holders if other is not document)
            _error(document, ("name",), f"account '{name}' is also defined in {others}")


def _check_scopes(document: Document, where: JsonPath, scopes: list[str], catalog: Collection[str]) -> None:
    for index, scope in enumerate(scopes):
        if scope in catalog:
            continue
        close = difflib.get_close_matches(scope, list(catalog), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else " (see scopes.yaml)"
        _error(document, (*where, index), f"unknown scope {_quoted(scope)}{hint}")


def _check_grace(
    document: Document, where: JsonPath, period: int, grace: int, *, environment: str | None = None
) -> None:
    if grace < period:
        return
    place = f" in {environment}" if environment else ""
    target = (*where, "grace_days") if document.node_at((*where, "grace_days")) else (*where, "period_days")
    _error(
        document,
        target if document.node_at(target) else where,
        f"rotation.grace_days ({grace}) must be less than rotation.period_days ({period}){place}",
    )


def _quoted(text: str) -> str:
    # Long values are cut: a scope list is the wrong place for a secret, but it is a place.
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _error(document: Document, where: JsonPath, message: str, *, key: bool = False) -> None:
    line, col = document.locate(where, key=key)
    document.add(Finding(document.path, line, col, message))
