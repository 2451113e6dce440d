"""`svcaccounts verify --stack NAME --bundles DIR`: obtain a token with every account's bundle and
check that it grants exactly the definition's effective scopes in that stack's environment.

Run it after every deploy and every rotation. Bundles are read from DIR, one file per account named
after its Key Vault secret (`<secret name>.json`, e.g. `mcp-reporting-service-prod.json`), as
`az keyvault secret download --vault-name V --name S --file DIR/S.json` writes them. Reading
straight from the stack's Key Vault is not built yet.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "verify",
        help="check that every account of a stack obtains a token with exactly its scopes",
        description=(
            "For every account of the stack, read its credential bundle, obtain a token, decode it "
            "and check that the granted scopes equal the definition's effective scopes. Exit 1 on "
            "any mismatch or failure."
        ),
    )
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--bundles",
        metavar="DIR",
        type=Path,
        required=True,
        help="directory of bundle files named <Key Vault secret name>.json",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    parser.set_defaults(func=run)


def _print_findings(findings: Sequence[Any]) -> None:
    for finding in findings:
        print(str(finding), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from svcaccounts.definitions.findings import has_errors
    from svcaccounts.definitions.loader import DEFINITIONS_DIR, load_files, read_repository_files
    from svcaccounts.settings import settings_of
    from svcaccounts.verification import render_json, render_table

    root: Path = args.root
    bundles: Path = args.bundles
    for path, what in ((root, "repository root"), (bundles, "--bundles")):
        if not path.is_dir():
            print(f"svcaccounts verify: {what} {path} is not a directory", file=sys.stderr)
            return EXIT_USAGE

    files = read_repository_files(root)
    result = load_files(files)
    stack = next((candidate for candidate in result.stacks if candidate.name == args.stack), None)
    if stack is None:
        known = ", ".join(candidate.name for candidate in result.stacks) or "none"
        print(
            f"svcaccounts verify: no stack {args.stack!r} (Pulumi.{args.stack}.yaml) in "
            f"{root.resolve()}; known stacks: {known}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    settings_result = settings_of(stack, files.get(stack.path))
    _print_findings(settings_result.findings)
    settings = settings_result.settings
    if settings is None:
        return EXIT_USAGE
    if settings.definitions_dir != DEFINITIONS_DIR:
        result = load_files(
            read_repository_files(root, definitions_dir=settings.definitions_dir),
            definitions_dir=settings.definitions_dir,
        )
    if has_errors(result.findings) or result.catalog is None:
        _print_findings(result.findings)
        print("svcaccounts verify: fix the definitions first (svcaccounts validate)", file=sys.stderr)
        return EXIT_USAGE

    view = result.catalog.for_environment(settings.environment)
    checks = [_verify(account, bundles) for account in sorted(view.accounts, key=lambda a: a.name)]
    print(render_table(checks) if args.format == "table" else render_json(checks))
    return EXIT_OK if all(check.passed for check in checks) else EXIT_FAILED


def _verify(account: Any, bundles: Path) -> Any:
    from svcaccounts.client import TokenClient, TokenClientError
    from svcaccounts.client.claims import NotAJWTError, granted_scopes, unverified_claims
    from svcaccounts.naming import key_vault_secret_name
    from svcaccounts.verification import Observed, check_account, failed, skipped

    if not account.enabled:
        return skipped(account)
    path = bundles / f"{key_vault_secret_name(account.name, account.environment)}.json"
    if not path.is_file():
        return failed(account, f"no bundle file {path}")
    client = TokenClient.from_file(path)
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
            granted_scopes=granted_scopes(claims),
        ),
    )
