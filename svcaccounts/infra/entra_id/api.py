"""The stack's shared Entra ID resources: the explicit azuread provider, the application that
stands for the API (one app role per catalog scope an account of the environment is granted) and
its service principal, which requires an app role assignment before Entra issues a token."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from svcaccounts.core import naming
from svcaccounts.core.plan import EnvironmentPlan
from svcaccounts.core.settings import EntraIdSettings

# Single tenant: only the stack's own tenant's service principals may get tokens for the API.
SIGN_IN_AUDIENCE = "AzureADMyOrg"
# Version 2 access tokens: `aud` is the API's client id and `iss` the tenant's v2.0 issuer, the
# forms `svcaccounts verify` checks (Entra issues version 1 tokens unless the API asks for 2).
ACCESS_TOKEN_VERSION = 2
# App roles that service principals (applications), not users, may be assigned.
APPLICATION_MEMBERS = ("Application",)


@dataclass(frozen=True, slots=True)
class EntraApi:
    provider: pulumi.ProviderResource
    application: azuread.Application
    service_principal: azuread.ServicePrincipal


def entra_provider(settings: EntraIdSettings) -> azuread.Provider:
    """The explicit azuread provider, pinned to the stack's tenant. Credentials come from the
    provider's usual chain (ARM_CLIENT_ID and a secret, OIDC or `az login`), never from config."""
    return azuread.Provider(naming.AZUREAD_PROVIDER_NAME, tenant_id=settings.tenant_id)


def entra_api(plan: EnvironmentPlan, settings: EntraIdSettings) -> EntraApi:
    provider = entra_provider(settings)
    in_entra = pulumi.ResourceOptions(provider=provider)
    descriptions = {scope.name: scope.description for scope in plan.scopes}
    application = azuread.Application(
        naming.ENTRA_API_NAME,
        display_name=naming.entra_api_display_name(plan.environment),
        identifier_uris=[settings.identifier_uri],
        sign_in_audience=SIGN_IN_AUDIENCE,
        api=azuread.ApplicationApiArgs(requested_access_token_version=ACCESS_TOKEN_VERSION),
        app_roles=[
            azuread.ApplicationAppRoleArgs(
                allowed_member_types=list(APPLICATION_MEMBERS),
                # A UUID of the scope name (naming.app_role_id): the same on every run and
                # machine, so a role, and every assignment of it, is never replaced by accident.
                id=role_id,
                value=scope,
                display_name=scope,
                description=descriptions[scope],
                enabled=True,
            )
            for scope, role_id in plan.app_roles
        ],
        notes=f"Managed by svcaccounts: the app roles of the {plan.environment} service accounts",
        opts=in_entra,
    )
    service_principal = azuread.ServicePrincipal(
        naming.ENTRA_API_SERVICE_PRINCIPAL_NAME,
        client_id=application.client_id,
        # Without it Entra issues a token for the API to any client of the tenant (with no
        # roles); with it, only to service principals assigned one of its roles.
        app_role_assignment_required=True,
        opts=in_entra,
    )
    return EntraApi(provider, application, service_principal)
