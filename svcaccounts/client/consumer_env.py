"""The non-secret settings a consumer needs, as environment variables (dotenv lines here; the MCP
server entries that carry them in svcaccounts/mcp_config.py).

Only fields that are safe to paste into a configuration file or a chat: never the secret or key,
only where the bundle that holds them lives (svcaccounts.client.environment: the variables
`TokenClient.from_environment()` reads). The other variables are for the consumer's own use
(which scopes to ask for, which client to expect in logs); the client reads them from the bundle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from svcaccounts.client.bundle import CredentialBundle
from svcaccounts.client.environment import AWS_SECRET_ID, KEY_VAULT_SECRET, PREFIX
from svcaccounts.core.contracts.accounts_output import DeployedAccount


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
    deployed: DeployedAccount, location: Mapping[str, str], *, key_id: str | None = None
) -> ConsumerSettings:
    """From the stack's `accounts` output, read with `token_settings_required=True`
    (svcaccounts.core.contracts.accounts_output, which checks the values as strictly as a bundle's:
    they end up in .env files and MCP configurations). `key_id` is the program's for the deployed
    generation (private_key_jwt only), which the outputs do not repeat."""
    settings = deployed.token_settings
    if settings is None:
        raise ValueError(f"{deployed.name}: read from the outputs without its token settings")
    return ConsumerSettings(
        client_id=settings.client_id,
        token_url=settings.token_url,
        scopes=settings.scopes,
        auth_method=settings.auth_method,
        location=location,
        key_id=key_id if settings.auth_method == "private_key_jwt" else None,
    )


def render_dotenv(settings: Mapping[str, str]) -> str:
    return "\n".join(f"{name}={_dotenv_value(value)}" for name, value in settings.items())


_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _dotenv_value(value: str) -> str:
    if value and all(c.isascii() and (c.isalnum() or c in "-_.:/@+,%=") for c in value):
        return value
    # Inside double quotes a shell still expands $, ` and \: each is escaped, so that sourcing the
    # output never runs a command substitution from a value.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    # A raw line break would end the value and start a line of the attacker's choosing.
    escaped = "".join(
        _CONTROL_ESCAPES.get(c, f"\\u{ord(c):04x}") if not c.isprintable() else c for c in escaped
    )
    return f'"{escaped}"'


def deployed_location_mismatch(deployed: DeployedAccount, location: Mapping[str, str]) -> str | None:
    """Where the deployed outputs say the bundle is, when that is not where this stack writes it."""
    expected_kv, expected_aws = location.get(KEY_VAULT_SECRET), location.get(AWS_SECRET_ID)
    kv_secret = deployed.key_vault_secret_name
    if kv_secret is not None and kv_secret != expected_kv:
        wanted = f"Key Vault secret {expected_kv}" if expected_kv else f"AWS secret {expected_aws}"
        return f"Key Vault secret {kv_secret}, but this stack writes {wanted}"
    if deployed.aws_secret_arn is not None and deployed.aws_secret_name != expected_aws:
        wanted = f"AWS secret {expected_aws}" if expected_aws else f"Key Vault secret {expected_kv}"
        return f"AWS secret {deployed.aws_secret_arn}, but this stack writes {wanted}"
    return None
