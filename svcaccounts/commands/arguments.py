"""Argument types more than one command parses the same way."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole_days(minimum: int, maximum: int, *, beyond: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number of days in [minimum, maximum]. `beyond` says why the
    maximum is what it is; the value is quoted (cut to 30 characters) only when it is no number."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            shown = text if len(text) <= 30 else text[:27] + "..."
            raise argparse.ArgumentTypeError(f"{shown!r} is not a whole number of days") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                "days must not be negative" if minimum == 0 else f"days must be at least {minimum}"
            )
        if value > maximum:
            raise argparse.ArgumentTypeError(f"days must be at most {maximum}{beyond}")
        return value

    return parse
