"""The one table: aligned plain text for a terminal, and markdown."""

from __future__ import annotations

from svcaccounts.render.table import markdown_header, markdown_row, markdown_table, text_table


def test_columns_are_as_wide_as_their_widest_cell_and_two_spaces_apart() -> None:
    assert text_table(("NAME", "GEN", "DETAIL"), [("svc-a", "12", ""), ("svc-long", "3", "why")]) == [
        "NAME      GEN  DETAIL",
        "svc-a     12",
        "svc-long  3    why",
    ]


def test_a_cell_is_measured_as_it_is_shown_once_escaped() -> None:
    assert text_table(("A", "B"), [("x\x1by", "1"), ("long-name", "2")]) == [
        "A          B",
        "x\\x1by     1",
        "long-name  2",
    ]


def test_a_markdown_table_has_a_header_a_delimiter_and_a_row_each() -> None:
    assert markdown_table(("A", "B"), [("1", "`x`"), ("", "y")]) == [
        "| A | B |",
        "|---|---|",
        "| 1 | `x` |",
        "|  | y |",
    ]


def test_markdown_columns_may_be_right_aligned() -> None:
    assert markdown_header(("Environment", "high", "low"), right_aligned=(1, 2)) == [
        "| Environment | high | low |",
        "|---|---:|---:|",
    ]
    assert markdown_row(["all", "0", "1"]) == "| all | 0 | 1 |"
