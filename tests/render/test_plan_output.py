"""The plan's views show hostile stack settings and names as written, and nothing more: no
terminal escape sequence, no forged line, no broken table row, no HTML or link."""

from __future__ import annotations

from datetime import UTC, datetime

from svcaccounts.core.model import Catalog, EnvironmentOverride, Owner, Rotation, Scope, ServiceAccount
from svcaccounts.core.plan import EnvironmentPlan, PlanChange, plan_environment
from svcaccounts.core.settings import KeyVaultSettings, NewAuthServer, OktaSettings, StackSettings
from svcaccounts.render.plan import render

AT = datetime(2025, 6, 15, 12, tzinfo=UTC)
SCOPE = Scope("mcp:projects:read", "Read projects")


def plan_with(*, server: NewAuthServer, account: str = "svc-a") -> EnvironmentPlan:
    settings = StackSettings(
        stack="dev",
        environment="dev",
        auth_server=server,
        key_vault=KeyVaultSettings("kv-identity-dev", "rg-identity-dev"),
        okta=OktaSettings("dev-1"),
    )
    definition = ServiceAccount(
        name=account,
        description="test account",
        owner=Owner("team-a", "team-a@example.com"),
        scopes=(SCOPE.name,),
        rotation=Rotation(period_days=30, grace_days=3, force=0),
        environments={"dev": EnvironmentOverride()},
        auth_method="private_key_jwt",
        token_lifetime_minutes=60,
        status="active",
    )
    catalog = Catalog(scopes=(SCOPE,), accounts=(definition,), environments=("dev",))
    return plan_environment(catalog.for_environment("dev"), settings, AT)


ORDINARY = plan_with(server=NewAuthServer("service-accounts", "api://mcp"))
# The stack file's `authServer.create.name` may hold any character but a line break.
COLOURING = plan_with(server=NewAuthServer("svc\x1b[2J\x1b[31m", "api://mcp"))


def test_the_table_shows_an_escape_sequence_from_the_stack_file_escaped() -> None:
    text = render(COLOURING, "table")
    assert "\x1b" not in text
    assert "authorization server: svc\\x1b[2J\\x1b[31m (created by the stack, audience api://mcp)" in text
    assert len(text.splitlines()) == len(render(ORDINARY, "table").splitlines())


def test_a_line_break_in_a_name_cannot_forge_a_line_of_the_table() -> None:
    forged = plan_with(server=NewAuthServer("service-accounts", "api://mcp"), account="svc-a\nsvc-b  active")
    text = render(forged, "table")
    assert len(text.splitlines()) == len(render(ORDINARY, "table").splitlines())
    assert "svc-a\\nsvc-b  active" in text


def test_the_changes_section_shows_control_characters_escaped() -> None:
    change = PlanChange("svc-a\x1b[31m", "added", "new account (private_key_jwt)\nsvc-b: removed: forged")
    text = render(ORDINARY, "table", changes=[change], base="main")
    assert text.splitlines()[-1] == (
        "  svc-a\\x1b[31m: added: new account (private_key_jwt)\\nsvc-b: removed: forged"
    )


def test_markdown_keeps_html_links_and_pipes_from_the_stack_file_inert() -> None:
    hostile = plan_with(server=NewAuthServer("svc", "api://x<img/src=x>|![p](https://evil.example/p.png)"))
    text = render(hostile, "markdown")
    assert (
        "- authorization server: svc (created by the stack, audience "
        "api://x\\<img/src=x>\\|![p]\\(https://evil.example/p.png))"
    ) in text.splitlines()


def test_a_pipe_or_line_break_in_a_name_stays_inside_its_markdown_cell() -> None:
    hostile = plan_with(server=NewAuthServer("svc", "api://mcp"), account="svc|a\nb")
    rows = [line for line in render(hostile, "markdown").splitlines() if line.startswith("| svc")]
    (row,) = rows
    assert row.startswith("| svc\\|a b | active | private_key_jwt |")
    header = "| ACCOUNT | STATUS | AUTH | SCOPES | TOKEN | GEN | NEXT ROTATION | CREDENTIAL | KEY VAULT SECRET |"
    assert row.replace("\\|", "").count("|") == header.count("|")


def test_markdown_changes_keep_a_name_in_its_code_span() -> None:
    change = PlanChange("svc`<b>x</b>`", "removed", "app deleted\n- forged: [x](https://evil.example)")
    last = render(ORDINARY, "markdown", changes=[change], base="main").splitlines()[-1]
    assert last == (
        "- `` svc`<b>x</b>` `` **removed**: app deleted - forged: [x]\\(https://evil.example)"
    )
