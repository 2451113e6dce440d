"""The adoption half of the access diff: what a change to `import/<stack>.adoption.yaml` does.

A legacy key in an app's JWKS lets whoever holds its private key get tokens, and a kept secret
is a credential svcaccounts never issued: both change what deploys as surely as a granted scope.
So a key added (or its material changed), a secret newly kept, and a window that ends later than
it did are findings. Ending a window sooner or removing a key tightens access and is not
reported. Pure: no git, no YAML, no Pulumi.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from svcaccounts.core.adoption import AccountAdoption, StackAdoption
from svcaccounts.core.contracts.okta_import_file import ImportedResources
from svcaccounts.core.review import AccessFinding, Quoted, Severity, severity_rank
from svcaccounts.core.rotation import iso_utc
from svcaccounts.core.stack_review import StackState


def _is_production(*states: StackState | None) -> bool:
    return any(
        state is not None and state.settings is not None and state.settings.production for state in states
    )


def _account_findings(
    environment: str,
    strict: Severity,
    name: str,
    before: AccountAdoption | None,
    after: AccountAdoption,
) -> Iterator[AccessFinding]:
    known = set() if before is None else {key.identity for key in before.legacy_keys}
    for key in after.legacy_keys:
        if key.identity in known:
            continue
        changed = before is not None and any(old.kid == key.kid for old in before.legacy_keys)
        yield AccessFinding.from_parts(
            "adoption-legacy-key-added",
            "high",
            environment,
            name,
            (
                "legacy key ",
                Quoted(key.kid),
                " (new key material under a known kid)" if changed else "",
                " kept in the app's JWKS until ",
                Quoted(iso_utc(after.until)),
                ": whoever holds its private key gets tokens for this account",
            ),
        )
    if after.keeps_secret and (before is None or not before.keeps_secret):
        yield AccessFinding.from_parts(
            "adoption-secret-kept",
            strict,
            environment,
            name,
            (
                "keeps the client secret it had before the import until ",
                Quoted(iso_utc(after.until)),
                " (a credential svcaccounts did not issue)",
            ),
        )
    if before is not None and after.until > before.until and (after.legacy_keys or after.keeps_secret):
        yield AccessFinding.from_parts(
            "adoption-window-extended",
            strict,
            environment,
            name,
            (
                "adoption window extended from ",
                Quoted(iso_utc(before.until)),
                " to ",
                Quoted(iso_utc(after.until)),
                ": its legacy credentials stay valid past the window reviewed before",
            ),
        )


def diff_adoptions(
    base: Mapping[str, StackAdoption],
    head: Mapping[str, StackAdoption],
    base_stacks: Mapping[str, StackState],
    head_stacks: Mapping[str, StackState],
) -> tuple[AccessFinding, ...]:
    """Every adoption change from `base` to `head` (each by stack name), highest severity first."""
    findings: list[AccessFinding] = []
    for stack in sorted(head_stacks):
        after = head.get(stack)
        if after is None or not after.accounts:
            continue
        state = head_stacks[stack]
        strict: Severity = "high" if _is_production(base_stacks.get(stack), state) else "medium"
        before = base.get(stack)
        for name, adopted in sorted(after.accounts.items()):
            previous = None if before is None else before.account(name)
            findings.extend(_account_findings(state.environment, strict, name, previous, adopted))
    return tuple(sorted(findings, key=lambda finding: -severity_rank(finding.severity)))


# What each kind of imported resource is called in a finding.
_IMPORTED_KINDS = (
    ("apps", "app"),
    ("policies", "access policy"),
    ("rules", "policy rule"),
    ("scopes", "scope"),
)


def diff_import_files(
    base: Mapping[str, ImportedResources],
    head: Mapping[str, ImportedResources],
    base_stacks: Mapping[str, StackState],
    head_stacks: Mapping[str, StackState],
) -> tuple[AccessFinding, ...]:
    """What a change to `import/<stack>.json` adopts: each resource it newly names, or names with
    another Okta id. `pulumi import --file` brings that existing resource under the stack (the
    next `up` then makes it what the definitions say), and `okta preflight` counts its client
    and policy as the stack's own, so an entry slipped in here hides a foreign app's access from
    preflight. Removing an entry adopts less and is not reported."""
    findings: list[AccessFinding] = []
    for stack in sorted(head):
        state = head_stacks.get(stack)
        environment = state.environment if state is not None else stack
        strict: Severity = "high" if _is_production(base_stacks.get(stack), state) else "medium"
        before = base.get(stack)
        for field, kind in _IMPORTED_KINDS:
            known: Mapping[str, str] = {} if before is None else getattr(before, field)
            for name, okta_id in sorted(getattr(head[stack], field).items()):
                if known.get(name) == okta_id:
                    continue
                findings.append(
                    AccessFinding.from_parts(
                        "import-file-adopts",
                        strict,
                        environment,
                        None,
                        (
                            f"import/{stack}.json adopts the existing {kind} ",
                            Quoted(okta_id),
                            " as ",
                            Quoted(name),
                            "" if name not in known else " (it named another id before)",
                            ": `pulumi import` brings it under this stack and `okta preflight` treats "
                            "it as the stack's own; check the id is the one `svcaccounts okta import` wrote",
                        ),
                    )
                )
    return tuple(sorted(findings, key=lambda finding: -severity_rank(finding.severity)))
