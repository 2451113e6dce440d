"""What reading evidence from Okta costs once the answers are in: `svcaccounts usage` parsing
System Log events and analysing them, and `okta preflight` judging a server's policies.

The HTTP side is bounded by Okta's rate limits and page sizes, not by this code; what this code
must not do is grow worse than linearly with the events of a 90-day window or with the policies
of a server shared by thousands of accounts. Each figure is the best of `--repeat` runs of one
pure function in this process (no start-up), on a synthetic organisation (bench/synthetic.py).

    python -m bench.evidence                       # 1,000 accounts; 10k, 100k and 1M events
    python -m bench.evidence --events 10000 --repeat 1
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.synthetic import write_organisation
from svcaccounts.core.okta_preflight import (
    KnownManaged,
    PolicyWithRules,
    ServerSnapshot,
    desired_server,
    preflight,
)
from svcaccounts.core.okta_records import AccessPolicy, AuthorizationServer, OktaApp, PolicyRule
from svcaccounts.core.usage import TokenEvent, Window, analyse_usage
from svcaccounts.okta_api.log_events import read_log_item
from svcaccounts.workspace import OpenStack, open_stack_at

STACK = "prod"
UNTIL = datetime(2026, 6, 1, tzinfo=UTC)


def _best(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def _client_id(index: int) -> str:
    return f"0oa{index:017d}"


def _service_app(client: str, label: str, auth_method: str) -> OktaApp:
    grants = ("client_credentials",)
    return OktaApp(client, label, "ACTIVE", "OPENID_CONNECT", None, client, "service", grants, auth_method)


def _okta_event(rng: random.Random, client: str, scopes: list[str], at: datetime) -> dict[str, Any]:
    """A LogEvent as Okta sends it for a client-credentials grant (or a refusal, one in twenty),
    with the fields the parser must skip past."""
    failed = rng.random() < 0.05
    return {
        "uuid": f"{rng.getrandbits(64):016x}",
        "published": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "eventType": "app.oauth2.as.token.grant" if failed else "app.oauth2.as.token.grant.access_token",
        "version": "0",
        "severity": "WARN" if failed else "INFO",
        "actor": {"id": client, "type": "PublicClientApp", "alternateId": client, "displayName": client},
        "client": {"ipAddress": "203.0.113.7", "userAgent": {"rawUserAgent": "python-httpx/0.27"}},
        "outcome": {"result": "FAILURE", "reason": "invalid_client"} if failed else {"result": "SUCCESS"},
        "debugContext": {
            "debugData": {"grantType": "client_credentials", "grantedScopes": " ".join(scopes)}
            if not failed
            else {"grantType": "client_credentials", "requestedScopes": " ".join(scopes)}
        },
        "target": [{"id": "aus1prod", "type": "AuthorizationServer"}],
    }


def usage_figures(stack: OpenStack, event_counts: list[int], repeat: int) -> list[tuple[str, int, float]]:
    rng = random.Random(3)
    accounts = sorted(stack.view.accounts, key=lambda account: account.name)
    client_ids = {account.name: (_client_id(index),) for index, account in enumerate(accounts)}
    window = Window.ending(UNTIL, 30)
    figures = []
    for count in event_counts:
        raw = []
        for _ in range(count):
            index = rng.randrange(len(accounts))
            account = accounts[index]
            used = rng.sample(account.scopes, k=max(1, len(account.scopes) // 2)) if account.scopes else []
            at = window.since + timedelta(seconds=rng.randrange(30 * 86400))
            raw.append(_okta_event(rng, _client_id(index), used, at))
        parsed: list[Any] = []

        def parse(raw: list[dict[str, Any]] = raw, parsed: list[Any] = parsed) -> None:
            parsed[:] = [read_log_item(item, "bench") for item in raw]

        figures.append(("parse Okta log events", count, _best(repeat, parse)))
        events = [item for item in parsed if isinstance(item, TokenEvent)]

        def analyse(events: list[TokenEvent] = events) -> None:
            analyse_usage(events, stack=STACK, view=stack.view, client_ids=client_ids, window=window)

        figures.append(("analyse usage", count, _best(repeat, analyse)))
    return figures


def preflight_figure(stack: OpenStack, repeat: int, *, foreign: int) -> tuple[str, int, float]:
    """A shared server: every account's app, policy and rule, plus `foreign` hand-made ones."""
    desired = desired_server(stack.settings, stack.view)
    assert desired is not None, "the synthetic prod stack names an existing server"
    apps, policies = [], []
    for index, account in enumerate(desired.accounts):
        client = _client_id(index)
        apps.append(_service_app(client, account.label, "private_key_jwt"))
        rule = PolicyRule(f"rul{index}", "rule", "ACTIVE", 1, ("client_credentials",), account.scopes, 60)
        policy = AccessPolicy(f"pol{index}", account.label, "ACTIVE", index + 1, False, (client,))
        policies.append(PolicyWithRules(policy, (rule,)))
    for index in range(foreign):
        client = _client_id(1_000_000 + index)
        apps.append(_service_app(client, f"hand-made {index}", "client_secret_basic"))
        rule = PolicyRule(f"rulf{index}", "rule", "ACTIVE", 1, ("client_credentials",), ("*",), 60)
        policy = AccessPolicy(f"polf{index}", f"hand {index}", "ACTIVE", 10_000 + index, False, (client,))
        policies.append(PolicyWithRules(policy, (rule,)))
    snapshot = ServerSnapshot(
        server=AuthorizationServer(desired.server_id, "shared", "ACTIVE", ("api://svc",), None),
        scopes=(),
        policies=tuple(policies),
        apps=tuple(apps),
    )
    deployed = {account.name: _client_id(index) for index, account in enumerate(desired.accounts)}
    known = KnownManaged(deployed_clients=deployed, deployed_source="bench")
    seconds = _best(repeat, lambda: preflight(desired, snapshot, known))
    return ("preflight a shared server", len(policies), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evidence", description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_organisation(root, args.accounts)
        stack = open_stack_at(root, STACK)
        figures = usage_figures(stack, args.events, args.repeat)
        figures.append(preflight_figure(stack, args.repeat, foreign=max(1, args.accounts // 10)))
    print(f"{args.accounts:,} accounts in the organisation; prod has {len(stack.view.accounts):,}")
    print(f"{'what':<28} {'items':>10} {'seconds':>9} {'µs per item':>12}")
    for what, items, seconds in figures:
        print(f"{what:<28} {items:>10,} {seconds:>9.3f} {seconds / items * 1e6:>12.2f}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
