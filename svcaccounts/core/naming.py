"""Names of everything the program manages: Pulumi logical names, Okta labels, secret names.

The plan and the Pulumi program both call these functions, so a test can prove that they agree.
A logical name depends on the account (or scope) and the resource's role only, never on code
structure or on other accounts: refactoring the program must not replace live resources (if a
resource ever has to move, give it `aliases` rather than a new name here).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Literal

Role = Literal["app", "policy", "rule", "bundle", "bundle-version", "sp", "grant", "credentials"]

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
# Microsoft Entra ID (pulumi-azuread) and the self-signed certificates its private_key_jwt uses.
AZUREAD_PROVIDER_TYPE = "pulumi:providers:azuread"
ENTRA_APPLICATION_TYPE = "azuread:index/application:Application"
ENTRA_SERVICE_PRINCIPAL_TYPE = "azuread:index/servicePrincipal:ServicePrincipal"
ENTRA_APP_ROLE_ASSIGNMENT_TYPE = "azuread:index/appRoleAssignment:AppRoleAssignment"
ENTRA_PASSWORD_TYPE = "azuread:index/applicationPassword:ApplicationPassword"
ENTRA_CERTIFICATE_TYPE = "azuread:index/applicationCertificate:ApplicationCertificate"
SELF_SIGNED_CERT_TYPE = "tls:index/selfSignedCert:SelfSignedCert"
# Auth0 (pulumi-auth0): the API (a resource server) and its scopes, and per account a client, its
# grant on the API and its credentials.
AUTH0_PROVIDER_TYPE = "pulumi:providers:auth0"
AUTH0_RESOURCE_SERVER_TYPE = "auth0:index/resourceServer:ResourceServer"
AUTH0_RESOURCE_SERVER_SCOPES_TYPE = "auth0:index/resourceServerScopes:ResourceServerScopes"
AUTH0_CLIENT_TYPE = "auth0:index/client:Client"
AUTH0_CLIENT_GRANT_TYPE = "auth0:index/clientGrant:ClientGrant"
AUTH0_CLIENT_CREDENTIALS_TYPE = "auth0:index/clientCredentials:ClientCredentials"
# Amazon Cognito (pulumi-aws).
COGNITO_RESOURCE_SERVER_TYPE = "aws:cognito/resourceServer:ResourceServer"
COGNITO_USER_POOL_CLIENT_TYPE = "aws:cognito/userPoolClient:UserPoolClient"

OKTA_PROVIDER_NAME = "okta"
AUTH_SERVER_NAME = "auth-server"
AWS_PROVIDER_NAME = "aws"
AZUREAD_PROVIDER_NAME = "azuread"
# The Entra application that stands for the API (its app roles are the catalog's scopes), and
# its service principal.
ENTRA_API_NAME = "entra-api"
ENTRA_API_SERVICE_PRINCIPAL_NAME = "entra-api-sp"
AUTH0_PROVIDER_NAME = "auth0"
# The Auth0 API (resource server) and the one resource that owns all of its scopes.
AUTH0_API_NAME = "auth0-api"
AUTH0_API_SCOPES_NAME = "auth0-api-scopes"
# Cognito: the explicit AWS provider in the pool's region (apart from the store's "aws", which
# may be in another region), and the resource server whose scopes are the catalog's.
COGNITO_AWS_PROVIDER_NAME = "aws-cognito"
COGNITO_RESOURCE_SERVER_NAME = "cognito-resource-server"

# App role ids are UUIDs derived from the scope name in this fixed namespace: the same scope has
# the same role id on every run and every machine, so Pulumi never sees a role change that is
# not one. Fixed forever: changing it would replace every role and every assignment.
APP_ROLE_ID_NAMESPACE = uuid.UUID("5b0f4a7e-2f7d-4b8e-9a51-6f1d2c3b4a59")

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


def certificate_name(account: str, generation: int) -> str:
    """The self-signed certificate around one generation's key (Entra ID's private_key_jwt)."""
    return f"{account}-cert-g{generation}"


def application_certificate_name(account: str, generation: int) -> str:
    """That certificate registered on the account's Entra application."""
    return f"{account}-certificate-g{generation}"


def application_password_name(account: str, generation: int) -> str:
    """One Entra application password per generation (client_secret_basic); two during grace."""
    return f"{account}-password-g{generation}"


def app_role_assignment_name(account: str, scope: str) -> str:
    """The assignment of one scope's app role to the account's service principal."""
    return f"{account}-role-{scope}"


def app_role_id(scope: str) -> str:
    """The Entra app role id of a catalog scope: a UUID of its name, stable everywhere."""
    return str(uuid.uuid5(APP_ROLE_ID_NAMESPACE, scope))


def entra_api_display_name(environment: str) -> str:
    return f"svcaccounts API ({environment})"

def auth0_api_display_name(environment: str) -> str:
    return f"svcaccounts API ({environment})"


def cognito_client_name(account: str, generation: int) -> str:
    """One Cognito app client per generation: the client id changes with each, and the previous
    generation's client stays through grace."""
    return f"{account}-client-g{generation}"


def cognito_client_display_name(account: str, environment: str, generation: int) -> str:
    """The app client's name in the pool: Cognito takes [\\w\\s+=,.@-] only (no parentheses), at
    most 128 characters (an account name has at most 41, an environment 31)."""
    return f"{account}.{environment}.g{generation}"


def cognito_resource_server_display_name(environment: str) -> str:
    return f"svcaccounts {environment}"


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
