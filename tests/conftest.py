"""Shared test helpers: a throwaway repository built from files a reviewer can open."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "definitions" / "fixtures"
REPOSITORY_ROOT = Path(__file__).parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the fixture catalog and stacks (dev, staging, prod) and no definitions."""
    shutil.copytree(FIXTURES / "repo", tmp_path, dirs_exist_ok=True)
    (tmp_path / "service_accounts").mkdir()
    return tmp_path
