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
# What `svcaccounts okta import` writes beside the definitions: the `pulumi import --file` input
# per stack, and the stack's adoption state, which changes what deploys (legacy keys in an app's
# JWKS) and is therefore read, validated and reviewed like the definitions.
IMPORT_DIR = "import"
ADOPTION_FILE = re.compile(r"^import/(?P<stack>[A-Za-z0-9_.-]+)\.adoption\.yaml$")


def stack_name_of(path: str) -> str | None:
    """`Pulumi.prod.yaml` → `prod`; None for `Pulumi.yaml` and other files."""
    match = STACK_FILE.match(path.rsplit("/", 1)[-1])
    return match["stack"] if match else None


def is_definition_path(path: str) -> bool:
    return path.startswith(DEFINITIONS_DIR + "/") and path.endswith(DEFINITION_SUFFIXES)


def adoption_path(stack: str) -> str:
    """`prod` → `import/prod.adoption.yaml`."""
    return f"{IMPORT_DIR}/{stack}.adoption.yaml"


def import_file_path(stack: str) -> str:
    """`prod` → `import/prod.json`, the file `pulumi import --file` reads."""
    return f"{IMPORT_DIR}/{stack}.json"


IMPORT_FILE = re.compile(r"^import/(?P<stack>[A-Za-z0-9_.-]+)\.json$")


def import_stack_of(path: str) -> str | None:
    """`import/prod.json` → `prod`; None for other files."""
    match = IMPORT_FILE.match(path)
    return match["stack"] if match else None


def adoption_stack_of(path: str) -> str | None:
    """`import/prod.adoption.yaml` → `prod`; None for other files."""
    match = ADOPTION_FILE.match(path)
    return match["stack"] if match else None
