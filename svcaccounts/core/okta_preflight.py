"""What already sits on an existing Okta authorization server that grants more than the
definitions do, before a stack deploys onto it (`svcaccounts okta preflight`).

Why it matters: Okta evaluates a server's access policies in priority order. The first policy
whose client condition matches the client is tried; its rules are tried in priority order, and
when none matches the request (its grant type, its scopes), Okta moves on to the next policy.
So a policy for `ALL_CLIENTS` anywhere on the server widens every account: placed before the
stack's per-account policies (where they land: the program appends them) it answers the
accounts' token requests itself; placed after, it answers every request an account's own rule
refuses. Priority changes how, not whether. Inactive policies and rules are skipped by Okta, and
a rule for another grant type never matches a client-credentials request.

A `default: true` scope is what a client is given when it asks for no scope at all; a rule that
lists it (or `*`) matches such a request. An account whose own rule does not list it falls
through to the next policy whenever it sends no `scope`.

Pure: Okta's records (svcaccounts.core.okta_records), the stack's desired state and what the
stack is known to manage (its import file, its deployed outputs) in; findings out. No HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from svcaccounts.core import naming
from svcaccounts.core.contracts.okta_import_file import ImportedResources
from svcaccounts.core.model import EnvironmentView
from svcaccounts.core.okta_records import (
    CLIENT_CREDENTIALS,
    AccessPolicy,
    AuthorizationServer,
    OktaApp,
    PolicyRule,
    Scope,
)
from svcaccounts.core.review import AccessFinding, MessagePart, Quoted, Severity, severity_rank
from svcaccounts.core.settings import ExistingAuthServer, StackSettings

ACTIVE = "ACTIVE"
# Enough names in one message for a reader to act on; the rest are counted.
SHOWN_NAMES = 5


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DesiredAccount:
    """An account as the stack will deploy it onto the server."""

    name: str
    label: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DesiredServer:
    """What the stack will put on its existing authorization server."""

    stack: str
    environment: str
    server_id: str
    owns_scopes: bool
    catalog_scopes: tuple[str, ...]
    accounts: tuple[DesiredAccount, ...]

    def account(self, name: str) -> DesiredAccount | None:
        return next((account for account in self.accounts if account.name == name), None)

    @property
    def used_scopes(self) -> frozenset[str]:
        """The catalog scopes the stack's rules name (a referenced scope must exist for them)."""
        return frozenset(scope for account in self.accounts for scope in account.scopes)


def desired_server(settings: StackSettings, view: EnvironmentView) -> DesiredServer | None:
    """The stack's desired state on an existing server; None when the stack creates its own
    server (or deploys to another identity provider): then there is nothing to preflight."""
    if not isinstance(settings.auth_server, ExistingAuthServer):
        return None
    return DesiredServer(
        stack=settings.stack,
        environment=view.environment,
        server_id=settings.auth_server.id,
        owns_scopes=settings.auth_server.owns_scopes,
        catalog_scopes=tuple(scope.name for scope in view.scopes),
        accounts=tuple(
            DesiredAccount(account.name, naming.app_label(account.name, view.environment), account.scopes)
            for account in sorted(view.accounts, key=lambda account: account.name)
        ),
    )


@dataclass(frozen=True, slots=True)
class PolicyWithRules:
    policy: AccessPolicy
    rules: tuple[PolicyRule, ...]


@dataclass(frozen=True, slots=True)
class ServerSnapshot:
    """What the reader found: the server, its scopes, policies with their rules, the org's apps."""

    server: AuthorizationServer
    scopes: tuple[Scope, ...]
    policies: tuple[PolicyWithRules, ...]
    apps: tuple[OktaApp, ...]


@dataclass(frozen=True, slots=True)
class KnownManaged:
    """What the stack is known to manage already, and where that knowledge came from."""

    imported: ImportedResources | None = None
    # Where the import file is (for the notes); None when there is none.
    import_source: str | None = None
    # Account name -> client id, from the deployed `accounts` output.
    deployed_clients: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Where the deployed outputs came from; None without --deployed.
    deployed_source: str | None = None
    # The other stacks of the repository that deploy to the same org and server (`scopes:
    # reference` siblings, or the one that owns the scopes): their accounts' policies are theirs,
    # judged against their own definitions instead of reported as foreign clients.
    siblings: tuple[DesiredServer, ...] = ()


# --- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreflightReport:
    stack: str
    environment: str
    server_id: str
    # The server's name as Okta holds it: someone else's text.
    server_name: str
    findings: tuple[AccessFinding, ...]
    # What was known and read: our own words, ids and counts only.
    notes: tuple[str, ...]

    @property
    def high(self) -> bool:
        return any(finding.severity == "high" for finding in self.findings)


# --- the analysis -------------------------------------------------------------------------------

_Message = tuple[MessagePart, ...]


def _listed(values: Iterable[str], *, shown: int = SHOWN_NAMES) -> _Message:
    """`a`, `b`, `c` and 2 more."""
    items = list(values)
    parts: list[MessagePart] = []
    for value in items[:shown]:
        parts.extend((", ", Quoted(value)) if parts else (Quoted(value),))
    if len(items) > shown:
        parts.append(f" and {len(items) - shown} more")
    return tuple(parts)


def _active(policy: AccessPolicy, rule: PolicyRule) -> bool:
    return policy.status == ACTIVE and rule.status == ACTIVE


def _priority(priority: int | None) -> str:
    return "no priority" if priority is None else f"priority {priority}"


def _rule_order(rule: PolicyRule) -> tuple[int, str]:
    return (rule.priority if rule.priority is not None else 1 << 30, rule.id)


@dataclass(frozen=True, slots=True)
class _Grant:
    """A rule that grants catalog scopes (or `*`) beyond what a policy's clients may have."""

    rule: PolicyRule
    every_scope: bool
    scopes: tuple[str, ...]  # the catalog scopes it names beyond the allowed ones
    active: bool
    client_credentials: bool


class _Analysis:
    def __init__(self, desired: DesiredServer, snapshot: ServerSnapshot, known: KnownManaged) -> None:
        self.desired = desired
        self.snapshot = snapshot
        self.known = known
        self.imported = known.imported
        self.findings: list[AccessFinding] = []
        self.catalog = frozenset(desired.catalog_scopes)
        self.default_scopes = frozenset(
            scope.name for scope in snapshot.scopes if scope.default and scope.name in self.catalog
        )
        # Indexes, so that a server shared by thousands of accounts costs linear time.
        self.accounts_by_name = {account.name: account for account in desired.accounts}
        self.accounts_by_child = {
            (naming.child_name(account.name, role), role): account.name
            for account in desired.accounts
            for role in ("app", "policy", "rule")
        }
        # The highest (first) priority among the stack's own policies, once known: a 1-tuple, so
        # that "none on the server" (None inside) differs from "not computed yet".
        self._first_own_priority: tuple[int | None] | None = None
        self.apps_by_id = {app.id: app for app in snapshot.apps}
        self.apps_by_client = {app.client_id: app for app in snapshot.apps if app.client_id}
        # Client id -> the account it belongs to (None: an account the definitions no longer
        # have, which the deploy removes).
        self.managed_clients: dict[str, str | None] = {}
        self.account_clients: dict[str, list[str]] = {}
        self._resolve_managed_clients()
        # Client id -> (stack, account) of a sibling stack's account, found by the label the
        # program gives its app (naming.app_label). A label is only a claim: such a client's
        # policies are still checked against that account's own scopes.
        self.sibling_clients: dict[str, tuple[DesiredServer, DesiredAccount]] = {}
        self._resolve_sibling_clients()
        imported_policies = self.imported.policies if self.imported else {}
        self.managed_policy_accounts: dict[str, str | None] = {
            policy_id: self._account_of(name, "policy") for name, policy_id in imported_policies.items()
        }
        self.managed_rules = frozenset(self.imported.rules.values()) if self.imported else frozenset()

    # -- what the stack manages --

    def _account_of(self, logical_name: str, role: naming.Role) -> str | None:
        return self.accounts_by_child.get((logical_name, role))

    def _manage(self, client_id: str, account: str | None) -> None:
        self.managed_clients[client_id] = account
        if account is not None and client_id not in self.account_clients.setdefault(account, []):
            self.account_clients[account].append(client_id)

    def _resolve_managed_clients(self) -> None:
        if self.imported is not None:
            for name, app_id in sorted(self.imported.apps.items()):
                account = self._account_of(name, "app")
                app = self.apps_by_id.get(app_id)
                if app is None or app.client_id is None:
                    self._add(
                        "managed-app-missing",
                        "medium",
                        account,
                        (
                            "the import file adopts app ",
                            Quoted(app_id),
                            " as ",
                            Quoted(name),
                            ", but the org has no OAuth app with that id: `pulumi import` would fail; "
                            "run `svcaccounts okta import` again",
                        ),
                    )
                    continue
                self._manage(app.client_id, account)
        for account_name, client_id in sorted(self.known.deployed_clients.items()):
            account = account_name if account_name in self.accounts_by_name else None
            if client_id not in self.apps_by_client:
                self._add(
                    "managed-app-missing",
                    "medium",
                    account,
                    (
                        "the deployed outputs name client ",
                        Quoted(client_id),
                        " for ",
                        Quoted(account_name),
                        ", but the org has no app with that client id (deleted by hand?): run "
                        "`pulumi refresh` before `pulumi up`, which then creates a new app with a new "
                        "client id",
                    ),
                )
            self._manage(client_id, account)

    def _resolve_sibling_clients(self) -> None:
        # A label this stack's own accounts also use (two stacks of one environment on one
        # server) cannot tell the stacks apart: such apps stay unmanaged unless known otherwise.
        own_labels = {account.label for account in self.desired.accounts}
        by_label = {
            account.label: (sibling, account)
            for sibling in self.known.siblings
            if sibling.server_id == self.desired.server_id and sibling.stack != self.desired.stack
            for account in sibling.accounts
            if account.label not in own_labels
        }
        for app in self.snapshot.apps:
            claimed = by_label.get(app.label)
            if (
                claimed is not None
                and app.client_id
                and app.is_service_app
                and app.client_id not in self.managed_clients
            ):
                self.sibling_clients[app.client_id] = claimed

    # -- findings --

    def _add(self, rule: str, severity: Severity, account: str | None, parts: _Message) -> None:
        self.findings.append(
            AccessFinding.from_parts(rule, severity, self.desired.environment, account, parts)
        )

    def _allowed(self, accounts: Iterable[str | None]) -> frozenset[str] | None:
        """The catalog scopes the definitions give these accounts; None: any catalog scope (an
        account the definitions no longer have: the deploy removes its app, policy and rule)."""
        allowed: set[str] = set()
        for name in accounts:
            account = self.accounts_by_name.get(name) if name is not None else None
            if account is None:
                return None
            allowed.update(account.scopes)
        return frozenset(allowed)

    def _grants(
        self, policy: AccessPolicy, rules: Iterable[PolicyRule], allowed: frozenset[str] | None
    ) -> list[_Grant]:
        """The rules of `policy` that grant `*`, or catalog scopes outside `allowed`."""
        grants = []
        for rule in sorted(rules, key=_rule_order):
            if rule.id in self.managed_rules:
                continue  # adopted: the deploy sets it to its account's own grant
            beyond = (
                ()
                if allowed is None
                else tuple(scope for scope in rule.scopes if scope in self.catalog and scope not in allowed)
            )
            if rule.grants_all_scopes or beyond:
                grants.append(
                    _Grant(
                        rule,
                        rule.grants_all_scopes,
                        beyond,
                        _active(policy, rule),
                        CLIENT_CREDENTIALS in rule.grant_types,
                    )
                )
        return grants

    def _severity(self, grants: list[_Grant]) -> Severity:
        if any(grant.active and grant.client_credentials for grant in grants):
            return "high"
        if any(grant.active for grant in grants):
            return "medium"
        return "low" if grants else "info"

    def _grant_parts(self, grants: list[_Grant]) -> _Message:
        parts: list[MessagePart] = []
        for grant in grants[:SHOWN_NAMES]:
            parts.extend(("; " if parts else "", "rule ", Quoted(grant.rule.name)))
            status = "" if grant.rule.status == ACTIVE else f" ({grant.rule.status.lower()})"
            parts.append(f"{status} grants " if grant.active else f"{status} would grant ")
            parts.extend(("every scope (", Quoted("*"), ")") if grant.every_scope else _listed(grant.scopes))
            kinds = sorted(grant.rule.grant_types, key=lambda kind: kind != CLIENT_CREDENTIALS)
            parts.extend((" to ", *(_listed(kinds) if kinds else ("no grant type",))))
        if len(grants) > SHOWN_NAMES:
            parts.append(f"; and {len(grants) - SHOWN_NAMES} more rules")
        defaults: set[str] = set()
        for grant in grants:
            if grant.active and grant.client_credentials:
                defaults |= (
                    self.default_scopes if grant.every_scope else self.default_scopes & set(grant.scopes)
                )
        if defaults:
            parts.extend(
                (
                    "; given even to a client that asks for no scope (default on this server): ",
                    *_listed(sorted(defaults)),
                )
            )
        return tuple(parts)

    def _is_per_account(self, policy: AccessPolicy) -> bool:
        return policy.id in self.managed_policy_accounts or (
            bool(policy.clients)
            and not policy.all_clients
            and all(client in self.managed_clients for client in policy.clients)
        )

    def _comes_before_the_stack(self, policy: AccessPolicy) -> bool:
        """Whether Okta tries `policy` before the stack's per-account policies: true too when
        there are none on the server yet (the program appends them after every policy)."""
        if self._first_own_priority is None:
            ours = [
                item.policy.priority
                for item in self.snapshot.policies
                if item.policy.priority is not None and self._is_per_account(item.policy)
            ]
            self._first_own_priority = (min(ours) if ours else None,)
        (first,) = self._first_own_priority
        return policy.priority is None or first is None or policy.priority < first

    def _reach(self, item: PolicyWithRules, rule: str, reach: _Message, effect: str) -> None:
        """A policy that reaches clients outside the stack's accounts: ALL_CLIENTS, or others."""
        policy = item.policy
        grants = self._grants(policy, item.rules, frozenset())
        severity = self._severity(grants)
        status = "" if policy.status == ACTIVE else f", {policy.status.lower()}"
        parts: list[MessagePart] = [
            "policy ",
            Quoted(policy.name),
            f" ({_priority(policy.priority)}{status}) ",
            *reach,
        ]
        if not grants:
            parts.append("; none of its rules grants a catalog scope or every scope")
            self._add(rule, severity, None, tuple(parts))
            return
        parts.extend(("; ", *self._grant_parts(grants)))
        if severity == "high":
            parts.append(effect)
        elif severity == "medium":
            parts.append("; not to client credentials, but to the server's other clients")
        parts.append(
            "; deactivate or delete the policy (or those rules), or give the stack a server of its own"
        )
        self._add(rule, severity, None, tuple(parts))

    def all_clients_policy(self, item: PolicyWithRules) -> None:
        effect = (
            "; Okta tries it before the stack's own policies, so it answers every account's token request"
            if self._comes_before_the_stack(item.policy)
            else "; Okta falls through to it whenever an account's own rule does not match, so every "
            "account can get these scopes"
        )
        self._reach(item, "all-clients-policy", ("applies to all clients",), effect)

    def unmanaged_client_policy(self, item: PolicyWithRules, unmanaged: list[str]) -> None:
        described = []
        for client in unmanaged:
            app = self.apps_by_client.get(client)
            described.append(client if app is None else f"{client} ({app.label})")
        reach = ("names clients the stack does not manage: ", *_listed(described))
        self._reach(item, "unmanaged-client-policy", reach, ": access the definitions do not show")

    def per_account_policy(self, item: PolicyWithRules, accounts: list[str | None]) -> None:
        policy = item.policy
        grants = self._grants(policy, item.rules, self._allowed(accounts))
        if not grants:
            return
        named = sorted({name for name in accounts if name is not None})
        status = "" if policy.status == ACTIVE else f", {policy.status.lower()}"
        parts: list[MessagePart] = [
            "policy ",
            Quoted(policy.name),
            f" ({_priority(policy.priority)}{status}) of ",
        ]
        parts.extend(_listed(named) if named else ("accounts the definitions no longer have",))
        parts.extend((" has rules beyond the definitions: ", *self._grant_parts(grants)))
        parts.append(
            "; Okta tries them whenever the account's own rule does not match; delete or deactivate them"
        )
        self._add(
            "rule-grants-beyond-definitions",
            self._severity(grants),
            named[0] if len(named) == 1 else None,
            tuple(parts),
        )

    def sibling_policy(
        self, item: PolicyWithRules, owners: list[tuple[DesiredServer, DesiredAccount]]
    ) -> None:
        """A policy for accounts of another stack on this server: only rules beyond those
        accounts' own definitions are reported (that stack's deploy does not remove them)."""
        policy = item.policy
        allowed = frozenset(scope for _, account in owners for scope in account.scopes)
        grants = self._grants(policy, item.rules, allowed)
        if not grants:
            return
        named = sorted({f"{sibling.stack}/{account.name}" for sibling, account in owners})
        status = "" if policy.status == ACTIVE else f", {policy.status.lower()}"
        parts: list[MessagePart] = [
            "policy ",
            Quoted(policy.name),
            f" ({_priority(policy.priority)}{status}) of ",
            *_listed(named),
            " (another stack on this server) has rules beyond that account's definitions: ",
            *self._grant_parts(grants),
            "; delete or deactivate them, or deploy that stack first",
        ]
        self._add("rule-grants-beyond-definitions", self._severity(grants), None, tuple(parts))

    def policies(self) -> None:
        for item in sorted(self.snapshot.policies, key=lambda item: _policy_order(item.policy)):
            policy = item.policy
            if policy.id in self.managed_policy_accounts:
                # Adopted: the deploy sets its client list to its account's client, so only the
                # rules it does not manage can still widen that account.
                self.per_account_policy(item, [self.managed_policy_accounts[policy.id]])
            elif policy.all_clients:
                self.all_clients_policy(item)
            elif policy.clients and all(client in self.sibling_clients for client in policy.clients):
                self.sibling_policy(item, [self.sibling_clients[client] for client in policy.clients])
            elif unmanaged := [client for client in policy.clients if client not in self.managed_clients]:
                self.unmanaged_client_policy(item, unmanaged)
            elif policy.clients:
                self.per_account_policy(item, [self.managed_clients[client] for client in policy.clients])

    def scopes(self) -> None:
        desired = self.desired
        on_server = {scope.name: scope for scope in self.snapshot.scopes}
        imported = frozenset(self.imported.scopes.values()) if self.imported else frozenset()
        for name in desired.catalog_scopes:
            scope = on_server.get(name)
            if desired.owns_scopes:
                if scope is None:
                    continue
                # A stack that has deployed created its catalog's scopes itself (its outputs do
                # not list them): only before a first deploy is an existing one someone else's.
                if scope.id not in imported and not self.known.deployed_clients:
                    self._add(
                        "catalog-scope-exists",
                        "high",
                        None,
                        (
                            "scope ",
                            Quoted(name),
                            " already exists on the server and the stack creates it (`scopes: own`): "
                            "`pulumi up` would fail on it; adopt it (`svcaccounts okta import`), delete it, "
                            "or set `scopes: reference` if another stack owns it",
                        ),
                    )
                elif scope.default:
                    self._add(
                        "catalog-scope-default",
                        "low",
                        None,
                        (
                            "scope ",
                            Quoted(name),
                            " is a default scope; the deploy adopts it and makes it not default",
                        ),
                    )
            elif scope is None:
                used = name in desired.used_scopes
                self._add(
                    "catalog-scope-missing",
                    "high" if used else "low",
                    None,
                    (
                        "scope ",
                        Quoted(name),
                        " is not on the server and the stack references it (`scopes: reference`): "
                        + (
                            "`pulumi up` would fail creating the rules that name it; deploy the stack "
                            "that owns the server's scopes first"
                            if used
                            else "no account of this stack uses it yet"
                        ),
                    ),
                )
            elif scope.default:
                self._add(
                    "catalog-scope-default",
                    "medium",
                    None,
                    (
                        "scope ",
                        Quoted(name),
                        " is a default scope: a client that asks for no scope is given it by any rule that "
                        "lists it, and an account whose rule does not falls through to the next policy; "
                        "make it not default in the stack that owns the scopes",
                    ),
                )

    def apps(self) -> None:
        labels: dict[str, list[OktaApp]] = {}
        for app in self.snapshot.apps:
            labels.setdefault(app.label, []).append(app)
        for account in self.desired.accounts:
            clients = self.account_clients.get(account.name, [])
            if not clients:
                taken = [app.id for app in labels.get(account.label, [])]
                if taken:
                    self._add(
                        "app-label-taken",
                        "medium",
                        account.name,
                        (
                            "the program creates app ",
                            Quoted(account.label),
                            ", a label app ",
                            *_listed(taken),
                            " already has; if it is this account's app, adopt it (`svcaccounts okta "
                            "import`), otherwise rename it: two apps of one label cannot be told apart",
                        ),
                    )
                continue
            for client in clients:
                if (managed := self.apps_by_client.get(client)) is not None:
                    self._managed_app(account, managed)

    def _managed_app(self, account: DesiredAccount, app: OktaApp) -> None:
        if app.label != account.label:
            self._add(
                "app-label-differs",
                "low",
                account.name,
                (
                    "app ",
                    Quoted(app.id),
                    " exists under the label ",
                    Quoted(app.label),
                    "; the deploy renames it to ",
                    Quoted(account.label),
                ),
            )
        extra = [kind for kind in app.grant_types if kind != CLIENT_CREDENTIALS]
        if app.is_service_app and app.grant_types == (CLIENT_CREDENTIALS,):
            return
        severity: Severity = "high" if extra and app.status == ACTIVE else "medium"
        parts: list[MessagePart] = ["app ", Quoted(app.id), " is "]
        if not app.is_service_app:
            parts.extend(("a ", Quoted(app.application_type or app.sign_on_mode), " app, not a service app"))
        else:
            parts.append("a service app")
        parts.extend((" with grant types ", *(_listed(app.grant_types) if app.grant_types else ("none",))))
        parts.append(
            ": it can get tokens in ways the definitions do not allow, until the deploy narrows it "
            "to client credentials"
            if extra
            else ": the deploy must change it to a service app with client credentials only"
        )
        if not app.is_service_app:
            parts.append(" (Okta cannot change an app's type in place: expect a new app and client id)")
        self._add("managed-app-shape", severity, account.name, tuple(parts))


def _policy_order(policy: AccessPolicy) -> tuple[int, str]:
    return (policy.priority if policy.priority is not None else 1 << 30, policy.id)


def _notes(
    desired: DesiredServer, snapshot: ServerSnapshot, known: KnownManaged, clients: int
) -> tuple[str, ...]:
    notes = [
        f"read authorization server {desired.server_id}: {len(snapshot.policies)} policies, "
        f"{sum(len(item.rules) for item in snapshot.policies)} rules, {len(snapshot.scopes)} scopes; "
        f"{len(snapshot.apps)} apps in the org",
        f"the stack {'creates' if desired.owns_scopes else 'references'} the catalog's "
        f"{len(desired.catalog_scopes)} scopes (scopes: {'own' if desired.owns_scopes else 'reference'}) "
        f"and deploys {len(desired.accounts)} accounts",
    ]
    imported = known.imported
    if imported is not None and known.import_source is not None:
        notes.append(
            f"known from {known.import_source}: {len(imported.apps)} apps, "
            f"{len(imported.policies)} policies, {len(imported.rules)} rules and "
            f"{len(imported.scopes)} scopes the stack adopts"
        )
    if known.deployed_source is not None:
        notes.append(
            f"known from the deployed outputs ({known.deployed_source}): "
            f"{len(known.deployed_clients)} accounts' client ids"
        )
    if desired.owns_scopes and known.deployed_clients:
        notes.append("the stack has deployed: the catalog scopes on the server are taken to be its own")
    if imported is None and known.deployed_source is None:
        notes.append(
            "no import file and no deployed outputs: the stack is taken to manage no client on this "
            "server yet, so every policy naming a client counts as unmanaged (right before a first "
            "deploy; on a deployed stack pass --deployed with `pulumi stack output --json`)"
        )
    else:
        notes.append(f"{clients} managed clients in all")
    return tuple(notes)


def _order(finding: AccessFinding) -> int:
    return -severity_rank(finding.severity)


def preflight(desired: DesiredServer, snapshot: ServerSnapshot, known: KnownManaged) -> PreflightReport:
    """Every finding about what the server already holds, highest severity first (then in the
    order Okta evaluates policies)."""
    analysis = _Analysis(desired, snapshot, known)
    analysis.policies()
    analysis.scopes()
    analysis.apps()
    findings = sorted(analysis.findings, key=_order)
    return PreflightReport(
        stack=desired.stack,
        environment=desired.environment,
        server_id=desired.server_id,
        server_name=snapshot.server.name,
        findings=tuple(findings),
        notes=_notes(desired, snapshot, known, len(analysis.managed_clients))
        + _sibling_notes(known, len(analysis.sibling_clients)),
    )


def _sibling_notes(known: KnownManaged, clients: int) -> tuple[str, ...]:
    if not known.siblings:
        return ()
    stacks = ", ".join(sorted(sibling.stack for sibling in known.siblings))
    return (
        f"other stacks on this server ({stacks}): {clients} of their accounts' apps found by label; "
        "their policies are checked against their own definitions",
    )
