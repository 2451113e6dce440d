"""Synthetic organisations: a realistic spread of teams, scopes, environments, overrides and auth
methods, written as real files so that every benchmark and scale test reads what users write."""

from __future__ import annotations

import json
import random
from pathlib import Path

ENVIRONMENTS = ("dev", "staging", "prod")
VERBS = ("read", "write", "admin", "export", "sync")


def scope_names(count: int) -> list[str]:
    areas = max(1, count // len(VERBS))
    return [f"api:area{area:03d}:{verb}" for area in range(areas) for verb in VERBS][:count]


def write_organisation(root: Path, accounts: int, *, scopes: int = 200, seed: int = 7) -> list[Path]:
    """Write scopes.yaml, three stacks and `accounts` definitions under root; return the definitions."""
    rng = random.Random(seed)
    names = scope_names(scopes)
    catalog = ["scopes:"]
    for name in names:
        catalog.append(f"  - name: {name}\n    description: Synthetic scope {name}")
        if name.endswith(":admin"):
            catalog.append("    privileged: true")
    (root / "scopes.yaml").write_text("\n".join(catalog) + "\n")
    # The pack's configuration, as `svcaccounts policy-config` writes it for this catalog.
    privileged = [name for name in names if name.endswith(":admin")]
    (root / "policies").mkdir(exist_ok=True)
    (root / "policies" / "policy-config.json").write_text(
        json.dumps(
            {
                "privileged-scopes-allowlisted": {
                    "privilegedScopes": sorted(privileged),
                    "allowedAccounts": [],
                }
            },
            indent=2,
        )
        + "\n"
    )
    for environment in ENVIRONMENTS:
        (root / f"Pulumi.{environment}.yaml").write_text(stack_yaml(environment))
    teams = [f"team-{index:03d}" for index in range(max(1, accounts // 25))]
    paths = []
    for index in range(accounts):
        team = rng.choice(teams)
        folder = root / "service_accounts" / team
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"svc-{index:05d}.yaml"
        path.write_text(account_yaml(f"svc-{index:05d}", team, rng, names))
        paths.append(path)
    return paths


def stack_yaml(environment: str) -> str:
    return (
        "config:\n"
        f"  svcaccounts:environment: {environment}\n"
        "  svcaccounts:authServer:\n"
        f"    id: aus0bench{environment}0000\n"
        "  svcaccounts:keyVault:\n"
        f"    name: kv-bench-{environment}\n"
        f"    resourceGroup: rg-bench-{environment}\n"
        f"  okta:orgName: bench-{environment}\n"
        "  okta:baseUrl: okta.com\n"
    )


def account_yaml(name: str, team: str, rng: random.Random, scopes: list[str]) -> str:
    granted = rng.sample([s for s in scopes if not s.endswith(":admin")], k=rng.randint(1, 4))
    period = rng.choice((30, 60, 90, 180))
    present = ENVIRONMENTS if rng.random() < 0.7 else ENVIRONMENTS[:2]
    lines = [
        "# yaml-language-server: $schema=../../schemas/service-account.schema.json",
        f"name: {name}",
        f"description: Synthetic service account {name} of {team}",
        "owner:",
        f"  team: {team}",
        f"  email: {team}@example.com",
        f"scopes: [{', '.join(granted)}]",
        f"auth_method: {'private_key_jwt' if rng.random() < 0.8 else 'client_secret_basic'}",
        f"token_lifetime_minutes: {rng.choice((15, 30, 60, 120))}",
        "rotation:",
        f"  period_days: {period}",
        f"  grace_days: {rng.choice((1, 3, 7))}",
        "environments:",
    ]
    for environment in present:
        if environment == "prod" and rng.random() < 0.5:
            lines.append("  prod:")
            lines.append(f"    scopes: [{granted[0]}]")
            lines.append("    token_lifetime_minutes: 30")
        else:
            lines.append(f"  {environment}: {{}}")
    return "\n".join(lines) + "\n"


def edit_accounts(paths: list[Path], fraction: float, *, scopes: int = 200, seed: int = 11) -> list[Path]:
    """Change `fraction` of the definitions (at least one) as a pull request would: each edited
    account gains a scope and gets another token lifetime. Returns the edited files."""
    rng = random.Random(seed)
    catalog = scope_names(scopes)
    edited = sorted(rng.sample(paths, k=max(1, round(len(paths) * fraction))))
    for path in edited:
        lines = path.read_text().splitlines()
        for index, line in enumerate(lines):
            if line.startswith("scopes: [") and line.endswith("]"):
                granted = line.removeprefix("scopes: [").removesuffix("]").split(", ")
                # Another catalog scope, not privileged: a grant a reviewer must see.
                extra = rng.choice([s for s in catalog if not s.endswith(":admin") and s not in granted])
                lines[index] = f"scopes: [{', '.join([*granted, extra])}]"
            elif line.startswith("token_lifetime_minutes: "):
                minutes = int(line.removeprefix("token_lifetime_minutes: "))
                lines[index] = f"token_lifetime_minutes: {15 if minutes != 15 else 45}"
        path.write_text("\n".join(lines) + "\n")
    return edited
