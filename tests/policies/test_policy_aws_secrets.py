"""AWS Secrets Manager credential secret rules: one compliant secret and version, one change per test."""

from __future__ import annotations

import pytest
from svcaccounts_policies.aws_secrets import AWS_SECRET, AWS_SECRET_VERSION

from tests.support.policy_baselines import NOW, UNKNOWN_NUMBER, UNKNOWN_STRING, baseline, violations

KMS_MESSAGE = (
    "kmsKeyId is not set in prod, so the bundle is encrypted with the account's default "
    "aws/secretsmanager key, whose key policy nobody here controls and which cannot be shared "
    "or audited separately. Set svcaccounts:awsSecretsManager.kmsKeyId to a customer managed key."
)
RECOVERY_MESSAGE = (
    "recoveryWindowInDays is 0 in prod, so removing the account (or a mistaken change) deletes "
    "the bundle at once with no way to restore it. Set svcaccounts:awsSecretsManager."
    "recoveryWindowDays to 7-30 days (default 30)."
)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


def test_compliant_secret_and_version_have_no_violations() -> None:
    assert violations(AWS_SECRET, baseline(AWS_SECRET)) == []
    assert violations(AWS_SECRET_VERSION, baseline(AWS_SECRET_VERSION)) == []


@pytest.mark.parametrize("value", [None, ""])
def test_no_kms_key_in_prod_is_reported(value: str | None) -> None:
    props = baseline(AWS_SECRET)
    if value is None:
        del props["kmsKeyId"]
    else:
        props["kmsKeyId"] = value
    assert violations(AWS_SECRET, props) == [("aws-secret-kms-key-in-prod", KMS_MESSAGE)]


@pytest.mark.parametrize(
    "key", ["alias/aws/secretsmanager", "arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager"]
)
def test_the_aws_managed_key_in_prod_is_reported(key: str) -> None:
    props = baseline(AWS_SECRET)
    props["kmsKeyId"] = key
    assert violations(AWS_SECRET, props) == [
        (
            "aws-secret-kms-key-in-prod",
            "kmsKeyId names an AWS managed key (alias/aws/...) in prod, whose key policy nobody here "
            "controls and which cannot be shared or audited separately. Set "
            "svcaccounts:awsSecretsManager.kmsKeyId to a customer managed key.",
        )
    ]


def test_no_kms_key_outside_prod_is_allowed() -> None:
    props = baseline(AWS_SECRET)
    del props["kmsKeyId"]
    assert violations(AWS_SECRET, props, environment="staging") == []


def test_an_unknown_kms_key_is_not_reported() -> None:
    props = baseline(AWS_SECRET)
    props["kmsKeyId"] = UNKNOWN_STRING
    assert violations(AWS_SECRET, props) == []


def test_a_missing_environment_tag_is_reported() -> None:
    props = baseline(AWS_SECRET)
    del props["tags"]["environment"]
    assert violations(AWS_SECRET, props) == [
        (
            "aws-secret-owner-environment-tags",
            "tags lack environment; every credential bundle must say which team owns it and which "
            "environment it belongs to, for alerts and audits. Add the tag environment with a "
            "non-empty value.",
        )
    ]


def test_no_tags_at_all_reports_both() -> None:
    props = baseline(AWS_SECRET)
    del props["tags"]
    assert violations(AWS_SECRET, props) == [
        (
            "aws-secret-owner-environment-tags",
            "tags lack owner-team, environment; every credential bundle must say which team owns it "
            "and which environment it belongs to, for alerts and audits. Add the tags owner-team, "
            "environment with non-empty values.",
        )
    ]


def test_an_empty_owner_tag_is_reported_even_outside_prod() -> None:
    props = baseline(AWS_SECRET)
    props["tags"]["owner-team"] = " "
    assert [policy for policy, _ in violations(AWS_SECRET, props, environment="dev")] == [
        "aws-secret-owner-environment-tags"
    ]


def test_configured_required_tags_are_checked() -> None:
    report = violations(
        AWS_SECRET,
        baseline(AWS_SECRET),
        config={"aws-secret-owner-environment-tags": {"requiredTags": ["cost-center"]}},
    )
    assert [message.split(";")[0] for _, message in report] == ["tags lack cost-center"]


def test_a_zero_recovery_window_in_prod_is_reported() -> None:
    props = baseline(AWS_SECRET)
    props["recoveryWindowInDays"] = 0
    assert violations(AWS_SECRET, props) == [("aws-secret-recovery-window-in-prod", RECOVERY_MESSAGE)]


def test_a_zero_recovery_window_outside_prod_is_allowed() -> None:
    props = baseline(AWS_SECRET)
    props["recoveryWindowInDays"] = 0
    assert violations(AWS_SECRET, props, environment="dev") == []


@pytest.mark.parametrize("window", [None, 7, UNKNOWN_NUMBER])
def test_an_unset_positive_or_unknown_recovery_window_passes(window: object) -> None:
    props = baseline(AWS_SECRET)
    if window is None:
        del props["recoveryWindowInDays"]  # AWS's default: 30 days
    else:
        props["recoveryWindowInDays"] = window
    assert violations(AWS_SECRET, props) == []


def test_an_empty_secret_string_is_reported() -> None:
    props = baseline(AWS_SECRET_VERSION)
    props["secretString"] = ""
    assert violations(AWS_SECRET_VERSION, props) == [
        (
            "aws-secret-version-has-value",
            "secretString is empty; the secret version holds no credential bundle, so consumers cannot "
            "get tokens. Set secret_string to the bundle JSON, as a Pulumi secret.",
        )
    ]


def test_an_unknown_secret_string_is_a_value() -> None:
    props = baseline(AWS_SECRET_VERSION)
    props["secretString"] = UNKNOWN_STRING
    assert violations(AWS_SECRET_VERSION, props) == []
