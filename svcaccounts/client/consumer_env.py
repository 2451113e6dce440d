"""The non-secret settings a consumer needs, as environment lines or an MCP server's `env` block.

Only fields that are safe to paste into a configuration file or a chat: never the secret or key,
only where the bundle that holds them lives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from svcaccounts.client.bundle import CredentialBundle

PREFIX = "SVCACCOUNTS_"


def consumer_settings(bundle: CredentialBundle, *, bundle_file: str) -> dict[str, str]:
    settings = {
        f"{PREFIX}CLIENT_ID": bundle.client_id,
        f"{PREFIX}TOKEN_URL": bundle.token_url,
        f"{PREFIX}SCOPES": " ".join(bundle.scopes),
        f"{PREFIX}AUTH_METHOD": bundle.auth_method,
        f"{PREFIX}BUNDLE_FILE": bundle_file,
    }
    if bundle.key_id:
        settings[f"{PREFIX}KEY_ID"] = bundle.key_id
    return settings


def render_dotenv(settings: Mapping[str, str]) -> str:
    return "\n".join(f"{name}={_dotenv_value(value)}" for name, value in settings.items())


def _dotenv_value(value: str) -> str:
    if value and all(c.isalnum() or c in "-_.:/@+,%=" for c in value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def render_mcp(settings: Mapping[str, str]) -> str:
    """The `env` block of an MCP server entry (the shape editors' mcp.json files use)."""
    return json.dumps({"env": dict(settings)}, indent=2)
