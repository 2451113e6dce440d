"""Fixtures for the Pulumi program's tests: fresh mocks and a fresh event loop per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pulumi
import pytest

from tests.support.pulumi_harness import EventLoops, PulumiHarness


@pytest.fixture
def pulumi_mocks() -> Iterator[Callable[[str], PulumiHarness]]:
    """`pulumi_mocks("dev")` → a harness with fresh mocks and a fresh event loop; call it again
    in the same test for a second, independent run."""
    loops = EventLoops()

    def make(stack: str = "dev") -> PulumiHarness:
        return PulumiHarness.start(stack, loops)

    yield make
    loops.close()
    pulumi.runtime.set_all_config({})
