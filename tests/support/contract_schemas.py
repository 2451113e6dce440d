"""The contracts' JSON Schemas (svcaccounts/schemas/) as two validators read them, the Python
`jsonschema` and the Rust `jsonschema-rs`: consumers in other languages use yet others, so a
schema should say only what every draft 2020-12 validator reads the same way."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs

VALID = {"jsonschema": True, "jsonschema-rs": True}
INVALID = {"jsonschema": False, "jsonschema-rs": False}


@cache
def load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        resources.files("svcaccounts.schemas").joinpath(name).read_text("utf-8")
    )
    return schema


@cache
def _validators(name: str) -> dict[str, Callable[[object], bool]]:
    schema = load(name)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return {
        "jsonschema": jsonschema.Draft202012Validator(schema, format_checker=checker).is_valid,
        "jsonschema-rs": jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid,
    }


def verdicts(name: str, document: object) -> dict[str, bool]:
    """Whether each validator accepts `document`: VALID, INVALID, or a disagreement to look at."""
    return {validator: is_valid(document) for validator, is_valid in _validators(name).items()}


def check_draft_2020_12(name: str) -> None:
    schema = load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
