"""The snippets docs/client.md gives for calling an API and for OpenTelemetry run as written: each
in its own Python process, configured as `svcaccounts env` configures a consumer (the bundle's
location) plus API_BASE_URL, against the loopback authorization server and API."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from tests.support.authz_server import AuthzServer
from tests.support.resource_server import ResourceServer

CLIENT_MD = Path(__file__).resolve().parents[2] / "docs" / "client.md"


def python_blocks(heading: str) -> list[str]:
    """The ```python blocks of the section that starts with `heading`, up to the next heading of
    the same or a higher level (a `#` line inside a code block is a comment, not a heading)."""
    level = len(heading.split(" ")[0])
    blocks: list[str] = []
    inside, fence, block = False, None, []
    for line in CLIENT_MD.read_text().splitlines():
        if fence is None and line.startswith("#"):
            if line == heading:
                inside = True
                continue
            if inside and len(line.split(" ")[0]) <= level:
                break
        if line.startswith("```"):
            if fence is None:
                fence, block = line, []
            else:
                if inside and fence == "```python":
                    blocks.append("\n".join(block) + "\n")
                fence = None
        elif fence is not None:
            block.append(line)
    return blocks


API_SNIPPETS = python_blocks("## Calling an API: bearer auth that renews on 401")
OTEL_SNIPPETS = python_blocks("### OpenTelemetry")


@pytest.fixture
def api(signing_key: RSAKey) -> Iterator[ResourceServer]:
    server = ResourceServer(signing_key, required_scope="mcp:projects:read")
    yield server
    server.close()


@pytest.fixture
def run_snippet(
    basic_account: Callable[..., tuple[Path, str]], api: ResourceServer
) -> Callable[[str], subprocess.CompletedProcess[str]]:
    bundle, _ = basic_account(client_id="projects-reader", scopes=("mcp:projects:read",))
    environ = {name: value for name, value in os.environ.items() if not name.startswith("SVCACCOUNTS_")}
    environ.update(SVCACCOUNTS_BUNDLE_FILE=str(bundle), API_BASE_URL=api.base_url)

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=60
        )

    return run


def test_the_sections_have_their_snippets() -> None:
    assert len(API_SNIPPETS) == 3  # httpx, httpx async, requests
    assert len(OTEL_SNIPPETS) == 1


@pytest.mark.parametrize("code", API_SNIPPETS, ids=["httpx", "httpx-async", "requests"])
def test_an_api_snippet_runs_and_reads_projects_with_the_token(
    code: str,
    run_snippet: Callable[[str], subprocess.CompletedProcess[str]],
    api: ResourceServer,
    authz: AuthzServer,
) -> None:
    done = run_snippet(code)

    assert done.returncode == 0, done.stderr
    assert "'name': 'Project p1'" in done.stdout
    assert set(api.statuses()) == {200}
    assert authz.request_count == 1


def test_the_opentelemetry_snippet_exports_the_clients_metrics_and_span(
    run_snippet: Callable[[str], subprocess.CompletedProcess[str]], authz: AuthzServer
) -> None:
    (code,) = OTEL_SNIPPETS

    done = run_snippet(code)

    assert done.returncode == 0, done.stderr
    for name in (
        "svcaccounts.client.token.requests",
        "svcaccounts.client.token.duration",
        "svcaccounts.client.token.cache",
        "svcaccounts.client.token.request",
        '"deployment.environment.name": "prod"',
    ):
        assert name in done.stdout
    assert authz.request_count == 1
