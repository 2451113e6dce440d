"""The reference use case end to end, driven as an editor drives it: `svcaccounts env --format mcp`
prints the server entry, the mcp SDK's stdio client starts examples/mcp-server with exactly that
command and environment, lists its tools and calls `get_project`, which reads a project from a
loopback API that verifies the token's signature, issuer and scope. Then the credential rotates
(with the old credential's tokens revoked) and the API revokes a token, and the calls keep
succeeding. Nothing here is faked: the authorization server, the API and the MCP server are real
processes or threads on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import RSAKey
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from svcaccounts.cli import main
from svcaccounts.mcp_config import EXAMPLE_SERVER
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.client_fakes import write_bundle
from tests.support.resource_server import ResourceServer

ACCOUNT = "mcp-vscode-client"
SCOPES = ("mcp:projects:read", "mcp:docs:read")


@pytest.fixture
def api(signing_key: RSAKey) -> Iterator[ResourceServer]:
    server = ResourceServer(signing_key, required_scope="mcp:projects:read")
    yield server
    server.close()


def rotate_key(authz: AuthzServer, path: Path) -> str:
    """A rotation of a private_key_jwt account: the authorization server takes the new public key
    only, and the bundle's file gets the next generation. Returns the new private key."""
    new_key = RSAKey.generate_key(2048)
    public = RSAKey.import_key(new_key.as_dict(private=False))
    authz.register(RegisteredClient(ACCOUNT, "private_key_jwt", SCOPES, public_key=public))
    document = json.loads(path.read_text())
    pem = new_key.as_pem(private=True).decode()
    document.update(private_key_pem=pem, key_id=f"{ACCOUNT}-g4", generation=4)
    write_bundle(path, document)
    return pem


def project_of(result: Any) -> Any:
    assert not result.is_error, result.content
    return result.structured_content


def test_an_editor_starts_the_example_and_it_keeps_working_through_rotation_and_revocation(
    jwt_account: Callable[..., tuple[Path, str]],
    authz: AuthzServer,
    api: ResourceServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle, first_pem = jwt_account(client_id=ACCOUNT, scopes=SCOPES)
    first_key_id = json.loads(bundle.read_text())["key_id"]
    code = main(
        ["env", "--bundle", str(bundle), "--format", "mcp", "--server-env", f"API_BASE_URL={api.base_url}"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    entry = json.loads(printed)["servers"][ACCOUNT]
    assert entry["args"] == [str(EXAMPLE_SERVER)]
    assert "PRIVATE KEY" not in printed

    server_log = tmp_path / "server-stderr.log"
    rotated_pem: list[str] = []

    async def editor() -> list[Any]:
        parameters = StdioServerParameters(command=entry["command"], args=entry["args"], env=entry["env"])
        with server_log.open("w") as errlog:
            async with Client(
                stdio_client(parameters, errlog=errlog), read_timeout_seconds=30, cache=None
            ) as client:
                tools = await client.list_tools()
                assert [tool.name for tool in tools.tools] == ["get_project"]
                assert list(tools.tools[0].input_schema["properties"]) == ["project_id"]

                projects = [project_of(await client.call_tool("get_project", {"project_id": "p1"}))]

                # The key rotates, and the tokens issued to the old key are revoked with it.
                rotated_pem.append(rotate_key(authz, bundle))
                api.revoke(str(api.jtis()[-1]))
                projects.append(project_of(await client.call_tool("get_project", {"project_id": "p2"})))

                # The API revokes the token the server holds now.
                api.revoke(str(api.jtis()[-1]))
                projects.append(project_of(await client.call_tool("get_project", {"project_id": "p3"})))

                # A model's argument does not choose the API's path.
                refused = await client.call_tool("get_project", {"project_id": "../admin"})
                assert refused.is_error
                assert "project_id must be 1 to 64 letters" in refused.content[0].text
                return projects

    projects = asyncio.run(asyncio.wait_for(editor(), timeout=90))

    assert projects == [{"id": f"p{n}", "name": f"Project p{n}"} for n in (1, 2, 3)]
    # The API: a 401 for each revoked token, then the same request with a new token.
    assert api.statuses() == [200, 401, 200, 401, 200]
    # The authorization server: the first token; after the rotation the old key refused once and
    # the re-read bundle's key accepted; after the revocation one more token, no other request.
    assert authz.errors() == [None, "invalid_client", None, None]
    assert [headers["kid"] for headers, _ in authz.assertions] == [first_key_id] * 2 + [f"{ACCOUNT}-g4"] * 2
    # What the server logged (the editor shows it) holds no credential and no token.
    log = server_log.read_text()
    tokens = {seen.token for seen in api.seen if seen.token}
    assert len(tokens) == 3
    for secret in (first_pem, *rotated_pem, *tokens):
        assert secret not in log
