"""Where things live in a repository: one definitions folder, one scope catalog, stack files at
the top. Every reader (the working tree, a git revision) takes its paths from here."""

from __future__ import annotations

import re

# One definitions folder per repository: no setting can point a stack elsewhere, so what deploys
# is what `validate` and `diff` read.
DEFINITIONS_DIR = "service_accounts"
DEFINITION_SUFFIXES = (".yaml", ".yml")
SCOPE_CATALOG_FILE = "scopes.yaml"
# The policy pack's configuration, generated from the scope catalog (`svcaccounts policy-config`).
POLICY_CONFIG_FILE = "policies/policy-config.json"
STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.ya?ml$")


def stack_name_of(path: str) -> str | None:
    """`Pulumi.prod.yaml` → `prod`; None for `Pulumi.yaml` and other files."""
    match = STACK_FILE.match(path.rsplit("/", 1)[-1])
    return match["stack"] if match else None


def is_definition_path(path: str) -> bool:
    return path.startswith(DEFINITIONS_DIR + "/") and path.endswith(DEFINITION_SUFFIXES)
