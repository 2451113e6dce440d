"""`svcaccounts okta import`: inventory an org's service apps on one authorization server and
write what adopts them (docs/migration.md).

A thin shell: read the org (svcaccounts/okta_api/), decide (svcaccounts/adoption/mapping.py),
render the files (svcaccounts/adoption/files.py), write them without overwriting anything, then
report (svcaccounts/render/okta_import.py). Nothing is written when any target already exists.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.okta_session import add_org_arguments, org_url_for, report_okta_error
from svcaccounts.core.settings import ExistingAuthServer, StackSettings
from svcaccounts.okta_api.errors import OktaApiError

if TYPE_CHECKING:
    from svcaccounts.adoption.inventory import OrgInventory
    from svcaccounts.okta_api.reader import OktaReader

COMMAND = "okta import"
DEFAULT_PROJECT = "svcaccounts"


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="write definitions, catalog entries and a `pulumi import` file for an org's service apps",
        description=(
            "Read the service apps, access policies, rules and scopes on one authorization server "
            "(read-only) and write, without overwriting anything: a definition per adoptable app "
            "under service_accounts/imported/, its scopes in scopes.yaml, import/<stack>.json for "
            "`pulumi import --file` and import/<stack>.adoption.yaml (docs/migration.md)."
        ),
    )
    parser.add_argument(
        "--auth-server", required=True, metavar="ID", help="the custom authorization server's id"
    )
    parser.add_argument(
        "--environment", required=True, metavar="ENV", help="the environment the accounts join"
    )
    add_org_arguments(parser, stack_required=False)
    parser.add_argument("--out", type=Path, metavar="DIR", help="where to write (default: --root)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    parser.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class _Target:
    stack: str
    settings: StackSettings | None


def _fail(message: str, code: int = exit_codes.USAGE) -> int:
    print(f"svcaccounts {COMMAND}: {message}", file=sys.stderr)
    return code


def _target(args: argparse.Namespace) -> _Target | str:
    """The stack the import is for, with its settings when its stack file exists; or why not."""
    from svcaccounts.workspace import StackError, open_working_tree, stack_settings

    stack = args.stack or args.environment
    if args.stack is None:
        return _Target(stack, None)
    try:
        workspace = open_working_tree(args.root)
        result = stack_settings(workspace, stack, where=str(args.root))
    except StackError as error:
        return str(error)
    settings = result.settings
    if settings is None:
        return f"Pulumi.{stack}.yaml has errors; run `svcaccounts validate`"
    if settings.environment != args.environment:
        return f"stack {stack} deploys environment {settings.environment}, not {args.environment}"
    server = settings.auth_server
    if not isinstance(server, ExistingAuthServer) or server.id != args.auth_server:
        current = server.id if isinstance(server, ExistingAuthServer) else "a server it creates"
        return (
            f"stack {stack} deploys to {current}, not authorization server {args.auth_server}: set "
            f"svcaccounts:authServer: {{id: {args.auth_server}}} in Pulumi.{stack}.yaml first, or the "
            "imported resources would not be the stack's"
        )
    return _Target(stack, settings)


def run(args: argparse.Namespace) -> int:
    from svcaccounts.adoption.writer import ImportConflict, write_import
    from svcaccounts.core import clock
    from svcaccounts.okta_api.credentials import credential_from_environment
    from svcaccounts.okta_api.reader import OktaReader
    from svcaccounts.render.okta_import import render

    try:
        now = clock.now()
    except clock.ClockError as error:
        return _fail(str(error))
    out: Path = args.out or args.root
    if not out.is_dir():
        return _fail(f"--out {out} is not a directory")
    target = _target(args)
    if isinstance(target, str):
        return _fail(target)
    try:
        org_url = org_url_for(target.settings, args.org_url)
        credential = credential_from_environment()
        with OktaReader(org_url, credential) as reader:
            inventory = read_inventory(reader, args.auth_server)
    except OktaApiError as error:
        return report_okta_error(COMMAND, error)
    owns_scopes = target.settings.owns_scopes if target.settings is not None else True
    try:
        result = write_import(
            out,
            inventory,
            stack=target.stack,
            environment=args.environment,
            now=now,
            owns_scopes=owns_scopes,
            project=_project_name(args.root),
        )
    except ImportConflict as conflict:
        for line in conflict.lines:
            print(f"svcaccounts {COMMAND}: {line}", file=sys.stderr)
        return _fail("nothing was written", exit_codes.FAILED)
    sys.stdout.write(render(result, args.format))
    return exit_codes.OK


def read_inventory(reader: OktaReader, server_id: str) -> OrgInventory:
    """Everything the import decides on, read once (see svcaccounts/adoption/inventory.py)."""
    from svcaccounts.adoption.inventory import OrgInventory
    from svcaccounts.core.okta_records import PublicKey

    server = reader.authorization_server(server_id)
    apps = tuple(reader.apps())
    service = {app.client_id or app.id: app for app in apps if app.is_service_app}
    scopes = tuple(reader.scopes(server_id))
    policies = tuple(reader.policies(server_id))
    # Rules of the policies that name a service app only: the others decide nothing here.
    relevant = [policy for policy in policies if any(client in service for client in policy.clients)]
    rules = {policy.id: tuple(reader.rules(server_id, policy.id)) for policy in relevant}
    named = {client for policy in relevant for client in policy.clients}
    keys: dict[str, tuple[PublicKey, ...]] = {}
    for client, app in sorted(service.items()):
        if client in named and app.token_endpoint_auth_method == "private_key_jwt":
            found = reader.app_keys(app.id)
            if found is not None:
                keys[app.id] = tuple(found)
    return OrgInventory(server=server, apps=apps, scopes=scopes, policies=policies, rules=rules, keys=keys)


def _project_name(root: Path) -> str:
    """The Pulumi project's name (Pulumi.yaml `name:`), which the provider's URN contains."""
    from svcaccounts.definitions.loader import NotRegularFile, read_regular_file
    from svcaccounts.definitions.yaml_reader import read_document

    try:
        data = read_regular_file(str(root / "Pulumi.yaml"))
    except (NotRegularFile, OSError):
        return DEFAULT_PROJECT
    value = read_document("Pulumi.yaml", data).value
    name = value.get("name") if isinstance(value, dict) else None
    return name if isinstance(name, str) and name else DEFAULT_PROJECT
