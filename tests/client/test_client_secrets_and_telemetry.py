"""No credential or token in any log record, repr or exception; the telemetry hook."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from svcaccounts.client import (
    InvalidClientError,
    TokenClient,
    TokenClientError,
    TokenEndpointUnavailable,
    TokenEvent,
)
from svcaccounts.client.errors import REDACTED, redact
from tests.support.authz_server import SERVER_THREAD_PREFIX, AuthzServer
from tests.support.client_fakes import FakeClock

Account = Callable[..., tuple[Path, str]]
MakeClient = Callable[..., TokenClient]


def client_side_log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record the client side produced (any logger: ours, authlib's, httpx's, httpcore's);
    the loopback server's records come from its own named threads and are left out."""
    return "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
        if not (record.threadName or "").startswith(SERVER_THREAD_PREFIX)
    )


def exception_text(error: BaseException) -> str:
    return repr(error) + "".join(traceback.format_exception(error))


def test_no_secret_or_token_reaches_logs_reprs_or_exceptions_with_client_secret_basic(
    basic_account: Account,
    make_client: MakeClient,
    authz: AuthzServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    path, secret = basic_account()
    client = make_client(path)
    errors: list[BaseException] = []

    token = client.token()  # success
    authz.inject(429, retry_after="1")
    clock.advance(3600)
    renewed = client.token()  # a retried renewal
    authz.rotate_secret("reporting-basic", "server-side-secret-the-client-lacks")
    with pytest.raises(InvalidClientError) as rejected:
        client.token(["reports.read"])
    errors.append(rejected.value)
    authz.down()
    with pytest.raises(TokenEndpointUnavailable) as unavailable:
        client.token(["reports.write"])
    errors.append(unavailable.value)

    assert "token request client=reporting-basic" in client_side_log_text(caplog)
    visible = client_side_log_text(caplog) + "".join(exception_text(e) for e in errors)
    visible += repr(client) + repr(client.bundle()) + repr(token) + repr(renewed)
    for value in (secret, "server-side-secret-the-client-lacks", token.value, renewed.value):
        assert value not in visible


def test_no_private_key_or_token_reaches_logs_or_reprs_with_private_key_jwt(
    jwt_account: Account, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path, pem = jwt_account()
    client = make_client(path)
    token = client.token()

    visible = client_side_log_text(caplog) + repr(client) + repr(client.bundle()) + repr(token)
    key_body = pem.splitlines()[1]
    assert key_body not in visible
    assert token.value not in visible


def test_a_server_error_description_is_never_shown(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer
) -> None:
    path, secret = basic_account()
    authz.inject_response(
        401, {"error": "invalid_client", "error_description": f"secret {secret} is unknown"}
    )
    authz.inject_response(
        401, {"error": "invalid_client", "error_description": f"secret {secret} is unknown"}
    )

    with pytest.raises(InvalidClientError) as caught:
        make_client(path).token()

    assert secret not in exception_text(caught.value)
    assert "is unknown" not in exception_text(caught.value)
    assert "(HTTP 401, invalid_client)" in str(caught.value)


def test_redaction_leaves_short_values_alone() -> None:
    assert redact("error for abc", ["abc", None]) == "error for abc"
    assert redact("x longsecretvalue y", ["longsecretvalue"]) == f"x {REDACTED} y"


# --- telemetry --------------------------------------------------------------------------------


def test_each_token_request_reports_client_scopes_outcome_and_latency(
    basic_account: Account, make_client: MakeClient, authz: AuthzServer, events: list[TokenEvent]
) -> None:
    path, _ = basic_account()
    authz.inject(503)
    make_client(path).token(["reports.read"])

    assert [(e.client_id, e.scopes, e.outcome, e.attempt, e.status_code) for e in events] == [
        ("reporting-basic", ("reports.read",), "server_error", 1, 503),
        ("reporting-basic", ("reports.read",), "success", 2, 200),
    ]
    assert all(e.latency_seconds >= 0 for e in events)


def test_a_failing_telemetry_hook_does_not_break_token_requests(
    basic_account: Account, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: TokenEvent) -> None:
        raise RuntimeError("metrics backend down")

    path, _ = basic_account()
    token = make_client(path, telemetry=broken).token()

    assert token.value
    assert "telemetry hook failed: RuntimeError" in caplog.text


def test_every_client_error_is_a_token_client_error() -> None:
    assert issubclass(InvalidClientError, TokenClientError)
    assert issubclass(TokenEndpointUnavailable, TokenClientError)
