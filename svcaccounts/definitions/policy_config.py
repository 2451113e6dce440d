"""Reading the committed policy-pack configuration, and whether it matches the scope catalog."""

from __future__ import annotations

import json
from collections.abc import Mapping

from svcaccounts.core.model import Catalog
from svcaccounts.core.policy_config import (
    ALLOWED_ACCOUNTS,
    PRIVILEGED_RULE,
    pack_config,
    pack_config_text,
)
from svcaccounts.definitions.findings import Finding
from svcaccounts.definitions.layout import POLICY_CONFIG_FILE

REGENERATE = "run `svcaccounts policy-config` and commit the file"


def allowed_accounts(text: bytes | None) -> tuple[tuple[str, ...], list[Finding]]:
    """The allowlist the committed file keeps (empty when there is no file)."""
    if text is None:
        return (), []
    try:
        document = json.loads(text)
        accounts = document[PRIVILEGED_RULE].get(ALLOWED_ACCOUNTS, [])
    except (ValueError, RecursionError, TypeError, KeyError, AttributeError):
        return (), [
            Finding(POLICY_CONFIG_FILE, 1, 1, f"not the pack configuration svcaccounts writes; {REGENERATE}")
        ]
    if not isinstance(accounts, list) or not all(isinstance(name, str) for name in accounts):
        return (), [Finding(POLICY_CONFIG_FILE, 1, 1, f"{ALLOWED_ACCOUNTS} must be a list of account names")]
    return tuple(accounts), []


def expected_text(catalog: Catalog, files: Mapping[str, bytes]) -> tuple[str, list[Finding]]:
    """What `svcaccounts policy-config` writes for `catalog`, keeping the committed allowlist."""
    accounts, findings = allowed_accounts(files.get(POLICY_CONFIG_FILE))
    return pack_config_text(pack_config(catalog, accounts)), findings


def policy_config_findings(catalog: Catalog, files: Mapping[str, bytes]) -> list[Finding]:
    """A finding when the committed configuration is missing (while the catalog has privileged
    scopes), unreadable or stale, or allowlists an account no definition has."""
    expected, findings = expected_text(catalog, files)
    if findings:
        return findings
    committed = files.get(POLICY_CONFIG_FILE)
    if committed is None:
        if not any(scope.privileged for scope in catalog.scopes):
            return []  # nothing privileged to guard; the pack's rule then needs no list
        return [Finding(POLICY_CONFIG_FILE, 1, 1, f"missing: the policy pack needs it; {REGENERATE}")]
    if committed.decode("utf-8", "replace") != expected:
        return [
            Finding(
                POLICY_CONFIG_FILE,
                1,
                1,
                "stale: its privileged scopes are not the catalog's `privileged: true` scopes (or it is "
                f"not in the generated form); {REGENERATE}",
            )
        ]
    accounts, _ = allowed_accounts(committed)
    known = {account.name for account in catalog.accounts}
    return [
        Finding(POLICY_CONFIG_FILE, 1, 1, f"{ALLOWED_ACCOUNTS} names {name!r}, which no definition has")
        for name in accounts
        if name not in known
    ]
