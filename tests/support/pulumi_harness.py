"""The Pulumi mock harness of the tests: the program runs on the shared mock engine
(bench/pulumi_mocks.py), on fresh event loops that are closed afterwards.

`PulumiHarness.start(stack, loops)` installs fresh recording mocks; `harness.run(program)` runs a
program to completion and gives the value of the Output it returns; `harness.resources` is what
it registered. `register(plan)` is the whole round for one plan, as the policy tests want it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pulumi

from bench.pulumi_mocks import (
    MOCK_AUTH_SERVER_ID,
    MOCK_AWS_ACCOUNT,
    MOCK_SECRET_PREFIX,
    STACK_TYPE,
    ProviderMocks,
    RecordingMonitor,
    Registered,
    mock_auth0_client_id,
    mock_aws_secret_arn,
    mock_certificate,
    mock_client_id,
    mock_cognito_client_id,
    mock_entra_client_id,
    mock_entra_object_id,
    mock_rsa_key,
    mock_secret,
    pkcs1,
)
from svcaccounts.core.plan import EnvironmentPlan
from svcaccounts.infra.program import build

__all__ = [
    "MOCK_AUTH_SERVER_ID",
    "MOCK_AWS_ACCOUNT",
    "MOCK_SECRET_PREFIX",
    "EventLoops",
    "PulumiHarness",
    "Registered",
    "mock_auth0_client_id",
    "mock_aws_secret_arn",
    "mock_certificate",
    "mock_client_id",
    "mock_cognito_client_id",
    "mock_entra_client_id",
    "mock_entra_object_id",
    "mock_rsa_key",
    "mock_secret",
    "pkcs1",
    "register",
]

PROJECT = "svcaccounts"


class EventLoops:
    """The event loops one test creates, closed at its end.

    Pulumi calls the (mock) monitor from the loop's default executor, and each worker thread gets
    an event loop of its own there; left open, they surface later as "unclosed event loop"
    warnings in whatever test the garbage collector happens to run in."""

    def __init__(self) -> None:
        self.loops: list[asyncio.AbstractEventLoop] = []
        self.executors: list[ThreadPoolExecutor] = []
        self.lock = threading.Lock()

    def _thread_loop(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with self.lock:
            self.loops.append(loop)

    def fresh_loop(self) -> None:
        loop = asyncio.new_event_loop()
        executor = ThreadPoolExecutor(max_workers=2, initializer=self._thread_loop)
        loop.set_default_executor(executor)
        asyncio.set_event_loop(loop)
        self.loops.append(loop)
        self.executors.append(executor)

    def close(self) -> None:
        for executor in self.executors:
            executor.shutdown(wait=True)
        for loop in self.loops:
            loop.close()
        asyncio.set_event_loop(None)


@dataclass
class PulumiHarness:
    monitor: RecordingMonitor
    log: logging.Logger

    @classmethod
    def start(cls, stack: str, loops: EventLoops) -> PulumiHarness:
        """Fresh recording mocks for `stack`, on a fresh event loop from `loops`."""
        loops.fresh_loop()
        log = logging.getLogger("pulumi-mock-engine")
        monitor = RecordingMonitor(ProviderMocks())
        pulumi.runtime.set_mocks(
            monitor.mocks, project=PROJECT, stack=stack, preview=False, logger=log, monitor=monitor
        )
        return cls(monitor, log)

    def run(self, program: Callable[[], pulumi.Output[Any] | None]) -> Any:
        """Run `program` to completion (every registration and apply); the resolved value of the
        Output it returns, if any."""
        captured: dict[str, Any] = {}

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def go() -> pulumi.Output[Any] | None:
            output = program()
            if output is None:
                return None
            return output.apply(lambda value: captured.setdefault("value", value))

        go()
        return captured.get("value")

    # ---- what the program registered ---------------------------------------------------------

    @property
    def registered(self) -> list[Registered]:
        """Everything, the root stack included, in registration order."""
        return list(self.monitor.registered)

    @property
    def resources(self) -> list[Registered]:
        """What the program registered (the root stack is the engine's, not the program's)."""
        return [r for r in self.monitor.registered if r.resource_type != STACK_TYPE]

    def named(self, name: str) -> Registered:
        (found,) = [r for r in self.resources if r.name == name]
        return found

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.resource_type == type_]

    def names(self) -> list[tuple[str, str]]:
        return sorted((r.resource_type, r.name) for r in self.resources)


def register(plan: EnvironmentPlan) -> list[Registered]:
    """Everything `build(plan)` registers, in registration order, on loops closed afterwards."""
    loops = EventLoops()
    try:
        harness = PulumiHarness.start(plan.stack, loops)
        harness.run(lambda: build(plan).outputs)
        return harness.registered
    finally:
        loops.close()
