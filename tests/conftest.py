"""Shared test helpers: a throwaway repository built from files a reviewer can open."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# The token client's fixtures serve tests/client/ and the commands' tests alike.
pytest_plugins = ["tests.support.authz_fixtures"]

FIXTURES = Path(__file__).parent / "definitions" / "fixtures"
REPOSITORY_ROOT = Path(__file__).parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the fixture catalog and stacks (dev, staging, prod) and no definitions."""
    for source in (FIXTURES / "repo").iterdir():
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "service_accounts").mkdir()
    return tmp_path
