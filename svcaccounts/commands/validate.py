"""`svcaccounts validate`: check every definition, the scope catalog and the stack files at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from svcaccounts.definitions.findings import has_errors, sorted_findings
from svcaccounts.definitions.loader import (
    DEFINITIONS_DIR,
    is_definition_path,
    load_files,
    read_repository_files,
)
from svcaccounts.definitions.stack_settings import settings_of
from svcaccounts.render.findings import RENDERERS as REPORTERS

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check service-account definitions, scopes.yaml and the stack files",
        description="Report every problem in every definition as PATH:LINE:COL: error: MESSAGE.",
    )
    parser.add_argument("--format", choices=sorted(REPORTERS), default="text", help="output format")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.add_argument(
        "--definitions-dir", default=DEFINITIONS_DIR, help=f"definitions folder (default: {DEFINITIONS_DIR})"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root: Path = args.root
    if Path(args.definitions_dir).is_absolute() or ".." in Path(args.definitions_dir).parts:
        # Definitions live in the repository: a path out of it would read whatever it names.
        print(
            "svcaccounts validate: --definitions-dir must be a folder inside the repository", file=sys.stderr
        )
        return EXIT_USAGE
    if not root.is_dir():
        print(f"svcaccounts validate: {root} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    if not (root / args.definitions_dir).is_dir():
        print(
            f"svcaccounts validate: no {args.definitions_dir}/ folder in {root.resolve()}; "
            "run it from the repository root or pass --root",
            file=sys.stderr,
        )
        return EXIT_USAGE
    files = read_repository_files(root, definitions_dir=args.definitions_dir)
    result = load_files(files, definitions_dir=args.definitions_dir)
    # The stacks' own settings (auth server, Key Vault, Okta org) are checked here too, so a
    # pull request learns of a broken stack file before `pulumi preview` does.
    stack_findings = [
        finding for stack in result.stacks for finding in settings_of(stack, files[stack.path]).findings
    ]
    findings = sorted_findings([*result.findings, *stack_findings])
    checked = sum(1 for path in files if is_definition_path(path, args.definitions_dir))
    print(REPORTERS[args.format](findings, files_checked=checked))
    return EXIT_INVALID if has_errors(findings) else EXIT_OK
