"""The access diff between two catalogs, in reviewer terms.

Reviewers of a definitions change need to see privilege, not resource noise: who gains or loses
access, where, and what weakens a credential. Each rule is one small function from a pair of
effective accounts (or the two scope catalogs) to findings; `diff_catalogs` runs them all.
Pure: no git, no YAML, no Pulumi. An account is its `name`, never its file path, so renamed or
moved files produce no finding. svcaccounts.render.review shows the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from svcaccounts.core.model import Catalog, EffectiveAccount, EnvironmentView, Scope
from svcaccounts.core.settings import PRODUCTION_ENVIRONMENTS

Severity = Literal["info", "low", "medium", "high"]
# Lowest first: an index is a rank, so `--fail-on medium` trips on medium and high.
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high")


WEAK_AUTH_METHOD = "client_secret_basic"


def severity_rank(severity: Severity) -> int:
    return SEVERITIES.index(severity)


def _max_severity(first: Severity, second: Severity) -> Severity:
    return first if severity_rank(first) >= severity_rank(second) else second


@dataclass(frozen=True, slots=True)
class Quoted:
    """A value a definition wrote (a scope, an auth method, an owner's email) inside a message."""

    value: str


# Our own words, or a quoted value.
MessagePart = str | Quoted


def _plain(parts: Iterable[MessagePart]) -> str:
    return "".join(part if isinstance(part, str) else f"`{part.value}`" for part in parts)


@dataclass(frozen=True, slots=True)
class AccessFinding:
    """One change a reviewer should see; `environment` and `account` are None for the catalog.

    `message` is what text and JSON show: quoted values between backticks. `parts` is the same
    message with each quoted value kept apart, so that a renderer can show a value verbatim
    whatever it holds (an email may hold a backtick, which would end a markdown code span).
    A finding made from a message alone has no parts: all of its message is our own words.
    """

    rule: str
    severity: Severity
    environment: str | None
    account: str | None
    message: str
    # Not compared: `message` already says the same; parts only tell words from values.
    parts: tuple[MessagePart, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_parts(
        cls,
        rule: str,
        severity: Severity,
        environment: str | None,
        account: str | None,
        parts: tuple[MessagePart, ...],
    ) -> AccessFinding:
        return cls(rule, severity, environment, account, _plain(parts), parts)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "environment": self.environment,
            "account": self.account,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The findings, and notes on how far the comparison could go."""

    base: str
    head: str
    findings: tuple[AccessFinding, ...]
    # Caveats a reviewer must read before trusting the findings (invalid or empty base, ...).
    notes: tuple[str, ...] = ()


def reaches(findings: Iterable[AccessFinding], threshold: Severity) -> bool:
    """True when any finding is at least as severe as `threshold` (the `--fail-on` test)."""
    floor = severity_rank(threshold)
    return any(severity_rank(finding.severity) >= floor for finding in findings)


# --- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    """What every account rule may consult besides the two accounts."""

    environment: str
    production: bool
    head_scopes: dict[str, Scope]

    def at_least_medium_in_production(self, severity: Severity) -> Severity:
        return _max_severity(severity, "medium") if self.production else severity

    def is_privileged(self, scope: str) -> bool:
        # The head catalog decides: that is what the merged change will deploy.
        known = self.head_scopes.get(scope)
        return known is not None and known.privileged

    def grant_severity(self, scopes: Iterable[str]) -> Severity:
        if any(self.is_privileged(scope) for scope in scopes):
            return "high"
        return self.at_least_medium_in_production("low")


_Message = tuple[MessagePart, ...]
_Finding = tuple[str, Severity, _Message]  # rule, severity, message; the caller adds where
_AccountRule = Callable[[EffectiveAccount, EffectiveAccount, _Context], Iterator[_Finding]]


def _scope_list(scopes: Iterable[str]) -> _Message:
    parts: list[MessagePart] = []
    for scope in scopes:
        parts.extend((", ", Quoted(scope)) if parts else (Quoted(scope),))
    return tuple(parts) or ("no scopes",)


def _granted(scopes: Iterable[str], ctx: _Context) -> Iterator[_Finding]:
    for scope in scopes:
        if ctx.is_privileged(scope):
            yield (
                "privileged-scope-granted",
                "high",
                ("granted privileged scope ", Quoted(scope)),
            )
        else:
            yield (
                "scope-granted",
                ctx.at_least_medium_in_production("low"),
                ("granted scope ", Quoted(scope)),
            )


def _status_changed(base: EffectiveAccount, head: EffectiveAccount, ctx: _Context) -> Iterator[_Finding]:
    if base.enabled and not head.enabled:
        yield (
            "account-disabled",
            ctx.at_least_medium_in_production("low"),
            ("disabled: its consumers can no longer get tokens",),
        )
    elif head.enabled and not base.enabled:
        yield (
            "account-re-enabled",
            ctx.grant_severity(head.scopes),
            ("re-enabled with ", *_scope_list(head.scopes)),
        )


def _scopes_changed(base: EffectiveAccount, head: EffectiveAccount, ctx: _Context) -> Iterator[_Finding]:
    yield from _granted((s for s in head.scopes if s not in base.scopes), ctx)
    for scope in base.scopes:
        if scope not in head.scopes:
            yield ("scope-revoked", "low", ("revoked scope ", Quoted(scope)))


def _token_lifetime_raised(
    base: EffectiveAccount, head: EffectiveAccount, ctx: _Context
) -> Iterator[_Finding]:
    if head.token_lifetime_minutes > base.token_lifetime_minutes:
        yield (
            "token-lifetime-raised",
            ctx.at_least_medium_in_production("low"),
            (
                f"token lifetime raised from {base.token_lifetime_minutes} to "
                f"{head.token_lifetime_minutes} minutes",
            ),
        )


def _rotation_loosened(base: EffectiveAccount, head: EffectiveAccount, ctx: _Context) -> Iterator[_Finding]:
    if head.rotation.period_days > base.rotation.period_days:
        yield (
            "rotation-period-lengthened",
            ctx.at_least_medium_in_production("low"),
            (
                f"rotation period lengthened from {base.rotation.period_days} to "
                f"{head.rotation.period_days} days",
            ),
        )
    if head.rotation.grace_days > base.rotation.grace_days:
        yield (
            "rotation-grace-widened",
            ctx.at_least_medium_in_production("low"),
            (
                f"rotation grace widened from {base.rotation.grace_days} to "
                f"{head.rotation.grace_days} days: old credentials stay valid longer",
            ),
        )


def _rotation_schedule_restarted(
    base: EffectiveAccount, head: EffectiveAccount, ctx: _Context
) -> Iterator[_Finding]:
    # Generations count periods from a fixed epoch, so a new period renumbers them: the deploy
    # issues a new credential at once, and the current one is not kept through a grace window
    # (nothing stateless knows which generation the old schedule had reached).
    if head.rotation.period_days != base.rotation.period_days:
        yield (
            "rotation-schedule-restarted",
            "medium",
            (
                f"rotation period changed from {base.rotation.period_days} to "
                f"{head.rotation.period_days} days: the next deploy issues a new credential at once "
                "and drops the current one without a grace window; consumers fail until they re-read "
                "the bundle (the svcaccounts client does on invalid_client), so deploy it at a quiet "
                "time",
            ),
        )


def _rotation_forced(base: EffectiveAccount, head: EffectiveAccount, ctx: _Context) -> Iterator[_Finding]:
    if head.rotation.force > base.rotation.force:
        yield (
            "rotation-forced",
            "low",
            (
                f"rotation forced (force {base.rotation.force} → {head.rotation.force}): "
                "a new credential is issued on the next deploy",
            ),
        )
    elif head.rotation.force < base.rotation.force:
        # Generations would go backwards: an earlier key id or secret name comes back with new
        # material, and the current credential is dropped without grace. Reverting a forced
        # rotation is never what anyone wants; a further rotation is `force` raised again.
        yield (
            "rotation-force-lowered",
            "high",
            (
                f"rotation.force lowered ({base.rotation.force} → {head.rotation.force}): generations "
                "go backwards, so the next deploy reissues an earlier generation's key id with new key "
                "material and drops the current credential at once; keep force as it was",
            ),
        )


def _auth_method_changed(base: EffectiveAccount, head: EffectiveAccount, ctx: _Context) -> Iterator[_Finding]:
    if head.auth_method == base.auth_method:
        return
    # A change of method replaces the credentials on every provider (Okta deletes an app's
    # credentials at once; the others drop the old kind with the generation): every consumer
    # fails until it reads the new bundle, whichever direction the switch goes.
    consequence = (
        "the provider replaces the credentials (Okta deletes the old ones at once), so consumers "
        "fail until they reload the bundle"
    )
    if head.auth_method == WEAK_AUTH_METHOD:
        yield (
            "auth-method-weakened",
            "high",
            (
                "auth method weakened from ",
                Quoted(base.auth_method),
                " to ",
                Quoted(head.auth_method),
                f" (a shared secret instead of a private key); {consequence}",
            ),
        )
    else:
        yield (
            "auth-method-switched",
            "medium",
            (
                "auth method switched from ",
                Quoted(base.auth_method),
                " to ",
                Quoted(head.auth_method),
                f"; {consequence}",
            ),
        )


def _owner_changed(base: EffectiveAccount, head: EffectiveAccount, ctx: _Context) -> Iterator[_Finding]:
    changes: list[MessagePart] = []
    if head.owner.team != base.owner.team:
        changes.extend(("team ", Quoted(base.owner.team), " → ", Quoted(head.owner.team)))
    if head.owner.email != base.owner.email:
        separator = ", " if changes else ""
        changes.extend((f"{separator}email ", Quoted(base.owner.email), " → ", Quoted(head.owner.email)))
    if changes:
        yield ("owner-changed", "low", ("owner changed: ", *changes))


# Order is the order findings of one account appear in.
_ACCOUNT_RULES: tuple[_AccountRule, ...] = (
    _status_changed,
    _scopes_changed,
    _auth_method_changed,
    _token_lifetime_raised,
    _rotation_loosened,
    _rotation_schedule_restarted,
    _rotation_forced,
    _owner_changed,
)


def _environment_findings(
    base: EnvironmentView | None, head: EnvironmentView | None, ctx: _Context
) -> Iterator[AccessFinding]:
    base_accounts = {a.name: a for a in base.accounts} if base else {}
    head_accounts = {a.name: a for a in head.accounts} if head else {}
    env = ctx.environment
    for name in sorted(base_accounts.keys() | head_accounts.keys()):
        before, after = base_accounts.get(name), head_accounts.get(name)
        found: Iterable[_Finding]
        if before is None and after is not None:
            state = "" if after.enabled else " (disabled)"
            added: _Finding = (
                "account-added",
                ctx.at_least_medium_in_production("low"),
                (
                    f"added{state} with ",
                    *_scope_list(after.scopes),
                    ", ",
                    Quoted(after.auth_method),
                    ", owner ",
                    Quoted(after.owner.team),
                ),
            )
            # A new account's scopes are grants like any other: privileged ones must show as such.
            found = [added, *_granted(after.scopes, ctx)]
        elif after is None and before is not None:
            found = [
                (
                    "account-removed",
                    ctx.at_least_medium_in_production("low"),
                    ("removed: its Okta app and credentials are deleted",),
                )
            ]
        elif before is not None and after is not None:
            found = [f for rule in _ACCOUNT_RULES for f in rule(before, after, ctx)]
        else:  # pragma: no cover - the name came from one of the two mappings
            continue
        for rule, severity, message in found:
            yield AccessFinding.from_parts(rule, severity, env, name, message)


def _catalog_findings(base: Catalog, head: Catalog) -> Iterator[AccessFinding]:
    before = {scope.name: scope for scope in base.scopes}
    after = {scope.name: scope for scope in head.scopes}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old is None and new is not None:
            kind = "privileged scope" if new.privileged else "scope"
            yield AccessFinding.from_parts(
                "catalog-scope-added", "info", None, None, (f"{kind} ", Quoted(name), " added to the catalog")
            )
        elif new is None and old is not None:
            yield AccessFinding.from_parts(
                "catalog-scope-removed",
                "low",
                None,
                None,
                ("scope ", Quoted(name), " removed from the catalog and from every authorization server"),
            )
        elif old is not None and new is not None and old.privileged != new.privileged:
            if new.privileged:
                yield AccessFinding.from_parts(
                    "catalog-scope-privileged",
                    "info",
                    None,
                    None,
                    ("scope ", Quoted(name), " made privileged: its grants now get extra scrutiny"),
                )
            else:
                yield AccessFinding.from_parts(
                    "catalog-scope-unprivileged",
                    "medium",
                    None,
                    None,
                    ("scope ", Quoted(name), " no longer privileged: its grants stop being flagged high"),
                )




def environments_of(base: Catalog, head: Catalog) -> tuple[str, ...]:
    """Head's environments in its order, then any only the base had (their accounts are removed)."""
    return head.environments + tuple(e for e in base.environments if e not in head.environments)


def diff_catalogs(
    base: Catalog,
    head: Catalog,
    *,
    production: frozenset[str] = PRODUCTION_ENVIRONMENTS,
    compare_catalog: bool = True,
) -> tuple[AccessFinding, ...]:
    """Every access change from `base` to `head`: catalog findings first, then per environment.

    Within an environment findings are ordered by severity (highest first), then account name.
    `compare_catalog=False` skips the scope-catalog rules, for a base whose scopes.yaml could not
    be read (an empty base catalog would otherwise report every scope as added).
    """
    head_scopes = {scope.name: scope for scope in head.scopes}
    findings: list[AccessFinding] = list(_catalog_findings(base, head)) if compare_catalog else []
    for env in environments_of(base, head):
        ctx = _Context(env, env in production, head_scopes)
        base_view = base.for_environment(env) if env in base.environments else None
        head_view = head.for_environment(env) if env in head.environments else None
        found = list(_environment_findings(base_view, head_view, ctx))
        # sorted() is stable: equal severities keep account order, then rule order.
        findings.extend(sorted(found, key=lambda f: -severity_rank(f.severity)))
    return tuple(findings)
