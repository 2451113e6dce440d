"""Rotation status shows hostile names and stack labels as written, and nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from svcaccounts.core.rotation_status import AccountRotation, RotationStatus
from svcaccounts.render.rotation import render_markdown, render_table

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)


def status_of(name: str, *, stack: str = "prod") -> RotationStatus:
    account = AccountRotation(
        name=name,
        enabled=True,
        period_days=30,
        grace_days=3,
        generation=5,
        last_rotation=AT - timedelta(days=10),
        next_rotation=AT + timedelta(days=20),
        days_left=20.0,
        due=False,
        in_grace=False,
        deployed_generation=6,
        ahead=True,
    )
    return RotationStatus(stack, "prod", AT, 7, (account,), compared=True, not_in_definitions=(name,))


def test_the_table_shows_control_characters_in_a_name_escaped() -> None:
    text = render_table(status_of("svc\x1b[31m\nsvc-b  5  ok", stack="prod\x1b]0;title\x07"))
    assert "\x1b" not in text and "\x07" not in text
    lines = text.splitlines()
    assert lines[0].startswith("stack prod\\x1b]0;title\\x07 · environment prod")
    assert lines[3].startswith("svc\\x1b[31m\\nsvc-b  5  ok  5    6 ")
    assert len(lines) == len(render_table(status_of("svc-a")).splitlines())


def test_markdown_keeps_a_pipe_or_line_break_of_a_name_in_its_cell_and_line() -> None:
    text = render_markdown(status_of("svc|a\n- forged"))
    assert "| svc\\|a - forged | 5 | 6 |" in text
    assert "- 1 ahead of the expected generation: svc\\|a - forged: outputs of another stack" in text
    assert len(text.splitlines()) == len(render_markdown(status_of("svc-a")).splitlines())


def test_markdown_keeps_the_stack_name_in_its_code_span() -> None:
    title = render_markdown(status_of("svc-a", stack="p`<img src=x>`")).splitlines()[0]
    assert title.startswith("### Rotation status: stack `` p`<img src=x>` `` (environment `prod`) at ")
