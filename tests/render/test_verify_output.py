"""verify's table shows what a token server answered as written, and nothing more."""

from __future__ import annotations

from svcaccounts.core.verification import AccountCheck
from svcaccounts.render.verify import render_table


def test_a_server_reply_cannot_colour_the_table_or_forge_a_row() -> None:
    reply = "token request failed: \x1b[32mok\x1b[0m\nforged-account  private_key_jwt  1  ok"
    text = render_table([AccountCheck("svc-a", "failed", (reply,), auth_method="private_key_jwt")])
    assert "\x1b" not in text
    assert text.splitlines() == [
        "ACCOUNT  AUTH METHOD      GEN  RESULT  DETAIL",
        "svc-a    private_key_jwt       FAILED  token request failed: \\x1b[32mok\\x1b[0m\\n"
        "forged-account  private_key_jwt  1  ok",
        "1 accounts: 0 ok, 0 mismatch, 1 failed, 0 skipped",
    ]
