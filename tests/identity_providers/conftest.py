"""A repository whose dev stack deploys to Okta and whose prod stack deploys to Entra ID, copied
from tests/fixtures/mixed-providers/ (files a reviewer can open) into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

MIXED = Path(__file__).parent.parent / "fixtures" / "mixed-providers"
TENANT = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(MIXED, root)
    return root


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new))
