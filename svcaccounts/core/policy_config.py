"""The policy pack's configuration, derived from the scope catalog.

Privileged scopes have one source, the catalog's `privileged: true`: the pack's configuration
(`policies/policy-config.json`, passed wherever the pack runs) is generated from it by
`svcaccounts policy-config`, and `validate` fails while the committed file differs from what the
catalog gives, as a stale lock file does. The allowlist of accounts that may hold privileged
scopes in production is the file's one hand-kept part: the generator keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from svcaccounts.core.model import Catalog

PRIVILEGED_RULE = "privileged-scopes-allowlisted"
PRIVILEGED_SCOPES = "privilegedScopes"
ALLOWED_ACCOUNTS = "allowedAccounts"


def pack_config(catalog: Catalog, allowed_accounts: Iterable[str]) -> dict[str, Any]:
    """The pack configuration for `catalog`, keeping the reviewed allowlist."""
    return {
        PRIVILEGED_RULE: {
            PRIVILEGED_SCOPES: sorted(scope.name for scope in catalog.scopes if scope.privileged),
            ALLOWED_ACCOUNTS: sorted(set(allowed_accounts)),
        }
    }


def pack_config_text(document: dict[str, Any]) -> str:
    """The file's exact text: stable, so that a regenerated file differs only where it should."""
    return json.dumps(document, indent=2) + "\n"
