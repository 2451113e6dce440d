"""One test per access-diff rule: a baseline catalog, one change, the exact findings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from svcaccounts.core.model import (
    EMPTY_CATALOG,
    Catalog,
    EnvironmentOverride,
    Owner,
    Rotation,
    RotationOverride,
    Scope,
)
from svcaccounts.core.review import AccessFinding, diff_catalogs, reaches
from tests.support.catalogs import OWNER, SCOPES, account, catalog


def rows(base: Catalog, head: Catalog) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.rule, f.severity, f.environment, f.account) for f in diff_catalogs(base, head)]


def only_dev(**changes: object) -> tuple[Catalog, Catalog]:
    """The baseline account in dev only, and the same account with `changes`."""
    base = account(environments=("dev",))
    return catalog(base), catalog(replace(base, **changes))  # type: ignore[arg-type]


def test_identical_catalogs_have_no_findings() -> None:
    assert diff_catalogs(catalog(account()), catalog(account())) == ()


def test_a_renamed_or_moved_file_is_not_a_change() -> None:
    base = catalog(account(source="service_accounts/svc-reader.yaml"))
    head = catalog(account(source="service_accounts/platform/reader.yaml"))
    assert diff_catalogs(base, head) == ()


def test_description_changes_are_not_access_changes() -> None:
    base, head = only_dev(description="something else")
    assert diff_catalogs(base, head) == ()


def test_account_added_reports_the_account_and_each_grant() -> None:
    findings = diff_catalogs(catalog(), catalog(account(environments=("dev",))))
    assert findings == (
        AccessFinding(
            "account-added",
            "low",
            "dev",
            "svc-reader",
            "added with `api:read`, `private_key_jwt`, owner `platform`",
        ),
        AccessFinding("scope-granted", "low", "dev", "svc-reader", "granted scope `api:read`"),
    )


def test_account_added_in_prod_is_at_least_medium() -> None:
    assert rows(catalog(), catalog(account(environments=("prod",)))) == [
        ("account-added", "medium", "prod", "svc-reader"),
        ("scope-granted", "medium", "prod", "svc-reader"),
    ]


def test_account_added_with_a_privileged_scope_is_high_and_listed_first() -> None:
    head = catalog(account(scopes=("api:read", "api:admin"), environments=("dev",)))
    assert rows(catalog(), head) == [
        ("privileged-scope-granted", "high", "dev", "svc-reader"),
        ("account-added", "low", "dev", "svc-reader"),
        ("scope-granted", "low", "dev", "svc-reader"),
    ]


def test_account_declared_in_a_new_environment_is_added_there() -> None:
    base = catalog(account(environments=("dev",)))
    head = catalog(account(environments=("dev", "staging")))
    assert rows(base, head) == [
        ("account-added", "low", "staging", "svc-reader"),
        ("scope-granted", "low", "staging", "svc-reader"),
    ]


def test_account_removed() -> None:
    findings = diff_catalogs(catalog(account(environments=("dev",))), catalog())
    assert findings == (
        AccessFinding(
            "account-removed",
            "low",
            "dev",
            "svc-reader",
            "removed: its Okta app and credentials are deleted",
        ),
    )


def test_account_removed_in_prod_is_medium() -> None:
    assert rows(catalog(account(environments=("prod",))), catalog()) == [
        ("account-removed", "medium", "prod", "svc-reader"),
    ]


def test_account_disabled() -> None:
    base, head = only_dev(status="disabled")
    assert rows(base, head) == [("account-disabled", "low", "dev", "svc-reader")]


def test_account_disabled_in_one_environment_only() -> None:
    base = catalog(account())
    head = catalog(account(overrides={"staging": EnvironmentOverride(status="disabled")}))
    assert rows(base, head) == [("account-disabled", "low", "staging", "svc-reader")]


def test_account_re_enabled_is_a_grant_of_its_scopes() -> None:
    base, head = only_dev(status="disabled")
    findings = diff_catalogs(head, base)
    assert findings == (
        AccessFinding("account-re-enabled", "low", "dev", "svc-reader", "re-enabled with `api:read`"),
    )


def test_account_re_enabled_with_a_privileged_scope_is_high() -> None:
    disabled = account(scopes=("api:admin",), status="disabled", environments=("dev",))
    assert rows(catalog(disabled), catalog(replace(disabled, status="active"))) == [
        ("account-re-enabled", "high", "dev", "svc-reader"),
    ]


def test_scope_granted() -> None:
    base, head = only_dev(scopes=("api:read", "api:write"))
    assert diff_catalogs(base, head) == (
        AccessFinding("scope-granted", "low", "dev", "svc-reader", "granted scope `api:write`"),
    )


def test_scope_granted_in_prod_is_at_least_medium() -> None:
    base = catalog(account(environments=("prod",)))
    head = catalog(account(scopes=("api:read", "api:write"), environments=("prod",)))
    assert rows(base, head) == [("scope-granted", "medium", "prod", "svc-reader")]


def test_scope_granted_through_an_environment_override() -> None:
    base = catalog(account())
    head = catalog(account(overrides={"staging": EnvironmentOverride(scopes=("api:read", "api:write"))}))
    assert rows(base, head) == [("scope-granted", "low", "staging", "svc-reader")]


def test_privileged_scope_granted_is_high() -> None:
    base, head = only_dev(scopes=("api:read", "api:admin"))
    assert diff_catalogs(base, head) == (
        AccessFinding(
            "privileged-scope-granted",
            "high",
            "dev",
            "svc-reader",
            "granted privileged scope `api:admin`",
        ),
    )


def test_scope_revoked() -> None:
    base, head = only_dev(scopes=())
    assert diff_catalogs(base, head) == (
        AccessFinding("scope-revoked", "low", "dev", "svc-reader", "revoked scope `api:read`"),
    )


def test_token_lifetime_raised() -> None:
    base, head = only_dev(token_lifetime_minutes=120)
    assert diff_catalogs(base, head) == (
        AccessFinding(
            "token-lifetime-raised",
            "low",
            "dev",
            "svc-reader",
            "token lifetime raised from 60 to 120 minutes",
        ),
    )


def test_token_lifetime_lowered_is_not_reported() -> None:
    base, head = only_dev(token_lifetime_minutes=15)
    assert diff_catalogs(base, head) == ()


def test_token_lifetime_raised_in_prod_override_is_medium() -> None:
    base = catalog(account())
    head = catalog(account(overrides={"prod": EnvironmentOverride(token_lifetime_minutes=90)}))
    assert rows(base, head) == [("token-lifetime-raised", "medium", "prod", "svc-reader")]


RESTARTED = (
    "days: the next deploy issues a new credential at once and drops the current one without a grace "
    "window; consumers fail until they re-read the bundle (the svcaccounts client does on "
    "invalid_client), so deploy it at a quiet time"
)


def test_rotation_period_lengthened() -> None:
    base, head = only_dev(rotation=Rotation(period_days=180, grace_days=7, force=0))
    assert diff_catalogs(base, head) == (
        AccessFinding(
            "rotation-schedule-restarted",
            "medium",
            "dev",
            "svc-reader",
            f"rotation period changed from 90 to 180 {RESTARTED}",
        ),
        AccessFinding(
            "rotation-period-lengthened",
            "low",
            "dev",
            "svc-reader",
            "rotation period lengthened from 90 to 180 days",
        ),
    )


def test_rotation_period_shortened_only_restarts_the_schedule() -> None:
    base, head = only_dev(rotation=Rotation(period_days=30, grace_days=7, force=0))
    assert diff_catalogs(base, head) == (
        AccessFinding(
            "rotation-schedule-restarted",
            "medium",
            "dev",
            "svc-reader",
            f"rotation period changed from 90 to 30 {RESTARTED}",
        ),
    )


def test_rotation_grace_widened() -> None:
    base, head = only_dev(rotation=Rotation(period_days=90, grace_days=14, force=0))
    assert diff_catalogs(base, head) == (
        AccessFinding(
            "rotation-grace-widened",
            "low",
            "dev",
            "svc-reader",
            "rotation grace widened from 7 to 14 days: old credentials stay valid longer",
        ),
    )


def test_rotation_forced() -> None:
    base, head = only_dev(rotation=Rotation(period_days=90, grace_days=7, force=1))
    assert diff_catalogs(base, head) == (
        AccessFinding(
            "rotation-forced",
            "low",
            "dev",
            "svc-reader",
            "rotation forced (force 0 → 1): a new credential is issued on the next deploy",
        ),
    )


def test_rotation_forced_in_one_environment_only() -> None:
    base = catalog(account())
    head = catalog(account(overrides={"prod": EnvironmentOverride(rotation=RotationOverride(force=2))}))
    assert rows(base, head) == [("rotation-forced", "low", "prod", "svc-reader")]


def test_auth_method_weakened_is_high() -> None:
    base, head = only_dev(auth_method="client_secret_basic")
    (finding,) = diff_catalogs(base, head)
    assert (finding.rule, finding.severity) == ("auth-method-weakened", "high")
    assert "the provider replaces the credentials" in finding.message


def test_auth_method_switched_to_private_key_jwt_is_medium() -> None:
    base, head = only_dev(auth_method="client_secret_basic")
    (finding,) = diff_catalogs(head, base)
    assert (finding.rule, finding.severity) == ("auth-method-switched", "medium")
    assert finding.message == (
        "auth method switched from `client_secret_basic` to `private_key_jwt`; "
        "the provider replaces the credentials (Okta deletes the old ones at once), so consumers fail until they reload the bundle"
    )


def test_owner_changed() -> None:
    base, head = only_dev(owner=Owner(team="data", email="data@example.com"))
    assert diff_catalogs(base, head) == (
        AccessFinding(
            "owner-changed",
            "low",
            "dev",
            "svc-reader",
            "owner changed: team `platform` → `data`, email `platform@example.com` → `data@example.com`",
        ),
    )


def test_owner_email_change_alone_is_an_owner_change() -> None:
    base, head = only_dev(owner=replace(OWNER, email="oncall@example.com"))
    assert rows(base, head) == [("owner-changed", "low", "dev", "svc-reader")]


def test_catalog_scope_added() -> None:
    head_scopes = (*SCOPES, Scope("api:export", "Export things"))
    assert diff_catalogs(catalog(), catalog(scopes=head_scopes)) == (
        AccessFinding("catalog-scope-added", "info", None, None, "scope `api:export` added to the catalog"),
    )


def test_catalog_scope_removed() -> None:
    assert rows(catalog(), catalog(scopes=SCOPES[:2])) == [
        ("catalog-scope-removed", "low", None, None),
    ]


def test_catalog_scope_made_privileged() -> None:
    head_scopes = (replace(SCOPES[0], privileged=True), *SCOPES[1:])
    assert rows(catalog(), catalog(scopes=head_scopes)) == [
        ("catalog-scope-privileged", "info", None, None),
    ]


def test_catalog_scope_unmade_privileged_is_medium() -> None:
    head_scopes = (*SCOPES[:2], replace(SCOPES[2], privileged=False))
    assert rows(catalog(), catalog(scopes=head_scopes)) == [
        ("catalog-scope-unprivileged", "medium", None, None),
    ]


def test_empty_base_reports_everything_as_new() -> None:
    head = catalog(account(environments=("dev",)))
    assert rows(EMPTY_CATALOG, head) == [
        ("catalog-scope-added", "info", None, None),
        ("catalog-scope-added", "info", None, None),
        ("catalog-scope-added", "info", None, None),
        ("account-added", "low", "dev", "svc-reader"),
        ("scope-granted", "low", "dev", "svc-reader"),
    ]


def test_environment_only_in_base_reports_its_accounts_removed() -> None:
    base = catalog(account(environments=("dev", "qa")), environments=("dev", "qa"))
    head = catalog(account(environments=("dev",)), environments=("dev",))
    assert rows(base, head) == [("account-removed", "low", "qa", "svc-reader")]


def test_findings_are_grouped_by_environment_and_ordered_by_severity() -> None:
    base = catalog(account("svc-a"), account("svc-b"))
    head = catalog(
        account("svc-a", token_lifetime_minutes=90),
        account("svc-b", scopes=("api:read", "api:admin")),
    )
    assert rows(base, head) == [
        ("privileged-scope-granted", "high", "dev", "svc-b"),
        ("token-lifetime-raised", "low", "dev", "svc-a"),
        ("privileged-scope-granted", "high", "staging", "svc-b"),
        ("token-lifetime-raised", "low", "staging", "svc-a"),
        ("privileged-scope-granted", "high", "prod", "svc-b"),
        ("token-lifetime-raised", "medium", "prod", "svc-a"),
    ]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [("info", True), ("low", True), ("medium", True), ("high", False)],
)
def test_reaches_compares_by_severity_rank(threshold: str, expected: bool) -> None:
    findings = [AccessFinding("scope-granted", "medium", "prod", "svc", "granted")]
    assert reaches(findings, threshold) is expected  # type: ignore[arg-type]


def test_nothing_reaches_any_threshold_without_findings() -> None:
    assert not reaches([], "info")


def test_catalog_rules_can_be_skipped_for_an_unreadable_base_catalog() -> None:
    base = catalog(account(environments=("dev",)), scopes=())
    head = catalog(account(environments=("dev",)))
    assert diff_catalogs(base, head, compare_catalog=False) == ()


def test_rotation_force_lowered_is_high() -> None:
    base = catalog(account(rotation=Rotation(period_days=90, grace_days=7, force=2)))
    head = catalog(account(rotation=Rotation(period_days=90, grace_days=7, force=1)))

    assert {row[:2] for row in rows(base, head)} == {("rotation-force-lowered", "high")}
