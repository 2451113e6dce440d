"""Key Vault credential secret rules: one compliant bundle secret, one change per test."""

from __future__ import annotations

import pytest
from svcaccounts_policies.key_vault import KEY_VAULT_SECRET

from tests.support.policy_baselines import (
    NOW,
    UNKNOWN_NUMBER,
    UNKNOWN_STRING,
    baseline,
    epoch_seconds,
    secret,
    violations,
)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


def bundle_secret() -> dict[str, object]:
    return baseline(KEY_VAULT_SECRET)


def test_compliant_secret_has_no_violations() -> None:
    assert violations(KEY_VAULT_SECRET, bundle_secret()) == []


def test_missing_content_type_is_reported() -> None:
    props = bundle_secret()
    del props["properties"]["contentType"]  # type: ignore[attr-defined]
    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-content-type",
            "properties.contentType is not set; consumers and operators rely on it to know the "
            'secret is a JSON credential bundle. Set content_type="application/json".',
        )
    ]


def test_missing_expiry_is_reported() -> None:
    props = bundle_secret()
    del props["properties"]["attributes"]["expires"]  # type: ignore[index]
    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-expiry",
            "properties.attributes.expires is not set, so the secret never expires and Key Vault "
            "raises no near-expiry event when rotation stops. Set attributes.expires to the next "
            "rotation plus grace, at most 366 days ahead.",
        )
    ]


def test_expiry_beyond_default_maximum_is_reported() -> None:
    props = bundle_secret()
    props["properties"]["attributes"]["expires"] = epoch_seconds("2027-01-03T00:00:00Z")  # type: ignore[index]
    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-expiry",
            "properties.attributes.expires is 2027-01-03T00:00:00Z, 367 days from now, beyond the "
            "maximum of 366 days: a bundle nobody rotates would stay valid that long. Set "
            "attributes.expires to the next rotation plus grace, at most 366 days ahead.",
        )
    ]


def test_expiry_exactly_at_maximum_is_fine() -> None:
    props = bundle_secret()
    props["properties"]["attributes"]["expires"] = epoch_seconds("2027-01-02T00:00:00Z")  # type: ignore[index]
    assert violations(KEY_VAULT_SECRET, props) == []


def test_configured_expiry_maximum_is_applied() -> None:
    found = violations(
        KEY_VAULT_SECRET, bundle_secret(), config={"key-vault-secret-expiry": {"maximumDays": 30}}
    )
    assert found == [
        (
            "key-vault-secret-expiry",
            "properties.attributes.expires is 2026-04-07T00:00:00Z, 96 days from now, beyond the "
            "maximum of 30 days: a bundle nobody rotates would stay valid that long. Set "
            "attributes.expires to the next rotation plus grace, at most 30 days ahead.",
        )
    ]


def test_missing_owner_team_tag_is_reported() -> None:
    props = bundle_secret()
    del props["tags"]["owner-team"]  # type: ignore[attr-defined]
    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-owner-environment-tags",
            "tags lack owner-team; every credential bundle must say which team owns it and which "
            "environment it belongs to, for alerts and audits. Add the tag owner-team with a non-empty "
            "value.",
        )
    ]


def test_missing_tags_name_both_keys() -> None:
    props = bundle_secret()
    del props["tags"]
    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-owner-environment-tags",
            "tags lack owner-team, environment; every credential bundle must say which team owns it and "
            "which environment it belongs to, for alerts and audits. Add the tags owner-team, "
            "environment with non-empty values.",
        )
    ]


def test_empty_value_is_reported() -> None:
    props = bundle_secret()
    props["properties"]["value"] = secret("")  # type: ignore[index]
    assert violations(KEY_VAULT_SECRET, props) == [
        (
            "key-vault-secret-has-value",
            "properties.value is empty; the secret holds no credential bundle, so consumers cannot "
            "get tokens. Set value to the bundle JSON, as a Pulumi secret.",
        )
    ]


def test_no_message_contains_the_secret_value() -> None:
    props = bundle_secret()
    props["properties"] = {"value": secret("hunter2-credential")}
    del props["tags"]
    found = violations(KEY_VAULT_SECRET, props)
    assert len(found) == 3
    assert all("hunter2" not in message for _, message in found)


def test_values_unknown_during_preview_are_not_violations() -> None:
    props = bundle_secret()
    props["properties"]["value"] = secret(UNKNOWN_STRING)  # type: ignore[index]
    props["properties"]["attributes"]["expires"] = UNKNOWN_NUMBER  # type: ignore[index]
    props["tags"]["owner-team"] = UNKNOWN_STRING  # type: ignore[index]
    assert violations(KEY_VAULT_SECRET, props) == []
