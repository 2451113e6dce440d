"""Reading resource properties as CrossGuard hands them over, without tripping on unknowns.

During `pulumi preview` a property that depends on another resource's output (an app id, a
generated key) is unknown. The policy server wraps properties in a proxy that raises
`UnknownValueError` on access, and the server turns that exception into a "can't run policy
during preview" note. Our rules instead read through `lookup`, which returns `UNKNOWN`, and skip
the check: a value we cannot see is never reported as a violation, and the same check runs again
on `pulumi up`, when the value is known.

Numbers arrive as floats (protobuf Struct has no integers), so `as_number` accepts both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

_UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


class Unknown:
    """A value the engine cannot know yet (preview, output of a resource not yet created)."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


class Missing:
    """A property that is not set at all."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


UNKNOWN: Final = Unknown()
MISSING: Final = Missing()


def is_unknown_sentinel(value: object) -> bool:
    return isinstance(value, str) and value in _UNKNOWN_SENTINELS


def lookup(props: Mapping[str, Any], *path: str) -> Any:
    """The plain value at `path`, `UNKNOWN` if it (or a container on the way) is unknown,
    `MISSING` if it is absent or null. Lists and maps come back as plain lists and dicts
    whose unknown elements are `UNKNOWN`."""
    current: Any = props
    for key in path:
        if not isinstance(current, Mapping):
            return MISSING
        try:
            current = current[key]
        except KeyError:
            return MISSING
        except UnknownValueError:
            return UNKNOWN
        if is_unknown_sentinel(current):
            return UNKNOWN
        if current is None:
            return MISSING
    return materialize(current)


def materialize(value: Any) -> Any:
    """A plain copy of `value` (proxies unwrapped) with every unknown element replaced by
    `UNKNOWN`, so rules can iterate without catching exceptions."""
    if isinstance(value, str):
        return UNKNOWN if is_unknown_sentinel(value) else value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[key] = materialize(value[key])
            except UnknownValueError:
                result[key] = UNKNOWN
        return result
    if isinstance(value, Sequence):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(materialize(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(item) for item in value)
    return False


def as_number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def is_exactly(value: Any, word: str) -> bool:
    """Whether `value` is a non-empty list of `word` alone (like `set(value) == {word}`, which
    raises TypeError when an element is a list or a map)."""
    return isinstance(value, list) and bool(value) and all(item == word for item in value)


def as_string_list(value: Any) -> list[Any] | None:
    """The list itself when `value` is a list (elements may be `UNKNOWN`), else None."""
    return value if isinstance(value, list) else None


def describe_known(values: Sequence[Any], vocabulary: frozenset[str]) -> str:
    """Names values from a provider's documented vocabulary and only counts the rest.

    Policies see decrypted properties, so a message must never echo an arbitrary value (it
    could be a credential pasted into the wrong field); vocabulary words are safe to show.
    """
    known = sorted({value for value in values if isinstance(value, str) and value in vocabulary})
    others = sum(1 for value in values if not (isinstance(value, str) and value in vocabulary))
    parts = [", ".join(known)] if known else []
    if others:
        parts.append(f"{others} other value{'s' if others != 1 else ''}")
    return " and ".join(parts) if parts else "nothing"


def describe_one(value: Any, vocabulary: frozenset[str]) -> str:
    """A single value for a message: itself when it is a vocabulary word (see describe_known)."""
    return value if isinstance(value, str) and value in vocabulary else "an unrecognised value"
