"""`svcaccounts env (--bundle FILE | ACCOUNT --stack NAME [--deployed FILE]) [--format FORMAT]`:
the non-secret settings of an account.

Prints the token URL, client id, scopes, auth method and where the bundle lives (the variables
`TokenClient.from_environment()` reads), as environment lines (dotenv) or as a complete MCP server
entry for an editor's configuration (mcp, mcp-servers: svcaccounts/mcp_config.py). With ACCOUNT
--stack the values come from the account's bundle in the stack's secret store, or with --deployed
from the stack's outputs (`pulumi stack output --json`), which needs no access to the store.
Nothing secret is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from svcaccounts import mcp_config
from svcaccounts.commands import Subparsers, exit_codes

if TYPE_CHECKING:
    from svcaccounts.client.consumer_env import ConsumerSettings
    from svcaccounts.stack_bundles import OpenBundles


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "env",
        help="print the non-secret settings a consumer of an account needs",
        description=(
            "Print an account's token URL, client id, scopes and where its bundle lives, as "
            "environment lines (dotenv) or as an MCP server entry that starts a server with them: "
            "for VS Code's mcp.json (mcp) or the mcpServers files of other editors (mcp-servers). "
            "Nothing secret is printed."
        ),
    )
    parser.add_argument("account", nargs="?", metavar="ACCOUNT", help="account name (with --stack)")
    parser.add_argument("--stack", help="the account's stack: its bundle lives in the stack's secret store")
    parser.add_argument(
        "--deployed",
        metavar="FILE",
        type=Path,
        help="with --stack: read the settings from this `pulumi stack output --json` file instead "
        "of the bundle (no access to the secret store needed)",
    )
    parser.add_argument("--bundle", metavar="FILE", type=Path, help="credential bundle file")
    parser.add_argument("--format", choices=("dotenv", *mcp_config.FORMATS), default="dotenv")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    mcp_config.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, *, open_bundles: OpenBundles | None = None) -> int:
    """`open_bundles` replaces how a stack's store is opened (tests: a fake Key Vault client)."""
    from svcaccounts.client.consumer_env import render_dotenv

    by_bundle = args.bundle is not None and (args.account, args.stack, args.deployed) == (None, None, None)
    if not by_bundle and (args.bundle is not None or args.account is None or args.stack is None):
        print(
            "svcaccounts env: give --bundle FILE, or ACCOUNT --stack NAME (optionally with --deployed FILE)",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    try:
        server = mcp_config.server_entry(args)  # usage errors before anything is read
    except mcp_config.McpConfigError as error:
        print(f"svcaccounts env: {error}", file=sys.stderr)
        return exit_codes.USAGE
    settings, code = _from_bundle_file(args.bundle) if by_bundle else _from_stack(args, open_bundles)
    if settings is None:
        return code
    variables = settings.variables()
    print(render_dotenv(variables) if server is None else server.render(variables))
    return 0


def _from_bundle_file(path: Path) -> tuple[ConsumerSettings | None, int]:
    from svcaccounts.client import FileSource, TokenClientError
    from svcaccounts.client.consumer_env import from_bundle
    from svcaccounts.client.environment import location_variables
    from svcaccounts.client.errors import BundleFileRefused

    source = FileSource(path)
    try:
        bundle = source.load()
    except BundleFileRefused as error:
        print(f"svcaccounts env: {error}", file=sys.stderr)
        return None, exit_codes.USAGE
    except TokenClientError as error:
        print(f"svcaccounts env: {error}", file=sys.stderr)
        return None, exit_codes.FAILED
    return from_bundle(bundle, location_variables(source)), 0


def _from_stack(
    args: argparse.Namespace, open_bundles: OpenBundles | None
) -> tuple[ConsumerSettings | None, int]:
    from svcaccounts.client import TokenClientError
    from svcaccounts.client.consumer_env import deployed_location_mismatch, from_bundle, from_deployed
    from svcaccounts.client.environment import location_variables
    from svcaccounts.client.limits import (
        DEPLOYED_LIMIT,
        InputRefused,
        InvalidJSON,
        parse_json,
        read_limited,
    )
    from svcaccounts.commands.stack_errors import report_stack_error
    from svcaccounts.core.contracts.accounts_output import DeployedError, deployed_account
    from svcaccounts.core.naming import key_id
    from svcaccounts.stack_bundles import StackBundles
    from svcaccounts.workspace import StackError, open_stack_at

    try:
        loaded = open_stack_at(args.root, args.stack)
        account = loaded.account(args.account)
        source = (open_bundles or StackBundles)(loaded.settings).source(account.name)
    except StackError as error:
        return None, report_stack_error("env", error)
    if not account.enabled:
        print(
            f"svcaccounts env: warning: {account.name} is disabled in environment "
            f"{account.environment}; its app issues no tokens until it is enabled",
            file=sys.stderr,
        )
    try:
        location = location_variables(source)
    except ValueError as error:  # a store without variables for from_environment() yet
        print(f"svcaccounts env: {error}", file=sys.stderr)
        return None, exit_codes.FAILED

    if args.deployed is None:
        try:
            return from_bundle(source.load(), location), 0
        except TokenClientError as error:
            print(f"svcaccounts env: {error}", file=sys.stderr)
            return None, exit_codes.FAILED

    path: Path = args.deployed
    try:
        outputs = parse_json(read_limited(path, DEPLOYED_LIMIT))
    except InputRefused as error:
        print(f"svcaccounts env: {error}", file=sys.stderr)
        return None, exit_codes.USAGE
    except InvalidJSON as error:
        print(f"svcaccounts env: {path}: {error}", file=sys.stderr)
        return None, exit_codes.USAGE
    try:
        deployed = deployed_account(outputs, account.name, token_settings_required=True)
    except DeployedError as error:
        print(f"svcaccounts env: {path}: {error}", file=sys.stderr)
        return None, exit_codes.FAILED
    settings = from_deployed(deployed, location, key_id=key_id(account.name, deployed.generation))
    # The outputs name the secret the program wrote; a different one means outputs of another stack.
    mismatch = deployed_location_mismatch(deployed, location)
    if mismatch is not None:
        print(
            f"svcaccounts env: {path}: account {account.name} keeps its bundle in {mismatch}: "
            f"are these the outputs of stack {args.stack}?",
            file=sys.stderr,
        )
        return None, exit_codes.FAILED
    return settings, 0
