"""Loading a large generated organisation: correctness at scale (speed is measured by bench/)."""

from __future__ import annotations

from pathlib import Path

from bench.synthetic import write_organisation
from svcaccounts.definitions import load_repository


def test_two_thousand_generated_definitions_load_without_findings(tmp_path: Path) -> None:
    write_organisation(tmp_path, 2000)

    result = load_repository(tmp_path)

    assert result.findings == ()
    assert result.catalog is not None
    assert len(result.catalog.accounts) == 2000
    assert len(result.catalog.for_environment("dev").accounts) == 2000
