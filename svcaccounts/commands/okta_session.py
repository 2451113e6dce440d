"""What the commands that read Okta share: which org (the stack file's `okta:orgName` and
`okta:baseUrl`, or `--org-url`), which credential (the environment, as the Okta provider reads
it), and how a failure is reported (one line naming no secret, exit 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svcaccounts.commands import exit_codes
from svcaccounts.core.settings import StackSettings
from svcaccounts.okta_api.errors import OktaApiError


def add_org_arguments(parser: argparse.ArgumentParser, *, stack_required: bool) -> None:
    parser.add_argument(
        "--stack",
        required=stack_required,
        help="stack name (Pulumi.<stack>.yaml): its Okta org, authorization server and settings",
    )
    parser.add_argument(
        "--org-url",
        metavar="URL",
        help="the org's base URL (https://<org>.okta.com), instead of the stack file's okta:orgName",
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")


def org_url_for(settings: StackSettings | None, override: str | None) -> str:
    """The org to read: `--org-url` when given, else the stack's; OktaApiError when neither."""
    from svcaccounts.okta_api.org_url import checked_org_url

    if override is not None:
        return checked_org_url(override)
    if settings is None or settings.okta is None:
        raise OktaApiError("no Okta org: pass --org-url, or --stack with a stack file that sets okta:orgName")
    return checked_org_url(settings.okta.org_url)


def report_okta_error(command: str, error: OktaApiError) -> int:
    print(f"svcaccounts {command}: {error}", file=sys.stderr)
    return exit_codes.USAGE
