"""`make plan` installs requirements-plan.lock, not the whole requirements.lock (the Makefile).

The plan lock must pin exactly what the full lock pins for the same packages, so that `make test`
installing the full lock over it only adds packages. It must hold pyproject.toml's dependencies,
and `svcaccounts validate` and `plan` must run with nothing else installed (in a child interpreter
that cannot import the rest: tests/lean_environment.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker

from tests.lean_environment import canonical, declared_closure, run_lean
from tests.support.repository import DEFINITION_FIXTURES

ROOT = Path(__file__).parent.parent
FULL_LOCK = ROOT / "requirements.lock"
PLAN_LOCK = ROOT / "requirements-plan.lock"
DEFINITIONS = DEFINITION_FIXTURES
# Not a dependency of the package: `pip install -e .` without build isolation needs the backend.
BUILD_BACKEND = "setuptools"


@dataclass(frozen=True)
class Pin:
    version: str
    marker: str | None
    hashes: frozenset[str]


PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^ ;\\]+)(?: ; (?P<marker>[^\\]+?))? \\$"
)


def read_lock(lock: Path) -> dict[str, Pin]:
    """A lock written by `uv pip compile --generate-hashes`: `name==version [; marker] \\` and then
    its `--hash=sha256:...` lines."""
    pins: dict[str, Pin] = {}
    name: str | None = None
    for line in lock.read_text().splitlines():
        if match := PIN.match(line):
            name = canonical(match["name"])
            pins[name] = Pin(match["version"], match["marker"], frozenset())
        elif name is not None and (hash_ := re.match(r"^\s+--hash=(\S+)", line)):
            pin = pins[name]
            pins[name] = Pin(pin.version, pin.marker, pin.hashes | {hash_[1]})
        elif not line.startswith(" "):
            name = None
    return pins


def test_the_plan_lock_pins_the_full_lock_s_versions_and_hashes() -> None:
    full, plan = read_lock(FULL_LOCK), read_lock(PLAN_LOCK)

    assert plan, "no pins read from requirements-plan.lock"
    assert all(pin.hashes for pin in plan.values())
    # Markers may differ: a package the full lock needs everywhere, the plan lock may need only on
    # some Pythons (typing-extensions).
    differing = {
        name: (pin.version, full[name].version if name in full else None)
        for name, pin in plan.items()
        if name not in full or (pin.version, pin.hashes) != (full[name].version, full[name].hashes)
    }
    assert differing == {}


def test_the_plan_lock_holds_the_project_s_dependencies_and_nothing_else() -> None:
    plan = read_lock(PLAN_LOCK)
    needed = declared_closure() | {BUILD_BACKEND}
    installed_here = {
        name for name, pin in plan.items() if pin.marker is None or Marker(pin.marker).evaluate()
    }

    assert sorted(needed - set(plan)) == []
    assert sorted(installed_here - needed) == []
    assert sorted(name for name in plan if name.startswith("pulumi")) == []


def test_validate_plan_and_diff_run_with_only_the_plan_lock_installed(tmp_path: Path) -> None:
    # The pull request's validate and access-review jobs install only the plan lock.
    valid = tmp_path / "valid"
    shutil.copytree(DEFINITIONS / "valid", valid)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(valid)]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "--all"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "base"], check=True)
    invalid = tmp_path / "invalid"
    shutil.copytree(DEFINITIONS / "repo", invalid)
    (invalid / "service_accounts" / "team").mkdir(parents=True)
    # A schema error: the detailed messages come from the `jsonschema` package, imported only then.
    shutil.copy(DEFINITIONS / "invalid" / "unknown-field-typo.yaml", invalid / "service_accounts" / "team")

    run = run_lean(
        read_lock(PLAN_LOCK),
        commands=[
            ["validate", "--root", str(valid)],
            ["plan", "--stack", "dev", "--root", str(valid), "--at", "2025-01-01"],
            ["validate", "--root", str(invalid)],
            ["diff", "--root", str(valid), "--base", "HEAD", "--format", "text"],
        ],
        cwd=tmp_path,
    )

    valid_validate, plan, invalid_validate, diff = run.ran
    assert (diff.code, diff.stderr) == (0, "")
    assert diff.stdout.endswith("no access changes\n")
    assert (valid_validate.code, valid_validate.stdout, valid_validate.stderr) == (
        0,
        "ok: 2 files checked\n",
        "",
    )
    assert (plan.code, plan.stderr) == (0, "")
    assert plan.stdout.startswith("stack dev · environment dev · at 2025-01-01T00:00:00Z\n")
    assert (invalid_validate.code, invalid_validate.stdout, invalid_validate.stderr) == (
        1,
        "service_accounts/team/unknown-field-typo.yaml:1:1: error: missing required field 'scopes'\n"
        "service_accounts/team/unknown-field-typo.yaml:6:1: error: unknown field 'scope'; did you mean 'scopes'?\n"
        "2 errors in 1 file (1 checked)\n",
        "",
    )
    assert [name for name in run.blocked_attempts if name.startswith("pulumi")] == []
    assert run.loaded_outside == []
