"""Where the fixture files are, and the one way to build a throwaway repository from them.

Fixtures are files a reviewer can open, under tests/fixtures/:
- definitions/: repo/ (a catalog and three stacks, no definitions), valid/ (an organisation
  without findings), invalid/ (one bad definition per case), catalogs/, warnings/;
- review/: BASELINE, a repository, and CHANGES, one overlay per access change;
- verify-repo/: one dev stack and three accounts, for the commands that read bundles;
- sample-organisation/: a copy of the shipped samples (see tests/support/samples.py);
- aws-stack/: a prod stack that keeps the bundles in AWS Secrets Manager.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY_ROOT / "tests" / "fixtures"
DEFINITION_FIXTURES = FIXTURES / "definitions"
BASELINE = FIXTURES / "review" / "base"
CHANGES = FIXTURES / "review" / "changes"
VERIFY_REPO = FIXTURES / "verify-repo"
AWS_STACK_DIR = FIXTURES / "aws-stack"


def repository(root: Path, *layers: Path) -> Path:
    """A repository at `root`: each fixture folder of `layers` copied over the ones before it (a
    later file replaces an earlier one). service_accounts/ always exists: git keeps no empty
    folder in a fixture."""
    root.mkdir(parents=True, exist_ok=True)
    for layer in layers:
        shutil.copytree(layer, root, dirs_exist_ok=True)
    (root / "service_accounts").mkdir(exist_ok=True)
    return root
