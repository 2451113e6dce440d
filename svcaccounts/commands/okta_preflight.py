"""`svcaccounts okta preflight`: before a stack deploys onto an existing authorization server,
check that nothing already on it grants more than the definitions do (docs/migration.md,
"Preflight").

A thin shell: open the stack, read what it is known to manage (its import file, `--deployed`),
read the server through the Okta reader, run the pure analysis (svcaccounts/core/okta_preflight.py)
and render it. Exit codes: 0 no high finding (or nothing to check: the stack creates its own
server), 1 a high finding, or the stack's definitions or settings are invalid, 2 usage errors,
unreadable inputs and Okta errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.okta_session import add_org_arguments

if TYPE_CHECKING:
    from svcaccounts.core.okta_preflight import DesiredServer, ServerSnapshot
    from svcaccounts.core.settings import StackSettings
    from svcaccounts.okta_api.reader import OktaReader
    from svcaccounts.workspace import Workspace

COMMAND = "okta preflight"


def register(subparsers: Subparsers) -> None:
    from svcaccounts.render.preflight import PREFLIGHT_FORMATS

    parser = subparsers.add_parser(
        "preflight",
        help="before deploying onto an existing authorization server: what grants more than the definitions",
        description=(
            "Read the stack's existing authorization server (read-only) and report what on it grants "
            "more than the definitions do: policies for all clients or for clients the stack does not "
            "manage, rules granting `*` or catalog scopes, catalog scopes that collide or are missing, "
            "and apps whose labels or shapes clash. The clients the stack manages are known from its "
            "import file (import/<stack>.json) and --deployed. Exit 1 on a high finding."
        ),
    )
    add_org_arguments(parser, stack_required=True)
    parser.add_argument("--format", choices=PREFLIGHT_FORMATS, default="text", help="output format")
    parser.add_argument(
        "--deployed",
        type=Path,
        metavar="FILE",
        help="JSON of `pulumi stack output --json` for the stack (its accounts' client ids); - reads stdin",
    )
    parser.set_defaults(func=run)


class InputError(Exception):
    """An input file that cannot be used; the message names it and says why."""


def _fail(message: str, code: int = exit_codes.USAGE) -> int:
    print(f"svcaccounts {COMMAND}: {message}", file=sys.stderr)
    return code


def _read_deployed_clients(path: Path) -> dict[str, str]:
    """Account name -> client id from `pulumi stack output --json`. A stack that has never been
    deployed prints `{}`: it manages no client yet."""
    from svcaccounts.client.limits import InputRefused, InvalidJSON, parse_json
    from svcaccounts.commands.deployed_file import read_deployed_bytes
    from svcaccounts.core.contracts.accounts_output import DeployedError, parse_deployed

    try:
        document = parse_json(read_deployed_bytes(path))
        if document == {}:
            return {}
        deployed = parse_deployed(document)
    except InputRefused as error:
        raise InputError(f"cannot read {path}: {error.reason.removeprefix('cannot read: ')}") from None
    except OSError as error:  # standard input
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    except InvalidJSON as error:
        raise InputError(f"{path}: {error}; write it with `pulumi stack output --json`") from None
    except DeployedError as error:
        raise InputError(f"{path}: {error}") from None
    return {
        name: account.token_settings.client_id
        for name, account in deployed.items()
        if account.token_settings is not None
    }


def _siblings(workspace: Workspace, where: str, settings: StackSettings) -> tuple[DesiredServer, ...]:
    """The repository's other stacks that deploy to the same org and authorization server, as
    they would deploy (a stack whose settings or definitions do not open is left out: `validate`
    reports it)."""
    from svcaccounts.core.okta_preflight import desired_server
    from svcaccounts.workspace import StackError, open_stack

    found = []
    for other in sorted(workspace.settings):
        if other == settings.stack:
            continue
        try:
            opened = open_stack(workspace, other, where=where)
        except StackError:
            continue
        same_org = opened.settings.okta is not None and settings.okta is not None and (
            opened.settings.okta.org_url == settings.okta.org_url
        )
        desired = desired_server(opened.settings, opened.view)
        if same_org and desired is not None:
            found.append(desired)
    return tuple(found)


def _read_server(okta: OktaReader, server_id: str) -> ServerSnapshot:
    from svcaccounts.core.okta_preflight import PolicyWithRules, ServerSnapshot

    server = okta.authorization_server(server_id)
    scopes = tuple(okta.scopes(server_id))
    policies = tuple(
        PolicyWithRules(policy, tuple(okta.rules(server_id, policy.id)))
        for policy in okta.policies(server_id)
    )
    return ServerSnapshot(server=server, scopes=scopes, policies=policies, apps=tuple(okta.apps()))


def run(args: argparse.Namespace) -> int:
    from svcaccounts.commands.okta_session import org_url_for, report_okta_error
    from svcaccounts.commands.stack_errors import report_stack_error
    from svcaccounts.core.contracts.okta_import_file import import_file_path
    from svcaccounts.core.okta_preflight import KnownManaged, desired_server, preflight
    from svcaccounts.okta_api.credentials import credential_from_environment
    from svcaccounts.okta_api.errors import OktaApiError
    from svcaccounts.okta_api.reader import OktaReader
    from svcaccounts.render.preflight import RENDERERS, render_nothing_to_check
    from svcaccounts.workspace import StackError, open_stack, open_working_tree

    root: Path = args.root
    if not root.is_dir():
        return _fail(f"{root} is not a directory")
    where = str(root.resolve())
    try:
        # One read of the repository: the stack, its import file and its sibling stacks.
        workspace = open_working_tree(root)
        stack = open_stack(workspace, args.stack, where=where)
    except StackError as error:
        return report_stack_error(COMMAND, error)
    desired = desired_server(stack.settings, stack.view)
    if desired is None:
        reason = (
            "the stack creates its own authorization server (svcaccounts:authServer.create): "
            "nothing on it predates the stack, nothing to preflight"
            if stack.settings.identity_provider == "okta"
            else f"the stack deploys to {stack.settings.identity_provider}, not to an Okta "
            "authorization server: nothing to preflight"
        )
        sys.stdout.write(render_nothing_to_check(stack.settings.stack, reason, args.format))
        return exit_codes.OK

    import_source = import_file_path(stack.settings.stack)
    imported, import_problems = workspace.import_files.get(stack.settings.stack, (None, ()))
    if import_problems:
        return _fail(f"{import_source}: {'; '.join(finding.message for finding in import_problems)}")
    try:
        deployed = _read_deployed_clients(args.deployed) if args.deployed is not None else {}
    except InputError as error:
        return _fail(str(error))
    if imported is not None and imported.server_ids - {desired.server_id}:
        others = ", ".join(sorted(imported.server_ids - {desired.server_id}))
        return _fail(
            f"{import_source} adopts resources of authorization server {others}, but stack "
            f"{stack.settings.stack} deploys to {desired.server_id}: regenerate it (svcaccounts okta import)"
        )
    known = KnownManaged(
        siblings=_siblings(workspace, where, stack.settings),
        imported=imported,
        import_source=import_source if imported is not None else None,
        deployed_clients=deployed,
        deployed_source=str(args.deployed) if args.deployed is not None else None,
    )

    try:
        org_url = org_url_for(stack.settings, args.org_url)
        credential = credential_from_environment()
        with OktaReader(org_url, credential) as okta:
            snapshot = _read_server(okta, desired.server_id)
    except OktaApiError as error:
        return report_okta_error(COMMAND, error)

    report = preflight(desired, snapshot, known)
    sys.stdout.write(RENDERERS[args.format](report))
    if report.high:
        return _fail(
            "high findings: something on the server grants more than the definitions; fix it before "
            "`pulumi up` (docs/migration.md, 'Preflight')",
            exit_codes.FAILED,
        )
    return exit_codes.OK
