"""Fixtures for the Pulumi program's tests: fresh mocks and a fresh event loop per test."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pulumi
import pytest
from pulumi_harness import EventLoops, PulumiHarness, RecordingMocks


@pytest.fixture
def pulumi_mocks() -> Iterator[Callable[[str], PulumiHarness]]:
    """`pulumi_mocks("dev")` → a harness with fresh mocks and a fresh event loop; call it again
    in the same test for a second, independent run."""
    loops = EventLoops()
    log = logging.getLogger("pulumi-mock-engine")

    def make(stack: str = "dev") -> PulumiHarness:
        loops.fresh_loop()
        mocks = RecordingMocks()
        pulumi.runtime.set_mocks(mocks, project="svcaccounts", stack=stack, preview=False, logger=log)
        return PulumiHarness(mocks, log)

    yield make
    loops.close()
    pulumi.runtime.set_all_config({})
