"""The pack's name and the list of its policies, in the order the CLI reports them."""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel, Policy

from . import aws_secrets, key_vault, okta_apps, okta_auth, stack

PACK_NAME: Final = "svcaccounts"
# Applies to a policy that does not set its own level; every policy here sets one.
DEFAULT_ENFORCEMENT: Final = EnforcementLevel.MANDATORY

POLICIES: Final[tuple[Policy, ...]] = (
    *okta_apps.POLICIES,
    *okta_auth.POLICIES,
    *key_vault.POLICIES,
    *aws_secrets.POLICIES,
    *stack.POLICIES,
)
