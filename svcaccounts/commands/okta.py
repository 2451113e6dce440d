"""`svcaccounts okta …`: adopting what already exists in an Okta org (docs/migration.md).

One module per subcommand (okta_import.py, okta_preflight.py), each with `register(subparsers)`;
they read Okta through svcaccounts/okta_api/ and keep their heavy imports inside `run`.
"""

from __future__ import annotations

import importlib

from svcaccounts.commands import Subparsers

SUBCOMMAND_MODULES: tuple[str, ...] = ("okta_import", "okta_preflight")


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "okta",
        help="read an existing Okta org: import its service apps, check a server before deploying",
        description="Commands that read an existing Okta org (read-only; docs/migration.md).",
    )
    commands = parser.add_subparsers(dest="okta_command", metavar="COMMAND")
    commands.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"svcaccounts.commands.{name}").register(commands)
