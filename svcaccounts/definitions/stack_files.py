"""Stack files (`Pulumi.<stack>.yaml`) → stacks and the environments they declare.

A stack's environment is its `svcaccounts:environment` setting, or the stack name where unset.
Several stacks may share one environment (two regions of prod, say).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from svcaccounts.definitions.findings import Finding
from svcaccounts.definitions.layout import stack_name_of
from svcaccounts.definitions.yaml_reader import read_document

ENVIRONMENT_KEY = "svcaccounts:environment"
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


Locator = Callable[[tuple[str, ...]], tuple[int, int]]


def first_line(_: tuple[str, ...]) -> tuple[int, int]:
    return (1, 1)


@dataclass(frozen=True, slots=True)
class Stack:
    name: str
    environment: str
    path: str
    # The stack file's `config:` block as plain values (secure values stay ciphertext mappings).
    config: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # Where a key path (("config", key, ...)) sits in the stack file, kept from the one parse so
    # that settings findings point at their line without reading the file again.
    locate: Locator = field(default=first_line, compare=False, repr=False)


def read_stacks(files: Mapping[str, bytes]) -> tuple[tuple[Stack, ...], list[Finding]]:
    """Parse the stack files among `files` (repository-relative path → bytes)."""
    stacks: list[Stack] = []
    findings: list[Finding] = []
    for path in sorted(files):
        name = stack_name_of(path)
        if name is None or "/" in path:
            continue
        document = read_document(path, files[path])
        findings.extend(document.findings)
        if not isinstance(document.value, dict):
            continue
        config = document.value.get("config", {})
        if config is None:
            config = {}
        if not isinstance(config, dict):
            line, col = document.locate(("config",))
            findings.append(Finding(path, line, col, "config must be a mapping of settings"))
            continue
        environment = config.get(ENVIRONMENT_KEY, name)
        if ENVIRONMENT_KEY not in config and not ENVIRONMENT_NAME.match(name):
            findings.append(
                Finding(
                    path,
                    1,
                    1,
                    f"stack name '{name}' is not an environment name (lowercase letters, digits and '-');"
                    f" set {ENVIRONMENT_KEY} in the stack file",
                )
            )
            continue
        if not isinstance(environment, str) or not ENVIRONMENT_NAME.match(environment):
            line, col = document.locate(("config", ENVIRONMENT_KEY))
            findings.append(
                Finding(
                    path,
                    line,
                    col,
                    f"{ENVIRONMENT_KEY} must be a lowercase name of letters, digits and '-'"
                    " (at most 31 characters)",
                )
            )
            continue
        stacks.append(Stack(name, environment, path, MappingProxyType(dict(config)), document.locate))
    return tuple(stacks), findings


def environments_of(stacks: tuple[Stack, ...]) -> tuple[str, ...]:
    """The environments the stacks declare, each once, in stack-file order."""
    return tuple(dict.fromkeys(stack.environment for stack in stacks))
