"""Runs the Pulumi program under the SDK's mocks and records what it registers, engine-style.

The mock monitor sees each `RegisterResource` request the program sends, which carries more than
the mocks' `new_resource` arguments: the parent, the dependencies and the per-property
dependencies the SDK computed. The pack's stack rules relate resources through exactly those, so
the recorder keeps them, together with the wire-form inputs and the mocked outputs.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Any

import pulumi
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.protobuf import json_format  # type: ignore[import-untyped]  # no stubs in the lock
from pulumi.runtime.mocks import MockMonitor

from svcaccounts.core.plan import EnvironmentPlan
from svcaccounts.infra.program import build
from tests.support.policy_evaluator import Registered


@functools.cache
def _test_key() -> tuple[str, str]:
    """One small RSA key for every mocked tls.PrivateKey: the program derives the JWK from it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class ProviderMocks(pulumi.runtime.Mocks):
    """Outputs shaped like the providers': inputs echoed, plus the computed values the program reads."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        resource_id = f"{args.name}-id"
        if args.typ == "okta:app/oAuth:OAuth":
            # Okta's client id of an OAuth app is the app's id.
            resource_id = f"0oa-{args.name}"
            state["clientId"] = resource_id
        elif args.typ == "tls:index/privateKey:PrivateKey":
            private, public = _test_key()
            state.update(privateKeyPem=private, privateKeyPemPkcs8=private, publicKeyPem=public)
        elif args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = "x" * int(args.inputs.get("length", 64))
        elif args.typ == "aws:secretsmanager/secret:Secret":
            # A secret's id is its ARN: the name plus "-" and six characters.
            resource_id = f"arn:aws:secretsmanager:eu-west-1:111122223333:secret:{args.inputs['name']}-AbC123"
            state["arn"] = resource_id
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[Registered] = []
        # The SDK calls the monitor from executor threads, and the mock monitor gives each thread
        # an event loop that nobody closes; creating them here lets `register` close them.
        self.thread_loops: list[asyncio.AbstractEventLoop] = []

    def RegisterResource(self, request: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            try:
                asyncio.get_event_loop()
            except RuntimeError:
                thread_loop = asyncio.new_event_loop()
                asyncio.set_event_loop(thread_loop)
                self.thread_loops.append(thread_loop)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        self.registered.append(
            Registered(
                urn=response.urn,
                resource_type=request.type,
                name=request.name,
                inputs=json_format.MessageToDict(request.object),
                outputs=json_format.MessageToDict(response.object),
                parent=request.parent or None,
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(value.urns) for key, value in request.propertyDependencies.items()
                },
            )
        )
        return response


def register(plan: EnvironmentPlan, *, project: str = "svcaccounts") -> list[Registered]:
    """Everything `build(plan)` registers, in registration order."""
    # The SDK runs on the current event loop; give it a fresh one and close it (and the executor
    # threads' loops) afterwards, or their sockets outlive the test and surface as
    # ResourceWarnings in whichever test runs next.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor = RecordingMonitor(ProviderMocks())
    try:
        pulumi.runtime.set_mocks(
            monitor.mocks, project=project, stack=plan.stack, preview=False, monitor=monitor
        )

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def run_program() -> pulumi.Output[Any]:
            # The SDK's test wrapper waits until every registration RPC has finished.
            return build(plan).outputs

        run_program()
        return monitor.registered
    finally:
        # Stop the executor threads first, so no thread loop is in use when it is closed.
        loop.run_until_complete(loop.shutdown_default_executor())
        for thread_loop in monitor.thread_loops:
            thread_loop.close()
        loop.close()
        asyncio.set_event_loop(None)
