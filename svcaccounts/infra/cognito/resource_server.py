"""The stack's shared Cognito resources: the explicit AWS provider in the user pool's region, and
the resource server (in the existing pool) with one scope per catalog scope."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from svcaccounts.core import naming
from svcaccounts.core.plan import EnvironmentPlan
from svcaccounts.core.settings import CognitoSettings


@dataclass(frozen=True, slots=True)
class CognitoApi:
    provider: pulumi.ProviderResource
    resource_server: aws.cognito.ResourceServer
    settings: CognitoSettings


def cognito_provider(settings: CognitoSettings) -> aws.Provider:
    """The explicit AWS provider, pinned to the pool's region (the store's own provider may be in
    another). Credentials come from the provider's usual chain, never from config."""
    return aws.Provider(naming.COGNITO_AWS_PROVIDER_NAME, region=settings.region)


def cognito_api(plan: EnvironmentPlan, settings: CognitoSettings) -> CognitoApi:
    provider = cognito_provider(settings)
    resource_server = aws.cognito.ResourceServer(
        naming.COGNITO_RESOURCE_SERVER_NAME,
        # identifier and user_pool_id force a new resource server (and so new scopes under
        # every client): both come from the stack file, whose change `diff` reports as such.
        user_pool_id=settings.user_pool_id,
        identifier=settings.resource_server,
        name=naming.cognito_resource_server_display_name(plan.environment),
        # Every catalog scope, held or not, as Okta's server scopes are: a scope an account is
        # granted later needs no change here first. provider_checks keeps the catalog within
        # Cognito's 100 scopes, its scope-name characters and 256-character descriptions.
        scopes=[
            aws.cognito.ResourceServerScopeArgs(scope_name=scope.name, scope_description=scope.description)
            for scope in plan.scopes
        ],
        opts=pulumi.ResourceOptions(provider=provider),
    )
    return CognitoApi(provider, resource_server, settings)
