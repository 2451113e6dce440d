"""Exit codes, the same for every command (README: "Exit codes")."""

from __future__ import annotations

OK = 0
# The check ran and found a problem: invalid definitions or settings, a diff at or above
# --fail-on, a failed verification or token request.
FAILED = 1
# The command was called wrongly or cannot start: unknown stack or account, unreadable input,
# a bad option value.
USAGE = 2
# rotation status: a deployed generation is behind (or ahead of) the expected one.
BEHIND = 3
INTERRUPTED = 130
