"""Rules for the Key Vault secrets that hold credential bundles.

These are resource rules on purpose: they read the secret's inputs, and `properties.value` exists
only there (Azure never returns a secret's value, so the stack view of a secret has none).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import config
from .props import MISSING, UNKNOWN, as_number, lookup
from .resource_types import is_type
from .tags import REQUIRED_TAGS_SCHEMA, report_missing_tags

KEY_VAULT_SECRET: Final = "azure-native:keyvault:Secret"

MAXIMUM_DAYS: Final = "maximumDays"
_SECONDS_PER_DAY: Final = 86_400
_LATEST_EXPIRES: Final = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


def content_type(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, KEY_VAULT_SECRET):
        return
    value = lookup(args.props, "properties", "contentType")
    if value is UNKNOWN or (isinstance(value, str) and value.strip()):
        return
    report_violation(
        "properties.contentType is not set; consumers and operators rely on it to know the "
        'secret is a JSON credential bundle. Set content_type="application/json".',
        None,
    )


def expires_within_maximum(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, KEY_VAULT_SECRET):
        return
    expires = lookup(args.props, "properties", "attributes", "expires")
    if expires is UNKNOWN:
        return
    maximum_days = config.read_int(args.get_config(), MAXIMUM_DAYS, config.DEFAULT_MAX_SECRET_EXPIRY_DAYS)
    fix = f"Set attributes.expires to the next rotation plus grace, at most {maximum_days} days ahead."
    if expires is MISSING:
        report_violation(
            "properties.attributes.expires is not set, so the secret never expires and Key Vault "
            "raises no near-expiry event when rotation stops. " + fix,
            None,
        )
        return
    seconds = as_number(expires)
    if seconds is None:
        report_violation(
            "properties.attributes.expires is not a number of seconds since 1970-01-01T00:00:00Z. " + fix,
            None,
        )
        return
    if not math.isfinite(seconds) or seconds > _LATEST_EXPIRES:
        # No date to show: datetime ends with the year 9999 (fromtimestamp(1e300) overflows).
        report_violation(
            "properties.attributes.expires lies after the year 9999, far beyond the maximum of "
            f"{maximum_days} days: a bundle nobody rotates would stay valid that long. " + fix,
            None,
        )
        return
    now = config.now()
    days_ahead = math.ceil((seconds - now.timestamp()) / _SECONDS_PER_DAY)
    if days_ahead > maximum_days:
        when = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        report_violation(
            f"properties.attributes.expires is {when}, {days_ahead} days from now, beyond the "
            f"maximum of {maximum_days} days: a bundle nobody rotates would stay valid that long. " + fix,
            None,
        )


def owner_and_environment_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, KEY_VAULT_SECRET):
        return
    report_missing_tags(args, report_violation)

def has_value(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, KEY_VAULT_SECRET):
        return
    # An unknown value (a bundle built from keys created in this update) is a value.
    value = lookup(args.props, "properties", "value")
    if value is UNKNOWN or (isinstance(value, str) and value):
        return
    report_violation(
        "properties.value is empty; the secret holds no credential bundle, so consumers cannot "
        "get tokens. Set value to the bundle JSON, as a Pulumi secret.",
        None,
    )


POLICIES: Final = (
    ResourceValidationPolicy(
        name="key-vault-secret-content-type",
        description="Key Vault credential secrets declare a content type.",
        validate=content_type,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.LOW,
    ),
    ResourceValidationPolicy(
        name="key-vault-secret-expiry",
        description="Key Vault credential secrets expire within the configured maximum.",
        validate=expires_within_maximum,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
        config_schema=config.schema(
            {
                MAXIMUM_DAYS: {
                    "type": "integer",
                    "minimum": 1,
                    "default": config.DEFAULT_MAX_SECRET_EXPIRY_DAYS,
                    "description": "Furthest a secret's expires attribute may lie in the future.",
                }
            }
        ),
    ),
    ResourceValidationPolicy(
        name="key-vault-secret-owner-environment-tags",
        description="Key Vault credential secrets carry owner and environment tags.",
        validate=owner_and_environment_tags,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.LOW,
        config_schema=config.schema(REQUIRED_TAGS_SCHEMA),
    ),
    ResourceValidationPolicy(
        name="key-vault-secret-has-value",
        description="Key Vault credential secrets hold a value.",
        validate=has_value,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
)
