"""What `svcaccounts okta import` reads of an org, as plain records (svcaccounts/core/okta_records.py):
one authorization server, its scopes, policies and rules, the org's apps and the JWKS of the
service apps that authenticate with a private key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from svcaccounts.core.okta_records import (
    AccessPolicy,
    AuthorizationServer,
    OktaApp,
    PolicyRule,
    PublicKey,
    Scope,
)


@dataclass(frozen=True, slots=True)
class OrgInventory:
    server: AuthorizationServer
    apps: tuple[OktaApp, ...]
    scopes: tuple[Scope, ...]
    policies: tuple[AccessPolicy, ...]
    # The rules of each policy, by policy id.
    rules: Mapping[str, tuple[PolicyRule, ...]]
    # The JWKS of each private_key_jwt service app, by app id (an app deleted meanwhile: absent).
    keys: Mapping[str, tuple[PublicKey, ...]] = field(default_factory=lambda: MappingProxyType({}))
