"""`svcaccounts plan --stack NAME`: what `pulumi up` would manage, offline (no cloud, no Pulumi CLI)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.stack_errors import report_stack_error
from svcaccounts.core import clock
from svcaccounts.core.model import Catalog
from svcaccounts.core.plan import EnvironmentPlan, compare_plans, plan_environment
from svcaccounts.core.rotation import RotationError
from svcaccounts.core.settings import StackSettings
from svcaccounts.render.findings import finding_line
from svcaccounts.render.plan import render
from svcaccounts.workspace import StackError, open_revision, open_stack, open_stack_at


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
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


def _fail(message: str, code: int) -> int:
    print(f"svcaccounts plan: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    root: Path = args.root
    try:
        now = clock.parse_instant(args.at, source="--at") if args.at else clock.now()
    except clock.ClockError as error:
        return _fail(str(error), exit_codes.USAGE)
    try:
        stack = open_stack_at(root, args.stack)
    except StackError as error:
        return report_stack_error("plan", error)
    for warning in stack.warnings:
        print(finding_line(warning), file=sys.stderr)
    try:
        plan = plan_environment(stack.view, stack.settings, now, stack.adoption)
        base_plan = _base_plan(root, args.base, stack.settings, now) if args.base else None
    except (RotationError, _BaseUnavailable) as error:
        return _fail(str(error), exit_codes.USAGE)
    changes = None if base_plan is None else compare_plans(base_plan, plan)
    print(render(plan, args.format, changes=changes, base=args.base))
    return exit_codes.OK


class _BaseUnavailable(Exception):
    """The --base revision cannot be planned; the message says why."""


def _base_plan(root: Path, revision: str, settings: StackSettings, now: datetime) -> EnvironmentPlan:
    """The plan of the same stack at `revision` and the same instant, with that revision's own
    settings (an empty plan when the revision has no definitions yet), so that only what the
    change does shows up, not the passage of time."""
    try:
        base = open_revision(root, revision)
    except StackError as error:
        raise _BaseUnavailable(str(error)) from None
    if not base.has_definitions:
        empty = Catalog(scopes=(), accounts=(), environments=(settings.environment,))
        return plan_environment(empty.for_environment(settings.environment), settings, now)
    if base.stack(settings.stack) is None:
        # A stack new in this change: the base deployed nothing under this name.
        empty = Catalog(scopes=(), accounts=(), environments=(settings.environment,))
        return plan_environment(empty.for_environment(settings.environment), settings, now)
    try:
        stack = open_stack(base, settings.stack, where=revision)
    except StackError as error:
        if error.problem == "definitions":
            raise _BaseUnavailable(
                f"the definitions at {revision} have errors; run `svcaccounts validate` on that revision"
            ) from None
        raise _BaseUnavailable(f"stack {settings.stack} at {revision}: {error}") from None
    return plan_environment(stack.view, stack.settings, now, stack.adoption)
