"""Argument parsing only: each command module registers its parser and returns an exit code.

Command modules are imported here, so they must keep heavy imports (Pulumi, HTTP, Azure SDKs)
inside their run functions: `svcaccounts validate` runs on every pull request and must start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from svcaccounts.commands import exit_codes

# One module per command under svcaccounts/commands/, each with
# `register(subparsers: argparse._SubParsersAction) -> None` that sets `func=run` on its parser,
# where `run(args: argparse.Namespace) -> int`.
COMMAND_MODULES: tuple[str, ...] = (
    "validate",
    "diff",
    "plan",
    "rotation",
    "policy_config",
    "token",
    "verify",
    "env",
    "okta",
    "usage",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="svcaccounts",
        description="Machine-to-machine OAuth service accounts as code.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"svcaccounts.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on usage errors and 0 for --help; keep its code.
        return int(exit_.code or 0)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except ModuleNotFoundError as error:
        # `make plan` installs only what validate, plan and diff need; a command that reads a
        # provider's API (okta import, okta preflight, usage) or a store needs an extra.
        extra = OPTIONAL_MODULES.get((error.name or "").split(".")[0])
        if extra is None:
            raise
        print(
            f"svcaccounts {args.command}: needs {error.name}, which is not installed: "
            f"pip install 'svcaccounts[{extra}]' (or `make setup` in a checkout)",
            file=sys.stderr,
        )
        return exit_codes.USAGE


# Top-level modules of the optional extras (pyproject.toml), and the extra that brings each.
OPTIONAL_MODULES: dict[str, str] = {
    "httpx": "okta-api",
    "joserfc": "okta-api",
    "authlib": "client",
    "azure": "client",
    "boto3": "client-aws",
    "pulumi": "infra",
    "requests": "requests",
    "opentelemetry": "otel",
}
