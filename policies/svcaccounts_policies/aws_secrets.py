"""Rules for the AWS Secrets Manager secrets that hold credential bundles (stacks with
`svcaccounts:secretStore: aws-secrets-manager`).

The secret (`aws:secretsmanager/secret:Secret`) carries the name, KMS key, recovery window and
tags; its version (`aws:secretsmanager/secretVersion:SecretVersion`) carries the bundle. Both are
resource rules: they read inputs, and `secretString` exists only there.
"""

from __future__ import annotations

import re
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

AWS_SECRET: Final = "aws:secretsmanager/secret:Secret"
AWS_SECRET_VERSION: Final = "aws:secretsmanager/secretVersion:SecretVersion"

# AWS managed keys' aliases (alias/aws/secretsmanager), alone or at the end of an alias ARN.
_AWS_MANAGED_ALIAS: Final = re.compile(r"(^|:)alias/aws/")


def kms_key_in_prod(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, AWS_SECRET):
        return
    key = lookup(args.props, "kmsKeyId")
    if key is UNKNOWN:
        return
    named = isinstance(key, str) and bool(key.strip())
    if named and not _AWS_MANAGED_ALIAS.search(key):
        return
    if not config.is_prod(args.get_config()):
        return
    what = (
        "kmsKeyId names an AWS managed key (alias/aws/...) in prod"
        if named
        else "kmsKeyId is not set in prod, so the bundle is encrypted with the account's default "
        "aws/secretsmanager key"
    )
    report_violation(
        f"{what}, whose key policy nobody here controls and which cannot be shared or audited "
        "separately. Set svcaccounts:awsSecretsManager.kmsKeyId to a customer managed key.",
        None,
    )


def owner_and_environment_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, AWS_SECRET):
        return
    report_missing_tags(args, report_violation)

def recovery_window_in_prod(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, AWS_SECRET):
        return
    window = lookup(args.props, "recoveryWindowInDays")
    # Unset: AWS's default window of 30 days.
    if window is UNKNOWN or window is MISSING:
        return
    if as_number(window) != 0 or not config.is_prod(args.get_config()):
        return
    report_violation(
        "recoveryWindowInDays is 0 in prod, so removing the account (or a mistaken change) deletes "
        "the bundle at once with no way to restore it. Set svcaccounts:awsSecretsManager."
        "recoveryWindowDays to 7-30 days (default 30).",
        None,
    )


def version_has_value(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, AWS_SECRET_VERSION):
        return
    # An unknown value (a bundle built from keys created in this update) is a value.
    value = lookup(args.props, "secretString")
    if value is UNKNOWN or (isinstance(value, str) and value):
        return
    report_violation(
        "secretString is empty; the secret version holds no credential bundle, so consumers cannot "
        "get tokens. Set secret_string to the bundle JSON, as a Pulumi secret.",
        None,
    )


POLICIES: Final = (
    ResourceValidationPolicy(
        name="aws-secret-kms-key-in-prod",
        description="AWS credential secrets in prod are encrypted with a customer managed KMS key.",
        validate=kms_key_in_prod,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
        config_schema=config.schema({}, environment=True),
    ),
    ResourceValidationPolicy(
        name="aws-secret-owner-environment-tags",
        description="AWS credential secrets carry owner and environment tags.",
        validate=owner_and_environment_tags,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.LOW,
        config_schema=config.schema(REQUIRED_TAGS_SCHEMA),
    ),
    ResourceValidationPolicy(
        name="aws-secret-recovery-window-in-prod",
        description="AWS credential secrets in prod can be restored after deletion.",
        validate=recovery_window_in_prod,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
        config_schema=config.schema({}, environment=True),
    ),
    ResourceValidationPolicy(
        name="aws-secret-version-has-value",
        description="AWS credential secret versions hold a value.",
        validate=version_has_value,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
)
