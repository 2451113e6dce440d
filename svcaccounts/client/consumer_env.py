"""The non-secret settings a consumer needs, as environment lines or an MCP server's `env` block.

Only fields that are safe to paste into a configuration file or a chat: never the secret or key,
only where the bundle that holds them lives (svcaccounts.client.environment: the variables
`TokenClient.from_environment()` reads). The other variables are for the consumer's own use
(which scopes to ask for, which client to expect in logs); the client reads them from the bundle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from svcaccounts.client.bundle import CredentialBundle
from svcaccounts.client.environment import PREFIX
from svcaccounts.model import AUTH_METHODS


class DeployedOutputsError(Exception):
    """`pulumi stack output --json` does not describe the account as the program writes it."""


@dataclass(frozen=True, slots=True)
class ConsumerSettings:
    client_id: str
    token_url: str
    scopes: tuple[str, ...]
    auth_method: str
    # Where the bundle lives: SVCACCOUNTS_BUNDLE_FILE, or the Key Vault URL and secret name.
    location: Mapping[str, str]
    key_id: str | None = None

    def variables(self) -> dict[str, str]:
        variables = {
            f"{PREFIX}CLIENT_ID": self.client_id,
            f"{PREFIX}TOKEN_URL": self.token_url,
            f"{PREFIX}SCOPES": " ".join(self.scopes),
            f"{PREFIX}AUTH_METHOD": self.auth_method,
        }
        if self.key_id:
            variables[f"{PREFIX}KEY_ID"] = self.key_id
        variables.update(self.location)
        return variables


def from_bundle(bundle: CredentialBundle, location: Mapping[str, str]) -> ConsumerSettings:
    return ConsumerSettings(
        client_id=bundle.client_id,
        token_url=bundle.token_url,
        scopes=bundle.scopes,
        auth_method=bundle.auth_method,
        location=location,
        key_id=bundle.key_id,
    )


def from_deployed(
    outputs: object,
    account: str,
    location: Mapping[str, str],
    *,
    origin: str,
    key_id: str | None = None,
) -> ConsumerSettings:
    """From the stack's outputs (`pulumi stack output --json`): `accounts.<account>` as the program
    exports it (clientId, tokenUrl, scopes, authMethod, ...). `key_id` is the program's for the
    deployed generation (private_key_jwt only), which the outputs do not repeat."""
    if not isinstance(outputs, Mapping) or not isinstance(outputs.get("accounts"), Mapping):
        raise DeployedOutputsError(
            f"{origin}: no 'accounts' output; expected the JSON of `pulumi stack output --json`"
        )
    accounts: Mapping[str, object] = outputs["accounts"]
    entry = accounts.get(account)
    if not isinstance(entry, Mapping):
        known = ", ".join(sorted(str(name) for name in accounts)) or "none"
        raise DeployedOutputsError(
            f"{origin}: no account {account!r} in the 'accounts' output (deployed: {known})"
        )
    problems = []
    client_id, token_url = entry.get("clientId"), entry.get("tokenUrl")
    auth_method, scopes = entry.get("authMethod"), entry.get("scopes")
    if not isinstance(client_id, str) or not client_id:
        problems.append("clientId: expected a string")
    if not isinstance(token_url, str) or not token_url:
        problems.append("tokenUrl: expected a string")
    if auth_method not in AUTH_METHODS:
        problems.append(f"authMethod: expected one of {', '.join(AUTH_METHODS)}")
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        problems.append("scopes: expected a list of scope names")
    if problems:
        listed = "".join(f"\n  - accounts.{account}.{problem}" for problem in problems)
        raise DeployedOutputsError(f"{origin}: unexpected deployed outputs:{listed}")
    assert isinstance(client_id, str) and isinstance(token_url, str) and isinstance(scopes, list)
    return ConsumerSettings(
        client_id=client_id,
        token_url=token_url,
        scopes=tuple(str(scope) for scope in scopes),
        auth_method=str(auth_method),
        location=location,
        key_id=key_id if auth_method == "private_key_jwt" else None,
    )


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
