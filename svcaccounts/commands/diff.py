"""`svcaccounts diff`: the access changes between two revisions of the definitions.

The base is a git revision; the head is another one or, by default, the working tree. Both go
through the very loader `validate` uses. A base without definitions compares as empty; a base
with invalid definitions compares through the loader's partial catalog (every file that passed
its own checks) and the report says what was left out.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svcaccounts.core.model import Catalog
from svcaccounts.core.review import (
    EMPTY_CATALOG,
    SEVERITIES,
    Report,
    diff_catalogs,
    reaches,
)
from svcaccounts.definitions import Finding, load_files, load_repository
from svcaccounts.definitions.gitrev import RevisionError, read_revision_files
from svcaccounts.definitions.loader import DEFINITIONS_DIR, SCOPE_CATALOG_FILE, is_definition_path
from svcaccounts.definitions.stack_files import stack_name_of
from svcaccounts.definitions.yaml_reader import read_document
from svcaccounts.render.review import RENDERERS

EXIT_OK = 0
EXIT_FAIL_ON = 1
EXIT_INVALID_HEAD = 1
EXIT_USAGE = 2

WORKING_TREE = "working tree"
# Enough located errors to act on; `svcaccounts validate` lists them all.
SHOWN_HEAD_ERRORS = 20
SHOWN_BASE_PATHS = 10


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
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
    parser.add_argument(
        "--definitions-dir",
        default=DEFINITIONS_DIR,
        help=f"definitions folder (default: {DEFINITIONS_DIR})",
    )
    parser.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class BaseCatalog:
    """What the base offers to compare, and what a reviewer must know about its limits."""

    catalog: Catalog
    notes: tuple[str, ...]
    compare_catalog: bool


def has_definitions(files: Mapping[str, bytes], definitions_dir: str) -> bool:
    return SCOPE_CATALOG_FILE in files or any(is_definition_path(path, definitions_dir) for path in files)


def _listed(paths: list[str]) -> str:
    shown = ", ".join(f"`{path}`" for path in paths[:SHOWN_BASE_PATHS])
    more = len(paths) - SHOWN_BASE_PATHS
    return shown + (f" and {more} more" if more > 0 else "")


def _account_names(files: Mapping[str, bytes], paths: list[str]) -> list[str]:
    """The `name` of each invalid definition file, where the file is readable enough to say."""
    names = []
    for path in paths:
        value = read_document(path, files[path]).value
        name = value.get("name") if isinstance(value, dict) else None
        if isinstance(name, str) and name:
            names.append(name)
    return sorted(set(names))


def base_catalog(label: str, files: Mapping[str, bytes], definitions_dir: str) -> BaseCatalog:
    if not has_definitions(files, definitions_dir):
        return BaseCatalog(
            EMPTY_CATALOG,
            (f"the base ({label}) has no definitions yet: everything is reported as new",),
            compare_catalog=True,
        )
    result = load_files(files, definitions_dir=definitions_dir)
    if result.ok:
        return BaseCatalog(result.partial_catalog, (), compare_catalog=True)
    errors = [finding for finding in result.findings if finding.severity == "error"]
    paths = sorted({finding.path for finding in errors})
    notes = [
        f"the base ({label}) has {len(errors)} error{'s' * (len(errors) != 1)} in its "
        f"definitions; compared what could be compared. Left out of the base: {_listed(paths)}"
    ]
    invalid_definitions = [path for path in paths if is_definition_path(path, definitions_dir)]
    if invalid_definitions:
        named = _account_names(files, invalid_definitions)
        which = f" ({', '.join(f'`{name}`' for name in named)})" if named else ""
        notes.append(
            f"accounts defined in the base's invalid files{which} are reported as added: "
            "their base state is unknown"
        )
    scopes_unreadable = SCOPE_CATALOG_FILE in paths
    if scopes_unreadable:
        notes.append("the base's scopes.yaml could not be read: catalog changes are not reported")
    if any(stack_name_of(path) is not None or path == "Pulumi.yaml" for path in paths):
        notes.append(
            "some base stack files could not be read: accounts in their environments are reported as added"
        )
    return BaseCatalog(result.partial_catalog, tuple(notes), compare_catalog=not scopes_unreadable)


def _report_invalid_head(label: str, findings: tuple[Finding, ...]) -> None:
    errors = [finding for finding in findings if finding.severity == "error"]
    print(
        f"svcaccounts diff: the head ({label}) has {len(errors)} error"
        f"{'s' * (len(errors) != 1)} in its definitions; fix them first "
        "(`svcaccounts validate` lists them all):",
        file=sys.stderr,
    )
    for finding in errors[:SHOWN_HEAD_ERRORS]:
        print(f"  {finding}", file=sys.stderr)


def revision_label(revision: str) -> str:
    """How a revision is named in the report: a full commit id is cut to 12 characters."""
    return revision[:12] if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", revision) else revision


def run(args: argparse.Namespace) -> int:
    root: Path = args.root
    if Path(args.definitions_dir).is_absolute() or ".." in Path(args.definitions_dir).parts:
        # Definitions live in the repository: a path out of it would read whatever it names.
        print("svcaccounts diff: --definitions-dir must be a folder inside the repository", file=sys.stderr)
        return EXIT_USAGE
    if not root.is_dir():
        print(f"svcaccounts diff: {root} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    if args.head is None and not (root / args.definitions_dir).is_dir():
        # A mistyped folder must not turn the access gate into "no access changes".
        print(
            f"svcaccounts diff: no {args.definitions_dir}/ folder in {root.resolve()}; "
            "run it from the repository root or pass --root / --definitions-dir",
            file=sys.stderr,
        )
        return EXIT_USAGE
    base_label = revision_label(args.base)
    head_label = revision_label(args.head) if args.head is not None else WORKING_TREE
    try:
        base_files = read_revision_files(root, args.base, definitions_dir=args.definitions_dir)
        head_files = (
            None
            if args.head is None
            else read_revision_files(root, args.head, definitions_dir=args.definitions_dir)
        )
    except RevisionError as error:
        print(f"svcaccounts diff: {error}", file=sys.stderr)
        return EXIT_USAGE
    if head_files is not None and not any(
        is_definition_path(path, args.definitions_dir) for path in (*base_files, *head_files)
    ):
        print(
            f"svcaccounts diff: neither {base_label} nor {head_label} has definitions under "
            f"{args.definitions_dir}/; check --definitions-dir",
            file=sys.stderr,
        )
        return EXIT_USAGE
    head = (
        load_repository(root, definitions_dir=args.definitions_dir)
        if head_files is None
        else load_files(head_files, definitions_dir=args.definitions_dir)
    )
    if head.catalog is None:
        _report_invalid_head(head_label, head.findings)
        return EXIT_INVALID_HEAD
    base = base_catalog(base_label, base_files, args.definitions_dir)
    findings = diff_catalogs(base.catalog, head.catalog, compare_catalog=base.compare_catalog)
    report = Report(base=base_label, head=head_label, findings=findings, notes=base.notes)
    sys.stdout.write(RENDERERS[args.format](report))
    if args.fail_on is not None and reaches(findings, args.fail_on):
        return EXIT_FAIL_ON
    return EXIT_OK
