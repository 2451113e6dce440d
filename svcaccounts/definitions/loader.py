"""Repository files → findings and the model.

`load_files` works on any mapping of repository-relative paths to bytes (the working tree, a git
revision), so review compares two revisions with the very code that validates one.
"""

from __future__ import annotations

import errno
import gc
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svcaccounts.core.model import (
    Catalog,
    EnvironmentOverride,
    Owner,
    Rotation,
    RotationOverride,
    Scope,
    ServiceAccount,
)
from svcaccounts.definitions.findings import Finding, has_errors, sorted_findings
from svcaccounts.definitions.layout import (
    DEFINITION_SUFFIXES,
    DEFINITIONS_DIR,
    IMPORT_DIR,
    POLICY_CONFIG_FILE,
    SCOPE_CATALOG_FILE,
    adoption_stack_of,
    import_stack_of,
    is_definition_path,
    stack_name_of,
)
from svcaccounts.definitions.schema import (
    SCOPE_CATALOG_SCHEMA,
    SERVICE_ACCOUNT_SCHEMA,
    SchemaChecker,
    account_defaults,
)
from svcaccounts.definitions.semantic import check_account, check_catalog, check_unique_names, check_values
from svcaccounts.definitions.stack_files import Stack, environments_of, read_stacks
from svcaccounts.definitions.yaml_reader import MAX_FILE_BYTES, Document, read_document


@dataclass(frozen=True, slots=True)
class LoadResult:
    findings: tuple[Finding, ...]
    stacks: tuple[Stack, ...]
    # Every file that passed its own checks, even when others failed: review compares what it can.
    partial_catalog: Catalog

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def catalog(self) -> Catalog | None:
        """The whole catalog, or None when any file has an error."""
        return self.partial_catalog if self.ok else None


_checkers: dict[str, SchemaChecker] = {}


def _checker(schema_name: str) -> SchemaChecker:
    # Compiling a schema costs milliseconds; one per process is plenty.
    if schema_name not in _checkers:
        _checkers[schema_name] = SchemaChecker(schema_name)
    return _checkers[schema_name]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Loading builds hundreds of thousands of small acyclic objects (nodes, dicts) that all stay
    alive until the model is built; the cyclic collector would re-scan that growing heap again and
    again (5 s instead of 1.5 s for 10,000 files) to find nothing. Reference counting still frees
    everything, since nothing here makes cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_files(files: Mapping[str, bytes]) -> LoadResult:
    """Validate and load a repository given as repository-relative POSIX path → bytes."""
    with _cyclic_gc_paused():
        return _load_files(files)


def _load_files(files: Mapping[str, bytes]) -> LoadResult:
    findings: list[Finding] = list(files.problems) if isinstance(files, RepositoryFiles) else []
    stacks, stack_findings = read_stacks(files)
    findings.extend(stack_findings)
    environments = environments_of(stacks)
    if not stacks:
        findings.append(
            Finding("Pulumi.yaml", 1, 1, "no stack file (Pulumi.<stack>.yaml) declares an environment")
        )

    scopes, catalog_findings = _load_scope_catalog(files.get(SCOPE_CATALOG_FILE))
    findings.extend(catalog_findings)
    catalog_scopes = None if scopes is None else {scope.name for scope in scopes}

    valid: list[Document] = []
    readable: list[Document] = []
    all_documents: list[Document] = []
    checker = _checker(SERVICE_ACCOUNT_SCHEMA)
    for path in sorted(p for p in files if is_definition_path(p)):
        document = read_document(path, files[path])
        all_documents.append(document)
        if path.endswith(".yml"):
            document.error(1, 1, "definition files must end in .yaml")
        if not document.readable:
            continue
        # Every stage runs on every readable file, so a file's problems all come out in one
        # run: the schema skips what the reader flagged, and the semantic checks look only at
        # the parts that are well formed.
        schema_valid = checker.check(document)
        check_values(document)
        check_account(document, catalog_scopes=catalog_scopes, environments=environments)
        readable.append(document)
        if schema_valid:
            valid.append(document)
    check_unique_names(readable)

    accounts = []
    for document in all_documents:
        findings.extend(document.findings)
        if document.suppressed:
            findings.append(_more_findings(document))
    for document in valid:
        if not has_errors(document.findings):
            accounts.append(_account_from(document))
    catalog = Catalog(
        scopes=scopes or (),
        accounts=tuple(sorted(accounts, key=lambda account: account.name)),
        environments=environments,
    )
    return LoadResult(findings=sorted_findings(findings), stacks=stacks, partial_catalog=catalog)


def _more_findings(document: Document) -> Finding:
    more = document.suppressed
    # Placed at the end of the file, so that it follows the listed findings.
    line = max(
        (finding.line + 1 for finding in document.findings),
        default=1,
    )
    if document.root is not None:
        line = max(line, document.root.end_mark.line + 1)
    return Finding(
        document.path,
        line,
        1,
        f"{more} more problem{'s' * (more != 1)} in this file are not listed "
        f"(the first {len(document.findings)} are); fix those and run again",
    )


def load_repository(root: Path) -> LoadResult:
    """Read the stack files, scopes.yaml and every definition under service_accounts/ from disk."""
    return load_files(read_repository_files(root))


class RepositoryFiles(dict[str, bytes]):
    """Files read from a working tree, with what could not be read: `load_files` reports those
    problems beside the files' own findings, so every caller gets them without asking."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[Finding] = []

    def refuse(self, path: str, message: str) -> None:
        self.problems.append(Finding(path, 1, 1, message))


def read_repository_files(root: Path) -> RepositoryFiles:
    """The files loading needs, as repository-relative POSIX path → bytes (each capped).

    Only regular files inside the repository are read. A symbolic link could pull any file on the
    runner (or /dev/zero) into a pull request's CI log, so links are refused, not followed, and
    so are FIFOs, devices and unreadable files, each with a finding."""
    files = RepositoryFiles()
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.name == SCOPE_CATALOG_FILE or stack_name_of(entry.name):
                _read_entry(files, entry, entry.name)
    policies = os.path.join(root, os.path.dirname(POLICY_CONFIG_FILE))
    if os.path.islink(policies):
        files.refuse(
            POLICY_CONFIG_FILE,
            "its folder is a symbolic link; the pack's configuration must live in the repository",
        )
    elif os.path.isdir(policies):
        with os.scandir(policies) as entries:
            for entry in entries:
                if entry.name == os.path.basename(POLICY_CONFIG_FILE):
                    _read_entry(files, entry, POLICY_CONFIG_FILE)
    _read_adoption_files(files, root)
    # Plain strings and scandir rather than Path objects: this runs once per file in the org.
    top = os.path.join(root, DEFINITIONS_DIR)
    if os.path.islink(top):
        message = f"{DEFINITIONS_DIR} is a symbolic link; definitions must live in the repository"
        files.refuse(DEFINITIONS_DIR, message)
        return files
    pending = [(top, DEFINITIONS_DIR)]
    while pending:
        directory, relative = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries_list = list(listing)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as error:
            files.refuse(relative, f"cannot read this folder: {error.strerror or error}")
            continue
        for entry in entries_list:
            if entry.name.startswith("."):
                continue
            path = f"{relative}/{entry.name}"
            if entry.is_symlink():
                files.refuse(path, "symbolic links are not followed; put the definition itself here")
            elif entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, path))
            elif entry.name.endswith(DEFINITION_SUFFIXES):
                _read_entry(files, entry, path)
    return files


def _read_adoption_files(files: RepositoryFiles, root: Path) -> None:
    """`import/<stack>.adoption.yaml`: they change what deploys, so they are read as strictly as
    the definitions (regular files inside the repository, links refused)."""
    folder = os.path.join(root, IMPORT_DIR)
    if os.path.islink(folder):
        message = f"{IMPORT_DIR} is a symbolic link; adoption files must live in the repository"
        files.refuse(IMPORT_DIR, message)
        return
    if not os.path.isdir(folder):
        return
    with os.scandir(folder) as entries:
        for entry in entries:
            path = f"{IMPORT_DIR}/{entry.name}"
            # The import file too: it says which existing Okta resources `pulumi import` brings
            # under the stack, and preflight trusts it; `diff` reviews it.
            if adoption_stack_of(path) is not None or import_stack_of(path) is not None:
                _read_entry(files, entry, path)


def _read_entry(files: RepositoryFiles, entry: os.DirEntry[str], path: str) -> None:
    try:
        files[path] = read_regular_file(entry.path)
    except NotRegularFile as refused:
        files.refuse(path, str(refused))
    except OSError as error:
        files.refuse(path, f"cannot read this file: {error.strerror or error}")


class NotRegularFile(Exception):
    """A path that is a symbolic link, a FIFO, a device or a folder: never read."""


# Open without following a final symbolic link and without blocking on a FIFO; the descriptor,
# not the name, is then checked, so nothing can swap the file between the check and the read.
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def read_regular_file(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The first `limit` + 1 bytes of the regular file at `path` (one byte past the cap, so the
    reader can say "too large" without loading a huge file)."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotRegularFile("symbolic links are not followed; put the file itself here") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotRegularFile("not a regular file")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _load_scope_catalog(data: bytes | None) -> tuple[tuple[Scope, ...] | None, list[Finding]]:
    if data is None:
        return None, [Finding(SCOPE_CATALOG_FILE, 1, 1, "scope catalog scopes.yaml is missing")]
    document = read_document(SCOPE_CATALOG_FILE, data)
    if document.readable:
        _checker(SCOPE_CATALOG_SCHEMA).check(document)
        check_values(document)
        check_catalog(document)
    if document.findings:
        more = [_more_findings(document)] if document.suppressed else []
        return None, [*document.findings, *more]
    scopes = tuple(
        Scope(
            name=item["name"],
            description=item["description"],
            privileged=item.get("privileged", False),
            name_at=document.locate(("scopes", index, "name")),
        )
        for index, item in enumerate(document.value["scopes"])
    )
    return scopes, []


def _account_from(document: Document) -> ServiceAccount:
    value: dict[str, Any] = document.value
    rotation = value["rotation"]
    defaults = account_defaults()
    return ServiceAccount(
        name=value["name"],
        description=value["description"],
        owner=Owner(team=value["owner"]["team"], email=value["owner"]["email"]),
        scopes=tuple(value["scopes"]),
        rotation=Rotation(
            period_days=rotation["period_days"],
            grace_days=rotation.get("grace_days", defaults.grace_days),
            force=rotation.get("force", defaults.force),
        ),
        environments={
            environment: _override_from(document, environment, override)
            for environment, override in value["environments"].items()
        },
        auth_method=value.get("auth_method", defaults.auth_method),
        token_lifetime_minutes=value.get("token_lifetime_minutes", defaults.token_lifetime_minutes),
        status=value.get("status", defaults.status),
        source=document.path,
        token_lifetime_at=(
            document.locate(("token_lifetime_minutes",), key=True)
            if "token_lifetime_minutes" in value
            else None
        ),
        scopes_at=document.locate(("scopes",), key=True),
        rotation_at=document.locate(("rotation",), key=True),
        auth_method_at=(
            document.locate(("auth_method",), key=True) if "auth_method" in value else (1, 1)
        ),
    )


def _override_from(document: Document, environment: str, override: dict[str, Any]) -> EnvironmentOverride:
    rotation = override.get("rotation")

    def at(key: str) -> tuple[int, int] | None:
        return document.locate(("environments", environment, key), key=True) if key in override else None

    return EnvironmentOverride(
        scopes=tuple(override["scopes"]) if "scopes" in override else None,
        token_lifetime_minutes=override.get("token_lifetime_minutes"),
        rotation=None
        if rotation is None
        else RotationOverride(
            period_days=rotation.get("period_days"),
            grace_days=rotation.get("grace_days"),
            force=rotation.get("force"),
        ),
        status=override.get("status"),
        auth_method=override.get("auth_method"),
        token_lifetime_at=at("token_lifetime_minutes"),
        scopes_at=at("scopes"),
        rotation_at=at("rotation"),
        auth_method_at=at("auth_method"),
    )
