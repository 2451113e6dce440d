"""`svcaccounts verify --stack NAME [--bundles DIR]`: obtain a token with every account's bundle and
check that it grants exactly the definition's effective scopes in that stack's environment.

Run it after every deploy and every rotation (the deploy and rotate workflows do). Bundles are read
from the stack's secret store (Key Vault or AWS Secrets Manager), or with --bundles from DIR, one
file per account named `<account>-<environment>.json` (the Key Vault secret's name, e.g.
`mcp-reporting-service-prod.json`, as `az keyvault secret download --vault-name V --name S --file
DIR/S.json` writes it; for an AWS stack save each secret's value under the same name) for
air-gapped checks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from svcaccounts.commands import Subparsers, exit_codes
from svcaccounts.render.findings import finding_line

if TYPE_CHECKING:
    from datetime import datetime

    from svcaccounts.client.sources import BundleSource
    from svcaccounts.core.model import EffectiveAccount
    from svcaccounts.core.verification import AccountCheck
    from svcaccounts.stack_bundles import OpenBundles



def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check that every account of a stack obtains a token with exactly its scopes",
        description=(
            "For every account of the stack, read its credential bundle (from the stack's secret "
            "store, or with --bundles from files), obtain a token, decode it and check that the "
            "granted scopes equal the definition's effective scopes. Exit 1 on any mismatch or "
            "failure."
        ),
    )
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--bundles",
        metavar="DIR",
        type=Path,
        help="read bundle files named <account>-<environment>.json from DIR instead of the stack's store",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, *, open_bundles: OpenBundles | None = None) -> int:
    """`open_bundles` replaces how the stack's store is opened (tests: a fake Key Vault client)."""
    from svcaccounts.client import FileSource
    from svcaccounts.commands.stack_errors import report_stack_error
    from svcaccounts.core import clock
    from svcaccounts.core.naming import key_vault_secret_name
    from svcaccounts.core.verification import failed
    from svcaccounts.render.verify import RENDERERS
    from svcaccounts.stack_bundles import StackBundles
    from svcaccounts.workspace import StackError, open_stack_at

    bundles: Path | None = args.bundles
    if bundles is not None and not bundles.is_dir():
        print(f"svcaccounts verify: --bundles {bundles} is not a directory", file=sys.stderr)
        return exit_codes.USAGE
    try:
        # Each bundle's generation is compared with the one the definitions give at this instant.
        now = clock.now()
    except clock.ClockError as error:
        print(f"svcaccounts verify: {error}", file=sys.stderr)
        return exit_codes.USAGE
    try:
        loaded = open_stack_at(args.root, args.stack)
    except StackError as error:
        return report_stack_error("verify", error)
    for warning in loaded.warnings:
        print(finding_line(warning), file=sys.stderr)

    store = None if bundles is not None else (open_bundles or StackBundles)(loaded.settings)
    checks: list[AccountCheck] = []
    for account in sorted(loaded.view.accounts, key=lambda a: a.name):
        source: BundleSource
        if bundles is not None:
            path = bundles / f"{key_vault_secret_name(account.name, account.environment)}.json"
            if account.enabled and not path.is_file():
                checks.append(failed(account, f"no bundle file {path}"))
                continue
            source = FileSource(path)
        else:
            assert store is not None
            try:
                source = store.source(account.name)
            except StackError as error:
                print(f"svcaccounts verify: {error}", file=sys.stderr)
                return exit_codes.USAGE
        checks.append(_verify(account, source, now))
    print(RENDERERS[args.format](checks))
    return exit_codes.OK if all(check.passed for check in checks) else exit_codes.FAILED


def _verify(account: EffectiveAccount, source: BundleSource, now: datetime) -> AccountCheck:
    from svcaccounts.client import TokenClient, TokenClientError
    from svcaccounts.client.claims import NotAJWTError, granted_scopes, unverified_claims
    from svcaccounts.core.rotation import generation_at
    from svcaccounts.core.verification import Observed, check_account, failed, skipped

    if not account.enabled:
        return skipped(account)
    # No rotation wait: verify runs after `pulumi up` has written every bundle, so a rejected
    # credential is a failure to report now, not a window to wait out.
    client = TokenClient(source, rotation_wait=None)
    try:
        bundle = client.bundle()
        token = client.token()
        claims = unverified_claims(token.value)
    except (TokenClientError, NotAJWTError) as error:
        # One line per account in the table.
        return failed(account, " ".join(str(error).split()))
    return check_account(
        account,
        Observed(
            auth_method=bundle.auth_method,
            generation=bundle.generation,
            bundle_scopes=bundle.scopes,
            # In the catalog's names: Cognito's tokens carry `<resource server>/<scope>`.
            granted_scopes=bundle.catalog_scopes(granted_scopes(claims)),
        ),
        expected_generation=generation_at(account.name, account.rotation, now),
    )
