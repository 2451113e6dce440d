"""What each identity provider offers: one small description per provider, read by the settings
parser (which providers exist), the definition checks (what a stack's provider cannot express),
the plan (which resources, which credential overlap) and the docs (docs/identity-providers.md).

Definitions never change with the provider: an account keeps its name, owner, scopes, auth
method, lifetime, rotation and environments. What a provider cannot express is a located
`validate` error on the stack that would need it (svcaccounts/definitions/provider_checks.py),
never a silent drop. The Pulumi translation of each provider lives in svcaccounts/infra/<idp>/.
Pure data: no Pulumi, no YAML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from svcaccounts.core.model import AUTH_METHODS, AuthMethod

IdentityProviderKind = Literal["okta", "entra-id", "auth0", "cognito"]
OKTA: IdentityProviderKind = "okta"
ENTRA_ID: IdentityProviderKind = "entra-id"
AUTH0: IdentityProviderKind = "auth0"
COGNITO: IdentityProviderKind = "cognito"
DEFAULT_IDENTITY_PROVIDER = OKTA
# Every name the setting knows, in the order messages list them; the reserved ones are refused
# with a reason until their translation exists (a separate issue, on this same seam).
IDENTITY_PROVIDERS: tuple[IdentityProviderKind, ...] = (OKTA, ENTRA_ID, AUTH0, COGNITO)
RESERVED_IDENTITY_PROVIDERS: frozenset[IdentityProviderKind] = frozenset()

# "resource-prefixed": each scope as `<resource server identifier>/<scope>` (Amazon Cognito).
ScopeSyntax = Literal["scope-names", "resource-default", "resource-prefixed"]


@dataclass(frozen=True, slots=True)
class ProviderDescription:
    """What one identity provider can express for a client-credentials service account."""

    kind: IdentityProviderKind
    display_name: str
    auth_methods: tuple[AuthMethod, ...]
    # Whether an access token's lifetime can be set for one client (Okta: the access policy
    # rule). Without it, a definition's explicit `token_lifetime_minutes` is a validate error
    # on the stack, and the schema's default means "the provider's default".
    per_client_token_lifetime: bool
    # Per auth method: whether the previous generation's credential stays accepted during
    # grace (several keys or secrets registered at once), the zero-downtime rotation.
    rotation_overlap: Mapping[AuthMethod, bool]
    # What a token request's `scope` carries: the catalog's scope names themselves, or the one
    # `<resource>/.default` that returns every role assigned to the client.
    scope_syntax: ScopeSyntax
    # Where the granted scopes come back in the access token.
    granted_claim: str
    # The longest a credential may stay registered (days from its creation), or None.
    max_credential_days: int | None = None
    # The longest scope name the provider takes as its permission value, or None.
    max_scope_name_length: int | None = None
    # The characters a scope name may hold at the provider (a full-match pattern and its words
    # for messages), or None for the catalog's own rule.
    scope_name_pattern: re.Pattern[str] | None = None
    scope_name_rule: str = ""
    # The most scopes one resource server (the stack's whole catalog) may define, or None.
    max_catalog_scopes: int | None = None
    # The access-token lifetimes one client may have, in minutes (inclusive), or None.
    token_lifetime_minutes_range: tuple[int, int] | None = None
    # Whether each credential generation is a client of its own (a new client id per rotation),
    # rather than a credential added to one client.
    client_per_generation: bool = False
    # Whether an access token's lifetime is set once for the API, for every client of the stack
    # (Auth0's resource server `token_lifetime`). Explicit lifetimes are then deployable when the
    # environment's accounts agree on one (definitions/provider_checks.py).
    per_api_token_lifetime: bool = False
    # What the token request sends as `audience` besides `scope` (Auth0: the API's identifier).
    sends_audience: bool = False

    def overlaps(self, method: AuthMethod) -> bool:
        return self.rotation_overlap.get(method, False)


OKTA_PROVIDER = ProviderDescription(
    kind=OKTA,
    display_name="Okta",
    auth_methods=AUTH_METHODS,
    per_client_token_lifetime=True,
    # The app's JWKS holds several keys; Okta's provider keeps one client secret per app.
    rotation_overlap={"private_key_jwt": True, "client_secret_basic": False},
    scope_syntax="scope-names",
    granted_claim="scp",
)

# Entra: every client credential (certificate or password) carries an end date. The Graph guide
# for adding a certificate allows an end date at most one year after its start, and Microsoft
# advises client secrets below twelve months; tenants may restrict both further with an app
# management policy (docs/identity-providers.md). One year for both, counted from the
# generation's start, which is never after the credential's creation.
ENTRA_MAX_CREDENTIAL_DAYS = 365
# An app role's `value` (what the `roles` claim carries): at most 120 characters, never
# starting with '.', from a fixed set of characters (Microsoft Graph, appRole resource type).
ENTRA_APP_ROLE_VALUE_MAX = 120
# A credential with an end date reaches this far past the end of its generation's grace, so a
# scheduled `pulumi up` that runs late (a failed run, a holiday) does not expire the live
# credential before the next one replaces it.
CREDENTIAL_SLACK_DAYS = 7

ENTRA_ID_PROVIDER = ProviderDescription(
    kind=ENTRA_ID,
    display_name="Microsoft Entra ID",
    auth_methods=AUTH_METHODS,
    # Entra has no access-token lifetime per client application.
    per_client_token_lifetime=False,
    # An application holds several certificates and several passwords at once.
    rotation_overlap={"private_key_jwt": True, "client_secret_basic": True},
    scope_syntax="resource-default",
    granted_claim="roles",
    max_credential_days=ENTRA_MAX_CREDENTIAL_DAYS,
    max_scope_name_length=ENTRA_APP_ROLE_VALUE_MAX,
)

# Auth0: a client holds at most two private_key_jwt credentials at once (the Management API
# refuses a third; terraform-provider-auth0's maxSlotCredentials), which the rotation always
# fits: grace is shorter than the period (definitions/semantic.py), so at most two generations
# are live. Auth0 keeps one client secret per client, so a secret's rotation is a cutover.
AUTH0_MAX_PRIVATE_KEY_CREDENTIALS = 2
# Auth0 takes a resource server's token_lifetime in seconds, at most 30 days (2592000): far
# above the schema's 1440 minutes, so no definition can exceed it.
AUTH0_MAX_TOKEN_LIFETIME_SECONDS = 2_592_000

AUTH0_PROVIDER = ProviderDescription(
    kind=AUTH0,
    display_name="Auth0",
    auth_methods=AUTH_METHODS,
    per_client_token_lifetime=False,
    rotation_overlap={"private_key_jwt": True, "client_secret_basic": False},
    scope_syntax="scope-names",
    # Auth0 puts the granted scopes in the access token's `scope` claim, space separated.
    granted_claim="scope",
    per_api_token_lifetime=True,
    sends_audience=True,
)

# Amazon Cognito (API reference, ResourceServerScopeType and ResourceServerType): a scope name
# is 1-256 printable ASCII characters other than space, '"', '/' and '\'; a resource server
# holds at most 100 scopes. An app client's access token lives 5 minutes to 1 day
# (UserPoolClientType.AccessTokenValidity).
COGNITO_SCOPE_NAME = re.compile(r"[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}")
COGNITO_SCOPE_NAME_MAX = 256
COGNITO_MAX_SCOPES = 100
COGNITO_TOKEN_MINUTES = (5, 24 * 60)

COGNITO_PROVIDER = ProviderDescription(
    kind=COGNITO,
    display_name="Amazon Cognito",
    # A user pool app client authenticates with its client secret only (no private_key_jwt).
    auth_methods=("client_secret_basic",),
    per_client_token_lifetime=True,
    # An app client holds one secret in the Pulumi provider, so each generation is an app client
    # of its own and the previous one stays through grace: overlap, with a new client id.
    rotation_overlap={"client_secret_basic": True},
    scope_syntax="resource-prefixed",
    granted_claim="scope",
    max_scope_name_length=COGNITO_SCOPE_NAME_MAX,
    scope_name_pattern=COGNITO_SCOPE_NAME,
    scope_name_rule="printable ASCII without spaces, '\"', '/' or '\\'",
    max_catalog_scopes=COGNITO_MAX_SCOPES,
    token_lifetime_minutes_range=COGNITO_TOKEN_MINUTES,
    client_per_generation=True,
)

_DESCRIPTIONS: Mapping[IdentityProviderKind, ProviderDescription] = {
    OKTA: OKTA_PROVIDER,
    ENTRA_ID: ENTRA_ID_PROVIDER,
    AUTH0: AUTH0_PROVIDER,
    COGNITO: COGNITO_PROVIDER,
}


def describe(kind: IdentityProviderKind) -> ProviderDescription:
    """The description of an implemented provider; KeyError for a reserved one."""
    return _DESCRIPTIONS[kind]
