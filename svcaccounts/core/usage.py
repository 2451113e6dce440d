"""Least privilege from evidence: what a stack's accounts did with their grants in a time window.

Definitions say what each account *may* do; the identity provider's log says what it *does*.
`analyse_usage` is a pure function of the evidence (token events, already reduced to the few
fields below by a provider's parser, e.g. svcaccounts/okta_api/log_events.py), the deployed
client ids, one environment's definitions, the rotation schedule and the window. It returns
findings in the shape `diff` uses (rule, severity, environment, account, message) and, for
`usage --propose`, the scopes that may be removed. No HTTP, no YAML, no rendering.

Rules (docs/usage.md has the full table):

* scope-never-used (medium; high for a privileged scope): granted by the definition, absent from
  every successful grant in the window;
* account-idle (medium): no successful grant in the window;
* consumer-failing (high): failures since the last rotation, and no successful grant since the
  previous credential stopped being accepted (the rotation plus its grace);
* failure-burst (medium): more than `burst_per_hour` failed requests within one clock hour (UTC);
* account-new (info): created inside the window: too young to call idle or to judge its scopes.

A provider whose log cannot show per-scope use (Auth0, Entra ID) passes `no_scope_evidence`,
the reason: then no scope is judged and nothing is proposed, since no evidence of use is not
evidence of non-use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from svcaccounts.core.contracts.accounts_output import DeployedAccount
from svcaccounts.core.model import EffectiveAccount, EnvironmentView
from svcaccounts.core.review import AccessFinding, MessagePart, Quoted, Severity, severity_rank
from svcaccounts.core.rotation import DAY, iso_utc, rotation_state

# A consumer that retries once a minute for an hour is already a loop; the svcaccounts client
# backs off and opens its breaker long before. More than this many failed token requests in one
# clock hour is a burst: a broken deploy hammering the token endpoint, or someone guessing.
DEFAULT_BURST_PER_HOUR = 60

Outcome = Literal["granted", "failed"]


@dataclass(frozen=True, slots=True)
class TokenEvent:
    """One token request of the client-credentials flow, as the provider logged it.

    Only what the analysis needs: never an address, a user agent, a token or free text."""

    at: datetime
    client_id: str
    outcome: Outcome
    # The scopes a successful grant carried; None when the log did not say (the grant still
    # counts as use of the account, but not of any scope).
    scopes: tuple[str, ...] | None = None
    # A failure's fixed reason code (`invalid_client`), when the provider gives one.
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ClientCreated:
    """A client (an Okta app) created at `at`: its account is younger than that."""

    at: datetime
    client_id: str


UsageEvent = TokenEvent | ClientCreated


@dataclass(frozen=True, slots=True)
class Window:
    """[since, until): the stretch of log the evidence covers."""

    since: datetime
    until: datetime

    @classmethod
    def ending(cls, until: datetime, days: int) -> Window:
        return cls(until - days * DAY, until)

    @property
    def days(self) -> int:
        return (self.until - self.since) // DAY

    def __contains__(self, instant: object) -> bool:
        return isinstance(instant, datetime) and self.since <= instant < self.until


@dataclass(frozen=True, slots=True)
class AccountUsage:
    """What the window shows of one account."""

    name: str
    enabled: bool
    client_ids: tuple[str, ...]
    grants: int = 0
    failures: int = 0
    scopes_used: tuple[str, ...] = ()
    # Successful grants whose scopes the log did not give.
    grants_without_scopes: int = 0
    first_grant: datetime | None = None
    last_grant: datetime | None = None
    last_failure: datetime | None = None
    created: datetime | None = None
    last_rotation: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScopeRemoval:
    """Scopes an account never used in the window, which `--propose` may remove."""

    account: str
    environment: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HeldBack:
    """Unused scopes `--propose` leaves alone, and why (a person must decide)."""

    account: str
    scopes: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class UsageReport:
    stack: str
    environment: str
    window: Window
    findings: tuple[AccessFinding, ...]
    accounts: tuple[AccountUsage, ...]
    removals: tuple[ScopeRemoval, ...] = ()
    held_back: tuple[HeldBack, ...] = ()
    # What the evidence could not say, in a reviewer's words.
    notes: tuple[str, ...] = ()
    # Events of clients that are not this stack's accounts: counted, never listed.
    other_clients_events: int = 0
    # Log events the parser did not know, by event type.
    unknown_event_types: Mapping[str, int] = field(default_factory=dict)
    # False when the provider's log cannot show which scopes a grant carried.
    scope_evidence: bool = True


def deployed_client_ids(deployed: Mapping[str, DeployedAccount]) -> dict[str, tuple[str, ...]]:
    """Each deployed account's client ids (several when a provider keeps more than one live
    client per account); an account whose entry carries no client id has none."""
    return {name: account.client_ids for name, account in deployed.items() if account.client_ids}


# --- the analysis ------------------------------------------------------------------------------


@dataclass
class _Tally:
    grants: int = 0
    scopes_used: set[str] = field(default_factory=set)
    grants_without_scopes: int = 0
    first_grant: datetime | None = None
    last_grant: datetime | None = None
    failures: list[TokenEvent] = field(default_factory=list)
    created: datetime | None = None

    def add(self, event: UsageEvent) -> None:
        if isinstance(event, ClientCreated):
            # Several clients of one account: the account is as old as its oldest.
            self.created = event.at if self.created is None else min(self.created, event.at)
        elif event.outcome == "granted":
            self.grants += 1
            if event.scopes is None:
                self.grants_without_scopes += 1
            else:
                self.scopes_used.update(event.scopes)
            self.first_grant = event.at if self.first_grant is None else min(self.first_grant, event.at)
            self.last_grant = event.at if self.last_grant is None else max(self.last_grant, event.at)
        else:
            self.failures.append(event)


def _day(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d")


def _scopes(scopes: Iterable[str]) -> tuple[MessagePart, ...]:
    parts: list[MessagePart] = []
    for scope in scopes:
        parts.extend((", ", Quoted(scope)) if parts else (Quoted(scope),))
    return tuple(parts)


def _reasons(failures: Iterable[TokenEvent]) -> str:
    counted = Counter(failure.reason or "no reason given" for failure in failures)
    return ", ".join(
        f"{reason} ×{count}" for reason, count in sorted(counted.items(), key=lambda i: (-i[1], i[0]))
    )


def _ambiguous_ids(client_ids: Mapping[str, Collection[str]]) -> set[str]:
    owners = Counter(client_id for ids in client_ids.values() for client_id in set(ids))
    return {client_id for client_id, count in owners.items() if count > 1}


def analyse_usage(
    events: Iterable[UsageEvent],
    *,
    stack: str,
    view: EnvironmentView,
    client_ids: Mapping[str, Collection[str]],
    window: Window,
    burst_per_hour: int = DEFAULT_BURST_PER_HOUR,
    unknown_event_types: Mapping[str, int] | None = None,
    no_scope_evidence: str | None = None,
    last_sign_in: Mapping[str, datetime] | None = None,
) -> UsageReport:
    """Findings for every account of `view` from the events inside `window`.

    `client_ids` maps each deployed account to its client ids (deployed_client_ids); events of
    any other client are counted in `other_clients_events` and go no further. `no_scope_evidence`
    says why the provider's log cannot show per-scope use (None: it can); then no scope is judged
    and nothing is proposed for removal. `last_sign_in` is the provider's last recorded use per
    client id, which may lie before the window (an idle account's message names it)."""
    ambiguous = _ambiguous_ids(client_ids)
    owner = {
        client_id: name
        for name, ids in client_ids.items()
        if view.account(name) is not None
        for client_id in ids
        if client_id not in ambiguous
    }
    tallies: dict[str, _Tally] = {account.name: _Tally() for account in view.accounts}
    other_clients = 0
    for event in events:
        if event.at not in window:
            continue
        name = owner.get(event.client_id)
        if name is None:
            other_clients += 1
            continue
        tallies[name].add(event)

    findings: list[AccessFinding] = []
    accounts: list[AccountUsage] = []
    removals: list[ScopeRemoval] = []
    held_back: list[HeldBack] = []
    notes: list[str] = []
    judge_scopes = no_scope_evidence is None
    if not judge_scopes:
        notes.append(
            f"per-scope use is unavailable: {no_scope_evidence}; no scope is judged (no evidence is "
            "not evidence of non-use) and --propose proposes nothing"
        )
    privileged = {scope.name for scope in view.scopes if scope.privileged}
    for account in sorted(view.accounts, key=lambda a: a.name):
        ids = tuple(sorted(set(client_ids.get(account.name, ())) - ambiguous))
        tally = tallies[account.name]
        last_rotation = rotation_state(account.name, account.rotation, window.until).last_rotation
        accounts.append(
            AccountUsage(
                name=account.name,
                enabled=account.enabled,
                client_ids=ids,
                grants=tally.grants,
                failures=len(tally.failures),
                scopes_used=tuple(sorted(tally.scopes_used)),
                grants_without_scopes=tally.grants_without_scopes,
                first_grant=tally.first_grant,
                last_grant=tally.last_grant,
                last_failure=max((f.at for f in tally.failures), default=None),
                created=tally.created,
                last_rotation=last_rotation,
            )
        )
        if not ids:
            notes.append(
                f"{account.name}: no client id in the deployed outputs (not deployed yet?): no "
                "evidence either way"
            )
            continue
        found = list(
            _account_findings(
                account,
                tally,
                window,
                last_rotation,
                privileged,
                burst_per_hour,
                notes,
                judge_scopes=judge_scopes,
                last_seen=_last_seen(ids, last_sign_in),
            )
        )
        findings.extend(
            AccessFinding.from_parts(rule, severity, view.environment, account.name, parts)
            for rule, severity, parts in found
        )
        unused = _unused_scopes(account, tally) if judge_scopes else ()
        if unused:
            _propose(account, unused, privileged, removals, held_back)
    if ambiguous:
        notes.append(
            f"{len(ambiguous)} client id(s) appear under more than one account in the deployed "
            "outputs; their events were not attributed"
        )
    if other_clients:
        notes.append(
            f"{other_clients} event(s) of clients that are not accounts of this stack were counted, "
            "not listed"
        )
    unknown = dict(sorted((unknown_event_types or {}).items()))
    if unknown:
        total = sum(unknown.values())
        notes.append(
            f"{total} event(s) of types this tool does not know were skipped: "
            + ", ".join(f"{name} ×{count}" for name, count in unknown.items())
        )
    ordered = sorted(findings, key=lambda f: (-severity_rank(f.severity), f.account or "", f.rule))
    return UsageReport(
        stack=stack,
        environment=view.environment,
        window=window,
        findings=tuple(ordered),
        accounts=tuple(accounts),
        removals=tuple(removals),
        held_back=tuple(held_back),
        notes=tuple(notes),
        other_clients_events=other_clients,
        unknown_event_types=unknown,
        scope_evidence=judge_scopes,
    )


_Found = tuple[str, Severity, tuple[MessagePart, ...]]


def _last_seen(
    client_ids: Iterable[str], last_sign_in: Mapping[str, datetime] | None
) -> tuple[datetime | None] | None:
    """The account's last recorded use, boxed: None when the provider keeps no such record
    (Okta), `(None,)` when it keeps one and it shows none."""
    if last_sign_in is None:
        return None
    return (max((last_sign_in[i] for i in client_ids if i in last_sign_in), default=None),)


def _unused_scopes(account: EffectiveAccount, tally: _Tally) -> tuple[str, ...]:
    """The account's scopes no grant carried, when the window can judge them: an enabled
    account, older than the window, with successful grants that all name their scopes."""
    judged = account.enabled and tally.created is None and tally.grants and not tally.grants_without_scopes
    return tuple(scope for scope in account.scopes if scope not in tally.scopes_used) if judged else ()


def _account_findings(
    account: EffectiveAccount,
    tally: _Tally,
    window: Window,
    last_rotation: datetime,
    privileged: set[str],
    burst_per_hour: int,
    notes: list[str],
    *,
    judge_scopes: bool = True,
    last_seen: tuple[datetime | None] | None = None,
) -> Iterable[_Found]:
    young = tally.created is not None
    if tally.created is not None:
        yield (
            "account-new",
            "info",
            (
                f"created {_day(tally.created)}, inside the {window.days}-day window: too young to "
                f"call idle or to judge its scopes ({tally.grants} successful grant(s) so far)",
            ),
        )
    yield from _failures(account, tally, last_rotation, burst_per_hour)
    if not account.enabled or young:
        return
    if tally.grants == 0:
        if last_seen is None:
            seen = ""
        elif last_seen[0] is None:
            seen = " (the provider recorded no sign-in of it)"
        else:
            seen = f" (last sign-in the provider recorded: {_day(last_seen[0])})"
        yield (
            "account-idle",
            "medium",
            (
                f"no successful token grant in the {window.days} days to {_day(window.until)}{seen}: "
                "if nothing uses it, disable it (status: disabled) or remove it",
            ),
        )
        return
    if not judge_scopes:
        return
    if tally.grants_without_scopes:
        notes.append(
            f"{account.name}: {tally.grants_without_scopes} successful grant(s) without the granted "
            "scopes in the log: its scopes are not judged"
        )
        return
    for scope in _unused_scopes(account, tally):
        is_privileged = scope in privileged
        yield (
            "scope-never-used",
            "high" if is_privileged else "medium",
            (
                "granted ",
                Quoted(scope),
                f"{' (privileged)' if is_privileged else ''}, absent from all {tally.grants} "
                f"successful grant(s) in {window.days} days: remove it",
            ),
        )


def _failures(
    account: EffectiveAccount, tally: _Tally, last_rotation: datetime, burst_per_hour: int
) -> Iterable[_Found]:
    if not tally.failures:
        return
    # The previous credential is accepted until the grace window after the rotation closes (a
    # private key stays in the app's JWKS); a consumer that never took the new one succeeds
    # until then and fails from then on.
    accepted_until = last_rotation + account.rotation.grace_days * DAY
    since_rotation = [f for f in tally.failures if f.at >= last_rotation]
    created_after_rotation = tally.created is not None and tally.created > last_rotation
    last_failure = max(f.at for f in tally.failures)
    stale = tally.last_grant is None or (
        tally.last_grant < accepted_until and last_failure > tally.last_grant
    )
    if since_rotation and stale and not created_after_rotation:
        last = "none in the window" if tally.last_grant is None else iso_utc(tally.last_grant)
        yield (
            "consumer-failing",
            "high",
            (
                f"{len(since_rotation)} failed token request(s) since the rotation of "
                f"{_day(last_rotation)} ({_reasons(since_rotation)}); last successful grant: {last}. "
                "A consumer still uses the previous credential: give it the new bundle",
            ),
        )
    hours = Counter(f.at.replace(minute=0, second=0, microsecond=0) for f in tally.failures)
    bursts = sorted((hour for hour, count in hours.items() if count > burst_per_hour))
    if bursts:
        worst = max(bursts, key=lambda hour: (hours[hour], -hour.timestamp()))
        in_worst = [f for f in tally.failures if f.at.replace(minute=0, second=0, microsecond=0) == worst]
        yield (
            "failure-burst",
            "medium",
            (
                f"{hours[worst]} failed token requests in the hour from {iso_utc(worst)} "
                f"({_reasons(in_worst)}); {len(bursts)} hour(s) above {burst_per_hour}",
            ),
        )


def _propose(
    account: EffectiveAccount,
    unused: tuple[str, ...],
    privileged: set[str],
    removals: list[ScopeRemoval],
    held_back: list[HeldBack],
) -> None:
    if any(scope in privileged for scope in account.scopes):
        held_back.append(
            HeldBack(
                account.name,
                unused,
                "it holds a privileged scope: review and change its definition by hand",
            )
        )
    elif len(unused) == len(account.scopes):
        held_back.append(
            HeldBack(
                account.name,
                unused,
                "none of its scopes was used, yet it got tokens: it uses scopes its definition "
                "does not grant (a change made in the provider by hand?)",
            )
        )
    else:
        removals.append(ScopeRemoval(account.name, account.environment, unused))
