"""Running svcaccounts as if only some distributions were installed: the check behind the lean
installs (`svcaccounts[client]`, `svcaccounts[client-aws]`, and requirements-plan.lock for `make plan`).

The literal check would be a fresh virtualenv holding only those distributions. Building one needs
the registry (or a wheelhouse) and most of a minute. For what imports need, this is equivalent, and
it runs offline in a second or two. The project's own interpreter runs a child (`python -I`, so no
PYTHONPATH, user site or working directory on sys.path) that puts a finder ahead of all others.
For every top-level module that only other distributions provide, the finder raises the
ModuleNotFoundError that a venv without them would raise. Optional imports (`try: import x /
except ImportError`) therefore take the same branch as in a lean venv. Allowed and other
distributions can share a namespace package (`azure`, `google`), so afterwards every module the
child loaded from site-packages must be a file one of the allowed distributions installed.
Not covered: using another distribution without importing it (its entry points, its metadata,
its data files read by path).

The parent side (the tests) imports this module. The child runs it as a script, so its top level
imports only the standard library.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.metadata
import io
import json
import os
import re
import subprocess
import sys
import sysconfig
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = "svcaccounts"


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name: `PyYAML` and `pyyaml`, `jsonschema_rs` and `jsonschema-rs`."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- the parent side ------------------------------------------------------------------------------


def declared_closure(*extras: str) -> frozenset[str]:
    """The distributions `pip install 'svcaccounts[extras]'` brings: the project's requirements with
    those extras, followed through the installed distributions' metadata, markers evaluated for this
    interpreter. The project itself is not in the set."""
    from packaging.requirements import Requirement

    seen: set[tuple[str, frozenset[str]]] = set()
    closure: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(PROJECT, frozenset(extras))]
    while pending:
        name, wanted = pending.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        for line in importlib.metadata.requires(name) or ():
            requirement = Requirement(line)
            if requirement.marker is not None and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in ("", *wanted)
            ):
                continue
            dependency = canonical(requirement.name)
            if dependency != PROJECT:
                closure.add(dependency)
            pending.append((dependency, frozenset(requirement.extras)))
    return frozenset(closure)


@dataclass(frozen=True)
class Ran:
    argv: list[str]
    code: int | None
    stdout: str
    stderr: str


@dataclass(frozen=True)
class LeanRun:
    imported: dict[str, str | None]  # module -> None, or the error that importing it raised
    ran: list[Ran]
    blocked_attempts: list[str]  # top-level modules the code tried to import and was refused
    loaded_outside: list[str]  # "module: file" loaded from site-packages, not from an allowed distribution


def run_lean(
    allowed: Iterable[str],
    *,
    imports: Sequence[str] = (),
    commands: Sequence[Sequence[str]] = (),
    env: dict[str, str] | None = None,
    cwd: Path,
) -> LeanRun:
    """Import `imports`, then run each `svcaccounts` command line in `commands` (in one child
    process, in order), with only the distributions `allowed` (and svcaccounts) importable."""
    spec = {
        "allowed": sorted(canonical(name) for name in allowed),
        "imports": list(imports),
        "commands": [list(argv) for argv in commands],
    }
    result_file = cwd / "lean-run.json"
    completed = subprocess.run(
        [sys.executable, "-I", __file__, str(result_file)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = json.loads(result_file.read_text())
    return LeanRun(
        imported=result["imported"],
        ran=[Ran(**ran) for ran in result["ran"]],
        blocked_attempts=result["blocked_attempts"],
        loaded_outside=result["loaded_outside"],
    )


# --- the child side -------------------------------------------------------------------------------


class _OnlyAllowed(importlib.abc.MetaPathFinder):
    def __init__(self, blocked: frozenset[str]) -> None:
        self.blocked = blocked
        self.attempts: set[str] = set()

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        top = fullname.partition(".")[0]
        if top in self.blocked:
            self.attempts.add(top)
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _allowed_files(allowed: frozenset[str]) -> set[str]:
    files: set[str] = set()
    for distribution in importlib.metadata.distributions():
        if canonical(distribution.metadata["Name"]) in allowed:
            files.update(os.path.realpath(str(file.locate())) for file in distribution.files or ())
    return files


def _child(result_file: Path) -> None:
    spec = json.load(sys.stdin)
    allowed = frozenset({*spec["allowed"], PROJECT})
    providers = importlib.metadata.packages_distributions()
    blocked = frozenset(
        top
        for top, distributions in providers.items()
        if top not in sys.stdlib_module_names and not {canonical(d) for d in distributions} & allowed
    )
    finder = _OnlyAllowed(blocked)
    sys.meta_path.insert(0, finder)
    before = set(sys.modules)

    imported: dict[str, str | None] = {}
    for name in spec["imports"]:
        try:
            importlib.import_module(name)
            imported[name] = None
        except Exception as error:
            imported[name] = f"{type(error).__name__}: {error}"

    ran: list[dict[str, Any]] = []
    for argv in spec["commands"]:
        out, err = io.StringIO(), io.StringIO()
        code: int | None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                from svcaccounts.cli import main

                code = main(argv)
            except BaseException:
                traceback.print_exc()
                code = None
        ran.append({"argv": argv, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})

    site_dirs = tuple(os.path.realpath(sysconfig.get_paths()[key]) + os.sep for key in ("purelib", "platlib"))
    files = _allowed_files(allowed)
    loaded_outside = []
    for name in sorted(set(sys.modules) - before):
        file = getattr(sys.modules[name], "__file__", None)
        if file is None:
            continue
        real = os.path.realpath(file)
        if real.startswith(site_dirs) and real not in files:
            loaded_outside.append(f"{name}: {real}")

    result_file.write_text(
        json.dumps(
            {
                "imported": imported,
                "ran": ran,
                "blocked_attempts": sorted(finder.attempts),
                "loaded_outside": loaded_outside,
            }
        )
    )


if __name__ == "__main__":
    _child(Path(sys.argv[1]))
