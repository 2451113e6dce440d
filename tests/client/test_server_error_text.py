"""A token endpoint that echoes the credentials it received in its error answer: nothing of them
reaches the `token` command's output, the client's exceptions or the log. Only a registered OAuth
error code is ever shown; any other `error` value, and every `error_description`, is dropped."""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from svcaccounts.cli import main
from svcaccounts.client import TokenClient, TokenRequestError
from tests.support.authz_server import SERVER_THREAD_PREFIX, AuthzServer

Account = Callable[..., tuple[Path, str]]
Echo = Callable[[dict[str, str], dict[str, str]], tuple[int, dict[str, Any]]]


def _authorization(headers: dict[str, str]) -> str:
    return next(value for name, value in headers.items() if name.lower() == "authorization")


def _basic_credentials(headers: dict[str, str]) -> str:
    """The base64 of `client_id:secret`, as sent in the Basic header."""
    return _authorization(headers).split(" ", 1)[1]


def _secret(headers: dict[str, str]) -> str:
    return base64.b64decode(_basic_credentials(headers)).decode().split(":", 1)[1]


# Each: what the server puts in its answer, built from the request it received.
BASIC_ECHOES: dict[str, Echo] = {
    "secret in error": lambda h, f: (401, {"error": _secret(h)}),
    "secret in description": lambda h, f: (
        401,
        {"error": "invalid_client", "error_description": f"bad secret {_secret(h)}"},
    ),
    "basic header in error": lambda h, f: (400, {"error": _authorization(h)}),
    "basic credentials in description": lambda h, f: (
        400,
        {"error": "invalid_request", "error_description": f"got {_basic_credentials(h)}"},
    ),
}
JWT_ECHOES: dict[str, Echo] = {
    "assertion in error": lambda h, f: (
        400,
        {"error": f"client_assertion={f['client_assertion']}"},
    ),
    "assertion in description": lambda h, f: (
        400,
        {"error": "invalid_grant", "error_description": f"client_assertion={f['client_assertion']}"},
    ),
}


def _client_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
        if not (record.threadName or "").startswith(SERVER_THREAD_PREFIX)
    )


def _leaked(authz: AuthzServer, secret: str) -> list[str]:
    """Everything credential-like the client sent: the secret, the Basic header's base64, the
    assertion JWT and its parts."""
    values = [secret]
    for observed in authz.observed:
        assertion = observed.form.get("client_assertion")
        if assertion:
            values += [assertion, *assertion.split(".")]
    values.append(base64.b64encode(f"reporting-basic:{secret}".encode()).decode())
    return [value for value in values if value]


@pytest.mark.parametrize("echo", BASIC_ECHOES.values(), ids=BASIC_ECHOES.keys())
def test_the_token_command_shows_nothing_a_basic_auth_server_echoes(
    echo: Echo,
    basic_account: Account,
    authz: AuthzServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    path, secret = basic_account()
    authz.inject_echo(echo, times=2)  # invalid_client is retried once with a re-read bundle

    assert main(["token", "--bundle", str(path)]) == 1

    out, err = capsys.readouterr()
    shown = out + err + _client_log(caplog)
    for value in _leaked(authz, secret):
        assert value not in shown
    assert "eyJ" not in shown and "bad secret" not in shown and "got " not in shown


@pytest.mark.parametrize("echo", JWT_ECHOES.values(), ids=JWT_ECHOES.keys())
def test_the_token_command_shows_nothing_a_private_key_jwt_server_echoes(
    echo: Echo,
    jwt_account: Account,
    authz: AuthzServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    path, pem = jwt_account()
    authz.inject_echo(echo, times=2)

    assert main(["token", "--bundle", str(path)]) == 1

    out, err = capsys.readouterr()
    shown = out + err + _client_log(caplog)
    for value in _leaked(authz, pem.splitlines()[1]):
        assert value not in shown
    assert "eyJ" not in shown and "client_assertion" not in shown


def test_an_unregistered_error_code_is_named_as_such_in_the_exception(
    basic_account: Account, authz: AuthzServer
) -> None:
    path, secret = basic_account()
    authz.inject_echo(BASIC_ECHOES["secret in error"], times=2)

    with pytest.raises(TokenRequestError) as caught:
        TokenClient.from_file(path, rotation_wait=None).token()

    text = repr(caught.value) + "".join(traceback.format_exception(caught.value))
    assert secret not in text
    assert caught.value.error == "an unrecognised error code"
    assert caught.value.description is None
    assert "(HTTP 401, an unrecognised error code)" in str(caught.value)


def test_a_registered_error_code_is_shown_without_its_description(
    basic_account: Account, authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = basic_account()
    authz.inject_response(400, {"error": "invalid_scope", "error_description": "scope x is unknown"})

    assert main(["token", "--bundle", str(path)]) == 1

    err = capsys.readouterr().err
    assert "(HTTP 400, invalid_scope)" in err
    assert "scope x is unknown" not in err
