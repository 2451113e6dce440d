"""The whole Pulumi program under the SDK's mocks, against two floors.

    python -m bench.program_under_mocks ROOT --stack prod                     # our program
    python -m bench.program_under_mocks ROOT --stack prod --bare              # same count of plain resources
    python -m bench.program_under_mocks ROOT --stack prod --record FILE       # what the program registers
    python -m bench.program_under_mocks ROOT --stack prod --flat FILE         # the same, replayed flat

Prints one JSON line: seconds inside the run (registration and every apply resolved), the number
of resources registered and the number of accounts.

The program is the real one (`svcaccounts.infra.program.build`) on the mock engine the tests use
(bench/pulumi_mocks.py). Two floors, because they answer different questions:
- bare: as many plain custom resources as the program registers, each with one small input and
  no declared outputs. What the SDK charges per resource at the least; the ratio to it is what
  our program costs on top, *including* what the SDK charges per provider resource type.
- flat: the very provider resources the program registered (recorded by `--record` in another
  process), replayed at the top level with their provider classes: no component and no apply
  (derived values are the recorded literals; where the program passed another resource's output,
  the replay passes that resource's Output too). The SDK creates one Output per declared output
  property of each type (an Okta app declares dozens), so this floor is what those types cost
  whoever registers them; the ratio to it is what our components and applies add. Being a replay
  of a recording, it cannot drift from the program.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.stack import massage

from bench.pulumi_mocks import ProviderMocks, RecordingMonitor, Registered, new_rsa_key
from svcaccounts.core.plan import EnvironmentPlan


@cache
def _the_key() -> tuple[str, str]:
    return new_rsa_key(2048)


def shared_key(name: str) -> tuple[str, str]:
    """One key for every mock PrivateKey (2048 bits, as deployed): the benchmark measures the
    program, not RSA generation."""
    return _the_key()


class Plain(pulumi.CustomResource):
    def __init__(self, name: str, value: str) -> None:
        super().__init__("bench:index:Plain", name, {"value": value})


# ---- the flat floor: a recorded run, replayed ----------------------------------------------------


@cache
def resource_class(resource_type: str) -> type[pulumi.CustomResource]:
    """The provider SDK's class for a type token: `okta:app/oAuth:OAuth` → pulumi_okta.app.OAuth,
    `pulumi:providers:okta` → pulumi_okta.Provider."""
    package, module, name = resource_type.split(":")
    if (package, module) == ("pulumi", "providers"):
        found = importlib.import_module(f"pulumi_{name.replace('-', '_')}").Provider
    else:
        path = f"pulumi_{package.replace('-', '_')}"
        submodule = module.split("/")[0]
        module_path = path if submodule == "index" else f"{path}.{submodule}"
        found = getattr(importlib.import_module(module_path), name)
    assert isinstance(found, type) and issubclass(found, pulumi.CustomResource), resource_type
    return found


def _folded(name: str) -> str:
    return name.replace("_", "").lower()


@cache
def input_names(resource_type: str) -> dict[str, str]:
    """Engine input name, folded (`clientwhitelists`) → the class's argument (`client_whitelists`)."""
    init = resource_class(resource_type)._internal_init  # type: ignore[attr-defined]
    parameters = inspect.signature(init).parameters
    return {_folded(name): name for name in parameters if name not in ("__self__", "resource_name", "opts")}


@cache
def output_names(resource_type: str) -> dict[str, str]:
    """Engine output name, folded (`clientid`) → the class's Output property (`client_id`)."""
    members = inspect.getmembers(resource_class(resource_type))
    return {_folded(name): name for name, member in members if isinstance(member, property)}


def _as_given(value: Any, *, provider: bool = False) -> Any:
    """A recorded value as the program gave it: the wire has only floats, the program gave
    integers; and a provider's inputs travel JSON-encoded, except plain strings."""
    if provider and isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return value if isinstance(decoded, str) else decoded
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _as_given(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_given(item) for item in value]
    return value


@dataclass(frozen=True)
class OutputOf:
    """Where the program passed another resource's output: that resource's Output `attribute`."""

    urn: str
    attribute: str


@dataclass(frozen=True)
class Replayed:
    """One recorded provider resource, resolved before the timed run."""

    record: Registered
    cls: type[pulumi.CustomResource]
    # The class's argument → the value as the program gave it: a literal, an OutputOf, or a list.
    arguments: dict[str, Any]
    depends_on: tuple[str, ...]
    provider: str | None


def _resolve(value: Any, sources: Sequence[str], records: dict[str, Registered]) -> Any:
    """`value`, or the output of a resource it came from: an output the provider computed, or an id."""
    if isinstance(value, list):
        return [_resolve(item, sources, records) for item in value]
    for urn in sources:
        record = records[urn]
        for key, output in (record.outputs or {}).items():
            if key not in record.inputs and output == value:
                return OutputOf(urn, output_names(record.resource_type)[_folded(key)])
        if value == record.id:
            return OutputOf(urn, "id")
    return value


def prepare_replay(recorded: Sequence[Registered]) -> list[Replayed]:
    steps: list[Replayed] = []
    seen: dict[str, Registered] = {}
    for record in recorded:
        if not record.custom:
            continue  # the root stack and the components: the flat floor has neither
        names = input_names(record.resource_type)
        unknown = [key for key in record.inputs if _folded(key) not in names]
        if unknown:
            raise SystemExit(f"bench: {record.resource_type} takes no input {', '.join(unknown)}")
        provider = record.resource_type.startswith("pulumi:providers:")
        arguments: dict[str, Any] = {}
        through_properties: set[str] = set()
        for key, value in record.inputs.items():
            sources = [urn for urn in record.property_dependencies.get(key, ()) if urn in seen]
            through_properties.update(sources)
            resolved = _resolve(value, sources, seen)
            arguments[names[_folded(key)]] = (
                resolved if resolved != value else _as_given(value, provider=provider)
            )
        depends_on = tuple(
            urn for urn in record.dependencies if urn in seen and urn not in through_properties
        )
        provider_urn = record.provider.rsplit("::", 1)[0] if record.provider else None
        steps.append(
            Replayed(record, resource_class(record.resource_type), arguments, depends_on, provider_urn)
        )
        seen[record.urn] = record
    return steps


def _materialised(value: Any, made: dict[str, pulumi.CustomResource]) -> Any:
    if isinstance(value, OutputOf):
        return getattr(made[value.urn], value.attribute)
    if isinstance(value, list):
        return [_materialised(item, made) for item in value]
    return value


def replay(steps: Sequence[Replayed]) -> None:
    """Register every step at the top level, in the recorded order (dependencies come first)."""
    made: dict[str, pulumi.CustomResource] = {}
    for step in steps:
        provider = made.get(step.provider) if step.provider else None
        assert provider is None or isinstance(provider, pulumi.ProviderResource)
        options = pulumi.ResourceOptions(
            provider=provider, depends_on=[made[urn] for urn in step.depends_on] or None
        )
        kwargs = {argument: _materialised(value, made) for argument, value in step.arguments.items()}
        made[step.record.urn] = step.cls(step.record.name, opts=options, **kwargs)


def write_recording(path: Path, recorded: Sequence[Registered]) -> None:
    path.write_text(json.dumps([asdict(record) for record in recorded]))


def read_recording(path: Path) -> list[Registered]:
    records = []
    for item in json.loads(path.read_text()):
        item["dependencies"] = tuple(item["dependencies"])
        item["property_dependencies"] = {k: tuple(v) for k, v in item["property_dependencies"].items()}
        records.append(Registered(**item))
    return records


# ---- a run ------------------------------------------------------------------------------------------


def load(root: Path, stack: str) -> EnvironmentPlan:
    from svcaccounts.core import clock
    from svcaccounts.definitions.stack_files import read_stacks
    from svcaccounts.infra.program import load_plan

    stacks, _ = read_stacks({f"Pulumi.{stack}.yaml": (root / f"Pulumi.{stack}.yaml").read_bytes()})
    return load_plan(root, stack, dict(stacks[0].config), clock.now())


def export_program(plan: EnvironmentPlan) -> None:
    from svcaccounts.infra.program import build

    # What `pulumi.export("accounts", ...)` in main() leads to at the end of a real run: the root
    # stack massages its outputs and registers them, which awaits every value. (Returning the
    # Output instead would make the test harness unwrap it deeply with Output.from_input, a cost
    # no real deployment pays.)
    root = pulumi.runtime.get_root_resource()
    assert isinstance(root, pulumi.ComponentResource)
    root.register_outputs({"accounts": massage(build(plan).outputs, [])})


def run(root: Path, stack: str, *, mode: str = "program", recording: Path | None = None) -> dict[str, Any]:
    plan = load(root, stack)
    mocks = ProviderMocks(key_pair=shared_key)
    monitor = RecordingMonitor(mocks) if mode == "record" else None
    pulumi.runtime.set_mocks(mocks, project="svcaccounts", stack=stack, preview=False, monitor=monitor)
    _the_key()

    body: Callable[[], None]
    if mode == "bare":
        # Calibrate: the program's own resource count for this plan, as plain resources.
        resources = len(plan.resources())

        def body() -> None:
            for index in range(resources):
                Plain(f"plain-{index}", f"value-{index}")

    elif mode == "flat":
        if recording is None:
            raise SystemExit("bench: --flat replays a recording; make one with --record")
        steps = prepare_replay(read_recording(recording))

        def body() -> None:
            replay(steps)

    else:

        def body() -> None:
            export_program(plan)

    start = time.perf_counter()
    pulumi.runtime.test(body)()  # type: ignore[no-untyped-call]
    seconds = time.perf_counter() - start
    if monitor is not None and recording is not None:
        write_recording(recording, monitor.registered)
    return {
        "mode": mode,
        "seconds": seconds,
        "resources": mocks.count,
        "shared": len(plan.shared),
        "accounts": len(plan.accounts),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.program_under_mocks")
    parser.add_argument("root", type=Path)
    parser.add_argument("--stack", default="prod")
    floor = parser.add_mutually_exclusive_group()
    floor.add_argument("--bare", dest="mode", action="store_const", const="bare", help="plain resources")
    floor.add_argument("--flat", dest="recording", type=Path, metavar="FILE", help="replay FILE flat")
    floor.add_argument("--record", type=Path, metavar="FILE", help="run the program, write what it registers")
    parser.set_defaults(mode="program")
    args = parser.parse_args(argv)
    if args.record is not None:
        mode, recording = "record", args.record
    elif args.recording is not None:
        mode, recording = "flat", args.recording
    else:
        mode, recording = args.mode, None
    print(json.dumps(run(args.root, args.stack, mode=mode, recording=recording)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
