"""An MCP server that an editor starts (stdio) and that calls an internal API with its own service
account's token: the reference use of a service account. One tool, `get_project`.

Configuration, all from the environment and none of it secret:

    SVCACCOUNTS_*   where the account's credential bundle lives: what `svcaccounts env` prints,
                    read by TokenClient.from_environment() (a file, a Key Vault or AWS secret)
    API_BASE_URL    the API, e.g. https://projects.internal.example.com

`svcaccounts env ACCOUNT --stack NAME --format mcp --server-env API_BASE_URL=...` prints the whole
entry for .vscode/mcp.json; docs/mcp.md walks through it. Run by hand: `python server.py` (it then
waits for an MCP client on stdin).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from svcaccounts.client import AsyncTokenClient, TokenClientError

# Least privilege: the tool reads projects, whatever else the account may do.
SCOPES = ["mcp:projects:read"]
# The tool's argument comes from a model: it goes into the URL path only if it is a plain id.
PROJECT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@asynccontextmanager
async def projects_api(server: MCPServer[httpx.AsyncClient]) -> AsyncIterator[httpx.AsyncClient]:
    """One HTTP client for the server's life, authenticated by the token client: it attaches the
    token, renews it ahead of expiry, and on a 401 renews it and retries once."""
    base_url = os.environ.get("API_BASE_URL", "").strip()
    if not base_url:
        raise RuntimeError("API_BASE_URL is not set: the API this server reads projects from")
    tokens = AsyncTokenClient.from_environment()
    async with httpx.AsyncClient(base_url=base_url, auth=tokens.httpx_auth(SCOPES), timeout=30) as api:
        yield api


server = MCPServer("projects", lifespan=projects_api)


@server.tool()
async def get_project(project_id: str, ctx: Context[httpx.AsyncClient, Any]) -> dict[str, Any]:
    """Read one project (its metadata as JSON) from the projects API."""
    if not PROJECT_ID.fullmatch(project_id):
        raise ToolError("project_id must be 1 to 64 letters, digits, '_' or '-'")
    api = ctx.request_context.lifespan_context
    try:
        response = await api.get(f"/projects/{project_id}")
    except TokenClientError as error:
        # Its message names the client and the token endpoint, never a credential.
        raise ToolError(f"no token for the projects API: {error}") from error
    if response.status_code == 404:
        raise ToolError(f"no project {project_id}")
    if response.is_error:
        # A 401 here was refused once more after a new token: the API does not accept this client.
        raise ToolError(f"the projects API answered HTTP {response.status_code}")
    project: dict[str, Any] = response.json()
    return project


if __name__ == "__main__":
    server.run()  # stdio: the transport an editor uses for a server it starts
