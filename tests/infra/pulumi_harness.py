"""Pulumi mocks for the program's unit tests: recording mocks, a harness, fresh event loops.

The mocks answer with the engine's camelCase names (`clientId`, `publicKeyPem`), like a real
provider would, and record every registration with its inputs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pulumi.runtime import rpc

REPOSITORY_ROOT = Path(__file__).parent.parent.parent

# Recognisable fake credential values, so a test can scan outputs and logs for them.
MOCK_SECRET_PREFIX = "MockSecretValue"
MOCK_AUTH_SERVER_ID = "aus0mockcreated0"
MOCK_AWS_ACCOUNT = "123456789012"


def unwrap(value: Any) -> tuple[Any, bool]:
    """A recorded input without Pulumi's secret wrappers, and whether any part was secret."""
    if rpc.is_rpc_secret(value):
        plain, _ = unwrap(rpc.unwrap_rpc_secret(value))
        return plain, True
    if isinstance(value, dict):
        pairs = {key: unwrap(item) for key, item in value.items()}
        return {key: plain for key, (plain, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [unwrap(item) for item in value]
        return [plain for plain, _ in items], any(s for _, s in items)
    return value, False


@cache
def mock_rsa_key(name: str) -> tuple[str, str]:
    """One key pair per logical name, like a key that stays in Pulumi state between runs:
    (PKCS#8 private key, public key). 1024 bits keeps the suite fast; the program's own rsaBits
    input is asserted separately."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


def pkcs1(private_pkcs8: str) -> str:
    """The same key as pulumi-tls's `privateKeyPem` gives it for RSA: PKCS#1 (BEGIN RSA PRIVATE KEY)."""
    key = serialization.load_pem_private_key(private_pkcs8.encode(), password=None)
    traditional = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, traditional, serialization.NoEncryption()).decode()


def mock_client_id(app_name: str) -> str:
    return "0oa" + hashlib.sha256(app_name.encode()).hexdigest()[:17]


def mock_aws_secret_arn(secret_name: str, region: str = "eu-west-1") -> str:
    """Like AWS: the name plus "-" and six characters (here derived from the name, not random)."""
    suffix = hashlib.sha256(secret_name.encode()).hexdigest()[:6]
    return f"arn:aws:secretsmanager:{region}:{MOCK_AWS_ACCOUNT}:secret:{secret_name}-{suffix}"


def mock_secret(name: str) -> str:
    return MOCK_SECRET_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:24]


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]
    secret_inputs: bool
    provider: str | None


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    resources: list[Registered] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs, secret = unwrap(dict(args.inputs))
        self.resources.append(Registered(args.typ, args.name, inputs, secret, args.provider))
        state = dict(args.inputs)
        resource_id: str | None = f"{args.name}-id"
        if args.typ == "okta:app/oAuth:OAuth":
            state["clientId"] = mock_client_id(args.name)
            resource_id = state["clientId"]
        elif args.typ == "okta:auth/server:Server":
            resource_id = MOCK_AUTH_SERVER_ID
        elif args.typ == "tls:index/privateKey:PrivateKey":
            # Like pulumi-tls: PKCS#1 in privateKeyPem, PKCS#8 in privateKeyPemPkcs8.
            pkcs8, state["publicKeyPem"] = mock_rsa_key(args.name)
            state["privateKeyPem"], state["privateKeyPemPkcs8"] = pkcs1(pkcs8), pkcs8
        elif args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = mock_secret(args.name)
        elif args.typ == "aws:secretsmanager/secret:Secret":
            # A secret's id is its ARN.
            state["arn"] = resource_id = mock_aws_secret_arn(args.inputs["name"])
        elif args.typ == "aws:secretsmanager/secretVersion:SecretVersion":
            state["arn"] = args.inputs["secretId"]
            state["versionId"] = resource_id = f"{args.name}-version-id"
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    # ---- queries -----------------------------------------------------------------------------

    def named(self, name: str) -> Registered:
        (found,) = [r for r in self.resources if r.name == name]
        return found

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def names(self) -> list[tuple[str, str]]:
        return sorted((r.type, r.name) for r in self.resources)


@dataclass
class PulumiHarness:
    mocks: RecordingMocks
    log: logging.Logger

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
