"""The one door to a repository: its files read once (the working tree or a git revision), loaded
and checked once, and a stack's settings and environment view taken from that same load.

Every command and the Pulumi program open stacks here, so what `pulumi up` deploys is read by the
very code `validate` and `diff` run, with the same confinement (regular files inside the
repository, no symbolic links) and the same findings. No Pulumi, no rendering.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from svcaccounts.core.adoption import StackAdoption
from svcaccounts.core.contracts.okta_import_file import ImportedResources, ImportFileError, read_import_file
from svcaccounts.core.identity_providers import OKTA
from svcaccounts.core.model import EMPTY_CATALOG, Catalog, EffectiveAccount, EnvironmentView
from svcaccounts.core.settings import StackSettings
from svcaccounts.core.stack_review import StackState
from svcaccounts.definitions.adoption_file import (
    AdoptionResult,
    adoption_findings,
    provided_secrets,
    read_adoption,
)
from svcaccounts.definitions.findings import Finding, has_errors, sorted_findings
from svcaccounts.definitions.gitrev import RevisionError, read_revision_files
from svcaccounts.definitions.layout import (
    SCOPE_CATALOG_FILE,
    adoption_path,
    adoption_stack_of,
    import_stack_of,
    is_definition_path,
    stack_name_of,
)
from svcaccounts.definitions.loader import LoadResult, load_files, read_repository_files
from svcaccounts.definitions.policy_config import policy_config_findings
from svcaccounts.definitions.provider_checks import provider_findings
from svcaccounts.definitions.stack_files import Stack
from svcaccounts.definitions.stack_settings import (
    SettingsResult,
    settings_of,
    shared_server_findings,
)
from svcaccounts.definitions.yaml_reader import read_document

WORKING_TREE = "working tree"


# Why a stack cannot be opened: commands choose their exit code from it.
#   unknown: no such repository, revision, stack or account (a usage error);
#   settings / definitions: the stack file's settings or the definitions have errors.
StackProblem = Literal["unknown", "settings", "definitions"]


class StackError(Exception):
    """A stack cannot be opened: a message for the user, with the located findings behind it."""

    def __init__(
        self, message: str, findings: tuple[Finding, ...] = (), *, problem: StackProblem = "unknown"
    ) -> None:
        super().__init__(message)
        self.findings = findings
        self.problem = problem


def revision_label(revision: str) -> str:
    """How a revision is named in reports: a full commit id is cut to 12 characters."""
    return revision[:12] if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", revision) else revision


@dataclass(frozen=True, slots=True)
class Workspace:
    """One revision of the repository, read and loaded once."""

    label: str
    files: Mapping[str, bytes]
    loaded: LoadResult
    # Each stack's settings, parsed once from the load's own parse of its stack file.
    settings: Mapping[str, SettingsResult]
    # Each stack's adoption state (import/<stack>.adoption.yaml and the adopted secrets its stack
    # file holds), read once; a stack without an adoption file has an empty one.
    adoptions: Mapping[str, AdoptionResult]
    # Each import file (`import/<stack>.json`) by stack, parsed once: what it adopts, or None and
    # why it does not read.
    import_files: Mapping[str, tuple[ImportedResources | None, tuple[Finding, ...]]]

    @classmethod
    def of(cls, label: str, files: Mapping[str, bytes]) -> Workspace:
        loaded = load_files(files)
        settings = {stack.name: settings_of(stack) for stack in loaded.stacks}
        return cls(label, files, loaded, settings, _adoptions(files, loaded, settings), _import_files(files))

    @property
    def stacks(self) -> tuple[Stack, ...]:
        return self.loaded.stacks

    @property
    def definitions_checked(self) -> int:
        return sum(1 for path in self.files if is_definition_path(path))

    @property
    def has_definitions(self) -> bool:
        return SCOPE_CATALOG_FILE in self.files or any(is_definition_path(path) for path in self.files)

    def stack(self, name: str) -> Stack | None:
        return next((stack for stack in self.loaded.stacks if stack.name == name), None)

    def settings_findings(self) -> tuple[Finding, ...]:
        """Every stack's settings findings, located in its stack file, the checks across
        stacks (a shared authorization server's scopes have one owner), and what each stack's
        identity provider cannot express of the definitions (located in those)."""
        own = [finding for result in self.settings.values() for finding in result.findings]
        valid = [(stack, self.settings[stack.name].settings) for stack in self.stacks]
        catalog = self.loaded.partial_catalog
        unexpressible = [
            finding
            for _, settings in valid
            if settings is not None and settings.environment in catalog.environments
            for finding in provider_findings(settings, catalog.for_environment(settings.environment))
        ]
        return (
            *own,
            *shared_server_findings([(stack, s) for stack, s in valid if s is not None]),
            *unexpressible,
        )

    def adoption_findings(self) -> tuple[Finding, ...]:
        return tuple(finding for result in self.adoptions.values() for finding in result.findings)

    def imports(self) -> dict[str, ImportedResources]:
        """Each stack's import file (`import/<stack>.json`), as far as it reads; what `diff`
        compares and `okta preflight` trusts (which existing Okta resources `pulumi import`
        brings under the stack)."""
        return {stack: read for stack, (read, _) in self.import_files.items() if read is not None}

    def import_findings(self) -> tuple[Finding, ...]:
        """An import file that does not read, located at its path (preflight and `diff` rely on
        it, so a broken one is an error, not a silently empty adoption)."""
        return tuple(finding for _, problems in self.import_files.values() for finding in problems)

    def findings(self) -> tuple[Finding, ...]:
        """The revision's own problems: files, definitions, catalog, every stack's settings and
        adoption state."""
        return sorted_findings(
            [
                *self.loaded.findings,
                *self.settings_findings(),
                *self.adoption_findings(),
                *self.import_findings(),
            ]
        )

    def validate_findings(self) -> tuple[Finding, ...]:
        """Everything `validate` reports: `findings()`, and whether the policy pack's committed
        configuration matches the catalog (a derived file, checked as a lock file is)."""
        catalog = self.loaded.catalog
        pack = policy_config_findings(catalog, self.files) if catalog is not None else []
        return sorted_findings([*self.findings(), *pack])


def _import_files(
    files: Mapping[str, bytes],
) -> dict[str, tuple[ImportedResources | None, tuple[Finding, ...]]]:
    found: dict[str, tuple[ImportedResources | None, tuple[Finding, ...]]] = {}
    for path, text in sorted(files.items()):
        stack = import_stack_of(path)
        if stack is None:
            continue
        try:
            found[stack] = (read_import_file(text), ())
        except ImportFileError as error:
            found[stack] = (None, tuple(Finding(path, 1, 1, problem) for problem in error.problems))
    return found


def _adoptions(
    files: Mapping[str, bytes], loaded: LoadResult, settings: Mapping[str, SettingsResult]
) -> dict[str, AdoptionResult]:
    """Every stack's adoption state (empty without an adoption file); an adoption file of no
    stack is itself a finding, kept under its path."""
    results: dict[str, AdoptionResult] = {}
    catalog = loaded.catalog
    for stack in loaded.stacks:
        secrets, secret_findings = provided_secrets(stack)
        path = adoption_path(stack.name)
        if path not in files:
            empty = StackAdoption(stack.name, {}, secrets)
            results[stack.name] = AdoptionResult(empty, tuple(secret_findings))
            continue
        read, document = read_adoption(stack.name, path, files[path])
        adoption = StackAdoption(stack.name, read.accounts, secrets)
        parsed = settings[stack.name].settings
        view = (
            catalog.for_environment(parsed.environment)
            if catalog is not None and parsed is not None and parsed.environment in catalog.environments
            else None
        )
        # Adoption keeps an Okta app's legacy keys or secret: on another provider's stack the
        # program would ignore the file, and a reviewer would read a promise nobody keeps.
        provider = [] if parsed is None or parsed.identity_provider == OKTA else [
            Finding(
                path,
                1,
                1,
                f"stack {stack.name} deploys to {parsed.identity_provider}: adoption (legacy keys, a kept "
                "secret) applies to Okta stacks only; remove this file",
            )
        ]
        results[stack.name] = AdoptionResult(
            adoption,
            (
                *provider,
                *document.findings,
                *secret_findings,
                *adoption_findings(adoption, document, view),
            ),
        )
    known = sorted(stack.name for stack in loaded.stacks)
    for path in sorted(files):
        name = adoption_stack_of(path)
        if name is not None and name not in results:
            message = (
                f"no stack {name!r} (Pulumi.{name}.yaml) for this adoption file; known stacks: "
                f"{', '.join(known) or 'none'}"
            )
            results[path] = AdoptionResult(StackAdoption(name, {}), (Finding(path, 1, 1, message),))
    return results


def open_working_tree(root: Path) -> Workspace:
    if not root.is_dir():
        raise StackError(f"{root} is not a directory")
    files = read_repository_files(root)
    return Workspace.of(WORKING_TREE, files)


def open_revision(root: Path, revision: str) -> Workspace:
    """`revision` of the git repository at `root`; StackError(unknown) when git cannot read it."""
    if not root.is_dir():
        raise StackError(f"{root} is not a directory")
    try:
        files = read_revision_files(root, revision)
    except RevisionError as error:
        raise StackError(str(error)) from None
    return Workspace.of(revision_label(revision), files)


def stack_states(workspace: Workspace) -> dict[str, StackState]:
    """Every stack of `workspace` as the stack-settings review compares it."""
    catalog = workspace.loaded.partial_catalog
    states: dict[str, StackState] = {}
    for stack in workspace.stacks:
        settings = workspace.settings[stack.name].settings
        environment = settings.environment if settings is not None else stack.environment
        accounts = (
            len(catalog.for_environment(environment).accounts) if environment in catalog.environments else 0
        )
        states[stack.name] = StackState(settings, environment, accounts)
    return states


# ---- the base of a review ----------------------------------------------------------------

# Enough paths for a reviewer to act on; `svcaccounts validate` on the base lists them all.
SHOWN_BASE_PATHS = 10


@dataclass(frozen=True, slots=True)
class BaseCatalog:
    """What the base offers to compare, and what a reviewer must know about its limits."""

    catalog: Catalog
    notes: tuple[str, ...]
    compare_catalog: bool


def _listed(paths: list[str]) -> str:
    shown = ", ".join(f"`{path}`" for path in paths[:SHOWN_BASE_PATHS])
    more = len(paths) - SHOWN_BASE_PATHS
    return shown + (f" and {more} more" if more > 0 else "")


def _account_names(files: Mapping[str, bytes], paths: list[str]) -> list[str]:
    """The `name` of each invalid definition file, where the file is readable enough to say."""
    names = []
    for path in paths:
        value = read_document(path, files[path]).value
        name = value.get("name") if isinstance(value, dict) else None
        if isinstance(name, str) and name:
            names.append(name)
    return sorted(set(names))


def base_catalog(base: Workspace) -> BaseCatalog:
    """The base revision of a review, read leniently: a base without definitions compares as
    empty, and an invalid one through the loader's partial catalog, with notes that say what was
    left out."""
    label, files, result = base.label, base.files, base.loaded
    if not base.has_definitions:
        return BaseCatalog(
            EMPTY_CATALOG,
            (f"the base ({label}) has no definitions yet: everything is reported as new",),
            compare_catalog=True,
        )
    if result.ok:
        return BaseCatalog(result.partial_catalog, (), compare_catalog=True)
    errors = [finding for finding in result.findings if finding.severity == "error"]
    paths = sorted({finding.path for finding in errors})
    notes = [
        f"the base ({label}) has {len(errors)} error{'s' * (len(errors) != 1)} in its "
        f"definitions; compared what could be compared. Left out of the base: {_listed(paths)}"
    ]
    invalid_definitions = [path for path in paths if is_definition_path(path)]
    if invalid_definitions:
        named = _account_names(files, invalid_definitions)
        which = f" ({', '.join(f'`{name}`' for name in named)})" if named else ""
        notes.append(
            f"accounts defined in the base's invalid files{which} are reported as added: "
            "their base state is unknown"
        )
    scopes_unreadable = SCOPE_CATALOG_FILE in paths
    if scopes_unreadable:
        notes.append("the base's scopes.yaml could not be read: catalog changes are not reported")
    if any(stack_name_of(path) is not None or path == "Pulumi.yaml" for path in paths):
        notes.append(
            "some base stack files could not be read: accounts in their environments are reported as added"
        )
    return BaseCatalog(result.partial_catalog, tuple(notes), compare_catalog=not scopes_unreadable)


@dataclass(frozen=True, slots=True)
class OpenStack:
    """A stack ready to plan, check or deploy: its settings and its environment's accounts."""

    settings: StackSettings
    catalog: Catalog
    view: EnvironmentView
    # Warnings about the stack's settings (errors end in StackError).
    warnings: tuple[Finding, ...]
    # Imported accounts' legacy keys and kept secrets (import/<stack>.adoption.yaml).
    adoption: StackAdoption

    def account(self, name: str) -> EffectiveAccount:
        for account in self.view.accounts:
            if account.name == name:
                return account
        known = ", ".join(sorted(account.name for account in self.view.accounts)) or "none"
        raise StackError(
            f"no account {name!r} in stack {self.settings.stack} "
            f"(environment {self.settings.environment}); its accounts: {known}",
        )


def stack_settings(workspace: Workspace, name: str, *, where: str) -> SettingsResult:
    """The settings of stack `name` as its stack file in `workspace` gives them."""
    stack = workspace.stack(name)
    if stack is None:
        known = ", ".join(candidate.name for candidate in workspace.stacks) or "none"
        raise StackError(
            f"no stack {name!r} (Pulumi.{name}.yaml) in {where}; known stacks: {known}",
            tuple(f for f in workspace.loaded.findings if f.path.startswith("Pulumi.")),
        )
    return workspace.settings[stack.name]


def open_stack(workspace: Workspace, name: str, *, where: str) -> OpenStack:
    """Stack `name` of `workspace`: its settings (from its stack file) and its environment's
    accounts, or a StackError that lists every problem. `where` names the repository in messages.
    The program compares the Pulumi runtime's config with these settings itself (infra/program.py)."""
    settings_result = stack_settings(workspace, name, where=where)
    settings = settings_result.settings
    if settings is None or has_errors(settings_result.findings):
        raise StackError(
            f"invalid settings in Pulumi.{name}.yaml", settings_result.findings, problem="settings"
        )
    catalog = workspace.loaded.catalog
    if catalog is None:
        raise StackError(
            "invalid definitions: fix them first (svcaccounts validate)",
            workspace.loaded.findings,
            problem="definitions",
        )
    view = catalog.for_environment(settings.environment)
    unexpressible = provider_findings(settings, view)
    if has_errors(unexpressible):
        raise StackError(
            f"definitions that stack {name}'s identity provider ({settings.identity_provider}) cannot "
            "express (svcaccounts validate)",
            sorted_findings(unexpressible),
            problem="definitions",
        )
    adoption = workspace.adoptions[name]
    if has_errors(adoption.findings):
        raise StackError(
            f"invalid adoption state for stack {name} (svcaccounts validate)",
            sorted_findings(adoption.findings),
            problem="definitions",
        )
    return OpenStack(
        settings=settings,
        catalog=catalog,
        view=view,
        warnings=settings_result.findings,
        adoption=adoption.adoption,
    )


def open_stack_at(root: Path, name: str) -> OpenStack:
    """Stack `name` of the working tree at `root`: the one call commands and the program make."""
    return open_stack(open_working_tree(root), name, where=str(root.resolve()))
