"""The access report shows values from the definitions as written: an owner's email cannot close
its code span in the pull-request comment, nor colour or forge a line in the text report."""

from __future__ import annotations

from svcaccounts.core.model import Catalog, EnvironmentOverride, Owner, Rotation, Scope, ServiceAccount
from svcaccounts.core.review import AccessFinding, Report, diff_catalogs
from svcaccounts.render.review import render_markdown, render_text

SCOPE = Scope("api:read", "Read things")


def catalog_owned_by(email: str) -> Catalog:
    account = ServiceAccount(
        name="svc-reader",
        description="reads things",
        owner=Owner("platform", email),
        scopes=(SCOPE.name,),
        rotation=Rotation(period_days=90, grace_days=7, force=0),
        environments={"dev": EnvironmentOverride()},
        auth_method="private_key_jwt",
        token_lifetime_minutes=60,
        status="active",
    )
    return Catalog(scopes=(SCOPE,), accounts=(account,), environments=("dev",))


def report_of_new_owner(email: str) -> Report:
    findings = diff_catalogs(catalog_owned_by("platform@example.com"), catalog_owned_by(email))
    return Report("main", "working tree", findings)


# The schema's email pattern takes anything without whitespace or a second @.
BREAKOUT = "x`![pixel](https://evil.example/p.png)<img/src=x>`@example.com"


def test_an_owner_email_with_backticks_stays_inside_its_code_span() -> None:
    text = render_markdown(report_of_new_owner(BREAKOUT))
    assert (
        "| 🟡 low | `svc-reader` | owner-changed | owner changed: email `platform@example.com` → "
        "``x`![pixel](https://evil.example/p.png)<img/src=x>`@example.com`` |"
    ) in text


def test_an_owner_email_with_a_pipe_stays_in_its_table_cell() -> None:
    text = render_markdown(report_of_new_owner("a|b@example.com"))
    assert "owner changed: email `platform@example.com` → `a\\|b@example.com` |" in text


def test_the_json_and_text_reports_keep_the_message_as_written() -> None:
    report = report_of_new_owner(BREAKOUT)
    (finding,) = report.findings
    assert finding.message == f"owner changed: email `platform@example.com` → `{BREAKOUT}`"
    assert f"dev/svc-reader: owner-changed: owner changed: email `platform@example.com` → `{BREAKOUT}`" in (
        render_text(report)
    )


def test_the_text_report_shows_escape_sequences_and_line_breaks_escaped() -> None:
    report = report_of_new_owner("a\x1b[2J@example.com\nhigh   prod/svc: forged")
    lines = render_text(report).splitlines()
    assert len(lines) == 3
    assert lines[1].endswith("→ `a\\x1b[2J@example.com\\nhigh   prod/svc: forged`")


def test_a_revision_label_stays_in_its_code_span_and_on_the_title_line() -> None:
    text = render_markdown(Report("feature/`<b>x</b>`\n# forged", "working tree", ()))
    assert text.splitlines()[0] == "### Access changes: ``feature/`<b>x</b>` # forged`` → `working tree`"


def test_pipes_and_line_breaks_in_a_note_stay_in_its_quote() -> None:
    finding = AccessFinding("scope-revoked", "low", "dev", "svc", "revoked scope `api:read`")
    text = render_markdown(Report("a", "b", (finding,), notes=("left out: `x|y.yaml`\n| forged | row |",)))
    assert "> **Note:** left out: `x\\|y.yaml` \\| forged \\| row \\|" in text.splitlines()
