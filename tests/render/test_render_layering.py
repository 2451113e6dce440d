"""The seams of rendering: the core computes and never renders, rendering never reads
definitions, and each view offers the formats its command lists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import svcaccounts
from svcaccounts.render import FORMATS
from svcaccounts.render import plan as plan_view
from svcaccounts.render import rotation as rotation_view

PACKAGE = Path(svcaccounts.__file__).parent


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_no_core_module_imports_rendering(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m.startswith("svcaccounts.render")}


@pytest.mark.parametrize("path", sorted((PACKAGE / "render").glob("*.py")), ids=lambda p: p.name)
def test_rendering_reads_no_definitions_but_the_finding_type(path: Path) -> None:
    reading = {m for m in imported_modules(path) if m.startswith("svcaccounts.definitions")}
    assert reading <= {"svcaccounts.definitions.findings"}


def test_the_table_views_offer_exactly_the_table_formats() -> None:
    assert tuple(plan_view.RENDERERS) == FORMATS
    assert tuple(rotation_view.RENDERERS) == FORMATS
