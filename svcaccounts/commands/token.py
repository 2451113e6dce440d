"""`svcaccounts token (--bundle FILE | ACCOUNT --stack NAME) [--scope S]... [--decode]`: print an
access token.

The bundle comes from a file, or from the stack's secret store (Key Vault) for ACCOUNT. Only the
token goes to stdout (so that `$(svcaccounts token ...)` works); every message goes to stderr. With
--decode, the token's claims (not verified) are printed as JSON instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.commands.stack_errors import report_stack_error

if TYPE_CHECKING:
    from svcaccounts.stack_bundles import OpenBundles



def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "token",
        help="obtain an access token with a credential bundle and print it",
        description=(
            "Obtain a client-credentials access token with a credential bundle (a file, or ACCOUNT's "
            "bundle in the stack's secret store: Key Vault or AWS Secrets Manager) and print only "
            "the token on stdout, or with --decode "
            "its claims (unverified) as JSON."
        ),
    )
    parser.add_argument("account", nargs="?", metavar="ACCOUNT", help="account name (with --stack)")
    parser.add_argument("--stack", help="read ACCOUNT's bundle from this stack's secret store")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.add_argument(
        "--bundle",
        metavar="FILE",
        type=Path,
        help="credential bundle JSON file (as stored in Key Vault)",
    )
    parser.add_argument(
        "--scope",
        metavar="SCOPE",
        dest="scopes",
        action="append",
        help="scope to request (repeatable; default: all scopes of the bundle)",
    )
    parser.add_argument(
        "--decode",
        action="store_true",
        help="print the token's claims as JSON (not verified) instead of the token",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, *, open_bundles: OpenBundles | None = None) -> int:
    """`open_bundles` replaces how a stack's store is opened (tests: a fake Key Vault client)."""
    # Heavy imports (httpx, authlib) here, not at module level: the CLI imports every command.
    from svcaccounts.client import FileSource, TokenClient, TokenClientError
    from svcaccounts.client.claims import NotAJWTError, unverified_claims
    from svcaccounts.client.core import DEFAULT_ROTATION_WAIT
    from svcaccounts.client.errors import BundleFileRefused
    from svcaccounts.client.sources import BundleSource
    from svcaccounts.stack_bundles import StackBundles, bundle_source_for
    from svcaccounts.workspace import StackError

    source: BundleSource
    if args.bundle is not None:
        if args.account is not None or args.stack is not None:
            print("svcaccounts token: give either --bundle FILE or ACCOUNT --stack NAME", file=sys.stderr)
            return exit_codes.USAGE
        source = FileSource(args.bundle)
    elif args.account is not None and args.stack is not None:
        try:
            source = bundle_source_for(
                args.root, args.stack, args.account, open_bundles=open_bundles or StackBundles
            )
        except StackError as error:
            return report_stack_error("token", error)
    else:
        print(
            "svcaccounts token: give --bundle FILE, or ACCOUNT --stack NAME to read the account's "
            "bundle from the stack's secret store",
            file=sys.stderr,
        )
        return exit_codes.USAGE

    # A stack's store receives a rotated client secret up to ~2 minutes after Okta: wait for it
    # (RotationWait). A file is not refreshed while this command runs: fail at once.
    rotation_wait = None if args.bundle is not None else DEFAULT_ROTATION_WAIT
    try:
        token = TokenClient(source, rotation_wait=rotation_wait).token(args.scopes)
    except BundleFileRefused as error:
        # The --bundle FILE given is missing, not a regular file or too large.
        print(f"svcaccounts token: {error}", file=sys.stderr)
        return exit_codes.USAGE
    except TokenClientError as error:
        print(f"svcaccounts token: {error}", file=sys.stderr)
        return exit_codes.FAILED
    if not args.decode:
        print(token.value)
        return 0
    try:
        claims = unverified_claims(token.value)
    except NotAJWTError as error:
        print(f"svcaccounts token: {error}", file=sys.stderr)
        return exit_codes.FAILED
    print(json.dumps(claims, indent=2, sort_keys=True))
    return 0
