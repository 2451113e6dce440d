"""The benchmark's flat floor is a replay of what the real program registers, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from bench.program_under_mocks import load, prepare_replay, read_recording, replay, write_recording
from bench.synthetic import write_organisation
from tests.support.pulumi_harness import EventLoops, PulumiHarness, register


def test_the_flat_floor_registers_the_programs_provider_resources_with_their_inputs_at_the_top(
    tmp_path: Path,
) -> None:
    write_organisation(tmp_path, 10)
    program = register(load(tmp_path, "prod"))
    write_recording(tmp_path / "recording.json", program)
    steps = prepare_replay(read_recording(tmp_path / "recording.json"))

    loops = EventLoops()
    try:
        harness = PulumiHarness.start("prod", loops)
        harness.run(lambda: replay(steps))
    finally:
        loops.close()

    provider_resources = [r for r in program if r.custom]
    assert {(r.resource_type, r.name): r.inputs for r in harness.resources} == {
        (r.resource_type, r.name): r.inputs for r in provider_resources
    }
    # No component: every resource's parent is the root stack.
    assert {r.parent.split("::")[2] for r in harness.resources if r.parent} == {"pulumi:pulumi:Stack"}
    assert all(r.parent for r in harness.resources)
    # Where the program passed another resource's output, the replay passes that resource's Output.
    by_name = {r.name: r for r in harness.resources}
    policy = next(r for r in harness.resources if r.resource_type == "okta:auth/serverPolicy:ServerPolicy")
    (app,) = policy.property_dependencies["clientWhitelists"]
    assert app == by_name[policy.name.removesuffix("-policy") + "-app"].urn
