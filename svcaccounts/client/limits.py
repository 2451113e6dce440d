"""Bounded reading and parsing of the small JSON files the CLI is handed (bundles, stack outputs).

A path on the command line can name anything: /dev/zero, a FIFO, a multi-gigabyte log. Reads are
capped (`limit` + 1 bytes are read, so that "exactly at the limit" and "larger" differ) and only
regular files are opened. JSON parsing turns the interpreter's own limits (RecursionError on deep
nesting, ValueError on integers of more than 4300 digits) into a message, and can refuse duplicate
keys, where a later value would silently override an earlier one.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import IO

BUNDLE_LIMIT = 64 * 1024
DEPLOYED_LIMIT = 16 * 1024 * 1024


class InputRefused(Exception):
    """The file cannot be used as given (not a regular file, too large, unreadable). The message
    names the path and never quotes the content; `reason` is the message without the path."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class InvalidJSON(ValueError):
    """The text is not a JSON document this program accepts; the message never quotes it."""


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file `path`, refusing anything larger than `limit`."""
    try:
        # Opened once, without blocking (a FIFO would wait for a writer), and checked through the
        # descriptor: nothing can swap the file between a check and the read. A path the user
        # names may be a link (Kubernetes mounts secrets through them), so links are followed.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise InputRefused(str(path), "not a regular file")
            os.set_blocking(descriptor, True)
            handle = os.fdopen(descriptor, "rb")
        except BaseException:
            os.close(descriptor)
            raise
        with handle:
            return _read_capped(handle, limit, str(path))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise InputRefused(str(path), f"cannot read: {reason}") from None


def read_stream_limited(stream: IO[bytes], limit: int, name: str) -> bytes:
    """Up to `limit` bytes of an already open stream (standard input)."""
    return _read_capped(stream, limit, name)


def _read_capped(handle: IO[bytes], limit: int, name: str) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputRefused(name, f"larger than {_size(limit)}; refusing to read it")
    return data


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            # Keys are names, not values: safe to quote (cut, in case of a stray blob).
            shown = key if len(key) <= 40 else key[:37] + "..."
            raise InvalidJSON(f"duplicate key {shown!r}")
        document[key] = value
    return document


def parse_json(text: str | bytes, *, reject_duplicates: bool = False) -> object:
    """`json.loads`, with every failure an `InvalidJSON` whose message holds no document text."""
    hook = _no_duplicates if reject_duplicates else None
    try:
        return json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError as error:
        # `from None`: the decode error keeps the whole document (a secret maybe) in `.doc`.
        raise InvalidJSON(f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except InvalidJSON:
        raise
    except RecursionError:
        raise InvalidJSON("not valid JSON: nested too deeply") from None
    except UnicodeDecodeError:
        raise InvalidJSON("not UTF-8 text") from None
    except ValueError:
        # Python refuses integers of more than 4300 digits (int_max_str_digits).
        raise InvalidJSON("not valid JSON: a number is too long") from None
