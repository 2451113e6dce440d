"""How every command reports a stack it cannot open: the located findings, one line that says
why, and the exit code for the kind of problem."""

from __future__ import annotations

import sys

from svcaccounts.commands import exit_codes
from svcaccounts.render.findings import finding_line
from svcaccounts.workspace import StackError


def report_stack_error(command: str, error: StackError) -> int:
    for finding in error.findings:
        print(finding_line(finding), file=sys.stderr)
    print(f"svcaccounts {command}: {error}", file=sys.stderr)
    return exit_codes.USAGE if error.problem == "unknown" else exit_codes.FAILED
