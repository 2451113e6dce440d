"""`svcaccounts validate`: check every definition, the scope catalog and the stack files at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.definitions.findings import has_errors
from svcaccounts.definitions.layout import DEFINITIONS_DIR
from svcaccounts.render.findings import RENDERERS as REPORTERS
from svcaccounts.workspace import open_working_tree


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check service-account definitions, scopes.yaml and the stack files",
        description="Report every problem in every definition as PATH:LINE:COL: error: MESSAGE.",
    )
    parser.add_argument("--format", choices=sorted(REPORTERS), default="text", help="output format")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root: Path = args.root
    if not root.is_dir():
        print(f"svcaccounts validate: {root} is not a directory", file=sys.stderr)
        return exit_codes.USAGE
    if not (root / DEFINITIONS_DIR).is_dir():
        print(
            f"svcaccounts validate: no {DEFINITIONS_DIR}/ folder in {root.resolve()}; "
            "run it from the repository root or pass --root",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    workspace = open_working_tree(root)
    # The stacks' own settings (auth server, Key Vault, Okta org) are checked here too, so a
    # pull request learns of a broken stack file before `pulumi preview` does.
    findings = workspace.validate_findings()
    print(REPORTERS[args.format](findings, files_checked=workspace.definitions_checked))
    return exit_codes.FAILED if has_errors(findings) else exit_codes.OK
