"""Rules for Okta OAuth apps: every app the stacks create is a machine-to-machine service app."""

from __future__ import annotations

from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import config
from .props import (
    MISSING,
    UNKNOWN,
    contains_unknown,
    describe_known,
    describe_one,
    is_exactly,
    lookup,
)
from .resource_types import is_type

OAUTH_APP: Final = "okta:app/oAuth:OAuth"

SERVICE: Final = "service"
CLIENT_CREDENTIALS: Final = "client_credentials"
TOKEN: Final = "token"
ALLOWED_AUTH_METHODS: Final = ("private_key_jwt", "client_secret_basic", "client_secret_post")
CLIENT_SECRET_METHODS: Final = frozenset({"client_secret_basic", "client_secret_post"})

# The provider's documented values: safe to name in a message. Anything else is only counted,
# because a policy sees decrypted properties and a stray value could be a credential.
APP_TYPES: Final = frozenset({"web", "native", "browser", "service"})
GRANT_TYPES: Final = frozenset(
    {
        "authorization_code",
        "implicit",
        "password",
        "refresh_token",
        "client_credentials",
        "interaction_code",
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    }
)
RESPONSE_TYPES: Final = frozenset({"code", "token", "id_token"})
AUTH_METHODS: Final = frozenset(
    {"none", "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt"}
)


def service_app_type(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, OAUTH_APP):
        return
    app_type = lookup(args.props, "type")
    if app_type is UNKNOWN or app_type == SERVICE:
        return
    found = "not set" if app_type is MISSING else describe_one(app_type, APP_TYPES)
    report_violation(
        f"type is {found}; a service account must be an Okta service app "
        '(machine-to-machine, no user sign-in). Set type="service".',
        None,
    )


def client_credentials_only(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, OAUTH_APP):
        return
    grant_types = lookup(args.props, "grantTypes")
    if grant_types is UNKNOWN or contains_unknown(grant_types):
        return
    if grant_types is MISSING:
        report_violation(
            "grantTypes is not set, so Okta picks its defaults for the app type. "
            'Set grant_types=["client_credentials"].',
            None,
        )
        return
    if not is_exactly(grant_types, CLIENT_CREDENTIALS):
        found = describe_known(grant_types if isinstance(grant_types, list) else [grant_types], GRANT_TYPES)
        report_violation(
            f"grantTypes is {found}; a service account may use only the client_credentials "
            'grant. Set grant_types=["client_credentials"].',
            None,
        )


def token_response_only(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, OAUTH_APP):
        return
    response_types = lookup(args.props, "responseTypes")
    if response_types is UNKNOWN or contains_unknown(response_types):
        return
    if response_types is MISSING:
        report_violation(
            "responseTypes is not set, so Okta picks its defaults for the app type. "
            'Set response_types=["token"].',
            None,
        )
        return
    if not is_exactly(response_types, TOKEN):
        found = describe_known(
            response_types if isinstance(response_types, list) else [response_types],
            RESPONSE_TYPES,
        )
        report_violation(
            f"responseTypes is {found}; the client credentials flow returns only an access "
            'token. Set response_types=["token"].',
            None,
        )


def no_redirect_uris(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, OAUTH_APP):
        return
    for prop, argument in (
        ("redirectUris", "redirect_uris"),
        ("postLogoutRedirectUris", "post_logout_redirect_uris"),
    ):
        uris = lookup(args.props, prop)
        if uris is UNKNOWN or uris is MISSING:
            continue
        # Even an unknown element is a redirect URI that will exist; count it.
        count = len(uris) if isinstance(uris, list) else 1
        if count:
            report_violation(
                f"{prop} lists {count} URI{'s' if count != 1 else ''}; a service app has no "
                "browser flow, so a redirect URI is only an unused path for tokens to leak. "
                f"Remove {argument}.",
                None,
            )


def token_endpoint_auth_method(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, OAUTH_APP):
        return
    method = lookup(args.props, "tokenEndpointAuthMethod")
    if method is UNKNOWN or method in ALLOWED_AUTH_METHODS:
        return
    fix = (
        "Set token_endpoint_auth_method to private_key_jwt (preferred), client_secret_basic "
        "or client_secret_post."
    )
    if method is MISSING:
        report_violation(
            "tokenEndpointAuthMethod is not set, so the provider's default applies silently. " + fix,
            None,
        )
    elif method == "none":
        report_violation(
            "tokenEndpointAuthMethod is none: anyone who knows the client id could get tokens. " + fix,
            None,
        )
    else:
        report_violation(
            f"tokenEndpointAuthMethod is {describe_one(method, AUTH_METHODS)}, which is not "
            "an allowed method. " + fix,
            None,
        )


def prod_prefers_private_key_jwt(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not is_type(args.resource_type, OAUTH_APP):
        return
    method = lookup(args.props, "tokenEndpointAuthMethod")
    if not isinstance(method, str) or method not in CLIENT_SECRET_METHODS:
        return
    if not config.is_prod(args.get_config()):
        return
    report_violation(
        f"tokenEndpointAuthMethod is {method} in prod. A shared secret travels with every "
        "token request and has a short window at rotation; a private key does neither. Prefer "
        "auth_method: private_key_jwt in the account's definition.",
        None,
    )


POLICIES: Final = (
    ResourceValidationPolicy(
        name="okta-app-service-type",
        description="Okta OAuth apps for service accounts are of type service.",
        validate=service_app_type,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="okta-app-client-credentials-only",
        description="Okta service apps use only the client_credentials grant.",
        validate=client_credentials_only,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="okta-app-token-response-only",
        description="Okta service apps have the single response type token.",
        validate=token_response_only,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
    ),
    ResourceValidationPolicy(
        name="okta-app-no-redirect-uris",
        description="Okta service apps have no redirect URIs.",
        validate=no_redirect_uris,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
    ),
    ResourceValidationPolicy(
        name="okta-app-token-endpoint-auth-method",
        description=(
            "Okta service apps authenticate with private_key_jwt, client_secret_basic or "
            "client_secret_post, never none."
        ),
        validate=token_endpoint_auth_method,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="okta-app-prod-prefers-private-key-jwt",
        description="In prod, Okta service apps should authenticate with private_key_jwt.",
        validate=prod_prefers_private_key_jwt,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        config_schema=config.schema({}, environment=True),
    ),
)
