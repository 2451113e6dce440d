"""Helpers the client tests share: a controllable clock and bundle files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


class FakeClock:
    """Wall-clock time that moves only when a test (or an injected sleep) moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def write_bundle(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path
