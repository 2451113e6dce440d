"""`--deployed FILE`: the stack's `pulumi stack output --json`, read for `rotation status` and
`usage` alike (at most DEPLOYED_LIMIT bytes, from a regular file or, for `-`, standard input)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svcaccounts.core.contracts.accounts_output import DeployedAccount


class DeployedFileError(Exception):
    """The file cannot be read or is not usable stack outputs; the message says why."""


def read_deployed_bytes(path: Path) -> bytes:
    from svcaccounts.client.limits import DEPLOYED_LIMIT, read_limited, read_stream_limited

    if str(path) == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream put in place of stdin (embedding, tests)
            text = sys.stdin.read(DEPLOYED_LIMIT + 1)
            return read_stream_limited(io.BytesIO(text.encode()), DEPLOYED_LIMIT, "standard input")
        return read_stream_limited(stream, DEPLOYED_LIMIT, "standard input")
    return read_limited(path, DEPLOYED_LIMIT)


def load_deployed(path: Path) -> dict[str, DeployedAccount]:
    """The `accounts` output of the document at `path`, by account name."""
    from svcaccounts.client.limits import InputRefused
    from svcaccounts.core.contracts.accounts_output import DeployedError, read_deployed

    try:
        return read_deployed(read_deployed_bytes(path))
    except InputRefused as error:
        reason = error.reason.removeprefix("cannot read: ")
        raise DeployedFileError(f"cannot read {path}: {reason}") from None
    except OSError as error:  # standard input
        raise DeployedFileError(f"cannot read {path}: {error.strerror}") from None
    except DeployedError as error:
        raise DeployedFileError(f"{path}: {error}") from None
