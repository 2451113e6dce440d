"""What of an org can be adopted, and as what. Pure: an inventory in, decisions out.

An app is adopted when the program can take it over without a consumer noticing:

* an OAuth `service` app whose only grant is `client_credentials`, authenticating with
  `private_key_jwt` (RSA keys) or `client_secret_basic`;
* exactly one active access policy on the server names it, and it names nothing else (not
  `ALL_CLIENTS`, not other apps: the program's policy names one client);
* that policy has exactly one active rule allowing `client_credentials` (the program manages one
  rule per policy), granting named scopes (not `*`) that the catalog's rules accept.

Everything else is reported with the reason, never dropped silently. Account names come from the
app's label (the ` (<environment>)` suffix svcaccounts itself writes is dropped), made valid for
the schema and unique against the repository's accounts and each other; every renamed or
de-duplicated one is reported. Apps are visited in app-id order, so the same org and repository
always give the same names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from svcaccounts.adoption.inventory import OrgInventory
from svcaccounts.core.adoption import MIN_WINDOW_DAYS, AccountAdoption, LegacyKey, StackAdoption
from svcaccounts.core.model import AuthMethod, Rotation, Status
from svcaccounts.core.okta_records import (
    CLIENT_CREDENTIALS,
    AccessPolicy,
    OktaApp,
    PolicyRule,
    PublicKey,
)
from svcaccounts.core.rotation import rotation_state
from svcaccounts.definitions.semantic import scope_name_problem

# The rotation an imported account starts with (the README's example period); the schema's
# default grace applies. A person may change both before the first deploy.
DEFAULT_PERIOD_DAYS = 90
DEFAULT_GRACE_DAYS = 7
NAME_MAX = 41  # the schema: ^[a-z][a-z0-9-]{2,40}$
_NAME = re.compile(r"^[a-z][a-z0-9-]{2,40}$")
# Okta's limits for an access token's lifetime, and the schema's.
LIFETIME_RANGE = range(5, 1441)
ADOPTABLE_AUTH_METHODS: tuple[AuthMethod, ...] = ("private_key_jwt", "client_secret_basic")

FindingKind = Literal["not-adopted", "renamed", "new-scope", "note"]


@dataclass(frozen=True, slots=True)
class ImportFinding:
    """One thing a person must read: what was not adopted and why, a renamed account, a scope new
    to the catalog (written privileged until confirmed), a note."""

    kind: FindingKind
    subject: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message}


@dataclass(frozen=True, slots=True)
class ImportedAccount:
    name: str
    app: OktaApp
    policy: AccessPolicy
    rule: PolicyRule
    auth_method: AuthMethod
    scopes: tuple[str, ...]
    token_lifetime_minutes: int
    status: Status
    description: str
    legacy_keys: tuple[LegacyKey, ...]


@dataclass(frozen=True, slots=True)
class CatalogAddition:
    """A server scope the adopted accounts use that the catalog does not have yet."""

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class ImportPlan:
    server_id: str
    accounts: tuple[ImportedAccount, ...]
    # Scopes to add to scopes.yaml (privileged: true until a person says otherwise).
    new_scopes: tuple[CatalogAddition, ...]
    # Okta's id of every server scope the adopted accounts use, by name.
    scope_ids: Mapping[str, str]
    findings: tuple[ImportFinding, ...]


def _clean_text(text: str) -> str:
    """Text without control or invisible formatting characters (the definitions refuse them)."""
    kept = "".join(" " if unicodedata.category(char)[0] in "CZ" and char != " " else char for char in text)
    return " ".join(kept.split())


def account_name_from_label(label: str, environment: str) -> str:
    """A schema-valid account name from an app label: lowercase letters, digits and '-', starting
    with a letter, 3 to 41 characters. `billing sync (prod)` in prod → `billing-sync`."""
    text = label.strip()
    suffix = f"({environment})"
    if text.endswith(suffix):
        text = text[: -len(suffix)]
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"app-{slug}".rstrip("-")
    if len(slug) < 3:
        slug = f"{slug}-app"
    return slug[:NAME_MAX].rstrip("-")


def _unique(name: str, taken: Collection[str], app_id: str) -> str:
    """`name`, or `name-<n>` for the first free n; the suffix fits within the schema's length."""
    if name not in taken:
        return name
    for number in range(2, 1000):
        suffix = f"-{number}"
        candidate = f"{name[: NAME_MAX - len(suffix)].rstrip('-')}{suffix}"
        if candidate not in taken:
            return candidate
    digest = hashlib.sha256(app_id.encode()).hexdigest()[:8]
    return f"{name[: NAME_MAX - 9].rstrip('-')}-{digest}"


def _legacy_keys(app: OktaApp, keys: tuple[PublicKey, ...]) -> tuple[tuple[LegacyKey, ...], str | None]:
    """The app's active RSA signing keys as legacy keys, or why they cannot be carried over."""
    legacy: list[LegacyKey] = []
    for key in keys:
        if key.status != "ACTIVE":
            continue
        if key.members.get("kty") != "RSA":
            return (), (
                f"its JWKS holds a {key.members.get('kty')} key, which pulumi-okta's jwks cannot carry "
                "over (no curve): move its consumers to an RSA key first"
            )
        if key.kid is None:
            return (), "a key of its JWKS has no kid, which the provider's jwks requires: give it one first"
        if key.members.get("use", "sig") != "sig":
            continue
        legacy.append(LegacyKey(kid=key.kid, members=key.as_jwk()))
    if not legacy:
        return (), "it has no active RSA signing key in its JWKS: consumers could not be kept working"
    return tuple(legacy), None


def _active_policies_by_client(policies: tuple[AccessPolicy, ...]) -> dict[str, list[AccessPolicy]]:
    """Each client id → the active policies naming it, in the server's order: one pass, so an
    org with thousands of apps and policies is read in linear time."""
    found: dict[str, list[AccessPolicy]] = {}
    for policy in policies:
        if policy.status == "ACTIVE":
            for client in dict.fromkeys(policy.clients):
                found.setdefault(client, []).append(policy)
    return found


def _policy_for(
    app: OktaApp,
    policies_by_client: Mapping[str, list[AccessPolicy]],
    rules: Mapping[str, tuple[PolicyRule, ...]],
) -> tuple[AccessPolicy, PolicyRule] | str:
    """The app's one policy and rule, or why there is none the program can take over."""
    client_id = app.client_id or app.id
    naming = policies_by_client.get(client_id, [])
    if not naming:
        return "no active access policy on the server names it (it gets no tokens there)"
    if len(naming) > 1:
        names = ", ".join(f"{policy.name!r}" for policy in naming)
        return f"several policies name it ({names}); the program manages one per app: merge them first"
    policy = naming[0]
    others = [client for client in policy.clients if client != client_id]
    if others:
        return (
            f"its policy {policy.name!r} also names "
            + ("ALL_CLIENTS" if policy.all_clients else f"{len(others)} other client(s)")
            + ": the program's policy names one client; split it first"
        )
    active = [
        rule
        for rule in rules.get(policy.id, ())
        if rule.status == "ACTIVE" and CLIENT_CREDENTIALS in rule.grant_types
    ]
    if len(active) != 1:
        return (
            f"its policy {policy.name!r} has {len(active)} active client_credentials rules; the "
            "program manages exactly one: merge them first"
        )
    rule = active[0]
    if rule.grants_all_scopes:
        return f"rule {rule.name!r} grants every scope ('*'): name the scopes it needs first"
    if not rule.scopes:
        return f"rule {rule.name!r} grants no scope"
    lifetime = rule.access_token_lifetime_minutes or 60
    if lifetime not in LIFETIME_RANGE:
        return f"rule {rule.name!r} issues tokens for {lifetime} minutes; definitions allow 5 to 1440"
    return policy, rule


def _refusal(app: OktaApp) -> str | None:
    """Why an OAuth app is not a client-credentials service account the program can manage."""
    if app.application_type != "service":
        return f"it is a {app.application_type or 'non-OAuth'} app, not a service app"
    if tuple(app.grant_types) != (CLIENT_CREDENTIALS,):
        return f"its grant types are {', '.join(app.grant_types) or 'none'}, not client_credentials only"
    if app.token_endpoint_auth_method not in ADOPTABLE_AUTH_METHODS:
        return (
            f"it authenticates with {app.token_endpoint_auth_method}; definitions support "
            f"{' and '.join(ADOPTABLE_AUTH_METHODS)}, and switching would break its consumers"
        )
    if app.status not in ("ACTIVE", "INACTIVE"):
        return f"its status is {app.status}"
    return None


def plan_import(
    inventory: OrgInventory,
    *,
    environment: str,
    existing_accounts: Collection[str],
    catalog_scopes: Collection[str],
    already_imported: Collection[str] = (),
) -> ImportPlan:
    """Decide what of `inventory` to adopt into `environment`. `existing_accounts` are the names
    the repository's definitions take, `catalog_scopes` the scopes its catalog has,
    `already_imported` the app ids an earlier import file of this stack holds."""
    findings: list[ImportFinding] = []
    taken = set(existing_accounts)
    accounts: list[ImportedAccount] = []
    server_scopes = {scope.name: scope for scope in inventory.scopes}
    policies_by_client = _active_policies_by_client(inventory.policies)
    for app in sorted(inventory.apps, key=lambda app: app.id):
        if app.sign_on_mode != "OPENID_CONNECT" or app.application_type != "service":
            continue  # not a machine client at all: nothing to say about a bookmark or a web app
        subject = f"app {app.id} ({_clean_text(app.label)!r})"

        def refuse(reason: str, subject: str = subject) -> None:
            findings.append(ImportFinding("not-adopted", subject, reason))

        if app.id in already_imported:
            findings.append(ImportFinding("note", subject, "already in this stack's import file; skipped"))
            continue
        reason = _refusal(app)
        if reason is not None:
            refuse(reason)
            continue
        found = _policy_for(app, policies_by_client, inventory.rules)
        if isinstance(found, str):
            refuse(found)
            continue
        policy, rule = found
        bad = [(name, scope_name_problem(name)) for name in rule.scopes]
        unusable = [f"{name!r} ({problem})" for name, problem in bad if problem is not None]
        missing = [name for name in rule.scopes if name not in server_scopes and name not in catalog_scopes]
        if unusable:
            refuse(f"rule {rule.name!r} grants scopes the catalog cannot hold: {', '.join(unusable)}")
            continue
        if missing:
            refuse(f"rule {rule.name!r} grants scopes the server does not have: {', '.join(missing)}")
            continue
        auth_method: AuthMethod = (
            "private_key_jwt"
            if app.token_endpoint_auth_method == "private_key_jwt"
            else "client_secret_basic"
        )
        legacy: tuple[LegacyKey, ...] = ()
        if auth_method == "private_key_jwt":
            keys = inventory.keys.get(app.id)
            if keys is None:
                refuse("it was deleted while the org was read")
                continue
            legacy, key_problem = _legacy_keys(app, keys)
            if key_problem is not None:
                refuse(key_problem)
                continue
        derived = account_name_from_label(app.label, environment)
        name = _unique(derived, taken, app.id)
        taken.add(name)
        if name != derived:
            findings.append(
                ImportFinding("renamed", subject, f"named {name}: {derived} is already an account's name")
            )
        if not _NAME.match(name):  # unreachable: the slug rules above produce schema names
            refuse(f"no valid account name can be derived from its label ({name!r})")
            continue
        label = _clean_text(app.label) or app.id
        accounts.append(
            ImportedAccount(
                name=name,
                app=app,
                policy=policy,
                rule=rule,
                auth_method=auth_method,
                scopes=tuple(dict.fromkeys(rule.scopes)),
                token_lifetime_minutes=rule.access_token_lifetime_minutes or 60,
                status="active" if app.status == "ACTIVE" else "disabled",
                description=f"{label} (imported from Okta app {app.id})",
                legacy_keys=legacy,
            )
        )
        scope_defaults = [
            name for name in rule.scopes if name in server_scopes and server_scopes[name].default
        ]
        if scope_defaults:
            findings.append(
                ImportFinding(
                    "note",
                    subject,
                    f"scopes {', '.join(scope_defaults)} are default scopes on the server; the program "
                    "makes them non-default (a client asking for no scope then gets none)",
                )
            )
    for policy in inventory.policies:
        if policy.status == "ACTIVE" and policy.all_clients:
            findings.append(
                ImportFinding(
                    "not-adopted",
                    f"policy {policy.id} ({_clean_text(policy.name)!r})",
                    "it applies to ALL_CLIENTS: it can grant the imported accounts more than their "
                    "definitions say; deactivate it or give the accounts a server of their own "
                    "(docs/pulumi-program.md, 'Choosing an authorization server')",
                )
            )
    used = sorted({scope for account in accounts for scope in account.scopes})
    new_scopes = tuple(
        CatalogAddition(
            name, _clean_text(server_scopes[name].description or "") or f"Imported from Okta ({name})"
        )
        for name in used
        if name not in catalog_scopes
    )
    for scope in new_scopes:
        findings.append(
            ImportFinding(
                "new-scope",
                f"scope {scope.name}",
                "added to scopes.yaml as privileged: true (Okta knows nothing of privilege); confirm, "
                "or set privileged: false and run `svcaccounts policy-config`",
            )
        )
    return ImportPlan(
        server_id=inventory.server.id,
        accounts=tuple(accounts),
        new_scopes=new_scopes,
        # Every catalog scope already on the server, used by an adopted account or not: the
        # program registers the whole catalog there, and creating one that exists would fail.
        scope_ids=MappingProxyType(
            {
                name: server_scopes[name].id
                for name in sorted({*used, *catalog_scopes})
                if name in server_scopes
            }
        ),
        findings=tuple(findings),
    )


def adoption_window_end(account: str, now: datetime) -> datetime:
    """The first scheduled rotation of a newly imported account at least MIN_WINDOW_DAYS after
    `now`: time for its consumers to switch to the bundle, ending on a rotation boundary."""
    rotation = Rotation(period_days=DEFAULT_PERIOD_DAYS, grace_days=DEFAULT_GRACE_DAYS, force=0)
    return rotation_state(account, rotation, now + timedelta(days=MIN_WINDOW_DAYS)).next_rotation


def adoption_state(plan: ImportPlan, stack: str, now: datetime) -> StackAdoption:
    """The adoption windows of the accounts `plan` adopts, opened at `now`."""
    accounts = {
        account.name: AccountAdoption(
            account=account.name,
            until=adoption_window_end(account.name, now),
            legacy_keys=account.legacy_keys,
            keeps_secret=account.auth_method == "client_secret_basic",
        )
        for account in plan.accounts
    }
    return StackAdoption(stack=stack, accounts=MappingProxyType(accounts))
