"""The whole Pulumi program under the SDK's mocks, against the SDK's floor.

    python -m bench.program_under_mocks ROOT --stack prod           # our program
    python -m bench.program_under_mocks ROOT --stack prod --bare    # same count of plain resources

Prints one JSON line: seconds inside the program run (registration and every apply resolved),
the number of resources registered and the number of accounts. The bare run registers as many
plain custom resources, each with one small input and no outputs, so the ratio between the two
is what our components, Outputs and applies cost on top of what the SDK charges per resource.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@cache
def _key_pair() -> tuple[str, str]:
    # One key for every mock PrivateKey: the benchmark measures the program, not RSA generation.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class CountingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.count = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.count += 1
        state = dict(args.inputs)
        if args.typ == "okta:app/oAuth:OAuth":
            state["clientId"] = f"0oa{self.count:017d}"
        elif args.typ == "tls:index/privateKey:PrivateKey":
            state["privateKeyPem"], state["publicKeyPem"] = _key_pair()
        elif args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = f"bench-secret-{self.count}"
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class Plain(pulumi.CustomResource):
    def __init__(self, name: str, value: str) -> None:
        super().__init__("bench:index:Plain", name, {"value": value})


def run(root: Path, stack: str, *, bare: bool) -> dict[str, Any]:
    from svcaccounts import clock
    from svcaccounts.infra.program import build, load_plan
    from svcaccounts.stacks import read_stacks

    stacks, _ = read_stacks({f"Pulumi.{stack}.yaml": (root / f"Pulumi.{stack}.yaml").read_bytes()})
    plan = load_plan(root, stack, dict(stacks[0].config), clock.now())
    accounts = len(plan.accounts)
    mocks = CountingMocks()
    pulumi.runtime.set_mocks(mocks, project="svcaccounts", stack=stack, preview=False)
    _key_pair()

    if bare:
        # Calibrate: the program's own resource count for this plan, as plain resources.
        resources = len(plan.resources())

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> None:
            for index in range(resources):
                Plain(f"plain-{index}", f"value-{index}")

    else:

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> pulumi.Output[Any]:
            return build(plan).outputs

    start = time.perf_counter()
    program()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "resources": mocks.count, "accounts": accounts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.program_under_mocks")
    parser.add_argument("root", type=Path)
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.root, args.stack, bare=args.bare)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
