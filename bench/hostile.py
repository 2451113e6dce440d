"""`python -m bench.hostile`: validate against hostile definition files of doubling size.

Each pattern is written at 128 KiB, 256 KiB, 512 KiB and 1 MiB (the reader's cap) into an
otherwise valid repository, and `svcaccounts validate` runs on it as a whole process (best of
--repeat). Linear cost shows as about 2× per doubling; the target is under 2 s at 1 MiB. Before
the mapping index and the per-file cap, 90,000 unknown keys took minutes and 20,000 wrongly
typed list items 13.7 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.synthetic import write_organisation

BIN = Path(sys.executable).parent
SIZES_KIB = (128, 256, 512, 1024)
HEAD = "name: hostile\ndescription: x\nowner: {team: a, email: a@example.com}\n"
TAIL = "rotation: {period_days: 30}\nenvironments: {dev: {}}\n"


def _fill(prefix: str, item: Callable[[int], str], suffix: str, size: int) -> str:
    parts, length, index = [prefix], len(prefix) + len(suffix), 0
    while True:
        text = item(index)
        if length + len(text) > size:
            break
        parts.append(text)
        length += len(text)
        index += 1
    return "".join(parts) + suffix


PATTERNS: dict[str, Callable[[int], str]] = {
    "unknown keys": lambda size: _fill(
        HEAD + "scopes: [api:area000:read]\n" + TAIL, lambda i: f"k{i}: 1\n", "", size
    ),
    "wrongly typed list items": lambda size: _fill(HEAD + "scopes:\n", lambda i: f"  - {i}\n", TAIL, size),
    "mappings in a text list": lambda size: _fill(
        HEAD + "scopes:\n", lambda i: f"  - {{n: {i}}}\n", TAIL, size
    ),
    "YAML 1.1 numbers": lambda size: _fill(HEAD + "scopes:\n", lambda i: f"  - 0x{i:x}\n", TAIL, size),
}


def measure(command: Sequence[str], cwd: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        best = min(best, time.perf_counter() - start)
        if done.returncode != 1:  # the file is invalid: anything else is a crash
            raise SystemExit(f"bench: validate exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench.hostile", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_organisation(root, 10)
        target = root / "service_accounts" / "hostile" / "hostile.yaml"
        target.parent.mkdir(parents=True)
        print(
            f"{'pattern':<26}" + "".join(f"{size:>10} KiB" for size in SIZES_KIB) + "   growth per doubling"
        )
        for name, build in PATTERNS.items():
            seconds = []
            for size in SIZES_KIB:
                target.write_text(build(size * 1024))
                seconds.append(
                    measure([str(BIN / "svcaccounts"), "validate", "--root", str(root)], root, args.repeat)
                )
            growth = (seconds[-1] / seconds[0]) ** (1 / (len(SIZES_KIB) - 1))
            print(f"{name:<26}" + "".join(f"{value:>12.2f} s" for value in seconds) + f"   {growth:.2f}×")
        shutil.rmtree(root / "service_accounts" / "hostile")
    return os.EX_OK


if __name__ == "__main__":
    raise SystemExit(main())
