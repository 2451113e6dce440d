"""The non-secret settings a consumer needs, as environment variables (dotenv lines here; the MCP
server entries that carry them in svcaccounts/mcp_config.py).

Only fields that are safe to paste into a configuration file or a chat: never the secret or key,
only where the bundle that holds them lives (svcaccounts.client.environment: the variables
`TokenClient.from_environment()` reads). The other variables are for the consumer's own use
(which scopes to ask for, which client to expect in logs); the client reads them from the bundle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from svcaccounts.client.bundle import CredentialBundle, token_url_problem
from svcaccounts.client.environment import PREFIX
from svcaccounts.core.model import AUTH_METHODS

# Okta client ids: letters, digits, '_' and '-' (e.g. 0oa1b2c3d4EXAMPLE).
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}")
# A scope name: printable ASCII without spaces (RFC 6749 section 3.3 scope-token, minus '"' and '\\').
SCOPE_PATTERN = re.compile(r"[!#-\[\]-~]{1,200}")


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


def deployed_entry(outputs: object, account: str, *, origin: str) -> Mapping[str, object]:
    """`accounts.<account>` of the stack's outputs: an object keyed by account name (what the
    program exports) or, as `rotation status` accepts too, a list of objects that carry `name`."""
    accounts = outputs.get("accounts") if isinstance(outputs, Mapping) else None
    if isinstance(accounts, list):
        named = {
            item["name"]: item
            for item in accounts
            if isinstance(item, Mapping) and isinstance(item.get("name"), str)
        }
        if len(named) != len(accounts):
            raise DeployedOutputsError(
                f"{origin}: the 'accounts' output is a list whose items are not all objects with "
                "a 'name'; expected the JSON of `pulumi stack output --json`"
            )
        accounts = named
    if not isinstance(accounts, Mapping):
        raise DeployedOutputsError(
            f"{origin}: no 'accounts' object in the outputs; expected the JSON of "
            "`pulumi stack output --json`"
        )
    entry = accounts.get(account)
    if not isinstance(entry, Mapping):
        known = ", ".join(sorted(_shown(name) for name in accounts)) or "none"
        raise DeployedOutputsError(
            f"{origin}: no account {account!r} in the 'accounts' output (deployed: {known})"
        )
    return entry


def _shown(name: object) -> str:
    text = str(name)
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable if len(printable) <= 60 else printable[:57] + "..."


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
    deployed generation (private_key_jwt only), which the outputs do not repeat.

    The outputs are checked as strictly as a bundle: their values end up in .env files and MCP
    configurations, so a URL with a password in it or a value with a newline is refused."""
    entry = deployed_entry(outputs, account, origin=origin)
    problems = []
    client_id, token_url = entry.get("clientId"), entry.get("tokenUrl")
    auth_method, scopes = entry.get("authMethod"), entry.get("scopes")
    if not isinstance(client_id, str) or not CLIENT_ID_PATTERN.fullmatch(client_id):
        problems.append("clientId: expected an Okta client id (letters, digits, '_' and '-')")
    if not isinstance(token_url, str) or not token_url:
        problems.append("tokenUrl: expected a string")
    elif url_problem := token_url_problem(token_url):
        problems.append(f"tokenUrl: {url_problem}")
    if auth_method not in AUTH_METHODS:
        problems.append(f"authMethod: expected one of {', '.join(AUTH_METHODS)}")
    if (
        not isinstance(scopes, list)
        or not scopes
        or not all(isinstance(scope, str) and SCOPE_PATTERN.fullmatch(scope) for scope in scopes)
    ):
        problems.append("scopes: expected a list of scope names (printable, without spaces)")
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


_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _dotenv_value(value: str) -> str:
    if value and all(c.isascii() and (c.isalnum() or c in "-_.:/@+,%=") for c in value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    # A raw line break would end the value and start a line of the attacker's choosing.
    escaped = "".join(
        _CONTROL_ESCAPES.get(c, f"\\u{ord(c):04x}") if not c.isprintable() else c for c in escaped
    )
    return f'"{escaped}"'
