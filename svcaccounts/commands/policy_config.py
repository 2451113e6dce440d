"""`svcaccounts policy-config [--check]`: write the policy pack's configuration from the catalog.

The privileged scopes come from scopes.yaml's `privileged: true`; the allowlist of accounts that
may hold them in production is kept from the committed file. `--check` writes nothing and exits 1
when the file is missing or stale (`validate` reports the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.stack_errors import report_stack_error
from svcaccounts.definitions.layout import POLICY_CONFIG_FILE
from svcaccounts.definitions.policy_config import expected_text
from svcaccounts.render.findings import finding_line
from svcaccounts.workspace import StackError, open_working_tree


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "policy-config",
        help=f"write {POLICY_CONFIG_FILE} (the policy pack's configuration) from scopes.yaml",
        description=(
            f"Write {POLICY_CONFIG_FILE} from the scope catalog: its privilegedScopes are the "
            "catalog's privileged: true scopes; allowedAccounts is kept from the file. The pack runs "
            "with it wherever it runs (--policy-pack-config)."
        ),
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is stale")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root: Path = args.root
    try:
        workspace = open_working_tree(root)
    except StackError as error:
        return report_stack_error("policy-config", error)
    catalog = workspace.loaded.catalog
    if catalog is None:
        for finding in workspace.loaded.findings:
            print(finding_line(finding), file=sys.stderr)
        print("svcaccounts policy-config: fix the definitions first (svcaccounts validate)", file=sys.stderr)
        return exit_codes.FAILED
    text, findings = expected_text(catalog, workspace.files)
    if findings:
        for finding in findings:
            print(finding_line(finding), file=sys.stderr)
        return exit_codes.FAILED
    current = workspace.files.get(POLICY_CONFIG_FILE)
    if current is not None and current.decode("utf-8", "replace") == text:
        print(f"{POLICY_CONFIG_FILE} is up to date")
        return exit_codes.OK
    if args.check:
        print(
            f"svcaccounts policy-config: {POLICY_CONFIG_FILE} is stale; run `svcaccounts policy-config`",
            file=sys.stderr,
        )
        return exit_codes.FAILED
    target = root / POLICY_CONFIG_FILE
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {POLICY_CONFIG_FILE}")
    return exit_codes.OK
