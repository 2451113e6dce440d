"""No input, however broken, produces a traceback: mutated and random files always give findings."""

from __future__ import annotations

import random

import pytest

from svcaccounts.definitions import load_files
from tests.support.repository import DEFINITION_FIXTURES

BASE_FILES = {path.name: path.read_bytes() for path in (DEFINITION_FIXTURES / "repo").iterdir() if path.is_file()}
VALID = (DEFINITION_FIXTURES / "valid" / "service_accounts" / "platform" / "orders-sync.yaml").read_bytes()


def _mutations(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    alphabet = b"{}[]:,-&*!|>'\"#%@`?\n\t \x00\xff\xfe<<yes no ~ 0x1F 1e3 2024-01-01"
    results = []
    for _ in range(count):
        data = bytearray(VALID)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[position : position + 1] = bytes([rng.choice(alphabet)])
            elif action < 0.7:
                del data[position : position + rng.randint(1, 20)]
            else:
                chunk = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
                data[position:position] = chunk
        results.append(bytes(data))
    return results


@pytest.mark.parametrize("seed", range(5))
def test_mutated_definitions_never_raise(seed: int) -> None:
    files = dict(BASE_FILES)
    for index, data in enumerate(_mutations(seed, 200)):
        files[f"service_accounts/m/orders-sync-{index}.yaml"] = data

    result = load_files(files)

    assert not result.ok
    for finding in result.findings:
        assert finding.line >= 1 and finding.col >= 1 and finding.message


def test_random_bytes_never_raise() -> None:
    rng = random.Random(42)
    files = dict(BASE_FILES)
    for index in range(200):
        files[f"service_accounts/r/f{index}.yaml"] = rng.randbytes(rng.randint(0, 400))

    result = load_files(files)

    assert len({finding.path for finding in result.findings}) == 200


def test_wrong_types_everywhere_never_raise() -> None:
    values = [
        "null",
        "[]",
        "{}",
        "1",
        "-5",
        "true",
        "'text'",
        "[1, [2]]",
        "{a: {b: c}}",
        "0x1F",
        "2024-01-01",
    ]
    fields = [
        "name",
        "description",
        "owner",
        "scopes",
        "auth_method",
        "token_lifetime_minutes",
        "rotation",
        "status",
        "environments",
    ]
    files = dict(BASE_FILES)
    for field in fields:
        for index, value in enumerate(values):
            text = VALID.decode().replace(f"\n{field}:", f"\n{field}: {value}\nx_{field}:", 1)
            files[f"service_accounts/{field}/v{index}.yaml"] = text.encode()

    result = load_files(files)

    assert not result.ok
