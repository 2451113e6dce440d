"""`make bench`: what validation, planning, review and the program cost as an organisation grows.

Every figure is a whole command in its own process (start-up and imports included, as a pull
request pays them), timed by wall clock, best of a few runs, with the child's peak RSS from
wait4(2). Synthetic organisations are generated once per size under bench/out/.

    python -m bench.run                     # 100, 1,000 and 10,000 accounts
    python -m bench.run --sizes 10 --repeat 1 --no-peer
    python -m bench.run --write bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic import write_organisation

REPOSITORY = Path(__file__).resolve().parent.parent
OUT = REPOSITORY / "bench" / "out"
BIN = Path(sys.executable).parent
SCHEMA = REPOSITORY / "svcaccounts" / "schemas" / "service-account.schema.json"


@dataclass(frozen=True)
class Measurement:
    job: str
    size: int
    seconds: float
    peak_mib: float
    note: str = ""


def run_measured(command: Sequence[str], *, cwd: Path, expect: Sequence[int] = (0,)) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    process.returncode = code
    if code not in expect:
        raise SystemExit(f"bench: {' '.join(command)} exited {code}:\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def best_of(repeat: int, job: str, size: int, command: Sequence[str], cwd: Path, **kw: object) -> Measurement:
    runs = [run_measured(command, cwd=cwd, **kw) for _ in range(repeat)]  # type: ignore[arg-type]
    seconds = min(run[0] for run in runs)
    peak = max(run[1] for run in runs)
    return Measurement(job, size, seconds, peak)


def organisation(size: int) -> Path:
    root = OUT / f"org-{size}"
    marker = root / ".complete"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        write_organisation(root, size)
        marker.touch()
    return root


def definition_files(root: Path) -> list[str]:
    return sorted(str(path) for path in (root / "service_accounts").rglob("*.yaml"))


Job = Callable[[int, Path, int], list[Measurement]]


def job_validate(size: int, root: Path, repeat: int) -> list[Measurement]:
    return [
        best_of(repeat, "validate", size, [str(BIN / "svcaccounts"), "validate", "--root", str(root)], root)
    ]


def job_check_jsonschema(size: int, root: Path, repeat: int) -> list[Measurement]:
    # The peer checks the schema only (no YAML strictness, no semantic checks), one file list.
    command = [str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA), *definition_files(root)]
    measurement = best_of(repeat, "check-jsonschema", size, command, root)
    return [measurement]


JOBS: dict[str, Job] = {
    "validate": job_validate,
    "check-jsonschema": job_check_jsonschema,
}


def format_table(measurements: list[Measurement], sizes: list[int]) -> str:
    jobs = list(dict.fromkeys(m.job for m in measurements))
    by_key = {(m.job, m.size): m for m in measurements}
    header = "| job | " + " | ".join(f"{size:,} accounts" for size in sizes) + " | growth per 10× accounts |"
    lines = [header, "|" + " --- |" * (len(sizes) + 2)]
    for job in jobs:
        cells = []
        for size in sizes:
            m = by_key.get((job, size))
            cells.append("–" if m is None else f"{m.seconds:.2f} s, {m.peak_mib:.0f} MiB")
        growth = []
        for small, large in itertools.pairwise(sizes):
            a, b = by_key.get((job, small)), by_key.get((job, large))
            if a and b and a.seconds > 0:
                growth.append(f"{b.seconds / a.seconds:.1f}× ({small:,}→{large:,})")
        lines.append(f"| {job} | " + " | ".join(cells) + f" | {', '.join(growth) or '–'} |")
    return "\n".join(lines)


def peer_ratios(measurements: list[Measurement]) -> list[str]:
    by_key = {(m.job, m.size): m for m in measurements}
    lines = []
    for (job, size), ours in sorted(by_key.items()):
        peer = by_key.get(("check-jsonschema", size))
        if job == "validate" and peer:
            lines.append(
                f"- {size:,} accounts: check-jsonschema takes {peer.seconds / ours.seconds:.1f}× as long "
                f"as `svcaccounts validate` ({peer.seconds:.2f} s vs {ours.seconds:.2f} s)"
            )
    return lines


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated account counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    parser.add_argument("--jobs", default=",".join(JOBS), help=f"which of: {', '.join(JOBS)}")
    parser.add_argument("--no-peer", action="store_true", help="skip check-jsonschema")
    parser.add_argument("--write", type=Path, help="also write the report to this Markdown file")
    args = parser.parse_args(argv)

    sizes = [int(size) for size in args.sizes.split(",")]
    jobs = [job for job in args.jobs.split(",") if not (args.no_peer and job == "check-jsonschema")]
    measurements: list[Measurement] = []
    for size in sizes:
        root = organisation(size)
        for job in jobs:
            found = JOBS[job](size, root, args.repeat)
            measurements.extend(found)
            for m in found:
                print(
                    f"{m.job:>20} {m.size:>7,} accounts: {m.seconds:8.3f} s  {m.peak_mib:6.0f} MiB",
                    flush=True,
                )

    report = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
            "Each figure is a whole command in a fresh process (start-up and imports included), best of "
            f"{args.repeat}, with the child's peak RSS.",
            "",
            format_table(measurements, sizes),
            "",
            *peer_ratios(measurements),
            "",
        ]
    )
    print()
    print(report)
    if args.write:
        args.write.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
