"""The renderers: exact text, the JSON contract, and a markdown comment that always fits."""

from __future__ import annotations

import json

from svcaccounts.core.review import AccessFinding, Report
from svcaccounts.render.review import render_json, render_markdown, render_text

GRANT = AccessFinding("privileged-scope-granted", "high", "prod", "svc-a", "granted `api:admin`")
REVOKE = AccessFinding("scope-revoked", "low", "dev", "svc-b", "revoked scope `api:read`")
CATALOG = AccessFinding("catalog-scope-added", "info", None, None, "scope `x` added")
REPORT = Report(base="origin/main", head="working tree", findings=(CATALOG, REVOKE, GRANT))


def test_text_lists_one_line_per_finding_and_a_summary() -> None:
    assert render_text(REPORT) == (
        "access changes origin/main → working tree\n"
        "info   all: catalog-scope-added: scope `x` added\n"
        "low    dev/svc-b: scope-revoked: revoked scope `api:read`\n"
        "high   prod/svc-a: privileged-scope-granted: granted `api:admin`\n"
        "3 access findings: 1 high, 1 low, 1 info\n"
    )


def test_text_shows_notes_before_findings() -> None:
    report = Report("a", "b", (), notes=("the base had 2 findings",))
    assert render_text(report) == ("access changes a → b\nnote: the base had 2 findings\nno access changes\n")


def test_json_has_every_finding_with_the_five_keys() -> None:
    document = json.loads(render_json(REPORT))
    assert document["summary"] == {"info": 1, "low": 1, "medium": 0, "high": 1}
    assert document["findings"][0] == {
        "rule": "catalog-scope-added",
        "severity": "info",
        "environment": None,
        "account": None,
        "message": "scope `x` added",
    }
    assert [f["rule"] for f in document["findings"]] == [
        "catalog-scope-added",
        "scope-revoked",
        "privileged-scope-granted",
    ]
    assert (document["base"], document["head"], document["notes"]) == (
        "origin/main",
        "working tree",
        [],
    )


def test_markdown_opens_with_a_summary_table() -> None:
    lines = render_markdown(REPORT).splitlines()
    assert lines[:8] == [
        "### Access changes: `origin/main` → `working tree`",
        "",
        "| Environment | high | medium | low | info |",
        "|---|---:|---:|---:|---:|",
        "| all | 0 | 0 | 0 | 1 |",
        "| dev | 0 | 0 | 1 | 0 |",
        "| prod | 1 | 0 | 0 | 0 |",
        "| **total** | 1 | 0 | 1 | 1 |",
    ]


def test_markdown_has_a_table_per_environment() -> None:
    text = render_markdown(REPORT)
    assert "#### prod\n\n| Severity | Account | Rule | Change |\n|---|---|---|---|\n" in text
    assert "| 🔴 high | `svc-a` | privileged-scope-granted | granted `api:admin` |" in text
    assert "#### catalog (all environments)" in text
    assert "| ⚪ info | — | catalog-scope-added | scope `x` added |" in text


def test_markdown_without_findings_says_so() -> None:
    assert render_markdown(Report("a", "b", ())) == ("### Access changes: `a` → `b`\n\nNo access changes.\n")


def test_markdown_notes_are_quoted_before_the_table() -> None:
    text = render_markdown(Report("a", "b", (REVOKE,), notes=("base invalid",)))
    assert text.index("> **Note:** base invalid") < text.index("| Environment |")


def test_markdown_escapes_pipes_and_newlines_in_cells() -> None:
    odd = AccessFinding("owner-changed", "low", "dev", "svc", "team `a|b` →\n`c`")
    assert "| team `a\\|b` → `c` |" in render_markdown(Report("a", "b", (odd,)))


def test_markdown_is_capped_and_says_how_many_findings_it_left_out() -> None:
    many = tuple(
        AccessFinding("scope-granted", "low", "dev", f"svc-{i:04}", "granted scope `api:read`")
        for i in range(2000)
    )
    text = render_markdown(Report("a", "b", many), limit=10_000)
    assert len(text) <= 10_000 + 200
    shown = text.count("| 🟡 low | `svc-")
    assert 0 < shown < 2000
    assert f"_{2000 - shown} more findings not shown: this comment is capped at 10,000" in text
    assert "| **total** | 0 | 0 | 2000 | 0 |" in text


def test_markdown_under_the_cap_is_not_truncated() -> None:
    assert "not shown" not in render_markdown(REPORT)
