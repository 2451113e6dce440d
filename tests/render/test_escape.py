"""One escaper per output format: text someone else wrote shows as written and changes nothing
around it."""

from __future__ import annotations

import pytest

from svcaccounts.render.escape import (
    github_data,
    github_property,
    markdown_code,
    markdown_inline,
    markdown_text,
    terminal_text,
)

# Text from the definitions as they normally are: every escaper leaves it alone.
ORDINARY = [
    "mcp-project-service",
    "mcp:projects:read mcp:projects:write",
    "private_key_jwt",
    "platform@example.com",
    "api://mcp-dev",
    "rg-identity(prod)",
    "identity/dev/svc-a/bundle",
    "2025-06-15T12:00:00Z",
    "scopes ['a'] -> ['a', 'b']",
    "granted → revoked · ok",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert terminal_text(text) == text
    assert markdown_text(text) == text
    assert markdown_inline(text) == text
    assert markdown_code(text) == f"`{text}`"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("red\x1b[31m", "red\\x1b[31m"),
        ("one\ntwo", "one\\ntwo"),
        ("over\rwrite", "over\\rwrite"),
        ("tab\there", "tab\\there"),
        ("bell\x07 del\x7f csi\x9b", "bell\\x07 del\\x7f csi\\x9b"),
        ("right-to-left \u202eoverride", "right-to-left \\u202eoverride"),
        ("line\u2028separator", "line\\u2028separator"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
    ],
    ids=["esc", "lf", "cr", "tab", "c0-del-c1", "bidi", "line-separator", "zero-width"],
)
def test_terminal_text_shows_control_characters_escaped(text: str, shown: str) -> None:
    assert terminal_text(text) == shown


def test_terminal_text_keeps_printable_unicode() -> None:
    assert terminal_text("Zoë café 🔴 non\u00a0breaking") == "Zoë café 🔴 non\u00a0breaking"


def test_github_data_encodes_percent_and_line_breaks_and_shows_other_controls() -> None:
    assert github_data("100% wrong\r\nsecond \x1b[31mline") == "100%25 wrong%0D%0Asecond \\x1b[31mline"


def test_github_property_also_encodes_colon_and_comma() -> None:
    assert github_property("a, b:c\n%") == "a%2C b%3Ac%0A%25"


def test_markdown_text_keeps_a_value_in_its_table_cell_and_on_its_line() -> None:
    assert markdown_text("a|b\r\nc") == "a\\|b  c"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)>"),
        ("![pixel](https://evil.example/p.png)", "![pixel]\\(https://evil.example/p.png)"),
        ("[click](https://evil.example)", "[click]\\(https://evil.example)"),
        ("<https://evil.example>", "\\<https://evil.example>"),
        ("`code` span", "\\`code\\` span"),
        ("back\\|slash", "back\\\\\\|slash"),
    ],
    ids=["html", "image", "link", "autolink", "code-span", "backslash-before-pipe"],
)
def test_markdown_text_is_never_markup(text: str, escaped: str) -> None:
    assert markdown_text(text) == escaped


def test_markdown_inline_keeps_our_code_spans_but_no_html_or_link() -> None:
    assert markdown_inline("granted `api:read` <b>[x](y)</b>") == "granted `api:read` \\<b>[x]\\(y)\\</b>"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("a`b@example.com", "``a`b@example.com``"),
        ("x``y`", "``` x``y` ```"),
        ("`![p](https://evil.example/p.png)`@x.io", "`` `![p](https://evil.example/p.png)`@x.io ``"),
        ("a|b\nc", "`a\\|b c`"),
        ("  padded  ", "`   padded   `"),
        ("", "`  `"),
    ],
    ids=["inner-backtick", "edge-backtick", "breakout-attempt", "pipe-and-newline", "spaces", "empty"],
)
def test_markdown_code_is_a_span_the_text_cannot_close(text: str, span: str) -> None:
    assert markdown_code(text) == span


def test_markdown_shows_control_characters_other_than_line_breaks_escaped() -> None:
    assert markdown_text("red\x1b[31m\r\nnext") == "red\\x1b[31m  next"
    assert markdown_code("red\x1b[31m") == "`red\\x1b[31m`"


def test_a_mention_in_someone_elses_text_notifies_nobody() -> None:
    # GitHub notifies `@name` and `@org/team` found in a comment's rendered text.
    shown = markdown_text("ping @security-team and @org/admins; mail ops@example.com")
    assert "@security-team" not in shown and "@org/admins" not in shown
    assert shown.replace("\u200b", "") == "ping @security-team and @org/admins; mail ops@example.com"
    assert "ops@example.com" in shown
