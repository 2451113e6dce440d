"""One module per command: `register(subparsers)` adds its parser with `func=run`, and
`run(args) -> int` makes one call into the core, renders the result and returns an exit code."""

from __future__ import annotations

import argparse
from typing import TypeAlias

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
