"""Fixtures every test folder may use: a throwaway repository built from files a reviewer can open,
and (through the plugin) the token client's loopback server and accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.repository import DEFINITION_FIXTURES, repository

# The token client's fixtures serve tests/client/ and the commands' tests alike.
pytest_plugins = ["tests.support.authz_fixtures", "tests.support.okta_fixtures", "tests.support.auth0_fixtures"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the fixture catalog and stacks (dev, staging, prod) and no definitions."""
    return repository(tmp_path, DEFINITION_FIXTURES / "repo")
