"""An Okta org as organisations have them before svcaccounts: hand-made service apps, policies,
rules and scopes on one authorization server, some adoptable and some not (tests/adoption/).

`existing_org(org)` fills a FakeOrg (tests/support/okta_server.py); IMPORT_REPO is the repository
the import lands in (tests/fixtures/import-repo/: a prod stack on that server, a catalog with
`mcp:docs:read` and one account, `docs-reader`).
"""

from __future__ import annotations

from pathlib import Path

from joserfc.jwk import RSAKey

from svcaccounts.definitions.semantic import PLACEHOLDER_OWNER_EMAIL, PLACEHOLDER_OWNER_TEAM
from tests.support.okta_server import FakeOrg, policy, rsa_public_jwk, rule, scope, service_app
from tests.support.repository import FIXTURES

IMPORT_REPO = FIXTURES / "import-repo"
SERVER = "ausImport0000000001"
NOW = "2025-06-15T12:00:00Z"


def oa(number: int) -> str:
    return f"0oa{number:017d}"


def existing_org(org: FakeOrg) -> dict[str, RSAKey]:
    """Fill `org`; returns the legacy private keys by kid (what today's consumers sign with)."""
    data = org.add_auth_server(SERVER, name="legacy")
    data.scopes = [
        scope("scp00000000000000001", "billing:read", description="Read invoices"),
        scope("scp00000000000000002", "mcp:docs:read", description="Docs"),
        scope("scp00000000000000003", "reports:export"),
        scope("scp00000000000000004", "bad|scope"),
    ]
    legacy_key, legacy_jwk = rsa_public_jwk("billing-2024")
    org.apps = [
        # Adoptable: private_key_jwt with a key in its JWKS, one policy, one rule.
        service_app(oa(1), "Billing Sync (prod)"),
        # Adoptable: client_secret_basic, inactive.
        service_app(oa(2), "Reporting Export", auth_method="client_secret_basic", status="INACTIVE"),
        # Not adoptable: another grant type beside client_credentials.
        service_app(
            oa(3),
            "Token Exchanger",
            grant_types=("client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"),
        ),
        # Not adoptable: its policy names another app too.
        service_app(oa(4), "Shared One", auth_method="client_secret_basic"),
        service_app(oa(5), "Shared Two", auth_method="client_secret_basic"),
        # Not adoptable: its rule grants every scope.
        service_app(oa(6), "Everything", auth_method="client_secret_basic"),
        # Not adoptable: no policy names it.
        service_app(oa(7), "Orphan", auth_method="client_secret_basic"),
        # Adoptable, renamed: "Billing-Sync" is taken by the first app.
        service_app(oa(8), "Billing-Sync", auth_method="client_secret_basic"),
        # Adoptable, renamed: the repository already has docs-reader.
        service_app(oa(9), "Docs Reader", auth_method="client_secret_basic"),
        # Not adoptable: a scope the catalog's rules refuse.
        service_app(oa(10), "Bad Scope", auth_method="client_secret_basic"),
    ]
    org.jwks = {oa(1): [legacy_jwk]}
    data.policies = [
        policy("pol00000000000000001", "billing", [oa(1)], priority=1),
        policy("pol00000000000000002", "reporting", [oa(2)], priority=2),
        policy("pol00000000000000003", "exchanger", [oa(3)], priority=3),
        policy("pol00000000000000004", "shared", [oa(4), oa(5)], priority=4),
        policy("pol00000000000000006", "everything", [oa(6)], priority=5),
        policy("pol00000000000000008", "billing two", [oa(8)], priority=6),
        policy("pol00000000000000009", "docs", [oa(9)], priority=7),
        policy("pol00000000000000010", "bad", [oa(10)], priority=8),
        policy("pol00000000000000099", "Default Policy", ["ALL_CLIENTS"], priority=9),
    ]
    data.rules = {
        "pol00000000000000001": [
            rule("rul00000000000000001", "billing", ["billing:read", "mcp:docs:read"], lifetime_minutes=30)
        ],
        "pol00000000000000002": [rule("rul00000000000000002", "reporting", ["reports:export"])],
        "pol00000000000000003": [rule("rul00000000000000003", "exchanger", ["billing:read"])],
        "pol00000000000000004": [rule("rul00000000000000004", "shared", ["billing:read"])],
        "pol00000000000000006": [rule("rul00000000000000006", "everything", ["*"])],
        "pol00000000000000008": [rule("rul00000000000000008", "billing two", ["billing:read"])],
        "pol00000000000000009": [
            rule("rul00000000000000009", "docs", ["mcp:docs:read"], lifetime_minutes=15)
        ],
        "pol00000000000000010": [rule("rul00000000000000010", "bad", ["bad|scope"])],
        "pol00000000000000099": [rule("rul00000000000000099", "default", ["*"])],
    }
    return {"billing-2024": legacy_key}


def import_args(root: Path, server_url: str, *extra: str) -> list[str]:
    """The `svcaccounts okta import` command line for the prod stack of the repository at `root`."""
    return [
        "okta", "import", "--auth-server", SERVER, "--environment", "prod", "--stack", "prod",
        "--root", str(root), "--org-url", server_url, *extra,
    ]  # fmt: skip


def fill_owners(root: Path) -> None:
    """What a person does after an import: name each imported account's owner."""
    for path in sorted((root / "service_accounts" / "imported").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        text = text.replace(f"team: {PLACEHOLDER_OWNER_TEAM}", "team: billing")
        path.write_text(text.replace(PLACEHOLDER_OWNER_EMAIL, "billing@example.com"), encoding="utf-8")
