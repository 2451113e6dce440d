"""The Auth0 reader stands alone: it reads the tenant log into the core's records, and knows
nothing of definitions, Pulumi, commands, rendering or the Okta reader."""

from __future__ import annotations

from pathlib import Path

import pytest

import svcaccounts
from tests.render.test_render_layering import imported_modules

READER = Path(svcaccounts.__file__).parent / "auth0_api"
FORBIDDEN = (
    "pulumi",
    "svcaccounts.infra",
    "svcaccounts.definitions",
    "svcaccounts.commands",
    "svcaccounts.render",
    "svcaccounts.okta_api",
)


@pytest.mark.parametrize("path", sorted(READER.glob("*.py")), ids=lambda p: p.name)
def test_the_reader_imports_no_other_layer(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m.startswith(FORBIDDEN)}
