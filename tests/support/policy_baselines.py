"""Compliant baselines, one per resource type, in the engine's wire form (camelCase names).

Each rule test changes one property of a fresh copy and expects exactly one violation.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE
from svcaccounts_policies import aws_secrets, cognito, entra_id, key_vault, okta_apps, okta_auth
from svcaccounts_policies.pack import POLICIES

from tests.support.policy_evaluator import Registered, Report, evaluate, urn_for

NOW = "2026-01-01T00:00:00Z"
# How the engine marks a secret on the wire (pulumi_policy/deserialize.py signatures).
SECRET_SIGNATURE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
UNKNOWN_STRING = UNKNOWN_STRING_VALUE
UNKNOWN_ARRAY = UNKNOWN_ARRAY_VALUE
UNKNOWN_NUMBER = UNKNOWN_NUMBER_VALUE

RESOURCE_POLICIES = tuple(policy for policy in POLICIES if isinstance(policy, ResourceValidationPolicy))


def epoch_seconds(text: str) -> int:
    return int(datetime.fromisoformat(text).astimezone(UTC).timestamp())


def secret(value: Any) -> dict[str, Any]:
    return {**SECRET_SIGNATURE, "value": value}


OAUTH_APP: dict[str, Any] = {
    "type": "service",
    "label": "mcp-project-service (prod)",
    "grantTypes": ["client_credentials"],
    "responseTypes": ["token"],
    "tokenEndpointAuthMethod": "private_key_jwt",
    "status": "ACTIVE",
    "jwks": [{"kid": "mcp-project-service-g3", "kty": "RSA", "e": "AQAB", "n": "sXchD"}],
}

SERVER_POLICY: dict[str, Any] = {
    "authServerId": "aus1abcdefgh",
    "clientWhitelists": ["0oa1projectservice"],
    "name": "mcp-project-service",
    "description": "Access for mcp-project-service",
    "priority": 1,
    "status": "ACTIVE",
}

SERVER_POLICY_RULE: dict[str, Any] = {
    "authServerId": "aus1abcdefgh",
    "policyId": "00p1projectservice",
    "name": "client-credentials",
    "priority": 1,
    "status": "ACTIVE",
    "grantTypeWhitelists": ["client_credentials"],
    "scopeWhitelists": ["mcp:projects:read"],
    "groupWhitelists": ["EVERYONE"],
    "accessTokenLifetimeMinutes": 30,
}

KEY_VAULT_SECRET: dict[str, Any] = {
    "resourceGroupName": "rg-identity-prod",
    "vaultName": "kv-identity-prod",
    "secretName": "svc-mcp-project-service",
    "properties": {
        "contentType": "application/json",
        "value": secret('{"client_id": "0oa1projectservice", "private_key_pem": "..."}'),
        "attributes": {"enabled": True, "expires": epoch_seconds("2026-04-07T00:00:00Z")},
    },
    "tags": {
        "owner-team": "platform-tools",
        "environment": "prod",
        "generation": "3",
        "managed-by": "svcaccounts",
    },
}

AWS_SECRET: dict[str, Any] = {
    "name": "svcaccounts/prod/mcp-project-service/bundle",
    "kmsKeyId": "alias/svcaccounts-prod",
    "description": "svcaccounts credential bundle of mcp-project-service (prod), "
    "content type application/json",
    "recoveryWindowInDays": 30,
    "tags": {
        "owner-team": "platform-tools",
        "environment": "prod",
        "generation": "3",
        "managed-by": "svcaccounts",
    },
}

AWS_SECRET_VERSION: dict[str, Any] = {
    "secretId": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:"
    "svcaccounts/prod/mcp-project-service/bundle-a1B2c3",
    "secretString": secret('{"client_id": "0oa1projectservice", "private_key_pem": "..."}'),
}

# As the program registers them (tests/infra/test_entra_id.py), at NOW.
ENTRA_APPLICATION: dict[str, Any] = {
    "displayName": "report-writer (prod)",
    "signInAudience": "AzureADMyOrg",
    "notes": "Managed by svcaccounts. Owner: reporting <reporting@example.com>",
}

ENTRA_PASSWORD: dict[str, Any] = {
    "applicationId": "/applications/00000000-0000-0000-0000-0000000000a1",
    "displayName": "svcaccounts g10",
    "endDate": "2026-03-18T00:00:00Z",
}

ENTRA_CERTIFICATE: dict[str, Any] = {
    "applicationId": "/applications/00000000-0000-0000-0000-0000000000a2",
    "type": "AsymmetricX509Cert",
    "encoding": "pem",
    "value": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "endDate": "2026-02-13T00:00:00Z",
}

# As the program registers it (tests/infra/test_cognito.py).
COGNITO_USER_POOL_CLIENT: dict[str, Any] = {
    "name": "report-reader.prod.g19",
    "userPoolId": "eu-west-1_AbCdEfGhI",
    "generateSecret": True,
    "allowedOauthFlowsUserPoolClient": True,
    "allowedOauthFlows": ["client_credentials"],
    "allowedOauthScopes": ["https://api.example.com/mcp/reports:read"],
    "explicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
    "accessTokenValidity": 30,
    "tokenValidityUnits": {"accessToken": "minutes"},
}

BASELINES: dict[str, dict[str, Any]] = {
    okta_apps.OAUTH_APP: OAUTH_APP,
    okta_auth.SERVER_POLICY: SERVER_POLICY,
    okta_auth.SERVER_POLICY_RULE: SERVER_POLICY_RULE,
    key_vault.KEY_VAULT_SECRET: KEY_VAULT_SECRET,
    aws_secrets.AWS_SECRET: AWS_SECRET,
    aws_secrets.AWS_SECRET_VERSION: AWS_SECRET_VERSION,
    entra_id.ENTRA_APPLICATION: ENTRA_APPLICATION,
    entra_id.ENTRA_PASSWORD: ENTRA_PASSWORD,
    entra_id.ENTRA_CERTIFICATE: ENTRA_CERTIFICATE,
    cognito.COGNITO_USER_POOL_CLIENT: COGNITO_USER_POOL_CLIENT,
}


def baseline(resource_type: str) -> dict[str, Any]:
    return copy.deepcopy(BASELINES[resource_type])


def in_environment(environment: str, **extra: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Pack config naming the environment for every policy that asks for it."""
    config: dict[str, dict[str, Any]] = {
        policy.name: {"environment": environment}
        for policy in POLICIES
        if policy.config_schema is not None and "environment" in policy.config_schema.properties
    }
    for name, settings in extra.items():
        config.setdefault(name, {}).update(settings)
    return config


def check_resource(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    environment: str = "prod",
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> Report:
    resource = Registered(urn_for(resource_type, "subject"), resource_type, "subject", props)
    settings = in_environment(environment)
    for name, values in (config or {}).items():
        settings.setdefault(name, {}).update(values)
    return evaluate(RESOURCE_POLICIES, [resource], config=settings)


def violations(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    environment: str = "prod",
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[tuple[str, str]]:
    """(policy, message) for every resource policy's violation; fails if any could not run."""
    report = check_resource(resource_type, props, environment=environment, config=config)
    assert report.not_run == ()
    return [(finding.policy, finding.message) for finding in report.violations]
