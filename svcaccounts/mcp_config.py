"""An editor's MCP server entry around an account's settings: `svcaccounts env --format mcp`.

    --format mcp          VS Code: `.vscode/mcp.json` (or the user profile's mcp.json)
                          {"servers": {NAME: {"type": "stdio", "command", "args", "env"}}}
    --format mcp-servers  the `mcpServers` shape: `.mcp.json` (Claude Code, GitHub Copilot's
                          portable format), `.cursor/mcp.json`, Claude Desktop's configuration
                          {"mcpServers": {NAME: {"type": "stdio", "command", "args", "env"}}}

(VS Code's older `mcp.servers` key in settings.json is legacy: it reads mcp.json now.)

`env` is what `svcaccounts env` prints (where the bundle lives, never what it holds) plus the
non-secret settings given with `--server-env`. The command is the example server
(examples/mcp-server/server.py, run by the Python that runs svcaccounts) unless `--server-command`
names the consumer's own.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Format name -> the top-level key of the editor's file.
FORMATS: dict[str, str] = {"mcp": "servers", "mcp-servers": "mcpServers"}
# The example lives in the repository beside the package, not in the package: it is not library code.
EXAMPLE_SERVER = Path(__file__).resolve().parent.parent / "examples" / "mcp-server" / "server.py"
# VS Code asks for names without whitespace or special characters; keys must also survive every
# editor's JSON handling and show up readably in its server list.
SERVER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


class McpConfigError(Exception):
    """A usage error in the --server-* options (exit 2)."""


@dataclass(frozen=True, slots=True)
class ServerEntry:
    name: str
    command: str
    args: tuple[str, ...]
    extra_env: Mapping[str, str]
    top_level_key: str

    def render(self, variables: Mapping[str, str]) -> str:
        """The editor's file with this one server, its `env` the account's variables and then
        the extra settings."""
        entry = {
            "type": "stdio",
            "command": self.command,
            "args": list(self.args),
            "env": {**variables, **self.extra_env},
        }
        return json.dumps({self.top_level_key: {self.name: entry}}, indent=2)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("MCP server entry (--format mcp or mcp-servers)")
    group.add_argument(
        "--server-command",
        metavar="CMD",
        help="the server the editor starts (default: the example server, examples/mcp-server)",
    )
    group.add_argument(
        "--server-arg",
        metavar="ARG",
        action="append",
        default=[],
        help="an argument of --server-command, repeatable (--server-arg=--flag for one starting with -)",
    )
    group.add_argument(
        "--server-env",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="a non-secret setting for the server's environment, repeatable (e.g. API_BASE_URL=https://...)",
    )
    group.add_argument(
        "--server-name",
        metavar="NAME",
        help="the entry's key (default: the account name, or the bundle file's name without .json)",
    )


def server_entry(args: argparse.Namespace) -> ServerEntry | None:
    """The entry the options describe, None for --format dotenv; McpConfigError for a usage error,
    raised before anything is read."""
    given = [
        option
        for option, value in (
            ("--server-command", args.server_command),
            ("--server-arg", args.server_arg),
            ("--server-env", args.server_env),
            ("--server-name", args.server_name),
        )
        if value
    ]
    if args.format not in FORMATS:
        if given:
            raise McpConfigError(f"{', '.join(given)}: only with --format {' or '.join(FORMATS)}")
        return None
    if args.server_command is None:
        if args.server_arg:
            raise McpConfigError("--server-arg: only with --server-command")
        if not EXAMPLE_SERVER.is_file():
            raise McpConfigError(
                "the example MCP server ships with the svcaccounts repository "
                "(examples/mcp-server/server.py), not with this installation: name your server "
                "with --server-command"
            )
        command, server_args = sys.executable, (str(EXAMPLE_SERVER),)
    else:
        if not args.server_command.strip():
            raise McpConfigError("--server-command: must not be empty")
        command, server_args = args.server_command, tuple(args.server_arg)
    return ServerEntry(
        name=_server_name(args),
        command=command,
        args=server_args,
        extra_env=_extra_env(args.server_env),
        top_level_key=FORMATS[args.format],
    )


def _server_name(args: argparse.Namespace) -> str:
    if args.server_name is not None:
        name, given = args.server_name, "--server-name"
    elif args.account is not None:
        name, given = args.account, "the account name"
    else:
        name, given = Path(args.bundle).name.removesuffix(".json"), "the bundle file's name"
    if not SERVER_NAME.fullmatch(name):
        shown = "".join(c if c.isprintable() else "?" for c in name)[:80]
        hint = "" if args.server_name is not None else "; choose one with --server-name"
        raise McpConfigError(
            f"server name {shown!r} ({given}): use 1 to 64 letters, digits, '_', '.' or '-', "
            f"starting with a letter or digit{hint}"
        )
    return str(name)


def _extra_env(settings: list[str]) -> dict[str, str]:
    # Here, not at the top: the CLI imports this module to build its parser, and importing the
    # client package loads httpx and authlib, which `svcaccounts validate` should not wait for.
    from svcaccounts.client.environment import PREFIX

    extra: dict[str, str] = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not VARIABLE_NAME.fullmatch(name):
            raise McpConfigError(
                f"--server-env {name[:80]!r}: expected NAME=VALUE, NAME of letters, digits and '_'"
            )
        if name.startswith(PREFIX):
            # They say where the bundle lives; only the account's settings may set them.
            raise McpConfigError(f"--server-env {name}: the {PREFIX}* variables come from the account")
        if name in extra:
            raise McpConfigError(f"--server-env {name}: given twice")
        extra[name] = value
    return extra
