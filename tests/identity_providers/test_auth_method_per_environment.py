"""`auth_method` per environment: an environment override changes the method there only; `validate`
checks the effective method of each stack's environment against what its provider offers (located
at the override when it comes from one); `diff` reports a weakening in one environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaccounts.core.identity_providers import OKTA_PROVIDER, ProviderDescription
from svcaccounts.core.model import EnvironmentOverride
from svcaccounts.core.review import diff_catalogs
from svcaccounts.definitions import load_repository, provider_checks
from svcaccounts.definitions.stack_settings import settings_of
from tests.identity_providers.conftest import edit
from tests.support.catalogs import account, catalog

READER = "service_accounts/reporting/report-reader.yaml"
# A provider that offers client secrets only (as Cognito does): the seam's check, exercised
# without depending on another provider's translation.
SECRETS_ONLY = ProviderDescription(
    kind="okta",
    display_name="Secrets Only",
    auth_methods=("client_secret_basic",),
    per_client_token_lifetime=True,
    rotation_overlap={"client_secret_basic": False},
    scope_syntax="scope-names",
    granted_claim="scp",
)


def test_an_override_changes_the_method_in_its_environment_only() -> None:
    reader = account(overrides={"prod": EnvironmentOverride(auth_method="client_secret_basic")})
    assert reader.in_environment("dev").auth_method == "private_key_jwt"  # type: ignore[union-attr]
    assert reader.in_environment("prod").auth_method == "client_secret_basic"  # type: ignore[union-attr]


def test_a_weakening_in_one_environment_is_a_high_finding_there_only() -> None:
    base = catalog(account())
    head = catalog(account(overrides={"prod": EnvironmentOverride(auth_method="client_secret_basic")}))
    assert [(f.rule, f.severity, f.environment) for f in diff_catalogs(base, head)] == [
        ("auth-method-weakened", "high", "prod")
    ]


def _findings(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int, str]]:
    """Provider findings of the dev (Okta) stack when Okta is described as offering secrets only."""
    monkeypatch.setattr(provider_checks, "describe", lambda kind: SECRETS_ONLY if kind == "okta" else OKTA_PROVIDER)
    result = load_repository(root)
    assert result.catalog is not None, result.findings
    (stack,) = [s for s in result.stacks if s.name == "dev"]
    settings = settings_of(stack).settings
    assert settings is not None
    view = result.catalog.for_environment(settings.environment)
    return [(f.path, f.line, f.col, f.message) for f in provider_checks.provider_findings(settings, view)]


def test_an_unoffered_method_is_located_at_the_accounts_auth_method(
    mixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _findings(mixed, monkeypatch) == [
        (
            READER,
            7,
            1,
            "auth_method private_key_jwt is not offered by Secrets Only: stack dev (environment dev) "
            "deploys to Secrets Only; use client_secret_basic (environments.dev.auth_method changes it "
            "for this environment only)",
        )
    ]


def test_an_override_for_the_stacks_environment_is_what_is_checked(
    mixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(mixed, READER, "  dev:\n", "  dev:\n    auth_method: client_secret_basic\n")
    assert _findings(mixed, monkeypatch) == []


def test_an_unoffered_method_from_an_override_is_located_at_the_override(
    mixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = "service_accounts/reporting/report-writer.yaml"
    edit(mixed, writer, "  dev: {}\n", "  dev:\n    auth_method: private_key_jwt\n")
    edit(mixed, READER, "  dev:\n", "  dev:\n    auth_method: client_secret_basic\n")
    assert [(path, line, col) for path, line, col, _ in _findings(mixed, monkeypatch)] == [(writer, 13, 5)]
