"""`token --bundle FILE` and `env --bundle FILE` with hostile files: not regular, too large, JSON
that trips the interpreter's limits, duplicate keys, a token URL carrying a password. Each is a
located message and an exit code, never a traceback or the file's content."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from svcaccounts.cli import main
from svcaccounts.client.limits import BUNDLE_LIMIT

Account = Callable[..., tuple[Path, str]]
COMMANDS = (["token", "--bundle"], ["env", "--bundle"])


def bundle_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS, ids=["token", "env"])
def test_a_device_is_refused_as_not_a_regular_file(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "/dev/null"]) == 2

    err = capsys.readouterr().err
    assert "/dev/null: cannot read credential bundle: not a regular file" in err


@pytest.mark.parametrize("command", COMMANDS, ids=["token", "env"])
def test_an_endless_device_is_refused_without_reading_it(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS, ids=["token", "env"])
def test_a_bundle_larger_than_64_kib_is_refused(
    command: list[str], basic_account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    path, secret = basic_account()
    text = bundle_text(path)
    # Still a valid bundle: only its size is wrong.
    path.write_text(text + " " * (BUNDLE_LIMIT + 1 - len(text.encode())), encoding="utf-8")

    assert main([*command, str(path)]) == 2

    out, err = capsys.readouterr()
    assert "larger than 64 KiB" in err
    assert secret not in out + err


def test_a_bundle_of_exactly_64_kib_is_read(
    basic_account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = basic_account()
    text = bundle_text(path)
    path.write_text(text + " " * (BUNDLE_LIMIT - len(text.encode())), encoding="utf-8")

    assert main(["env", "--bundle", str(path)]) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 30_000 + "]" * 30_000, "nested too deeply"),
        ('{"generation": ' + "9" * 5000 + "}", "a number is too long"),
    ],
    ids=["deep", "long-integer"],
)
@pytest.mark.parametrize("command", COMMANDS, ids=["token", "env"])
def test_json_beyond_the_interpreters_limits_is_a_message(
    command: list[str], content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(content, encoding="utf-8")

    assert main([*command, str(path)]) == 1

    err = capsys.readouterr().err
    assert f"invalid credential bundle:\n  - not valid JSON: {message}" in err
    assert "Traceback" not in err


def test_duplicate_keys_are_refused(basic_account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    path, secret = basic_account()
    text = bundle_text(path)
    # A second client_secret later in the document would silently win.
    path.write_text(text[:-1] + ', "client_secret": "another-secret-value"}', encoding="utf-8")

    assert main(["token", "--bundle", str(path)]) == 1

    err = capsys.readouterr().err
    assert "duplicate key 'client_secret'" in err
    assert secret not in err and "another-secret-value" not in err


@pytest.mark.parametrize("command", COMMANDS, ids=["token", "env"])
def test_a_token_url_with_a_password_is_refused_without_echoing_it(
    command: list[str], basic_account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = basic_account()
    document = json.loads(bundle_text(path))
    document["token_url"] = "https://robot:Hunter2Password@login.example.com/oauth2/v1/token"
    path.write_text(json.dumps(document), encoding="utf-8")

    assert main([*command, str(path)]) == 1

    out, err = capsys.readouterr()
    assert "token_url: must not contain a user name or password" in err
    assert "Hunter2Password" not in out + err
