"""`svcaccounts verify` results (svcaccounts.core.verification) as a table or as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Literal

from svcaccounts.core.verification import AccountCheck
from svcaccounts.render.table import text_table

# verify has no markdown view: it runs in deploy jobs, whose logs are read as text.
VerifyFormat = Literal["table", "json"]

_COLUMNS = ("ACCOUNT", "AUTH METHOD", "GEN", "RESULT", "DETAIL")


def summary(checks: Sequence[AccountCheck]) -> str:
    counts = {
        status: sum(1 for c in checks if c.status == status)
        for status in ("ok", "mismatch", "failed", "skipped")
    }
    return (
        f"{len(checks)} accounts: {counts['ok']} ok, {counts['mismatch']} mismatch, "
        f"{counts['failed']} failed, {counts['skipped']} skipped"
    )


def render_table(checks: Sequence[AccountCheck]) -> str:
    # The detail quotes what the token server answered: the table escapes every cell.
    rows = [
        (
            check.account,
            check.auth_method,
            "" if check.generation is None else str(check.generation),
            check.status.upper() if check.status != "ok" else "ok",
            " | ".join(check.problems),
        )
        for check in checks
    ]
    return "\n".join([*text_table(_COLUMNS, rows), summary(checks)])


def render_json(checks: Sequence[AccountCheck]) -> str:
    document = {
        "passed": all(check.passed for check in checks),
        "accounts": [
            {
                "account": check.account,
                "status": check.status,
                "auth_method": check.auth_method,
                "generation": check.generation,
                "problems": list(check.problems),
            }
            for check in checks
        ],
    }
    return json.dumps(document, indent=2)


RENDERERS: dict[VerifyFormat, Callable[[Sequence[AccountCheck]], str]] = {
    "table": render_table,
    "json": render_json,
}
