"""JSON Schema checks with the schema files users' editors load (svcaccounts/schemas/).

Two validators over the same schema: jsonschema-rs answers "valid?" in microseconds for the
common case, and only a document that fails is walked again by the `jsonschema` reference
implementation, whose errors carry the keyword, the schema and the instance path we need to
write a located message.

Messages are ours, not the libraries': theirs quote the offending value, and a value in a field
that does not belong there (a pasted `client_secret:`) must never reach a CI log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs
from yaml.nodes import ScalarNode

if TYPE_CHECKING:
    import jsonschema

from svcaccounts.core.model import AuthMethod, Status
from svcaccounts.definitions.findings import did_you_mean
from svcaccounts.definitions.yaml_reader import STR_TAG, TYPE_NAMES, Document, JsonPath, field_name

SERVICE_ACCOUNT_SCHEMA = "service-account.schema.json"
SCOPE_CATALOG_SCHEMA = "scope-catalog.schema.json"

_JSON_TYPE_NAMES = {
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("svcaccounts.schemas").joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True, slots=True)
class AccountDefaults:
    """What a definition gets for a field it leaves out: the schema's `default`s, so editors,
    the schema and the loader agree by construction."""

    auth_method: AuthMethod
    token_lifetime_minutes: int
    grace_days: int
    force: int
    status: Status


@cache
def account_defaults() -> AccountDefaults:
    definitions = load_schema(SERVICE_ACCOUNT_SCHEMA)["$defs"]
    return AccountDefaults(
        auth_method=definitions["auth_method"]["default"],
        token_lifetime_minutes=definitions["token_lifetime_minutes"]["default"],
        grace_days=definitions["grace_days"]["default"],
        force=definitions["force"]["default"],
        status=definitions["status"]["default"],
    )


class SchemaChecker:
    """Checks documents against one schema file and records findings on them."""

    def __init__(self, schema_name: str) -> None:
        self.schema = load_schema(schema_name)
        self._fast = jsonschema_rs.validator_for(self.schema)
        self._detailed_validator: jsonschema.Draft202012Validator | None = None

    @property
    def _detailed(self) -> jsonschema.Draft202012Validator:
        # Imported on the first invalid document: the reference implementation costs a third of
        # `svcaccounts validate`'s start-up, and a passing pull request never needs it.
        if self._detailed_validator is None:
            import jsonschema

            # The reference uniqueItems compares every pair of unhashable items: 3,000 mappings in
            # a list of scopes took 25 s. This one keys each item by its canonical JSON, once.
            extend: Callable[..., type[jsonschema.Draft202012Validator]] = jsonschema.validators.extend
            linear = extend(jsonschema.Draft202012Validator, {"uniqueItems": _unique_items})
            self._detailed_validator = linear(self.schema)
        return self._detailed_validator

    def check(self, document: Document) -> bool:
        """True when the document's value is valid; otherwise findings are added to it."""
        if self._fast.is_valid(document.value):
            return True
        described = 0
        for error in self._detailed.iter_errors(document.value):
            if document.full:
                # Counted below by the fast validator: describing 250,000 wrongly typed list
                # items one by one would take seconds for a report nobody reads past fifty.
                break
            json_path: JsonPath = tuple(error.absolute_path)
            if document.is_flagged(json_path):
                continue  # the reader already said what is wrong here
            document.schema_errors.add(json_path)
            for at_key, path, message in _describe(document, error):
                described += 1
                if document.full:
                    document.suppressed += 1
                    continue
                line, col = document.locate(path, key=at_key)
                document.error(line, col, message)
        if document.full:
            document.suppressed += max(0, self._count(document) - described)
        return False

    def _count(self, document: Document) -> int:
        """How many findings the schema errors of `document` make, counted in Rust: one per
        unknown key, one per missing field, one for any other error."""
        total = 0
        for error in self._fast.iter_errors(document.value):
            if document.is_flagged(tuple(error.instance_path)):
                continue
            unexpected = getattr(error.kind, "unexpected", None)
            total += len(unexpected) if isinstance(unexpected, list) else 1
        return total


def _field_name(json_path: JsonPath) -> str:
    return field_name(json_path) or "the file"


def _describe(document: Document, error: jsonschema.ValidationError) -> Iterable[tuple[bool, JsonPath, str]]:
    """(position at the key?, where, message) for one schema error."""
    json_path: JsonPath = tuple(error.absolute_path)
    where = _field_name(json_path)
    keyword = error.validator
    expected: Any = error.validator_value
    if keyword == "additionalProperties":
        allowed = sorted(_schema_properties(error.schema))
        instance = error.instance if isinstance(error.instance, dict) else {}
        for key in instance:
            if key in allowed:
                continue
            # Past the listed findings only the count matters: skip the fuzzy match.
            hint = "" if document.full else did_you_mean(key, allowed)
            # Only the key is named: the value of an unknown field may be a pasted secret.
            yield True, (*json_path, key), f"unknown field '{key}'{hint}"
        return
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in expected if name not in instance]
        for name in missing:
            inside = "" if not json_path else f" in {where}"
            yield False, json_path, f"missing required field '{name}'{inside}"
        return
    if keyword == "type":
        yield False, json_path, _type_message(document, json_path, where, expected)
        return
    if keyword == "enum":
        choices = ", ".join(str(choice) for choice in expected)
        yield False, json_path, f"{where} must be one of: {choices}"
        return
    if keyword in ("minimum", "maximum"):
        schema = error.schema if isinstance(error.schema, dict) else {}
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            yield False, json_path, f"{where} must be between {low} and {high}, got {error.instance}"
        else:
            bound = "at least" if keyword == "minimum" else "at most"
            yield False, json_path, f"{where} must be {bound} {expected}, got {error.instance}"
        return
    if keyword == "minItems":
        yield False, json_path, f"{where} must not be empty"
        return
    if keyword == "minProperties":
        yield False, json_path, f"{where} must name at least one entry"
        return
    if keyword == "uniqueItems":
        yield from _repeated_items(error.instance, json_path, where)
        return
    if keyword in ("pattern", "minLength"):
        yield False, json_path, _text_rule_message(json_path, where)
        return
    yield False, json_path, f"{where} is not valid ({keyword})"


def _schema_properties(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        return set(schema.get("properties", {}))
    return set()


def _type_message(document: Document, json_path: JsonPath, where: str, expected: Any) -> str:
    wanted = " or ".join(
        _JSON_TYPE_NAMES.get(t, t) for t in ([expected] if isinstance(expected, str) else expected)
    )
    node = document.node_at(json_path)
    if isinstance(node, ScalarNode) and not node.style and node.tag != STR_TAG:
        # A plain scalar that YAML 1.1 coerced: say so, with the text as the author wrote it.
        read_as = TYPE_NAMES.get(node.tag, node.tag)
        if expected == "string":
            return (
                f'{where} must be text, but YAML reads {node.value!r} as {read_as}; quote it: "{node.value}"'
            )
        return f"{where} must be {wanted}, but YAML reads {node.value!r} as {read_as}"
    if isinstance(node, ScalarNode):
        got = "quoted text" if node.style else TYPE_NAMES.get(node.tag, "text")
        return f"{where} must be {wanted}, got {got}"
    got = "a mapping" if isinstance(document.value_at(json_path), dict) else "a list"
    return f"{where} must be {wanted}, got {got}"


def _marker(item: Any) -> str:
    """One text per JSON value, equal where JSON Schema calls two values equal (1 and 1.0 are;
    1 and true are not)."""
    return json.dumps(_integral(item), sort_keys=True, default=str)


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def _unique_items(
    validator: Any, unique: Any, instance: Any, schema: Any
) -> Iterable[jsonschema.ValidationError]:
    import jsonschema

    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for item in instance:
        marker = _marker(item)
        if marker in seen:
            yield jsonschema.ValidationError(f"{_short(item)} is not unique")
            return
        seen.add(marker)


def _repeated_items(items: Any, json_path: JsonPath, where: str) -> Iterable[tuple[bool, JsonPath, str]]:
    seen: set[str] = set()
    for index, item in enumerate(items if isinstance(items, list) else []):
        marker = _marker(item)
        if marker in seen:
            yield False, (*json_path, index), f"{where} lists {_short(item)} more than once"
        seen.add(marker)


def _short(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


_TEXT_RULES = {
    "name": "name must be 3 to 41 characters of a-z, 0-9 and '-', starting with a letter",
    "description": "description must not be empty",
    "owner.team": "owner.team must be lowercase letters, digits and '-' (at most 63)",
    "owner.email": "owner.email must be an email address",
}


def _text_rule_message(json_path: JsonPath, where: str) -> str:
    return _TEXT_RULES.get(where, f"{where} must not be empty")
