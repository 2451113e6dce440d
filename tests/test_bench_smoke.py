"""The benchmark script runs end to end at a tiny size (its figures are not asserted: no timing tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import run


def test_benchmark_runs_at_size_ten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run, "OUT", tmp_path / "out")
    report = tmp_path / "RESULTS.md"

    assert run.main(["--sizes", "10", "--repeat", "1", "--no-peer", "--write", str(report)]) == 0

    text = report.read_text()
    assert "| validate | " in text
    assert "10 accounts" in text
