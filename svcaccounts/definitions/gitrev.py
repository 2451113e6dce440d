"""The definition files of one git revision, as the loader's `load_files` wants them.

Three git processes whatever the number of files: `rev-parse` resolves the revision, `ls-tree`
lists the top level, then `service_accounts/` and `import/` (adoption and import files), and a single
`cat-file --batch` streams every blob.
Paths are relative to `root` (git resolves pathspecs and prints paths relative to the working
directory), so a definitions folder below the repository's top level works too.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from svcaccounts.definitions.layout import (
    DEFINITIONS_DIR,
    IMPORT_DIR,
    SCOPE_CATALOG_FILE,
    adoption_stack_of,
    import_stack_of,
    is_definition_path,
    stack_name_of,
)
from svcaccounts.definitions.loader import RepositoryFiles
from svcaccounts.definitions.yaml_reader import MAX_FILE_BYTES

_BLOB_MODES = (b"100644", b"100755")  # not symlinks (120000) nor submodules (160000)
_SYMLINK_MODE = b"120000"
_CHUNK = 64 * 1024


class RevisionError(Exception):
    """A revision that cannot be read; the message is for the user, without a traceback."""


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    oid: str


def _git(root: Path, args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError as error:
        raise RevisionError("git is not installed or not on PATH") from error


def _stderr(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", "replace").strip().removeprefix("fatal: ")


def resolve_tree(root: Path, revision: str) -> str:
    """The tree id `revision` names, or a RevisionError that says why not."""
    if not revision or revision.startswith("-"):
        raise RevisionError(f"invalid revision {revision!r}")
    inside = _git(root, ["rev-parse", "--is-inside-work-tree"])
    if inside.returncode != 0:
        raise RevisionError(f"{root} is not inside a git repository ({_stderr(inside)})")
    resolved = _git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{tree}"])
    if resolved.returncode != 0:
        raise RevisionError(
            f"unknown revision {revision!r} in {root}: not a branch, tag or commit here "
            "(in CI, fetch it first, e.g. `git fetch origin main` or checkout with fetch-depth: 0)"
        )
    return resolved.stdout.decode("ascii").strip()


def _ls_tree(root: Path, tree: str, *under: str) -> list[tuple[bytes, bytes, str]]:
    """Blobs at the top level of `tree`, or everywhere below the folders `under`."""
    args = ["ls-tree", "-z", tree] if not under else ["ls-tree", "-z", "-r", tree, "--", *under]
    listed = _git(root, args)
    if listed.returncode != 0:
        raise RevisionError(f"cannot list {tree}: {_stderr(listed)}")
    entries = []
    for record in listed.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, oid = meta.split()[:3]
        if kind == b"blob" and (mode in _BLOB_MODES or mode == _SYMLINK_MODE):
            entries.append((mode, oid, name.decode("utf-8", "surrogateescape")))
    return entries


def _wanted(root: Path, tree: str) -> tuple[list[_Entry], list[str]]:
    """The blobs to read, and the symbolic links among the wanted paths (refused, as in the
    working tree: a revision must report what a checkout of it would)."""
    entries: list[_Entry] = []
    links: list[str] = []

    def take(mode: bytes, oid: bytes, path: str) -> None:
        if mode == _SYMLINK_MODE:
            links.append(path)
        else:
            entries.append(_Entry(path, oid.decode("ascii")))

    for mode, oid, path in _ls_tree(root, tree):
        if path == SCOPE_CATALOG_FILE or stack_name_of(path) is not None:
            take(mode, oid, path)
    for mode, oid, path in _ls_tree(root, tree, DEFINITIONS_DIR + "/", IMPORT_DIR + "/"):
        if adoption_stack_of(path) is not None or import_stack_of(path) is not None:
            take(mode, oid, path)
            continue
        # As the working-tree reader does: hidden folders under service_accounts/ are skipped.
        hidden = any(part.startswith(".") for part in path.split("/")[1:-1])
        if is_definition_path(path) and not hidden:
            take(mode, oid, path)
    return entries, links


def _read_exactly(stream: IO[bytes], size: int, keep: int) -> bytes:
    """Read `size` bytes, keeping at most `keep`: a huge blob never sits in memory whole."""
    kept = bytearray()
    remaining = size
    while remaining:
        chunk = stream.read(min(_CHUNK, remaining))
        if not chunk:
            raise RevisionError("git cat-file ended early")
        remaining -= len(chunk)
        if len(kept) < keep:
            kept.extend(chunk[: keep - len(kept)])
    return bytes(kept)


def _cat_blobs(root: Path, entries: Sequence[_Entry]) -> dict[str, bytes]:
    if not entries:
        return {}
    request = b"".join(entry.oid.encode("ascii") + b"\n" for entry in entries)
    process = subprocess.Popen(
        ["git", "-C", str(root), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None

    def feed(stdin: IO[bytes]) -> None:
        # A writer thread: git answers while we still send, and both pipes could fill up.
        # OSError: git went away (killed below after a read error); the reader says why.
        with contextlib.suppress(OSError):
            stdin.write(request)
        with contextlib.suppress(OSError):
            stdin.close()

    writer = threading.Thread(target=feed, args=(process.stdin,), daemon=True)
    writer.start()
    files: dict[str, bytes] = {}
    try:
        for entry in entries:
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise RevisionError(f"git cat-file cannot read {entry.path} ({entry.oid})")
            # One byte past the cap, like the working-tree reader, so the loader says "too large".
            files[entry.path] = _read_exactly(process.stdout, int(header[2]), MAX_FILE_BYTES + 1)
            process.stdout.read(1)  # the newline after each object
    except BaseException:
        # Stop git first: a writer blocked on a full stdin pipe can only finish once git is gone.
        process.kill()
        raise
    finally:
        process.stdout.close()
        writer.join()
        process.wait()
    return files


def read_revision_files(root: Path, revision: str) -> Mapping[str, bytes]:
    """Stack files, scopes.yaml and definitions of `revision`, by path relative to `root`."""
    tree = resolve_tree(root, revision)
    entries, links = _wanted(root, tree)
    files = RepositoryFiles()
    files.update(_cat_blobs(root, entries))
    for path in links:
        files.refuse(path, "symbolic links are not followed; put the file itself here")
    return files
