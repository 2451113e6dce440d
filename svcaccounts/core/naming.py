"""Names of everything the program manages: Pulumi logical names, Okta labels, secret names.

The plan and the Pulumi program both call these functions, so a test can prove that they agree.
A logical name depends on the account (or scope) and the resource's role only, never on code
structure or on other accounts: refactoring the program must not replace live resources (if a
resource ever has to move, give it `aliases` rather than a new name here).
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

Role = Literal["app", "policy", "rule", "bundle", "bundle-version"]

# Pulumi type tokens, spelled once.
SERVICE_ACCOUNT_TYPE = "svcaccounts:index:ServiceAccount"
OKTA_PROVIDER_TYPE = "pulumi:providers:okta"
AUTH_SERVER_TYPE = "okta:auth/server:Server"
SCOPE_TYPE = "okta:auth/serverScope:ServerScope"
APP_TYPE = "okta:app/oAuth:OAuth"
POLICY_TYPE = "okta:auth/serverPolicy:ServerPolicy"
RULE_TYPE = "okta:auth/serverPolicyRule:ServerPolicyRule"
PRIVATE_KEY_TYPE = "tls:index/privateKey:PrivateKey"
CLIENT_SECRET_TYPE = "random:index/randomPassword:RandomPassword"
KEY_VAULT_SECRET_TYPE = "azure-native:keyvault:Secret"
AWS_PROVIDER_TYPE = "pulumi:providers:aws"
AWS_SECRET_TYPE = "aws:secretsmanager/secret:Secret"
AWS_SECRET_VERSION_TYPE = "aws:secretsmanager/secretVersion:SecretVersion"

OKTA_PROVIDER_NAME = "okta"
AUTH_SERVER_NAME = "auth-server"
AWS_PROVIDER_NAME = "aws"

MANAGED_BY = "svcaccounts"

# Key Vault object names: 1-127 characters of [0-9a-zA-Z-].
KEY_VAULT_NAME_MAX = 127
_KEY_VAULT_INVALID = re.compile(r"[^0-9A-Za-z-]")

# AWS Secrets Manager names: 1-512 characters of [A-Za-z0-9/_+=.@-].
AWS_SECRET_NAME_MAX = 512
_AWS_SECRET_INVALID = re.compile(r"[^A-Za-z0-9/_+=.@-]")
# The last segment of every AWS secret name. AWS appends "-" and six random characters to a
# secret's ARN, and warns against names that themselves end in "-" plus six characters: a
# partial ARN would then be ambiguous. Account names often do ("mcp-vscode-client"), so the
# name ends in this fixed segment instead.
AWS_SECRET_LEAF = "bundle"


def account_name(account: str) -> str:
    """The ServiceAccount component's logical name."""
    return account


def child_name(account: str, role: Role) -> str:
    """A child of the component: `mcp-project-service-app`, `...-policy`, `...-rule`, `...-bundle`."""
    return f"{account}-{role}"


def private_key_name(account: str, generation: int) -> str:
    """One RSA key pair per generation (private_key_jwt); two live side by side during grace."""
    return f"{account}-key-g{generation}"


def client_secret_name(account: str, generation: int) -> str:
    """One random client secret per generation (client_secret_basic)."""
    return f"{account}-secret-g{generation}"


def scope_name(scope: str) -> str:
    return f"scope-{scope}"


def key_id(account: str, generation: int) -> str:
    """The JWK `kid`: stable for a generation's whole life, known offline, unique per app."""
    return f"{account}-g{generation}"


def app_label(account: str, environment: str) -> str:
    """The Okta app label: account and environment, unique when one org hosts several."""
    return f"{account} ({environment})"


# Okta refuses authorization-server policy and rule names over 50 characters (reported in
# terraform-provider-okta #581; never visible under mocks). Account (41) and environment (31)
# names can add up to more, so long names are cut and keep a short hash to stay distinct.
OKTA_POLICY_NAME_MAX = 50


def _fit_okta_name(name: str) -> str:
    if len(name) <= OKTA_POLICY_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: OKTA_POLICY_NAME_MAX - len(digest) - 1].rstrip()}~{digest}"


def policy_name(account: str, environment: str) -> str:
    return _fit_okta_name(f"{account} ({environment})")


def rule_name(account: str) -> str:
    return _fit_okta_name(f"{account} client credentials")


def key_vault_secret_name(account: str, environment: str) -> str:
    """The Key Vault secret holding the account's credential bundle in one environment.

    Account and environment names are already [a-z0-9-]; anything else is replaced and a short
    hash of the original keeps distinct inputs distinct. Too long names are cut the same way.
    """
    raw = f"{account}-{environment}"
    cleaned = _KEY_VAULT_INVALID.sub("-", raw)
    if cleaned == raw and len(raw) <= KEY_VAULT_NAME_MAX:
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:10]
    return f"{cleaned[: KEY_VAULT_NAME_MAX - len(digest) - 1]}-{digest}"


def aws_secret_name(prefix: str, account: str, environment: str) -> str:
    """The AWS Secrets Manager secret holding the account's bundle: `<prefix><environment>/<account>/bundle`.

    Environment before account, so one IAM statement (`secret:<prefix>prod/*`) covers an
    environment. Invalid characters (the settings reject them in the prefix; account and
    environment names never have them) are replaced and a short hash keeps inputs distinct; too
    long names are cut the same way, keeping the fixed last segment.
    """
    raw = f"{prefix}{environment}/{account}/{AWS_SECRET_LEAF}"
    cleaned = _AWS_SECRET_INVALID.sub("-", raw)
    if cleaned == raw and len(raw) <= AWS_SECRET_NAME_MAX:
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:10]
    head = cleaned[: -len(AWS_SECRET_LEAF) - 1]
    keep = AWS_SECRET_NAME_MAX - len(digest) - len(AWS_SECRET_LEAF) - 2
    return f"{head[:keep]}-{digest}/{AWS_SECRET_LEAF}"
