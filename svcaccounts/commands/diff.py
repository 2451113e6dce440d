"""`svcaccounts diff`: the access changes between two revisions of the definitions.

The base is a git revision; the head is another one or, by default, the working tree. Both go
through the very loader `validate` uses. A base without definitions compares as empty; a base
with invalid definitions compares through the loader's partial catalog (every file that passed
its own checks) and the report says what was left out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.stack_errors import report_stack_error
from svcaccounts.core.adoption_review import diff_adoptions, diff_import_files
from svcaccounts.core.review import SEVERITIES, Report, diff_catalogs, reaches
from svcaccounts.core.stack_review import diff_stacks, production_environments
from svcaccounts.definitions.findings import Finding, has_errors
from svcaccounts.definitions.layout import DEFINITIONS_DIR
from svcaccounts.render.findings import finding_line
from svcaccounts.render.review import RENDERERS
from svcaccounts.workspace import StackError, base_catalog, open_revision, open_working_tree, stack_states

# Enough located errors to act on; `svcaccounts validate` lists them all.
SHOWN_HEAD_ERRORS = 20


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="report access changes between two revisions of the definitions",
        description=(
            "Compare the definitions at --base with --head (default: the working tree) and "
            "report, per environment, accounts added or removed, scopes granted or revoked, "
            "weakened credentials and catalog changes."
        ),
    )
    parser.add_argument("--base", required=True, metavar="REF", help="git revision to compare from")
    parser.add_argument(
        "--head",
        metavar="REF",
        help="git revision to compare to (default: the working tree, uncommitted changes included)",
    )
    parser.add_argument("--format", choices=sorted(RENDERERS), default="markdown", help="output format")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help=f"exit 1 when a finding is at least this severe ({', '.join(SEVERITIES)})",
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.set_defaults(func=run)


def _report_invalid_head(label: str, findings: tuple[Finding, ...]) -> None:
    errors = [finding for finding in findings if finding.severity == "error"]
    print(
        f"svcaccounts diff: the head ({label}) has {len(errors)} error"
        f"{'s' * (len(errors) != 1)} in its definitions or stack files; fix them first "
        "(`svcaccounts validate` lists them all):",
        file=sys.stderr,
    )
    for finding in errors[:SHOWN_HEAD_ERRORS]:
        print(f"  {finding_line(finding)}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    root: Path = args.root
    if args.head is None and root.is_dir() and not (root / DEFINITIONS_DIR).is_dir():
        # A mistyped --root must not turn the access gate into "no access changes".
        print(
            f"svcaccounts diff: no {DEFINITIONS_DIR}/ folder in {root.resolve()}; "
            "run it from the repository root or pass --root",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    try:
        base = open_revision(root, args.base)
        head = open_working_tree(root) if args.head is None else open_revision(root, args.head)
    except StackError as error:
        return report_stack_error("diff", error)
    if args.head is not None and not (base.has_definitions or head.has_definitions):
        print(
            f"svcaccounts diff: neither {base.label} nor {head.label} has definitions under "
            f"{DEFINITIONS_DIR}/",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    # The head is what merges: its definitions and every stack's settings must be valid.
    head_findings = head.findings()
    if head.loaded.catalog is None or has_errors(head_findings):
        _report_invalid_head(head.label, head_findings)
        return exit_codes.FAILED
    compared = base_catalog(base)
    base_stacks, head_stacks = stack_states(base), stack_states(head)
    findings = (
        *diff_stacks(base_stacks, head_stacks),
        *diff_adoptions(
            {name: result.adoption for name, result in base.adoptions.items()},
            {name: result.adoption for name, result in head.adoptions.items()},
            base_stacks,
            head_stacks,
        ),
        *diff_import_files(base.imports(), head.imports(), base_stacks, head_stacks),
        *diff_catalogs(
            compared.catalog,
            head.loaded.catalog,
            production=production_environments(base_stacks, head_stacks),
            compare_catalog=compared.compare_catalog,
        ),
    )
    report = Report(base=base.label, head=head.label, findings=findings, notes=compared.notes)
    sys.stdout.write(RENDERERS[args.format](report))
    if args.fail_on is not None and reaches(findings, args.fail_on):
        return exit_codes.FAILED
    return exit_codes.OK
