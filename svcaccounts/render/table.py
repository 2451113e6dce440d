"""The one table: columns and rows of cells, as aligned plain text or as a markdown table."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from svcaccounts.render.escape import terminal_text


def text_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a table for a terminal: the header, then one line per row.

    Each cell is escaped for the terminal before the widths are measured, so that an escaped
    value keeps its column aligned; columns are two spaces apart, trailing spaces dropped.
    """
    lines = [[terminal_text(cell) for cell in row] for row in (columns, *rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]


def markdown_row(cells: Iterable[str]) -> str:
    """One row of a markdown table; each cell is markdown already escaped for a cell
    (svcaccounts.render.escape)."""
    return "| " + " | ".join(cells) + " |"


def markdown_header(columns: Sequence[str], *, right_aligned: Collection[int] = ()) -> list[str]:
    """A markdown table's header row and its delimiter row; `right_aligned`: column indexes."""
    delimiter = "|" + "".join("---:|" if i in right_aligned else "---|" for i in range(len(columns)))
    return [markdown_row(columns), delimiter]


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a markdown table; the cells of `rows` are markdown already escaped."""
    return [*markdown_header(columns), *(markdown_row(row) for row in rows)]
