"""The benchmark script runs end to end at a tiny size (its figures are not asserted: no timing tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import run


def test_benchmark_runs_every_job_at_size_ten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run, "OUT", tmp_path / "out")
    report = tmp_path / "RESULTS.md"

    assert run.main(["--sizes", "10", "--repeat", "1", "--no-peer", "--write", str(report)]) == 0

    text = report.read_text()
    for job in ("validate", "plan", "diff"):
        assert f"| {job} | " in text
    for job in ("program", "program-flat", "program-bare"):
        assert f"| {job} | 10 | " in text
    assert "10 accounts" in text


def test_the_diff_revisions_differ_in_one_account_of_ten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "OUT", tmp_path / "out")

    repository, base, head = run.revisions(10)

    changed = run.git(repository, "diff", "--name-only", base, head).splitlines()
    assert len(changed) == 1 and changed[0].startswith("service_accounts/")


def test_a_rerun_replaces_the_figures_and_keeps_the_analysis(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    run.write_report(results, "first figures")
    results.write_text(results.read_text() + "\n## Analysis\n\nWritten by hand.\n")

    run.write_report(results, "second figures")

    text = results.read_text()
    assert "second figures" in text and "first figures" not in text
    assert text.endswith("## Analysis\n\nWritten by hand.\n")


def test_the_evidence_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import evidence

    assert evidence.main(["--accounts", "20", "--events", "200", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for what in ("parse Okta log events", "analyse usage", "preflight a shared server"):
        assert what in out
