"""The three renderings of findings: text for people, GitHub annotations, JSON for machines."""

from __future__ import annotations

import json

from svcaccounts.definitions.findings import Finding
from svcaccounts.render.findings import render_github, render_json, render_text

FINDINGS = [
    Finding("service_accounts/a, b/x.yaml", 3, 7, "unknown scope 'a:b'; did you mean 'a:c'?"),
    Finding("service_accounts/y.yaml", 1, 1, "100% wrong\nsecond line"),
]


def test_text_lists_each_finding_and_a_summary() -> None:
    assert render_text(FINDINGS, files_checked=5).splitlines() == [
        "service_accounts/a, b/x.yaml:3:7: error: unknown scope 'a:b'; did you mean 'a:c'?",
        "service_accounts/y.yaml:1:1: error: 100% wrong\\nsecond line",
        "2 errors in 2 files (5 checked)",
    ]


def test_text_without_findings_says_ok() -> None:
    assert render_text([], files_checked=1) == "ok: 1 file checked"


def test_github_annotations_escape_properties_and_message() -> None:
    assert render_github(FINDINGS, files_checked=5).splitlines() == [
        "::error file=service_accounts/a%2C b/x.yaml,line=3,col=7::unknown scope 'a:b'; did you mean 'a:c'?",
        "::error file=service_accounts/y.yaml,line=1,col=1::100%25 wrong%0Asecond line",
        "2 findings (5 files checked)",
    ]


def test_json_is_a_list_of_findings() -> None:
    document = json.loads(render_json(FINDINGS[:1], files_checked=5))

    assert document == {
        "files_checked": 5,
        "findings": [
            {
                "path": "service_accounts/a, b/x.yaml",
                "line": 3,
                "col": 7,
                "severity": "error",
                "message": "unknown scope 'a:b'; did you mean 'a:c'?",
            }
        ],
    }
