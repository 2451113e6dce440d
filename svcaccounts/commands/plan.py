"""`svcaccounts plan --stack NAME`: what `pulumi up` would manage, offline (no cloud, no Pulumi CLI)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan",
        help="show the resources, scopes and rotation state one stack would manage",
        description=(
            "Print, offline, what `pulumi up --stack NAME` would manage: per account its scopes, "
            "auth method, token lifetime, credential generation, next rotation, Key Vault secret "
            "and resources. The time is --at, else SVCACCOUNTS_NOW, else now."
        ),
    )
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    parser.add_argument("--at", help="plan at this ISO 8601 time instead of now (e.g. 2025-03-01)")
    parser.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.add_argument(
        "--base",
        metavar="REV",
        help="also list what changes against the plan of this git revision (added and removed "
        "accounts, rotations, credential changes such as a switched auth method)",
    )
    parser.set_defaults(func=run)


def _print_findings(findings: Sequence[Any]) -> None:
    for finding in findings:
        print(str(finding), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from svcaccounts.core import clock
    from svcaccounts.core.plan import compare_plans, plan_environment
    from svcaccounts.core.rotation import RotationError
    from svcaccounts.definitions.findings import has_errors
    from svcaccounts.definitions.loader import DEFINITIONS_DIR, load_files, read_repository_files
    from svcaccounts.definitions.stack_settings import settings_of
    from svcaccounts.render.plan import render

    root: Path = args.root
    if not root.is_dir():
        print(f"svcaccounts plan: {root} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        now = clock.parse_instant(args.at, source="--at") if args.at else clock.now()
    except clock.ClockError as error:
        print(f"svcaccounts plan: {error}", file=sys.stderr)
        return EXIT_USAGE

    files = read_repository_files(root)
    result = load_files(files)
    stack = next((candidate for candidate in result.stacks if candidate.name == args.stack), None)
    if stack is None:
        known = ", ".join(candidate.name for candidate in result.stacks) or "none"
        print(
            f"svcaccounts plan: no stack {args.stack!r} (Pulumi.{args.stack}.yaml) in {root.resolve()}; "
            f"known stacks: {known}",
            file=sys.stderr,
        )
        _print_findings(result.findings)
        return EXIT_USAGE

    settings_result = settings_of(stack, files.get(stack.path))
    _print_findings(settings_result.findings)
    settings = settings_result.settings
    if settings is None:
        return EXIT_INVALID
    if settings.definitions_dir != DEFINITIONS_DIR:
        files = read_repository_files(root, definitions_dir=settings.definitions_dir)
        result = load_files(files, definitions_dir=settings.definitions_dir)
    if has_errors(result.findings) or result.catalog is None:
        _print_findings(result.findings)
        print("svcaccounts plan: fix the definitions first (svcaccounts validate)", file=sys.stderr)
        return EXIT_INVALID

    try:
        plan = plan_environment(result.catalog.for_environment(settings.environment), settings, now)
        base_plan = _base_plan(root, args.base, stack.name, settings, now) if args.base else None
    except RotationError as error:
        print(f"svcaccounts plan: {error}", file=sys.stderr)
        return EXIT_USAGE
    except _BaseUnavailable as error:
        print(f"svcaccounts plan: {error}", file=sys.stderr)
        return EXIT_USAGE
    changes = None if base_plan is None else compare_plans(base_plan, plan)
    print(render(plan, args.format, changes=changes, base=args.base))
    return EXIT_OK


class _BaseUnavailable(Exception):
    """The --base revision cannot be planned; the message says why."""


def _base_plan(root: Path, revision: str, stack_name: str, settings: Any, now: Any) -> Any:
    """The plan of the same stack at `revision` and the same instant (an empty plan when the
    revision has no definitions yet), so only definition changes show up, not the passage of time."""
    from dataclasses import replace

    from svcaccounts.core.model import Catalog
    from svcaccounts.core.plan import plan_environment
    from svcaccounts.definitions.gitrev import RevisionError, read_revision_files
    from svcaccounts.definitions.loader import load_files
    from svcaccounts.definitions.stack_settings import settings_of

    try:
        files = read_revision_files(root, revision, definitions_dir=settings.definitions_dir)
    except RevisionError as error:
        raise _BaseUnavailable(str(error)) from None
    result = load_files(files, definitions_dir=settings.definitions_dir)
    base_settings = settings
    base_stack = next((stack for stack in result.stacks if stack.name == stack_name), None)
    if base_stack is not None:
        base_settings = settings_of(base_stack).settings or settings
    catalog = result.catalog
    if catalog is None:
        if any(path.startswith(settings.definitions_dir + "/") for path in files):
            raise _BaseUnavailable(
                f"the definitions at {revision} have errors; run `svcaccounts validate` on that revision"
            )
        catalog = Catalog(scopes=(), accounts=(), environments=(settings.environment,))
    if settings.environment not in catalog.environments:
        catalog = replace(catalog, environments=(*catalog.environments, settings.environment))
    return plan_environment(catalog.for_environment(settings.environment), base_settings, now)
