"""`svcaccounts env --bundle FILE [--format dotenv|mcp]`: the non-secret settings of an account.

Prints the token URL, client id, scopes, auth method and where the bundle lives, as environment
lines or as the `env` block of an MCP server entry. Nothing secret is printed. Reading the bundle
of `ACCOUNT --stack NAME` from Key Vault (or `--deployed FILE`) is not built yet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_FAILED = 1


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "env",
        help="print the non-secret settings a consumer of an account needs",
        description=(
            "Print an account's token URL, client id, scopes and where its bundle lives, as "
            "environment lines (dotenv) or as the env block of an MCP server entry (mcp). Nothing "
            "secret is printed."
        ),
    )
    parser.add_argument("--bundle", metavar="FILE", type=Path, required=True, help="credential bundle file")
    parser.add_argument("--format", choices=("dotenv", "mcp"), default="dotenv")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from svcaccounts.client import FileSource, TokenClientError
    from svcaccounts.client.consumer_env import consumer_settings, render_dotenv, render_mcp

    path: Path = args.bundle
    try:
        bundle = FileSource(path).load()
    except TokenClientError as error:
        print(f"svcaccounts env: {error}", file=sys.stderr)
        return EXIT_FAILED
    settings = consumer_settings(bundle, bundle_file=str(path.resolve()))
    print(render_dotenv(settings) if args.format == "dotenv" else render_mcp(settings))
    return 0
