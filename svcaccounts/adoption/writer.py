"""From an inventory and the repository it lands in, to the files an import writes: decided
purely (`prepare_import`, over the repository's files as read by the workspace), then written
without overwriting anything (`write_import`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from svcaccounts.adoption.files import (
    adoption_text,
    catalog_text,
    definition_path,
    definition_text,
    import_text,
    provider_urn,
)
from svcaccounts.adoption.inventory import OrgInventory
from svcaccounts.adoption.mapping import ImportFinding, ImportPlan, adoption_state, plan_import
from svcaccounts.core import naming
from svcaccounts.core.adoption import StackAdoption, secret_config_key
from svcaccounts.core.model import Catalog
from svcaccounts.definitions.layout import (
    POLICY_CONFIG_FILE,
    SCOPE_CATALOG_FILE,
    adoption_path,
    import_file_path,
)
from svcaccounts.definitions.loader import load_files
from svcaccounts.definitions.policy_config import expected_text


class ImportConflict(Exception):
    """Targets that exist already: nothing was written. `lines` say which and what to do."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass(frozen=True, slots=True)
class PreparedImport:
    stack: str
    environment: str
    plan: ImportPlan
    adoption: StackAdoption
    # Path (relative to the output folder) → text, in writing order.
    files: Mapping[str, str]
    findings: tuple[ImportFinding, ...]
    # The `pulumi config set --secret` key each adopted client secret goes to.
    secret_keys: tuple[str, ...]
    # Where `pulumi import --file` finds its input, relative to the repository.
    import_file: str
    # The stack's Okta provider, which must exist before the import (`pulumi up --target`).
    provider_urn: str


def _already_imported(files: Mapping[str, bytes], stack: str) -> frozenset[str]:
    """The app ids an earlier import file of `stack` holds (they are not adopted twice)."""
    text = files.get(import_file_path(stack))
    if text is None:
        return frozenset()
    try:
        document = json.loads(text)
        return frozenset(
            str(entry["id"]) for entry in document["resources"] if entry.get("type") == naming.APP_TYPE
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return frozenset()


def prepare_import(
    files: Mapping[str, bytes],
    inventory: OrgInventory,
    *,
    stack: str,
    environment: str,
    now: datetime,
    owns_scopes: bool,
    project: str,
) -> PreparedImport:
    """Everything the import writes into the repository whose files are `files` (as the workspace
    reads them, plus the import file), or ImportConflict when a target exists."""
    loaded = load_files(files)
    catalog = loaded.partial_catalog
    plan = plan_import(
        inventory,
        environment=environment,
        existing_accounts={account.name for account in catalog.accounts}
        | {
            path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            for path in files
            if path.startswith("service_accounts/")
        },
        catalog_scopes={scope.name for scope in catalog.scopes},
        already_imported=_already_imported(files, stack),
    )
    adoption = adoption_state(plan, stack, now)
    written: dict[str, str] = {}
    conflicts: list[str] = []

    def new_file(path: str, text: str) -> None:
        if path in files:
            conflicts.append(f"{path} exists; move it away (or import into another --out) and run again")
        written[path] = text

    for account in plan.accounts:
        new_file(definition_path(account), definition_text(account, environment))
    existing_catalog = files.get(SCOPE_CATALOG_FILE)
    catalog_value, kept = catalog_text(
        None if existing_catalog is None else existing_catalog.decode("utf-8", "replace"), plan.new_scopes
    )
    if not kept:
        conflicts.append(
            f"{SCOPE_CATALOG_FILE}: cannot append to its scope list as written; add the scopes by hand: "
            + ", ".join(scope.name for scope in plan.new_scopes)
        )
    if plan.new_scopes or existing_catalog is None:
        written[SCOPE_CATALOG_FILE] = catalog_value
    if plan.accounts:
        new_file(
            import_file_path(stack), import_text(plan, stack=stack, project=project, owns_scopes=owns_scopes)
        )
        new_file(adoption_path(stack), adoption_text(adoption, now))
    if conflicts:
        raise ImportConflict(conflicts)
    # The pack's configuration is derived from the catalog: regenerate it (keeping its reviewed
    # allowlist), so that validate's only complaints are the owners a person must fill in.
    after = {**files, **{path: text.encode("utf-8") for path, text in written.items()}}
    scopes = load_files(after).partial_catalog.scopes
    pack, _ = expected_text(Catalog(scopes=scopes, accounts=(), environments=()), after)
    if files.get(POLICY_CONFIG_FILE, b"").decode("utf-8", "replace") != pack and (
        any(scope.privileged for scope in scopes) or POLICY_CONFIG_FILE in files
    ):
        written[POLICY_CONFIG_FILE] = pack
    secret_keys = tuple(
        secret_config_key(account.name)
        for account in plan.accounts
        if account.auth_method == "client_secret_basic"
    )
    return PreparedImport(
        stack,
        environment,
        plan,
        adoption,
        written,
        plan.findings,
        secret_keys,
        import_file_path(stack),
        provider_urn(stack, project),
    )


def write_import(
    out: Path,
    inventory: OrgInventory,
    *,
    stack: str,
    environment: str,
    now: datetime,
    owns_scopes: bool,
    project: str,
) -> PreparedImport:
    """Prepare the import for the repository at `out` and write its files; ImportConflict (and
    nothing written) when a target exists."""
    from svcaccounts.definitions.loader import read_regular_file
    from svcaccounts.workspace import open_working_tree

    files = dict(open_working_tree(out).files)
    import_file = out / import_file_path(stack)
    if import_file.exists():
        files[import_file_path(stack)] = read_regular_file(str(import_file))
    prepared = prepare_import(
        files,
        inventory,
        stack=stack,
        environment=environment,
        now=now,
        owns_scopes=owns_scopes,
        project=project,
    )
    derived = (SCOPE_CATALOG_FILE, POLICY_CONFIG_FILE)
    for path, text in prepared.files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        # "x": a file that appeared since the repository was read is still never overwritten.
        with target.open("w" if path in derived else "x", encoding="utf-8") as handle:
            handle.write(text)
    return prepared
