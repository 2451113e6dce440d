"""`svcaccounts token --bundle FILE [--scope S]... [--decode]`: print an access token.

Only the token goes to stdout (so that `$(svcaccounts token ...)` works); every message goes to
stderr. With --decode, the token's claims (not verified) are printed as JSON instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_FAILED = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "token",
        help="obtain an access token with a credential bundle and print it",
        description=(
            "Obtain a client-credentials access token with a credential bundle and print only the "
            "token on stdout, or with --decode its claims (unverified) as JSON."
        ),
    )
    parser.add_argument(
        "--bundle",
        metavar="FILE",
        type=Path,
        required=True,
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


def run(args: argparse.Namespace) -> int:
    # Heavy imports (httpx, authlib) here, not at module level: the CLI imports every command.
    from svcaccounts.client import TokenClient, TokenClientError
    from svcaccounts.client.claims import NotAJWTError, unverified_claims

    try:
        token = TokenClient.from_file(args.bundle).token(args.scopes)
    except TokenClientError as error:
        print(f"svcaccounts token: {error}", file=sys.stderr)
        return EXIT_FAILED
    if not args.decode:
        print(token.value)
        return 0
    try:
        claims = unverified_claims(token.value)
    except NotAJWTError as error:
        print(f"svcaccounts token: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(claims, indent=2, sort_keys=True))
    return 0
