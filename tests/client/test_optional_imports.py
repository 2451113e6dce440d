"""The client extra stays lean: the client and its adapters import without Pulumi, and the optional
dependencies (requests, OpenTelemetry) are imported only by the modules that need them."""

from __future__ import annotations

import json
import subprocess
import sys

# Makes `import pulumi...` fail in the probe process, as on a machine with only svcaccounts[client].
WITHOUT_PULUMI = """
import importlib.abc, sys

class NoPulumi(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "pulumi" or name.startswith("pulumi_"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, NoPulumi())
"""
OPTIONAL = "('pulumi', 'requests', 'opentelemetry', 'mcp')"


def loaded_after(imports: str) -> list[str]:
    probe = (
        WITHOUT_PULUMI
        + imports
        + f"\nimport json; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({OPTIONAL}))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_client_imports_none_of_the_optional_dependencies() -> None:
    assert loaded_after("import svcaccounts.client, svcaccounts.client.http_auth") == []


def test_each_adapter_imports_only_its_own_dependency_and_never_pulumi() -> None:
    assert loaded_after("import svcaccounts.client.requests_auth") == ["requests"]
    assert loaded_after("import svcaccounts.client.otel") == ["opentelemetry"]


def test_requests_auth_imports_requests_when_asked_for() -> None:
    imports = (
        "from svcaccounts.client import TokenClient\nTokenClient.from_env('UNUSED').requests_auth(['a'])\n"
    )
    assert loaded_after(imports) == ["requests"]
