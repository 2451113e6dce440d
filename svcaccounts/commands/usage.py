"""`svcaccounts usage`: which grants are never used, which accounts are idle, which consumers fail
since the last rotation, from the identity provider's log (docs/usage.md).

A thin shell: read the deployed outputs and the stack, read the log through the provider's
reader, hand both to svcaccounts.core.usage.analyse_usage, render, and with --propose write the
definition change that removes never-used scopes (svcaccounts.definitions.scope_removal).

Exit codes: 0 report printed (no finding reaches --fail-on), 1 a finding reaches --fail-on or the
definitions are invalid, 2 usage errors (bad option, unknown stack, unreadable --deployed, a
stack whose provider gives no usage evidence, a window longer than the provider's log keeps,
the log cannot be read).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.arguments import whole_days
from svcaccounts.commands.okta_session import add_org_arguments
from svcaccounts.core.review import SEVERITIES

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from svcaccounts.auth0_api.credentials import Auth0Credential
    from svcaccounts.auth0_api.log_events import Evidence as Auth0Evidence
    from svcaccounts.auth0_api.reader import Auth0Reader
    from svcaccounts.core.usage import UsageReport, Window
    from svcaccounts.graph_api.credentials import ClientSecretCredential
    from svcaccounts.graph_api.reader import GraphReader
    from svcaccounts.graph_api.sign_ins import EntraEvidence
    from svcaccounts.okta_api.credentials import OktaCredential
    from svcaccounts.okta_api.log_events import Evidence
    from svcaccounts.okta_api.reader import OktaReader
    from svcaccounts.workspace import OpenStack, Workspace

DEFAULT_DAYS = 30
FORMATS = ("text", "json", "markdown")

# What each provider's log can and cannot say (docs/usage.md, docs/identity-providers.md).
NOT_AVAILABLE = {
    "cognito": (
        "Amazon Cognito's token endpoint requests are in CloudTrail (Token_POST, per client id), "
        "which would show idle and failing accounts but no per-scope use; `usage` reads Okta, "
        "Auth0 and Entra ID only so far"
    ),
}
# How many days of log each provider keeps at most: a longer window cannot be read. (Auth0 keeps
# 1 to 30 days by plan; how many this tenant keeps cannot be asked, so only 30 is refused.)
# Entra ID keeps sign-in logs 30 days (P1/P2).
RETENTION_DAYS = {"okta": 90, "auth0": 30, "entra-id": 30}


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "usage",
        help="least privilege from evidence: unused scopes, idle accounts, consumers failing a rotation",
        description=(
            "Read the identity provider's log for the window ending at --at (default: now) and report "
            "scopes never used, idle accounts, consumers failing since the last rotation and bursts "
            "of failures. --deployed maps client ids to accounts. Okta, Auth0 and Entra ID stacks "
            "(Auth0's and Entra ID's logs show no per-scope use)."
        ),
    )
    add_org_arguments(parser, stack_required=True)
    parser.add_argument(
        "--deployed",
        type=Path,
        required=True,
        metavar="FILE",
        help="JSON of `pulumi stack output --json` for the stack; - reads standard input",
    )
    parser.add_argument(
        "--days",
        type=_days,
        default=DEFAULT_DAYS,
        help=f"the window in days, 1 to 90 on Okta, 1 to 30 on Auth0 (default: {DEFAULT_DAYS})",
    )
    parser.add_argument("--at", help="end of the window, ISO 8601 (default: SVCACCOUNTS_NOW, else now)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help=f"exit 1 when a finding is at least this severe ({', '.join(SEVERITIES)})",
    )
    parser.add_argument(
        "--propose",
        action="store_true",
        help="remove never-used scopes from the definitions (never from an account with a privileged scope)",
    )
    parser.set_defaults(func=run)


# The longest any provider keeps (Okta); each provider's own limit is checked once the stack's
# provider is known. No reader is imported to parse arguments: they bring httpx.
_OKTA_DAYS = RETENTION_DAYS["okta"]
_days = whole_days(1, _OKTA_DAYS, beyond=f" (Okta keeps {_OKTA_DAYS} days of its log)")


def _fail(message: str, code: int) -> int:
    print(f"svcaccounts usage: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from svcaccounts.commands.deployed_file import DeployedFileError, load_deployed
    from svcaccounts.commands.stack_errors import report_stack_error
    from svcaccounts.core import clock
    from svcaccounts.core.rotation import RotationError
    from svcaccounts.core.usage import Window, analyse_usage, deployed_client_ids
    from svcaccounts.workspace import StackError, open_stack, open_working_tree

    root: Path = args.root
    if not root.is_dir():
        return _fail(f"{root} is not a directory", exit_codes.USAGE)
    try:
        until = clock.parse_instant(args.at, source="--at") if args.at else clock.now()
    except clock.ClockError as error:
        return _fail(str(error), exit_codes.USAGE)
    window = Window.ending(until, args.days)
    try:
        deployed = load_deployed(args.deployed)
    except DeployedFileError as error:
        return _fail(str(error), exit_codes.USAGE)
    try:
        workspace = open_working_tree(root)
        stack = open_stack(workspace, args.stack, where=str(root.resolve()))
    except StackError as error:
        return report_stack_error("usage", error)
    provider = stack.settings.identity_provider
    if provider not in RETENTION_DAYS:
        return _fail(
            f"stack {args.stack} is on {provider}: {NOT_AVAILABLE.get(provider, 'no usage evidence')} "
            "(docs/usage.md)",
            exit_codes.USAGE,
        )
    if args.days > RETENTION_DAYS[provider]:
        return _fail(
            f"--days must be at most {RETENTION_DAYS[provider]} on {provider} (its log keeps no more; "
            "docs/usage.md)",
            exit_codes.USAGE,
        )

    client_ids = deployed_client_ids(deployed)
    # What a provider's evidence says beyond its events: why no scope is judged (Auth0, Entra
    # ID), and the last recorded sign-in per client id (Entra ID).
    no_scope_evidence: str | None = None
    last_sign_in: Mapping[str, datetime] | None = None
    evidence: Evidence | Auth0Evidence | EntraEvidence | int
    if provider == "auth0":
        from svcaccounts.auth0_api.log_events import NO_SCOPE_EVIDENCE

        evidence, no_scope_evidence = _read_auth0_log(stack, args.org_url, window), NO_SCOPE_EVIDENCE
    elif provider == "entra-id":
        evidence = _read_entra_log(stack, window, client_ids)
        if not isinstance(evidence, int):
            from svcaccounts.graph_api.sign_ins import NO_SCOPE_EVIDENCE as ENTRA_NO_SCOPE_EVIDENCE

            no_scope_evidence, last_sign_in = ENTRA_NO_SCOPE_EVIDENCE, evidence.last_sign_in
    else:
        evidence = _read_okta_log(stack, args.org_url, window)
    if isinstance(evidence, int):
        return evidence
    try:
        report = analyse_usage(
            evidence.events,
            stack=stack.settings.stack,
            view=stack.view,
            client_ids=client_ids,
            window=window,
            unknown_event_types=evidence.unknown_event_types,
            no_scope_evidence=no_scope_evidence,
            last_sign_in=last_sign_in,
        )
    except RotationError as error:
        return _fail(str(error), exit_codes.USAGE)

    from svcaccounts.core.review import reaches
    from svcaccounts.render.usage import RENDERERS

    sys.stdout.write(RENDERERS[args.format](report))
    if args.propose:
        _write_proposal(root, workspace, stack, report)
    if args.fail_on is not None and reaches(report.findings, args.fail_on):
        return exit_codes.FAILED
    return exit_codes.OK


def open_reader(org_url: str, credential: OktaCredential) -> OktaReader:
    """A read-only session asking for the log scope only (tests replace it to record waits)."""
    from svcaccounts.okta_api.reader import LOG_SCOPES, OktaReader

    return OktaReader(org_url, credential, scopes=LOG_SCOPES)


def _read_okta_log(stack: OpenStack, org_override: str | None, window: Window) -> Evidence | int:
    """The org's evidence for the window, or an exit code after reporting why it cannot be read."""
    from svcaccounts.commands.okta_session import org_url_for, report_okta_error
    from svcaccounts.okta_api.credentials import credential_from_environment
    from svcaccounts.okta_api.errors import OktaApiError
    from svcaccounts.okta_api.log_events import read_evidence

    try:
        org_url = org_url_for(stack.settings, org_override)
        with open_reader(org_url, credential_from_environment()) as reader:
            return read_evidence(reader, window)
    except OktaApiError as error:
        return report_okta_error("usage", error)


def open_auth0_reader(tenant_url: str, credential: Auth0Credential) -> Auth0Reader:
    """A read-only Management API session (tests replace it to record waits)."""
    from svcaccounts.auth0_api.reader import Auth0Reader

    return Auth0Reader(tenant_url, credential)


def _read_auth0_log(stack: OpenStack, tenant_override: str | None, window: Window) -> Auth0Evidence | int:
    """The tenant's client-credentials exchanges in the window, or an exit code after saying why
    they cannot be read."""
    from svcaccounts.auth0_api.credentials import credential_from_environment
    from svcaccounts.auth0_api.errors import Auth0ApiError
    from svcaccounts.auth0_api.log_events import read_evidence
    from svcaccounts.auth0_api.tenant_url import tenant_url

    settings = stack.settings.auth0
    try:
        if settings is None:
            raise Auth0ApiError("the stack file sets no svcaccounts:auth0 domain")
        url = tenant_url(settings.domain, tenant_override)
        with open_auth0_reader(url, credential_from_environment()) as reader:
            return read_evidence(reader, window)
    except Auth0ApiError as error:
        return _fail(str(error), exit_codes.USAGE)


def _write_proposal(root: Path, workspace: Workspace, stack: OpenStack, report: UsageReport) -> None:
    """Apply the report's removals to the definition files under `root`, and say what was done."""
    from svcaccounts.definitions.scope_removal import propose_removals

    if not report.scope_evidence:
        print(
            "svcaccounts usage: --propose: nothing proposed: this provider's log does not show which "
            "scopes were used, and no evidence is not evidence of non-use",
            file=sys.stderr,
        )
        return

    proposal = propose_removals(workspace.files, stack.catalog, report.removals)
    for removal, reason in proposal.refused:
        print(f"svcaccounts usage: --propose: {removal.account}: not changed: {reason}", file=sys.stderr)
    for held in report.held_back:
        print(f"svcaccounts usage: --propose: {held.account}: not changed: {held.reason}", file=sys.stderr)
    base = root.resolve()
    for path, content in sorted(proposal.files.items()):
        target = (base / path).resolve()
        # The path came from the repository's own listing; still, never write outside it or
        # through a link that was swapped in since.
        if not target.is_relative_to(base) or not _regular_file(base / path):
            print(
                f"svcaccounts usage: --propose: {path}: not a regular file in the repository; not written",
                file=sys.stderr,
            )
            continue
        target.write_bytes(content)
        print(f"svcaccounts usage: --propose: wrote {path}", file=sys.stderr)
    if not report.removals and not report.held_back:
        print("svcaccounts usage: --propose: no never-used scope to remove", file=sys.stderr)


def _regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def open_graph_reader(token_url: str, credential: ClientSecretCredential) -> GraphReader:
    """A read-only Graph session for the stack's tenant (tests replace it: a loopback Graph)."""
    from svcaccounts.graph_api.reader import GraphReader

    return GraphReader(credential, token_url=token_url)


def _read_entra_log(
    stack: OpenStack, window: Window, client_ids: dict[str, tuple[str, ...]]
) -> EntraEvidence | int:
    """The tenant's service principal sign-ins for the window, or an exit code after saying why
    they cannot be read."""
    from svcaccounts.graph_api.credentials import checked_tenant, credential_from_environment
    from svcaccounts.graph_api.errors import GraphApiError
    from svcaccounts.graph_api.sign_ins import read_evidence

    entra = stack.settings.entra_id
    if entra is None:
        return _fail(f"stack {stack.settings.stack} sets no svcaccounts:entraId", exit_codes.USAGE)
    try:
        credential = credential_from_environment()
        checked_tenant(credential, entra.tenant_id)
        wanted = sorted({client_id for ids in client_ids.values() for client_id in ids})
        with open_graph_reader(entra.token_url, credential) as reader:
            return read_evidence(reader, window, wanted)
    except GraphApiError as error:
        return _fail(str(error), exit_codes.USAGE)
