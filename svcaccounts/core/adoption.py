"""Adoption state: what an imported account keeps of its life before svcaccounts, and until when.

An app imported from an existing Okta org has consumers that use its credentials today. Until
they read the account's bundle they must keep working, so for a window the program keeps:

* the app's existing public keys (private_key_jwt) in its JWKS, beside the generated key;
* the app's existing client secret (client_secret_basic): Okta never returns a secret after
  creation, so the operator provides it once as a Pulumi config secret (`secret_config_key`);
  until the window ends the program leaves Okta's secret untouched and writes the provided one
  into the bundle.

This state lives in `import/<stack>.adoption.yaml` beside the import file, not in the
provider-neutral definitions, and is read through the workspace like every other input: a
legacy key in an app's JWKS lets whoever holds its private key get tokens, so it is reviewed
(svcaccounts/core/adoption_review.py). Pure: no YAML, no Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

# The Pulumi config namespace of the adopted client secrets: `pulumi config set --secret
# svcaccounts-adopted-secret:<account>` writes ciphertext into Pulumi.<stack>.yaml. Not the
# `svcaccounts:` namespace, whose keys are settings (the program compares those with the
# committed stack file); the value is a credential, which only infra ever reads.
SECRET_CONFIG_NAMESPACE = "svcaccounts-adopted-secret"

# The first scheduled rotation at least this many days after the import ends the window: time
# for consumers to switch to the bundle, however close the account's next boundary happens to be.
MIN_WINDOW_DAYS = 14


def secret_config_key(account: str) -> str:
    return f"{SECRET_CONFIG_NAMESPACE}:{account}"


@dataclass(frozen=True, slots=True)
class LegacyKey:
    """A public key the app had before the import: a JWK's public members (kty, kid, n/e or
    crv/x/y, alg, use) and nothing else."""

    kid: str
    members: Mapping[str, str] = field(compare=False)
    # Compared by value: a mapping is not hashable, its sorted items are.
    identity: tuple[tuple[str, str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", MappingProxyType(dict(self.members)))
        object.__setattr__(self, "identity", tuple(sorted(self.members.items())))

    @property
    def kty(self) -> str:
        return self.members["kty"]


@dataclass(frozen=True, slots=True)
class AccountAdoption:
    """One imported account's window. `until` is the instant the window ends (exclusive)."""

    account: str
    until: datetime
    # private_key_jwt: the app's keys before the import, kept in its JWKS until `until`.
    legacy_keys: tuple[LegacyKey, ...] = ()
    # client_secret_basic: the app's existing secret is kept (and provided by the operator).
    keeps_secret: bool = False

    def open_at(self, now: datetime) -> bool:
        return now < self.until

    def legacy_keys_at(self, now: datetime) -> tuple[LegacyKey, ...]:
        return self.legacy_keys if self.open_at(now) else ()

    def keeps_secret_at(self, now: datetime) -> bool:
        return self.keeps_secret and self.open_at(now)

    def keeps_secret_for(self, auth_method: str, now: datetime) -> bool:
        """Whether the account uses the app's existing secret at `now`: only a
        client_secret_basic account has one to keep, and only inside the window."""
        return auth_method == "client_secret_basic" and self.keeps_secret_at(now)


@dataclass(frozen=True, slots=True)
class StackAdoption:
    """A stack's adoption file, and which adopted secrets its stack file holds (as ciphertext)."""

    stack: str
    accounts: Mapping[str, AccountAdoption]
    # Accounts whose `svcaccounts-adopted-secret:<account>` is set (secure) in Pulumi.<stack>.yaml.
    secrets_provided: frozenset[str] = frozenset()

    def account(self, name: str) -> AccountAdoption | None:
        return self.accounts.get(name)

    def bundle_waits_at(self, name: str, auth_method: str, now: datetime) -> bool:
        """Whether the account keeps Okta's current secret at `now` but the stack file does
        not hold it yet: the program publishes no bundle until the operator provides it (the
        plan's `bundle_waits`, by the same rule)."""
        adoption = self.accounts.get(name)
        return (
            adoption is not None
            and adoption.keeps_secret_for(auth_method, now)
            and name not in self.secrets_provided
        )


NO_ADOPTION = StackAdoption(stack="", accounts=MappingProxyType({}))
