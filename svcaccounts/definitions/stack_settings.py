"""Typed stack settings, parsed from a stack's `config:` block (or the Pulumi runtime's config).

    svcaccounts:environment: prod                  # optional, defaults to the stack name
    svcaccounts:production: true                   # optional, defaults to true for prod/production
    svcaccounts:identityProvider: okta             # optional, default okta; or entra-id, auth0, cognito
    svcaccounts:authServer: {id: aus1abcdefgh}     # okta: or {create: {name: ..., audience: ...}}
    svcaccounts:secretStore: azure-key-vault       # optional; or aws-secrets-manager
    svcaccounts:keyVault: {name: kv-identity-prod, resourceGroup: rg-identity-prod}   # azure-key-vault
    svcaccounts:awsSecretsManager: {region: eu-west-1, kmsKeyId: alias/svcaccounts,   # aws-secrets-manager
                                    namePrefix: svcaccounts/, recoveryWindowDays: 30}
    okta:orgName: prod-11111                       # okta
    okta:baseUrl: okta.com                         # okta, optional
    svcaccounts:entraId: {tenantId: <GUID>, identifierUri: api://<GUID>/svcaccounts-prod}   # entra-id
    svcaccounts:auth0: {domain: example-prod.eu.auth0.com, audience: https://api.example.com/mcp}  # auth0
    svcaccounts:cognito: {region: eu-west-1, userPoolId: eu-west-1_AbCdEfGhI,                # cognito
                          domain: example-prod, resourceServer: https://api.example.com/mcp}

A stack deploys to one identity provider and reads only that provider's block: another
provider's settings are an error, not a silent leftover (svcaccounts/core/identity_providers.py
says what each provider offers). A stack writes its bundles to exactly one store: the block of
the other store is an error, not a silent leftover (switching stores deletes the old store's
secrets on the next `up`, so that has to be a deliberate edit; docs/aws-secrets-manager.md).

Problems come back as findings (all of them at once), never as exceptions. Credentials
(`okta:apiToken`, Azure's, AWS's) are not settings: the providers read them from their environment
variables or from `pulumi config set --secret`, and nothing here ever looks at them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from svcaccounts.core.identity_providers import (
    AUTH0,
    COGNITO,
    DEFAULT_IDENTITY_PROVIDER,
    ENTRA_ID,
    IDENTITY_PROVIDERS,
    OKTA,
    RESERVED_IDENTITY_PROVIDERS,
    IdentityProviderKind,
)
from svcaccounts.core.settings import (
    AWS_SECRETS_MANAGER,
    AZURE_KEY_VAULT,
    DEFAULT_AWS_NAME_PREFIX,
    DEFAULT_AWS_RECOVERY_WINDOW_DAYS,
    DEFAULT_OKTA_BASE_URL,
    DEFAULT_OKTA_MAX_API_CAPACITY,
    PRODUCTION_ENVIRONMENTS,
    SECRET_STORES,
    Auth0Settings,
    AuthServerSettings,
    AwsSecretsManagerSettings,
    CognitoSettings,
    EntraIdSettings,
    ExistingAuthServer,
    KeyVaultSettings,
    NewAuthServer,
    OktaSettings,
    SecretStoreKind,
    StackSettings,
)
from svcaccounts.definitions.findings import Finding, did_you_mean
from svcaccounts.definitions.layout import DEFINITIONS_DIR
from svcaccounts.definitions.stack_files import ENVIRONMENT_KEY, Locator, Stack, first_line

NAMESPACE = "svcaccounts"
# Who creates the catalog's scopes on a shared existing authorization server.
SCOPES_OWN = "own"
SCOPES_REFERENCE = "reference"
# Once a setting; now refused with a reason (one definitions folder per repository).
DEFINITIONS_DIR_KEY = "svcaccounts:definitionsDir"
AUTH_SERVER_KEY = "svcaccounts:authServer"
KEY_VAULT_KEY = "svcaccounts:keyVault"
OKTA_ORG_NAME_KEY = "okta:orgName"
OKTA_BASE_URL_KEY = "okta:baseUrl"
OKTA_MAX_API_CAPACITY_KEY = "svcaccounts:oktaMaxApiCapacity"
SECRET_STORE_KEY = "svcaccounts:secretStore"
PRODUCTION_KEY = "svcaccounts:production"
AWS_SECRETS_MANAGER_KEY = "svcaccounts:awsSecretsManager"
IDENTITY_PROVIDER_KEY = "svcaccounts:identityProvider"
ENTRA_ID_KEY = "svcaccounts:entraId"
AUTH0_KEY = "svcaccounts:auth0"
COGNITO_KEY = "svcaccounts:cognito"

# Provider credentials that a stack file may only hold encrypted.
PLAINTEXT_FORBIDDEN = frozenset(
    {
        "okta:apiToken",
        "okta:privateKey",
        "okta:accessToken",
        "azure-native:clientSecret",
        "azure-native:clientCertificatePassword",
        "aws:secretKey",
        "aws:token",
    }
)

KNOWN_KEYS = frozenset(
    {
        ENVIRONMENT_KEY,
        AUTH_SERVER_KEY,
        KEY_VAULT_KEY,
        OKTA_MAX_API_CAPACITY_KEY,
        SECRET_STORE_KEY,
        AWS_SECRETS_MANAGER_KEY,
        PRODUCTION_KEY,
        IDENTITY_PROVIDER_KEY,
        ENTRA_ID_KEY,
        AUTH0_KEY,
        COGNITO_KEY,
    }
)

# The settings only one identity provider reads; on another provider's stack each is an error.
PROVIDER_KEYS: dict[IdentityProviderKind, tuple[str, ...]] = {
    OKTA: (AUTH_SERVER_KEY, OKTA_MAX_API_CAPACITY_KEY, OKTA_ORG_NAME_KEY, OKTA_BASE_URL_KEY),
    ENTRA_ID: (ENTRA_ID_KEY,),
    AUTH0: (AUTH0_KEY,),
    COGNITO: (COGNITO_KEY,),
}

# Which settings block each store reads.
STORE_BLOCK: dict[SecretStoreKind, str] = {
    AZURE_KEY_VAULT: KEY_VAULT_KEY,
    AWS_SECRETS_MANAGER: AWS_SECRETS_MANAGER_KEY,
}

# Azure: vault names are 3-24 of [0-9a-zA-Z-], start with a letter, end with a letter or digit,
# no "--"; resource group names are 1-90 of word characters, '-', '.', '(' and ')', not ending in '.'.
_VAULT_NAME = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$")
_RESOURCE_GROUP = re.compile(r"^[\w\-.()]{0,89}[\w\-()]$")
# Okta ids are opaque; custom authorization server ids look like `aus1abcdefgh...`.
_AUTH_SERVER_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_ORG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
_BASE_URL = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")
# AWS: regions look like us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1.
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")
# A KMS key: its id (a UUID, or mrk-... for a multi-Region key), an alias, or the ARN of either.
# Only an ARN works for a key in another account (Secrets Manager's rule).
_KMS_KEY = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|mrk-[0-9a-f]{32}"
    r"|alias/[A-Za-z0-9/_-]{1,250}"
    r"|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(?:key/[A-Za-z0-9-]{1,64}|alias/[A-Za-z0-9/_-]{1,250}))$"
)
# Secret names are 1-512 of [A-Za-z0-9/_+=.@-]; the prefix leaves room for environment and account.
AWS_NAME_PREFIX_MAX = 256
_AWS_NAME_PREFIX = re.compile(r"^[A-Za-z0-9/_+=.@-]{0,256}$")
# Entra: a tenant id is a GUID.
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_GUID_TEXT = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Identifier URIs in the forms Entra accepts where a tenant restricts them (app management
# policy `identifierUris`: a unique tenant identifier or a verified domain in the URI).
_PATH = r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*"
_API_TENANT_URI = re.compile(rf"^api://(?P<tenant>{_GUID_TEXT})/{_PATH}$")
_API_APP_ID_URI = re.compile(rf"^api://{_GUID_TEXT}/?$")
_HTTPS_URI = re.compile(rf"^https://(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}}(?:/{_PATH})?$")
# Auth0: the tenant's domain is a host name (tenant.region.auth0.com, or a custom domain): no
# scheme, path or port, since the token URL is built from it.
_HOST_NAME = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")
# The API's identifier, sent as every token request's `audience`: an absolute URI (RFC 3986: a
# scheme, then no whitespace and no fragment), as Auth0 recommends for API identifiers.
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s#]{1,600}\Z")


@dataclass(frozen=True, slots=True)
class SettingsResult:
    settings: StackSettings | None
    findings: tuple[Finding, ...]


class _Reader:
    """Collects findings while reading one stack's config."""

    def __init__(self, path: str, config: Mapping[str, Any], locate: Locator) -> None:
        self.path = path
        self.config = config
        self.locate = locate
        self.findings: list[Finding] = []

    def error(self, keys: tuple[str, ...], message: str, severity: str = "error") -> None:
        line, col = self.locate(("config", *keys))
        self.findings.append(
            Finding(self.path, line, col, message, "warning" if severity == "warning" else "error")
        )

    def mapping(self, key: str) -> Mapping[str, Any] | None:
        value = self.config.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            # `pulumi config set` without --path stores objects as JSON strings. Only a bounded
            # object is parsed: 100,000 '[' would otherwise exhaust the recursion limit.
            value = _json_object(value)
        if not isinstance(value, Mapping):
            self.error((key,), f"{key} must be a mapping")
            return None
        return value

    def string(
        self,
        container: Mapping[str, Any],
        keys: tuple[str, ...],
        pattern: re.Pattern[str],
        describe: str,
        *,
        required: bool = True,
    ) -> str | None:
        value = container.get(keys[-1])
        label = _label(keys)
        if value is None:
            if required:
                self.error(keys[:-1] or keys, f"{label} is required: {describe}")
            return None
        if not isinstance(value, str) or not pattern.match(value):
            self.error(keys, f"{label} must be {describe}, not {shown(value)}")
            return None
        return value

    def unknown_keys(self, container: Mapping[str, Any], keys: tuple[str, ...], known: set[str]) -> None:
        for extra in sorted(set(container) - known):
            label = _label((*keys, extra))
            self.error((*keys, extra), f"unknown setting {label}{did_you_mean(extra, known)}")


# Plain ASCII decimals only: str.isdigit() also takes '²' (then int() raises) and '٥٠' (read as 50).
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
# A stack file is small; a setting's JSON text beyond this is not a setting.
_MAX_JSON_SETTING = 64 * 1024
_SHOWN_CHARACTERS = 60


def whole_number(value: object) -> int | None:
    """A whole number as YAML (an int) or `pulumi config set` (a string of digits) writes it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    return None


def _json_object(text: str) -> object:
    if len(text) > _MAX_JSON_SETTING or not text.lstrip().startswith("{"):
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def shown(value: object) -> str:
    """A setting's value for a message: quoted, one line, cut; a mapping or list by its type."""
    if not isinstance(value, str | int | float | bool):
        return type(value).__name__
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**18 else "a very large number"
    return text if len(text) <= _SHOWN_CHARACTERS else text[: _SHOWN_CHARACTERS - 4] + "...'"


def _label(keys: tuple[str, ...]) -> str:
    return ".".join(keys)


def parse_settings(
    stack: str,
    path: str,
    config: Mapping[str, Any],
    *,
    environment: str | None = None,
    locate: Locator | None = None,
) -> SettingsResult:
    """Read one stack's settings; `environment` defaults to the config's, then the stack name."""
    reader = _Reader(path, config, locate or first_line)

    # An unknown key is an error, not a warning: `svcaccounts:enviroment: prod` would otherwise
    # leave the stack on the environment named after it (or none), and `pulumi up` would delete
    # every account it manages.
    for key in sorted(k for k in config if k.startswith(NAMESPACE + ":") and k not in KNOWN_KEYS):
        if key == DEFINITIONS_DIR_KEY:
            reader.error(
                (key,),
                f"{key} is not a setting: a repository has one definitions folder, {DEFINITIONS_DIR}/, "
                "so the definitions a stack deploys are always the ones `svcaccounts validate` and "
                "`svcaccounts diff` reviewed; remove it",
            )
            continue
        reader.error((key,), f"unknown setting {key}{did_you_mean(key, KNOWN_KEYS)}")

    env = environment if environment is not None else config.get(ENVIRONMENT_KEY, stack)
    if not isinstance(env, str) or not env:
        reader.error((ENVIRONMENT_KEY,), f"{ENVIRONMENT_KEY} must be a name")
        env = None

    # Credentials may sit in a stack file only as Pulumi ciphertext ({secure: ...}); a plain value
    # there is a committed secret. Only the key is named: the value must not reach a CI log.
    for key in sorted(k for k in config if k in PLAINTEXT_FORBIDDEN):
        value = config[key]
        if not (isinstance(value, dict) and set(value) == {"secure"}):
            reader.error(
                (key,),
                f"{key} is in plain text: remove it and rotate it, then set it with "
                f"`pulumi config set --secret {key}` or the provider's environment variable",
            )

    provider = _identity_provider(reader)
    auth_server: AuthServerSettings | None = None
    okta: OktaSettings | None = None
    entra_id: EntraIdSettings | None = None
    auth0: Auth0Settings | None = None
    cognito: CognitoSettings | None = None
    if provider == OKTA:
        auth_server = _auth_server(reader)
    elif provider == ENTRA_ID:
        entra_id = _entra_id(reader)
    elif provider == AUTH0:
        auth0 = _auth0(reader)
    elif provider == COGNITO:
        cognito = _cognito(reader)
    if provider is not None:
        _other_providers_unset(reader, provider)
    store_kind = _secret_store(reader)
    key_vault: KeyVaultSettings | None = None
    aws: AwsSecretsManagerSettings | None = None
    if store_kind == AZURE_KEY_VAULT:
        key_vault = _key_vault(reader)
    elif store_kind == AWS_SECRETS_MANAGER:
        aws = _aws_secrets_manager(reader)
    if store_kind is not None:
        _other_store_unset(reader, store_kind)
    if provider == OKTA:
        okta = _okta(reader)
    production = _production(reader, env)

    findings = tuple(reader.findings)
    provider_ready = (
        (auth_server is not None and okta is not None)
        or entra_id is not None
        or auth0 is not None
        or cognito is not None
    )
    if (
        any(f.severity == "error" for f in findings)
        or env is None
        or not provider_ready
        or (key_vault is None and aws is None)
        or production is None
    ):
        return SettingsResult(None, findings)
    return SettingsResult(
        StackSettings(
            stack=stack,
            environment=env,
            auth_server=auth_server,
            key_vault=key_vault,
            okta=okta,
            aws_secrets_manager=aws,
            production=production,
            entra_id=entra_id,
            auth0=auth0,
            cognito=cognito,
        ),
        findings,
    )


def _identity_provider(reader: _Reader) -> IdentityProviderKind | None:
    value = reader.config.get(IDENTITY_PROVIDER_KEY, DEFAULT_IDENTITY_PROVIDER)
    implemented = [kind for kind in IDENTITY_PROVIDERS if kind not in RESERVED_IDENTITY_PROVIDERS]
    for kind in IDENTITY_PROVIDERS:
        if value != kind:
            continue
        if kind in RESERVED_IDENTITY_PROVIDERS:
            reader.error(
                (IDENTITY_PROVIDER_KEY,),
                f"{IDENTITY_PROVIDER_KEY} {kind} is reserved but not supported yet: use "
                f"{' or '.join(implemented)}",
            )
            return None
        return kind
    reader.error(
        (IDENTITY_PROVIDER_KEY,),
        f"{IDENTITY_PROVIDER_KEY} must be {' or '.join(implemented)} (default {DEFAULT_IDENTITY_PROVIDER}), "
        f"not {shown(value)}",
    )
    return None


def _other_providers_unset(reader: _Reader, provider: IdentityProviderKind) -> None:
    """An error for each setting of another identity provider: a stack deploys to one provider,
    and a leftover block would let a reader believe the accounts are (still) there."""
    for other, keys in PROVIDER_KEYS.items():
        if other == provider:
            continue
        for key in keys:
            if key in reader.config:
                reader.error(
                    (key,),
                    f"{key} applies to {other} stacks, but {IDENTITY_PROVIDER_KEY} is {provider}: "
                    f"remove it (see docs/identity-providers.md before moving a deployed stack)",
                )


def _entra_id(reader: _Reader) -> EntraIdSettings | None:
    key = ENTRA_ID_KEY
    value = reader.mapping(key)
    if value is None:
        if key not in reader.config:
            reader.error(
                (IDENTITY_PROVIDER_KEY,),
                f"{key} is required with {IDENTITY_PROVIDER_KEY}: {ENTRA_ID}: "
                "{tenantId: <tenant GUID>, identifierUri: api://<tenant GUID>/<name>}",
            )
        return None
    reader.unknown_keys(value, (key,), {"tenantId", "identifierUri"})
    tenant = reader.string(value, (key, "tenantId"), _GUID, "the tenant's id, a GUID")
    uri = value.get("identifierUri")
    if uri is None:
        reader.error((key,), f"{key}.identifierUri is required: api://<tenantId>/<name>")
        return None
    problem = identifier_uri_problem(uri, tenant)
    if problem is not None:
        reader.error((key, "identifierUri"), f"{key}.identifierUri {problem}")
        return None
    if tenant is None:
        return None
    assert isinstance(uri, str)  # identifier_uri_problem refuses anything else
    return EntraIdSettings(tenant_id=tenant.lower(), identifier_uri=uri)


def _auth0(reader: _Reader) -> Auth0Settings | None:
    key = AUTH0_KEY
    value = reader.mapping(key)
    if value is None:
        if key not in reader.config:
            reader.error(
                (IDENTITY_PROVIDER_KEY,),
                f"{key} is required with {IDENTITY_PROVIDER_KEY}: {AUTH0}: "
                "{domain: <tenant>.<region>.auth0.com, audience: <the API's identifier, an absolute URI>}",
            )
        return None
    reader.unknown_keys(value, (key,), {"domain", "audience"})
    domain = value.get("domain")
    if isinstance(domain, str) and "://" in domain:
        reader.error(
            (key, "domain"),
            f"{key}.domain is a host name without a scheme or path, not {shown(domain)}: "
            "the token URL is https://<domain>/oauth/token",
        )
        domain = None
    else:
        domain = reader.string(
            value, (key, "domain"), _HOST_NAME, "the tenant's domain, such as example-prod.eu.auth0.com"
        )
    audience = reader.string(
        value,
        (key, "audience"),
        _ABSOLUTE_URI,
        "the API's identifier, an absolute URI such as https://api.example.com/mcp",
    )
    if domain is not None and audience is not None and audience.startswith(f"https://{domain}/api/v2"):
        # The Management API: a client granted its scopes administers the tenant.
        reader.error(
            (key, "audience"),
            f"{key}.audience {shown(audience)} is the tenant's Management API: service accounts get "
            "scopes of your own API; create one and use its identifier",
        )
        return None
    if domain is None or audience is None:
        return None
    return Auth0Settings(domain=domain, audience=audience)


def identifier_uri_problem(uri: object, tenant_id: str | None) -> str | None:
    """Why `uri` cannot be the API's identifier URI, or None. Entra accepts, where a tenant
    restricts identifier URIs (as new tenants do), only URIs with a unique tenant identifier or a
    verified domain: api://<tenantId>/<name>, api://<appId>, https://<verified domain>/<path>."""
    if not isinstance(uri, str):
        return f"must be text, not {shown(uri)}"
    if uri.endswith("/"):
        return (
            f"must not end in '/', not {shown(uri)}: the token request's scope is "
            "<identifierUri>/.default"
        )
    tenant_form = _API_TENANT_URI.match(uri)
    if tenant_form is not None:
        if tenant_id is not None and tenant_form["tenant"].lower() != tenant_id.lower():
            return (
                f"names tenant {tenant_form['tenant']!r}, not this stack's tenantId: use "
                f"api://{tenant_id}/<name>"
            )
        return None
    if _API_APP_ID_URI.match(uri):
        return (
            f"{shown(uri)} is the api://<appId> form, but the API's application is created by this "
            "stack, so its appId is not known before the first deploy: use api://<tenantId>/<name>"
        )
    if _HTTPS_URI.match(uri):
        return None
    return (
        f"must be api://<tenantId>/<name> or https://<verified domain>/<path> (letters, digits and "
        f". _ ~ - in the path), not {shown(uri)}: Entra refuses other identifier URIs where the "
        "tenant restricts them"
    )


def _production(reader: _Reader, environment: str | None) -> bool | None:
    value = reader.config.get(PRODUCTION_KEY)
    if value is None:
        return environment in PRODUCTION_ENVIRONMENTS
    # `pulumi config set svcaccounts:production true` stores the text "true".
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    reader.error((PRODUCTION_KEY,), f"{PRODUCTION_KEY} must be true or false, not {shown(value)}")
    return None


def _secret_store(reader: _Reader) -> SecretStoreKind | None:
    value = reader.config.get(SECRET_STORE_KEY, AZURE_KEY_VAULT)
    for kind in SECRET_STORES:
        if value == kind:
            return kind
    reader.error(
        (SECRET_STORE_KEY,),
        f"{SECRET_STORE_KEY} must be {' or '.join(SECRET_STORES)} (default {AZURE_KEY_VAULT}), "
        f"not {shown(value)}",
    )
    return None


def _other_store_unset(reader: _Reader, kind: SecretStoreKind) -> None:
    """An error for the other store's block: a stack writes its bundles to one store only, and a
    leftover block would let a reader believe the bundles are still (or already) there."""
    for other, key in STORE_BLOCK.items():
        if other != kind and key in reader.config:
            reader.error(
                (key,),
                f"{key} is set but {SECRET_STORE_KEY} is {kind}: a stack writes its bundles to one "
                f"store; remove {key}"
                + (f", or set {SECRET_STORE_KEY}: {other}" if kind == AZURE_KEY_VAULT else "")
                + " (see docs/aws-secrets-manager.md before switching a deployed stack)",
            )


def _auth_server(reader: _Reader) -> AuthServerSettings | None:
    key = AUTH_SERVER_KEY
    value = reader.mapping(key)
    if value is None:
        if key not in reader.config:
            reader.error(
                (key,),
                f"{key} is required: {{id: <existing authorization server id>}} "
                "or {create: {name: ..., audience: ...}}",
            )
        return None
    reader.unknown_keys(value, (key,), {"id", "create", "scopes"})
    if ("id" in value) == ("create" in value):
        reader.error((key,), f"{key} needs exactly one of id (an existing server) or create (a new one)")
        return None
    if "id" in value:
        server_id = reader.string(value, (key, "id"), _AUTH_SERVER_ID, "an Okta authorization server id")
        scopes = value.get("scopes", SCOPES_OWN)
        if scopes not in (SCOPES_OWN, SCOPES_REFERENCE):
            reader.error(
                (key, "scopes"),
                f"{key}.scopes must be {SCOPES_OWN} (this stack creates the catalog's scopes on the "
                f"server, the default) or {SCOPES_REFERENCE} (another stack on the same server does), "
                f"not {shown(scopes)}",
            )
            return None
        return None if server_id is None else ExistingAuthServer(server_id, owns_scopes=scopes == SCOPES_OWN)
    if "scopes" in value:
        reader.error(
            (key, "scopes"),
            f"{key}.scopes applies to an existing server (id): a created one is the stack's own",
        )
        return None
    create = value["create"]
    if not isinstance(create, Mapping):
        reader.error((key, "create"), f"{key}.create must be a mapping with name and audience")
        return None
    reader.unknown_keys(create, (key, "create"), {"name", "audience"})
    name = reader.string(create, (key, "create", "name"), re.compile(r"^\S.{0,99}$"), "a server name")
    audience = reader.string(
        create, (key, "create", "audience"), re.compile(r"^\S{1,1024}$"), "an audience such as api://mcp"
    )
    if name is None or audience is None:
        return None
    return NewAuthServer(name=name, audience=audience)


def _key_vault(reader: _Reader) -> KeyVaultSettings | None:
    key = KEY_VAULT_KEY
    value = reader.mapping(key)
    if value is None:
        if key not in reader.config:
            reader.error((key,), f"{key} is required: {{name: <vault>, resourceGroup: <resource group>}}")
        return None
    reader.unknown_keys(value, (key,), {"name", "resourceGroup"})
    name = reader.string(
        value,
        (key, "name"),
        _VAULT_NAME,
        "a Key Vault name (3-24 letters, digits and '-', starting with a letter)",
    )
    group = reader.string(value, (key, "resourceGroup"), _RESOURCE_GROUP, "a resource group name")
    if name is None or group is None:
        return None
    return KeyVaultSettings(name=name, resource_group=group)


def _aws_secrets_manager(reader: _Reader) -> AwsSecretsManagerSettings | None:
    key = AWS_SECRETS_MANAGER_KEY
    value = reader.mapping(key)
    if value is None:
        if key not in reader.config:
            reader.error(
                (SECRET_STORE_KEY,),
                f"{key} is required with {SECRET_STORE_KEY}: {AWS_SECRETS_MANAGER}: "
                "{region: <AWS region>, kmsKeyId: <KMS key>, namePrefix: ..., recoveryWindowDays: ...}",
            )
        return None
    reader.unknown_keys(value, (key,), {"region", "kmsKeyId", "namePrefix", "recoveryWindowDays"})
    region = reader.string(value, (key, "region"), _AWS_REGION, "an AWS region such as eu-west-1")
    kms_key_id = reader.string(
        value,
        (key, "kmsKeyId"),
        _KMS_KEY,
        "a KMS key id, alias/<name>, or the ARN of a key or alias",
        required=False,
    )
    prefix_value = value.get("namePrefix", DEFAULT_AWS_NAME_PREFIX)
    prefix: str | None = prefix_value
    if not isinstance(prefix_value, str) or not _AWS_NAME_PREFIX.match(prefix_value):
        reader.error(
            (key, "namePrefix"),
            f"{key}.namePrefix must be at most {AWS_NAME_PREFIX_MAX} of letters, digits and "
            f"/_+=.@- (default {DEFAULT_AWS_NAME_PREFIX})",
        )
        prefix = None
    window = whole_number(value.get("recoveryWindowDays", DEFAULT_AWS_RECOVERY_WINDOW_DAYS))
    if window is None or not (window == 0 or 7 <= window <= 30):
        reader.error(
            (key, "recoveryWindowDays"),
            f"{key}.recoveryWindowDays must be 0 (delete without recovery) or 7 to 30 days "
            f"(default {DEFAULT_AWS_RECOVERY_WINDOW_DAYS})",
        )
        window = None
    if region is None or prefix is None or window is None:
        return None
    return AwsSecretsManagerSettings(
        region=region, kms_key_id=kms_key_id, name_prefix=prefix, recovery_window_days=window
    )


def _okta(reader: _Reader) -> OktaSettings | None:
    org = reader.string(
        reader.config,
        (OKTA_ORG_NAME_KEY,),
        _ORG_NAME,
        "the Okta org's name, the first label of its host (dev-123456 in dev-123456.okta.com)",
    )
    base = reader.string(
        reader.config,
        (OKTA_BASE_URL_KEY,),
        _BASE_URL,
        "the Okta domain, such as okta.com or oktapreview.com",
        required=False,
    )
    capacity = whole_number(reader.config.get(OKTA_MAX_API_CAPACITY_KEY, DEFAULT_OKTA_MAX_API_CAPACITY))
    if capacity is None or not 1 <= capacity <= 100:
        reader.error(
            (OKTA_MAX_API_CAPACITY_KEY,),
            f"{OKTA_MAX_API_CAPACITY_KEY} must be a percentage from 1 to 100",
        )
        return None
    if org is None:
        return None
    return OktaSettings(
        org_name=org,
        base_url=base or DEFAULT_OKTA_BASE_URL,
        max_api_capacity=capacity,
    )


def settings_of(stack: Stack) -> SettingsResult:
    """A loaded stack's settings, with findings located in its stack file."""
    return parse_settings(
        stack.name, stack.path, stack.config, environment=stack.environment, locate=stack.locate
    )


def shared_server_findings(stacks: Sequence[tuple[Stack, StackSettings]]) -> list[Finding]:
    """Stacks on one existing authorization server (same org, same id): exactly one of them
    creates the catalog's scopes there (`scopes: own`, the default), the others reference them.
    Two owners collide on the second create, and destroying either deletes scopes the other's
    rules use; no owner leaves every rule naming scopes nobody creates."""
    by_server: dict[tuple[str, str], list[tuple[Stack, StackSettings]]] = {}
    for stack, settings in stacks:
        server = settings.auth_server
        if isinstance(server, ExistingAuthServer) and settings.okta is not None:
            by_server.setdefault((settings.okta.org_url, server.id), []).append((stack, settings))
    findings: list[Finding] = []
    for (org_url, server_id), sharing in sorted(by_server.items()):
        owners = sorted(stack.name for stack, settings in sharing if settings.owns_scopes)
        if len(owners) == 1:
            continue
        names = ", ".join(sorted(stack.name for stack, _ in sharing))
        where = f"authorization server {server_id} on {org_url}"
        if owners:
            message = (
                f"stacks {', '.join(owners)} all create the catalog's scopes on {where}: keep "
                f"{AUTH_SERVER_KEY}.scopes: {SCOPES_OWN} (the default) on one stack and set "
                f"scopes: {SCOPES_REFERENCE} on the others"
            )
        else:
            message = (
                f"no stack creates the catalog's scopes on {where} (stacks {names} all set "
                f"scopes: {SCOPES_REFERENCE}): exactly one stack on a server owns its scopes"
            )
        for stack, settings in sharing:
            if settings.owns_scopes == bool(owners):
                line, col = stack.locate(("config", AUTH_SERVER_KEY))
                findings.append(Finding(stack.path, line, col, message))
    return findings


# Amazon Cognito. A user pool id is `<region>_<letters and digits>`, at most 55 characters
# (CreateUserPool's UserPoolId pattern [\w-]+_[0-9a-zA-Z]+), its prefix the pool's region.
COGNITO_POOL_ID_MAX = 55
_COGNITO_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})_[0-9A-Za-z]+$")
# A Cognito domain prefix: lowercase letters, digits and '-', 1-63, not starting or ending in '-'
# (a DNS label); Cognito refuses prefixes containing these words.
_COGNITO_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
COGNITO_DOMAIN_RESERVED_WORDS = ("aws", "amazon", "cognito")
# A resource server identifier: 1-256 printable ASCII characters other than space, '"' and '\'
# (ResourceServerType.Identifier).
_COGNITO_RESOURCE_SERVER = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")


def _cognito(reader: _Reader) -> CognitoSettings | None:
    key = COGNITO_KEY
    value = reader.mapping(key)
    if value is None:
        if key not in reader.config:
            reader.error(
                (IDENTITY_PROVIDER_KEY,),
                f"{key} is required with {IDENTITY_PROVIDER_KEY}: {COGNITO}: "
                "{region: <AWS region>, userPoolId: <region>_<id>, domain: <domain prefix>, "
                "resourceServer: <identifier>}",
            )
        return None
    reader.unknown_keys(value, (key,), {"region", "userPoolId", "domain", "resourceServer"})
    region = reader.string(value, (key, "region"), _AWS_REGION, "an AWS region such as eu-west-1")
    pool = _cognito_pool_id(reader, value, region)
    domain = _cognito_domain(reader, value)
    server = value.get("resourceServer")
    if server is None:
        reader.error((key,), f"{key}.resourceServer is required: the resource server's identifier")
    elif (problem := resource_server_problem(server)) is not None:
        reader.error((key, "resourceServer"), f"{key}.resourceServer {problem}")
        server = None
    if region is None or pool is None or domain is None or not isinstance(server, str):
        return None
    return CognitoSettings(region=region, user_pool_id=pool, domain=domain, resource_server=server)


def _cognito_pool_id(reader: _Reader, value: Mapping[str, Any], region: str | None) -> str | None:
    keys = (COGNITO_KEY, "userPoolId")
    pool = reader.string(
        value, keys, _COGNITO_POOL_ID, "a user pool id such as eu-west-1_AbCdEfGhI (<region>_<id>)"
    )
    if pool is None:
        return None
    if len(pool) > COGNITO_POOL_ID_MAX:
        reader.error(
            keys,
            f"{_label(keys)} has {len(pool)} characters; "
            f"Cognito's pool ids have at most {COGNITO_POOL_ID_MAX}",
        )
        return None
    matched = _COGNITO_POOL_ID.match(pool)
    assert matched is not None  # reader.string matched it
    if region is not None and matched["region"] != region:
        reader.error(
            keys,
            f"{_label(keys)} {shown(pool)} is a pool in {matched['region']}, but {COGNITO_KEY}.region "
            f"is {region}: a pool id starts with its own region; correct one of the two",
        )
        return None
    return pool


def _cognito_domain(reader: _Reader, value: Mapping[str, Any]) -> str | None:
    keys = (COGNITO_KEY, "domain")
    domain = value.get("domain")
    if domain is None:
        reader.error((COGNITO_KEY,), f"{COGNITO_KEY}.domain is required: the pool's Cognito domain prefix")
        return None
    if isinstance(domain, str) and ".amazoncognito.com" in domain:
        reader.error(
            keys,
            f"{_label(keys)} is the domain prefix only (example-prod in "
            f"https://example-prod.auth.<region>.amazoncognito.com), not {shown(domain)}",
        )
        return None
    if not isinstance(domain, str) or not _COGNITO_DOMAIN.match(domain):
        reader.error(
            keys,
            f"{_label(keys)} must be a Cognito domain prefix (1-63 lowercase letters, digits and '-', "
            f"not starting or ending with '-'), not {shown(domain)}",
        )
        return None
    reserved = [word for word in COGNITO_DOMAIN_RESERVED_WORDS if word in domain]
    if reserved:
        reader.error(
            keys,
            f"{_label(keys)} {shown(domain)} contains {reserved[0]!r}, which Cognito refuses in a "
            "domain prefix",
        )
        return None
    return domain


def resource_server_problem(identifier: object) -> str | None:
    """Why `identifier` cannot be the Cognito resource server's identifier, or None."""
    if not isinstance(identifier, str) or not _COGNITO_RESOURCE_SERVER.match(identifier):
        return (
            "must be 1-256 printable ASCII characters without spaces, '\"' or '\\' (such as "
            f"https://api.example.com/mcp), not {shown(identifier)}"
        )
    if identifier.endswith("/"):
        return (
            f"must not end in '/', not {shown(identifier)}: Cognito names each scope "
            "<resourceServer>/<scope>"
        )
    return None
