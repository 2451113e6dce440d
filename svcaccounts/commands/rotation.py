"""`svcaccounts rotation status`: every account's rotation, and whether the deployment kept up.

Exit codes: 0 all good, 1 invalid definitions, 2 usage errors (unknown stack, unreadable, too
large or invalid --deployed file, bad --at or --within), 3 some deployed generation is behind the
expected one, or ahead of it (flagged AHEAD: outputs of another stack or revision).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.arguments import whole_days
from svcaccounts.render import FORMATS


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "rotation",
        help="credential rotation: status of every account, deployed or not",
        description="Credential rotation commands.",
    )
    commands = parser.add_subparsers(dest="rotation_command", metavar="COMMAND")
    commands.required = True
    status = commands.add_parser(
        "status",
        help="list generation, last and next rotation, days left and due/overdue flags",
        description=(
            "List every account of a stack with its credential generation, last and next "
            "rotation, days left and flags. With --deployed (the JSON of `pulumi stack output "
            "--json`), compare the deployed generations and exit 3 when any is behind, or ahead "
            "(flagged AHEAD: outputs of another stack or revision). The "
            "time is --at, else SVCACCOUNTS_NOW, else now."
        ),
    )
    status.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    status.add_argument("--at", help="evaluate at this ISO 8601 time instead of now")
    status.add_argument(
        "--within",
        type=_days,
        default=7,
        metavar="DAYS",
        help="flag accounts whose next rotation is within DAYS, 0 to 3650 (default: 7)",
    )
    status.add_argument(
        "--deployed",
        type=Path,
        metavar="FILE",
        help="JSON of `pulumi stack output --json` for the stack; - reads standard input",
    )
    status.add_argument("--format", choices=FORMATS, default="table", help="output format")
    status.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    status.set_defaults(func=run)


# Ten years: a window beyond it says nothing useful, and a huge one overflows datetime.
MAX_WITHIN_DAYS = 3650
_days = whole_days(0, MAX_WITHIN_DAYS)


def _fail(message: str, code: int) -> int:
    print(f"svcaccounts rotation status: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from svcaccounts.commands.stack_errors import report_stack_error
    from svcaccounts.core import clock
    from svcaccounts.core.rotation import RotationError
    from svcaccounts.core.rotation_status import rotation_status
    from svcaccounts.render.rotation import RENDERERS
    from svcaccounts.workspace import StackError, open_stack_at

    root: Path = args.root
    if not root.is_dir():
        return _fail(f"{root} is not a directory", exit_codes.USAGE)
    try:
        now = clock.parse_instant(args.at, source="--at") if args.at else clock.now()
    except clock.ClockError as error:
        return _fail(str(error), exit_codes.USAGE)

    deployed = None
    if args.deployed is not None:
        from svcaccounts.commands.deployed_file import DeployedFileError, load_deployed

        try:
            deployed = load_deployed(args.deployed)
        except DeployedFileError as error:
            return _fail(str(error), exit_codes.USAGE)

    try:
        stack = open_stack_at(root, args.stack)
    except StackError as error:
        return report_stack_error("rotation status", error)

    try:
        status = rotation_status(
            stack.view,
            stack=stack.settings.stack,
            now=now,
            within_days=args.within,
            deployed=deployed,
            bundles_waiting=frozenset(
                account.name
                for account in stack.view.accounts
                if stack.adoption.bundle_waits_at(account.name, account.auth_method, now)
            ),
        )
    except RotationError as error:
        return _fail(str(error), exit_codes.USAGE)
    sys.stdout.write(RENDERERS[args.format](status))
    code = exit_codes.OK
    if status.behind:
        names = ", ".join(account.name for account in status.behind)
        code = _fail(
            f"{len(status.behind)} account(s) behind the expected generation: {names}; "
            "the scheduled rotation did not run or failed",
            exit_codes.BEHIND,
        )
    if status.ahead:
        names = ", ".join(account.name for account in status.ahead)
        code = _fail(
            f"{len(status.ahead)} account(s) ahead of the expected generation: {names}; "
            "are these the outputs of this stack, deployed from these definitions?",
            exit_codes.BEHIND,
        )
    return code
