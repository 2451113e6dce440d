"""The usage analysis as a pure function: events + deployed client ids + definitions + the
rotation schedule + a window → findings (tests/fixtures/usage-repo, environment prod)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from svcaccounts.core.contracts.accounts_output import DeployedAccount, TokenSettings, parse_deployed
from svcaccounts.core.model import EnvironmentView
from svcaccounts.core.rotation import rotation_state
from svcaccounts.core.usage import (
    DEFAULT_BURST_PER_HOUR,
    ClientCreated,
    ScopeRemoval,
    TokenEvent,
    UsageEvent,
    UsageReport,
    Window,
    analyse_usage,
    deployed_client_ids,
)
from svcaccounts.workspace import open_working_tree
from tests.support.repository import FIXTURES

UNTIL = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = Window.ending(UNTIL, 30)
HOUR = timedelta(hours=1)
NAMES = ("admin-tool", "idle-job", "invoice-export", "new-service", "orders-sync", "reports-reader", "rotated-consumer")
CLIENT = {name: f"0oa{index:017d}" for index, name in enumerate(NAMES, start=1)}
IDS = {name: (client,) for name, client in CLIENT.items()}


@pytest.fixture(scope="module")
def prod() -> EnvironmentView:
    catalog = open_working_tree(FIXTURES / "usage-repo").loaded.catalog
    assert catalog is not None
    return catalog.for_environment("prod")


def grant(name: str, at: datetime, *scopes: str) -> TokenEvent:
    return TokenEvent(at, CLIENT[name], "granted", tuple(scopes))


def refused(name: str, at: datetime, reason: str = "invalid_client") -> TokenEvent:
    return TokenEvent(at, CLIENT[name], "failed", reason=reason)


def analyse(view: EnvironmentView, events: list[UsageEvent], **options: object) -> UsageReport:
    return analyse_usage(events, stack="prod", view=view, client_ids=IDS, window=WINDOW, **options)  # type: ignore[arg-type]


def rules(report: UsageReport, account: str) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in report.findings if f.account == account]


def busy(*, skip: str = "") -> list[UsageEvent]:
    """Every account but `skip` used all its scopes once, mid-window."""
    middle = WINDOW.since + timedelta(days=15)
    every = {
        "admin-tool": ("orders:read", "users:admin"),
        "idle-job": ("reports:read",),
        "invoice-export": ("invoices:read", "invoices:export"),
        "new-service": ("orders:read",),
        "orders-sync": ("orders:read", "orders:write", "reports:read"),
        "reports-reader": ("reports:read", "orders:read"),
        "rotated-consumer": ("orders:read",),
    }
    return [grant(name, middle, *scopes) for name, scopes in every.items() if name != skip]


def test_an_account_that_used_every_scope_has_no_finding(prod: EnvironmentView) -> None:
    report = analyse(prod, busy())
    assert report.findings == () and report.removals == () and report.notes == ()


def test_a_scope_used_only_on_the_first_day_of_the_window_is_used(prod: EnvironmentView) -> None:
    events = [*busy(skip="orders-sync"), grant("orders-sync", WINDOW.until - HOUR, "orders:read", "reports:read")]
    first_day = grant("orders-sync", WINDOW.since, "orders:write")  # the window's first instant
    assert rules(analyse(prod, [*events, first_day]), "orders-sync") == []
    # One second earlier it is outside the window: the scope was not used in it.
    before = grant("orders-sync", WINDOW.since - timedelta(seconds=1), "orders:write")
    report = analyse(prod, [*events, before])
    assert rules(report, "orders-sync") == [("scope-never-used", "medium")]
    assert report.removals == (ScopeRemoval("orders-sync", "prod", ("orders:write",)),)


def test_a_privileged_unused_scope_is_high_and_never_proposed(prod: EnvironmentView) -> None:
    events = [*busy(skip="admin-tool"), grant("admin-tool", UNTIL - HOUR, "orders:read")]
    report = analyse(prod, events)
    (finding,) = report.findings
    assert (finding.rule, finding.severity, finding.account) == ("scope-never-used", "high", "admin-tool")
    assert finding.message.startswith("granted `users:admin` (privileged), absent from all 1 successful grant")
    assert report.removals == ()
    assert [(held.account, held.scopes) for held in report.held_back] == [("admin-tool", ("users:admin",))]


def test_an_account_without_a_grant_is_idle(prod: EnvironmentView) -> None:
    report = analyse(prod, busy(skip="idle-job"))
    assert rules(report, "idle-job") == [("account-idle", "medium")]
    assert report.removals == ()  # an idle account's scopes are not proposed one by one


def test_an_account_created_inside_the_window_is_new_never_idle(prod: EnvironmentView) -> None:
    created = ClientCreated(UNTIL - timedelta(days=5), CLIENT["new-service"])
    report = analyse(prod, [*busy(skip="new-service"), created])
    assert rules(report, "new-service") == [("account-new", "info")]
    assert "created 2026-02-24, inside the 30-day window" in report.findings[0].message
    # Used, but young: its scopes are not judged either.
    young_and_partial = [*busy(skip="orders-sync"), ClientCreated(UNTIL - timedelta(days=2), CLIENT["orders-sync"]), grant("orders-sync", UNTIL - HOUR, "orders:read")]
    assert rules(analyse(prod, young_and_partial), "orders-sync") == [("account-new", "info")]


def rotation_of(view: EnvironmentView, name: str) -> tuple[datetime, int]:
    account = view.account(name)
    assert account is not None
    return rotation_state(name, account.rotation, UNTIL).last_rotation, account.rotation.grace_days


def test_failures_after_a_rotation_without_a_later_grant_are_a_failing_consumer(prod: EnvironmentView) -> None:
    rotated, grace = rotation_of(prod, "rotated-consumer")
    assert rotated in WINDOW
    events = [
        *busy(skip="rotated-consumer"),
        grant("rotated-consumer", rotated - timedelta(days=2), "orders:read"),
        # the previous key is still accepted through the grace window, then refused
        grant("rotated-consumer", rotated + grace * timedelta(days=1) - HOUR, "orders:read"),
        *(refused("rotated-consumer", rotated + timedelta(days=grace, hours=1 + n)) for n in range(3)),
    ]
    report = analyse(prod, events)
    assert rules(report, "rotated-consumer") == [("consumer-failing", "high")]
    assert report.findings[0].message.startswith(
        f"3 failed token request(s) since the rotation of {rotated:%Y-%m-%d} (invalid_client ×3); last successful grant: "
    )


def test_a_consumer_that_took_the_new_credential_is_not_failing(prod: EnvironmentView) -> None:
    rotated, grace = rotation_of(prod, "rotated-consumer")
    events = [
        *busy(skip="rotated-consumer"),
        refused("rotated-consumer", rotated + timedelta(days=grace, hours=1)),
        grant("rotated-consumer", rotated + timedelta(days=grace, hours=2), "orders:read"),
    ]
    assert rules(analyse(prod, events), "rotated-consumer") == []


def test_more_failures_in_an_hour_than_the_threshold_are_a_burst(prod: EnvironmentView) -> None:
    hour = datetime(2026, 2, 10, 14, tzinfo=UTC)
    after = grant("rotated-consumer", UNTIL - HOUR, "orders:read")  # not a rotation problem
    at_threshold = [refused("rotated-consumer", hour + timedelta(seconds=50 * n), "invalid_scope") for n in range(DEFAULT_BURST_PER_HOUR)]
    assert rules(analyse(prod, [*busy(), *at_threshold, after]), "rotated-consumer") == []
    over = [*at_threshold, refused("rotated-consumer", hour + timedelta(minutes=59, seconds=59), "invalid_scope")]
    report = analyse(prod, [*busy(), *over, after])
    assert rules(report, "rotated-consumer") == [("failure-burst", "medium")]
    assert report.findings[0].message == (
        "61 failed token requests in the hour from 2026-02-10T14:00:00Z (invalid_scope ×61); 1 hour(s) above 60"
    )


def test_events_of_other_clients_are_counted_not_attributed(prod: EnvironmentView) -> None:
    stranger = TokenEvent(UNTIL - HOUR, "0oaSOMEONEELSE0000001", "granted", ("users:admin",))
    report = analyse(prod, [*busy(), stranger, stranger])
    assert report.findings == ()
    assert report.other_clients_events == 2
    assert report.notes == ("2 event(s) of clients that are not accounts of this stack were counted, not listed",)
    assert all("0oaSOMEONEELSE" not in note for note in report.notes)


def test_grants_that_do_not_name_their_scopes_leave_the_scopes_unjudged(prod: EnvironmentView) -> None:
    events = [*busy(skip="orders-sync"), TokenEvent(UNTIL - HOUR, CLIENT["orders-sync"], "granted", None)]
    report = analyse(prod, events)
    assert rules(report, "orders-sync") == []
    assert report.notes == ("orders-sync: 1 successful grant(s) without the granted scopes in the log: its scopes are not judged",)


def test_an_account_without_a_deployed_client_id_gets_a_note_not_a_finding(prod: EnvironmentView) -> None:
    ids = {name: ids for name, ids in IDS.items() if name != "idle-job"}
    report = analyse_usage(busy(skip="idle-job"), stack="prod", view=prod, client_ids=ids, window=WINDOW)
    assert rules(report, "idle-job") == []
    assert report.notes[0].startswith("idle-job: no client id in the deployed outputs")


def test_several_client_ids_of_one_account_all_count(prod: EnvironmentView) -> None:
    ids = {**IDS, "orders-sync": (CLIENT["orders-sync"], "0oaSECONDCLIENT00001")}
    events = [
        *busy(skip="orders-sync"),
        grant("orders-sync", UNTIL - HOUR, "orders:read", "orders:write"),
        TokenEvent(UNTIL - HOUR, "0oaSECONDCLIENT00001", "granted", ("reports:read",)),
    ]
    report = analyse_usage(events, stack="prod", view=prod, client_ids=ids, window=WINDOW)
    assert rules(report, "orders-sync") == []


def test_the_report_does_not_depend_on_the_order_of_events(prod: EnvironmentView) -> None:
    rotated, _ = rotation_of(prod, "rotated-consumer")
    events: list[UsageEvent] = [
        *busy(skip="idle-job"),
        grant("admin-tool", UNTIL - HOUR, "orders:read"),
        *(refused("rotated-consumer", rotated + timedelta(days=2, minutes=n)) for n in range(70)),
        ClientCreated(UNTIL - timedelta(days=3), CLIENT["new-service"]),
    ]
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert analyse(prod, events) == analyse(prod, shuffled)


def test_deployed_client_ids_come_from_the_accounts_output() -> None:
    settings = TokenSettings("0oa1", "https://example.okta.com/oauth2/aus1/v1/token", "private_key_jwt", ("a",))
    deployed = {"with": DeployedAccount("with", 3, token_settings=settings), "without": DeployedAccount("without", 1)}
    assert deployed_client_ids(deployed) == {"with": ("0oa1",)}


def test_every_live_client_id_of_an_account_maps_to_it() -> None:
    # Cognito: each generation is a client of its own; the output lists all live ones.
    document = {
        "accounts": {
            "reader": {
                "clientId": "newclient0000000000000000a",
                "clientIds": ["newclient0000000000000000a", "oldclient0000000000000000b"],
                "generation": 4,
            }
        }
    }
    deployed = parse_deployed(document)
    assert deployed_client_ids(deployed) == {"reader": ("newclient0000000000000000a", "oldclient0000000000000000b")}


NO_SCOPES = "this provider's log does not name a grant's scopes"


def test_without_scope_evidence_no_scope_is_judged_and_nothing_proposed(prod: EnvironmentView) -> None:
    # orders-sync got tokens all month, but the log cannot say with which scopes: its
    # reports:read and orders:write are neither used nor unused.
    events: list[UsageEvent] = [
        TokenEvent(WINDOW.since + timedelta(days=day), CLIENT[name], "granted")
        for day in range(30)
        for name in NAMES
        if name != "idle-job"
    ]
    report = analyse(prod, events, no_scope_evidence=NO_SCOPES)
    assert [(f.rule, f.account) for f in report.findings] == [("account-idle", "idle-job")]
    assert (report.removals, report.held_back, report.scope_evidence) == ((), (), False)
    assert report.notes == (
        f"per-scope use is unavailable: {NO_SCOPES}; no scope is judged (no evidence is not evidence "
        "of non-use) and --propose proposes nothing",
    )


def test_without_scope_evidence_failing_consumers_are_still_found(prod: EnvironmentView) -> None:
    last = rotation_state("rotated-consumer", prod.account("rotated-consumer").rotation, UNTIL).last_rotation  # type: ignore[union-attr]
    events = [
        *busy(skip="rotated-consumer"),
        TokenEvent(last - timedelta(days=2), CLIENT["rotated-consumer"], "granted"),
        *(refused("rotated-consumer", last + timedelta(days=2, minutes=n)) for n in range(3)),
    ]
    report = analyse(prod, events, no_scope_evidence=NO_SCOPES)
    assert rules(report, "rotated-consumer") == [("consumer-failing", "high")]
    assert all(f.rule != "scope-never-used" for f in report.findings)


def unscoped(events: list[UsageEvent]) -> list[UsageEvent]:
    """The same events as a provider logs them that does not name the scopes (Entra ID)."""
    return [
        TokenEvent(e.at, e.client_id, e.outcome, None, e.reason) if isinstance(e, TokenEvent) else e
        for e in events
    ]


def test_without_scope_evidence_a_scope_used_in_part_is_not_judged(prod: EnvironmentView) -> None:
    # orders-sync used only orders:read: with scope evidence that is a scope-never-used finding.
    events = [*busy(skip="orders-sync"), grant("orders-sync", WINDOW.since + HOUR, "orders:read")]
    assert ("scope-never-used", "medium") in rules(analyse(prod, events), "orders-sync")
    report = analyse(prod, unscoped(events), no_scope_evidence=NO_SCOPES)
    assert report.findings == () and report.removals == () and report.held_back == ()
    assert len(report.notes) == 1 and NO_SCOPES in report.notes[0]


def test_without_scope_evidence_idle_failing_and_bursts_are_still_found(prod: EnvironmentView) -> None:
    rotated = rotation_state("rotated-consumer", prod.account("rotated-consumer").rotation, UNTIL).last_rotation  # type: ignore[union-attr]
    events = [
        *busy(skip="idle-job"),
        *(refused("rotated-consumer", rotated + timedelta(days=2, seconds=30 * n), "AADSTS7000215") for n in range(70)),
    ]
    report = analyse(prod, unscoped(events), no_scope_evidence=NO_SCOPES)
    assert [(f.rule, f.account) for f in report.findings] == [
        ("consumer-failing", "rotated-consumer"),
        ("account-idle", "idle-job"),
        ("failure-burst", "rotated-consumer"),
    ]
    assert "AADSTS7000215 ×70" in report.findings[0].message


def test_an_idle_account_names_the_last_sign_in_the_provider_recorded(prod: EnvironmentView) -> None:
    seen = {CLIENT["idle-job"]: WINDOW.since - timedelta(days=40)}
    report = analyse(prod, busy(skip="idle-job"), last_sign_in=seen)
    (idle,) = [f for f in report.findings if f.rule == "account-idle"]
    assert "(last sign-in the provider recorded: 2025-12-21)" in idle.message
    never = analyse(prod, busy(skip="idle-job"), last_sign_in={})
    (idle,) = [f for f in never.findings if f.rule == "account-idle"]
    assert "(the provider recorded no sign-in of it)" in idle.message
    (plain,) = [f for f in analyse(prod, busy(skip="idle-job")).findings if f.rule == "account-idle"]
    assert "provider recorded" not in plain.message
