"""The pack's configuration: defaults, JSON schemas, and where the environment and time come from.

Configuration is per policy (`--policy-pack-config` maps a policy name to its settings). The CLI
fills in each schema's `default` and validates the result before the pack sees it; the readers
here apply the same defaults themselves so a rule run without the CLI (the tests' offline
evaluator, tests/support/policy_evaluator.py) behaves identically.

Environment: a policy's `environment` setting when given; otherwise the stack's
`svcaccounts:environment` config (the Pulumi CLI hands stack config to policy packs), otherwise
the stack name. That is the same rule the Pulumi program uses, so the pack and the program can
never disagree about which environment a stack is.

Production: a policy's `production` setting when given; otherwise the stack's
`svcaccounts:production` config; otherwise true for the environments `prod` and `production`.
svcaccounts/core/settings.py applies the same default, so `diff` and the pack agree on which
stacks get strict rules (a stack named `production` used to get strict review and no guardrails).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import pulumi
from pulumi_policy import PolicyConfigSchema

PROD: Final = "prod"
# As svcaccounts.core.settings.PRODUCTION_ENVIRONMENTS, restated: the pack must run where only
# pulumi-policy is installed (tests hold the two equal).
PRODUCTION_ENVIRONMENTS: Final = frozenset({"prod", "production"})
NOW_VARIABLE: Final = "SVCACCOUNTS_NOW"

DEFAULT_PROD_MAX_TOKEN_MINUTES: Final = 60
DEFAULT_NON_PROD_MAX_TOKEN_MINUTES: Final = 1440
DEFAULT_MAX_SECRET_EXPIRY_DAYS: Final = 366
DEFAULT_REQUIRED_TAGS: Final = ("owner-team", "environment")
DEFAULT_ALLOWED_ACCOUNTS: Final[tuple[str, ...]] = ()


class PolicyConfigError(ValueError):
    """A pack configuration value of the wrong shape (the CLI's schema check normally stops it)."""


ENVIRONMENT_SCHEMA: Final[dict[str, Any]] = {
    "type": "string",
    "minLength": 1,
    "description": (
        "The environment this stack deploys. Default: the stack's svcaccounts:environment "
        "config, else the stack name. 'prod' is production."
    ),
}


PRODUCTION_SCHEMA: Final[dict[str, Any]] = {
    "type": "boolean",
    "description": (
        "Whether this stack is a production stack. Default: the stack's svcaccounts:production "
        "config, else true for the environments prod and production."
    ),
}


def schema(properties: Mapping[str, Mapping[str, Any]], *, environment: bool = False) -> PolicyConfigSchema:
    """A policy's config schema; `environment=True` adds the shared `environment` and
    `production` settings for policies whose verdict depends on them."""
    merged = {key: dict(value) for key, value in properties.items()}
    if environment:
        merged["environment"] = dict(ENVIRONMENT_SCHEMA)
        merged["production"] = dict(PRODUCTION_SCHEMA)
    return PolicyConfigSchema(properties=merged)


def read_int(config: Mapping[str, Any], key: str, default: int, *, minimum: int = 1) -> int:
    value = config.get(key, default)
    # JSON numbers reach the pack as floats; 60.0 is a fine 60, 60.5 is not.
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise PolicyConfigError(f"policy config {key!r} must be a whole number")
    if value < minimum:
        raise PolicyConfigError(f"policy config {key!r} must be at least {minimum}")
    return int(value)


def read_strings(config: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = config.get(key, default)
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise PolicyConfigError(f"policy config {key!r} must be a list of strings")
    if not all(isinstance(item, str) for item in value):
        raise PolicyConfigError(f"policy config {key!r} must be a list of strings")
    return tuple(value)


def environment(config: Mapping[str, Any]) -> str:
    """The environment the stack under analysis deploys (see the module docstring)."""
    explicit = config.get("environment")
    if explicit is not None:
        if not isinstance(explicit, str) or not explicit:
            raise PolicyConfigError("policy config 'environment' must be a non-empty string")
        return explicit
    from_stack_config = pulumi.Config("svcaccounts").get("environment")
    if from_stack_config:
        return from_stack_config
    return pulumi.get_stack()


def is_prod(config: Mapping[str, Any]) -> bool:
    """Whether the stack under analysis is a production stack (see the module docstring)."""
    explicit = config.get("production")
    if explicit is not None:
        if not isinstance(explicit, bool):
            raise PolicyConfigError("policy config 'production' must be true or false")
        return explicit
    from_stack_config = pulumi.Config("svcaccounts").get("production")
    if from_stack_config is not None:
        if from_stack_config not in ("true", "false"):
            raise PolicyConfigError("stack config svcaccounts:production must be true or false")
        return from_stack_config == "true"
    return environment(config) in PRODUCTION_ENVIRONMENTS


def now() -> datetime:
    """The time rules measure against: `SVCACCOUNTS_NOW` when set, else the clock.

    The program computes Key Vault expiries from the same source, so planning ahead with
    SVCACCOUNTS_NOW does not make every expiry look out of range. Parsing mirrors
    svcaccounts/core/clock.py (a time without offset is UTC) without importing it: the pack must run
    where only pulumi-policy is installed.
    """
    raw = os.environ.get(NOW_VARIABLE, "").strip()
    if not raw:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise PolicyConfigError(
            f"{NOW_VARIABLE} is not an ISO 8601 time (example: 2025-03-01T00:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
