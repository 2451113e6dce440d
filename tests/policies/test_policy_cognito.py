"""Cognito rules: one compliant app client (as the program registers it), one change per test, the
exact violation; the stack rules over a resource server and its clients."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import StackValidationPolicy
from svcaccounts_policies.cognito import COGNITO_RESOURCE_SERVER, COGNITO_USER_POOL_CLIENT
from svcaccounts_policies.pack import POLICIES

from tests.support.policy_baselines import NOW, UNKNOWN_STRING, baseline, in_environment, violations
from tests.support.policy_evaluator import Registered, evaluate, urn_for

IDENTIFIER = "https://api.example.com/mcp"
SIGN_IN = (
    "{key} is set on a service account's app client: redirect and logout URLs serve user sign-in, "
    "which client credentials never do, and each is a place a token can be sent. Remove it."
)
STACK_POLICIES = tuple(policy for policy in POLICIES if isinstance(policy, StackValidationPolicy))
SERVICE_ACCOUNT = "svcaccounts:index:ServiceAccount"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCACCOUNTS_NOW", NOW)


def test_the_compliant_client_has_no_violations() -> None:
    assert violations(COGNITO_USER_POOL_CLIENT, baseline(COGNITO_USER_POOL_CLIENT)) == []


@pytest.mark.parametrize("flows", [["client_credentials", "code"], ["implicit"], []])
def test_a_flow_besides_client_credentials_is_reported(flows: list[str]) -> None:
    props = baseline(COGNITO_USER_POOL_CLIENT)
    props["allowedOauthFlows"] = flows
    shown = {("client_credentials", "code"): "client_credentials, code", ("implicit",): "implicit", (): "nothing"}
    assert violations(COGNITO_USER_POOL_CLIENT, props) == [
        (
            "cognito-client-credentials-only",
            f"allowedOauthFlows is {shown[tuple(flows)]}, not client_credentials alone: a code or implicit "
            "flow lets a user sign in through a service account's client. Set "
            "allowed_oauth_flows=['client_credentials'].",
        )
    ]


def test_a_client_without_oauth_flows_enabled_is_reported() -> None:
    props = baseline(COGNITO_USER_POOL_CLIENT)
    props["allowedOauthFlowsUserPoolClient"] = False
    assert violations(COGNITO_USER_POOL_CLIENT, props) == [
        (
            "cognito-client-credentials-only",
            "allowedOauthFlowsUserPoolClient is not true: Cognito then issues no client-credentials token "
            "to this client. Set allowed_oauth_flows_user_pool_client=True.",
        )
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [("callbackUrls", ["https://example.com/cb"]), ("logoutUrls", ["https://example.com/out"]),
     ("defaultRedirectUri", "https://example.com/cb")],
)  # fmt: skip
def test_sign_in_urls_are_reported(key: str, value: object) -> None:
    props = baseline(COGNITO_USER_POOL_CLIENT)
    props[key] = value
    assert violations(COGNITO_USER_POOL_CLIENT, props) == [
        ("cognito-client-credentials-only", SIGN_IN.format(key=key))
    ]


@pytest.mark.parametrize("generate", [False, None])
def test_a_client_without_a_generated_secret_is_reported(generate: object) -> None:
    props = baseline(COGNITO_USER_POOL_CLIENT)
    if generate is None:
        del props["generateSecret"]
    else:
        props["generateSecret"] = generate
    assert violations(COGNITO_USER_POOL_CLIENT, props) == [
        (
            "cognito-client-generates-secret",
            "generateSecret is not true: a client without a secret is a public client, and anyone who "
            "knows its id gets tokens for its scopes. Set generate_secret=True (it replaces the client).",
        )
    ]


def test_an_unknown_secret_setting_during_preview_is_not_reported() -> None:
    props = baseline(COGNITO_USER_POOL_CLIENT)
    props["generateSecret"] = UNKNOWN_STRING
    assert violations(COGNITO_USER_POOL_CLIENT, props) == []


LIFETIME = (
    "the access token lives {minutes} minutes{unset}, above the maximum of 60 minutes in prod: a leaked "
    "token stays valid that long. Lower token_lifetime_minutes in the account's definition (or its prod "
    "override) to 60 or less."
)


@pytest.mark.parametrize(
    ("validity", "unit", "minutes"),
    [(90, "minutes", "90"), (2, "hours", "120"), (2, None, "120"), (1, "days", "1440")],
)
def test_a_lifetime_above_the_prod_maximum_is_reported_in_its_unit(
    validity: int, unit: str | None, minutes: str
) -> None:
    props = baseline(COGNITO_USER_POOL_CLIENT)
    props["accessTokenValidity"] = validity
    if unit is None:  # Cognito's default unit: hours
        del props["tokenValidityUnits"]
    else:
        props["tokenValidityUnits"] = {"accessToken": unit}
    assert violations(COGNITO_USER_POOL_CLIENT, props) == [
        ("cognito-client-token-lifetime", LIFETIME.format(minutes=minutes, unset=""))
    ]


def test_the_same_lifetime_passes_outside_production() -> None:
    props = baseline(COGNITO_USER_POOL_CLIENT)
    props["accessTokenValidity"] = 90
    assert violations(COGNITO_USER_POOL_CLIENT, props, environment="dev") == []


# ---- stack rules: scopes on the resource server, privileged scopes --------------------------


def cognito_stack(scopes: list[Any], *, account: str | None = "report-reader") -> list[Registered]:
    server = Registered(
        urn_for(COGNITO_RESOURCE_SERVER, "cognito-resource-server"),
        COGNITO_RESOURCE_SERVER,
        "cognito-resource-server",
        {
            "identifier": IDENTIFIER,
            "userPoolId": "eu-west-1_AbCdEfGhI",
            "scopes": [
                {"scopeName": "reports:read", "scopeDescription": "Read reports"},
                {"scopeName": "admin:all", "scopeDescription": "Administer everything"},
            ],
        },
    )
    component = (
        [Registered(urn_for(SERVICE_ACCOUNT, account), SERVICE_ACCOUNT, account, {}, custom=False)]
        if account is not None
        else []
    )
    client = {**baseline(COGNITO_USER_POOL_CLIENT), "allowedOauthScopes": scopes}
    return [
        server,
        *component,
        Registered(
            urn_for(COGNITO_USER_POOL_CLIENT, "report-reader-client-g19"),
            COGNITO_USER_POOL_CLIENT,
            "report-reader-client-g19",
            client,
            parent=None if account is None else urn_for(SERVICE_ACCOUNT, account),
        ),
    ]


def stack_findings(resources: list[Registered], **config: Any) -> list[tuple[str, str]]:
    settings = in_environment("prod", **{"privileged-scopes-allowlisted": {"privilegedScopes": ["admin:all"], **config}})
    report = evaluate(STACK_POLICIES, resources, config=settings)
    assert report.not_run == ()
    return [(finding.policy, finding.message) for finding in report.violations]


def test_a_client_with_the_resource_servers_scopes_passes() -> None:
    assert stack_findings(cognito_stack([f"{IDENTIFIER}/reports:read"])) == []


@pytest.mark.parametrize(
    "scope",
    ["openid", "aws.cognito.signin.user.admin", "https://other.example.com/reports:read", f"{IDENTIFIER}/reports:write"],
)
def test_a_scope_no_resource_server_of_the_stack_defines_is_reported(scope: str) -> None:
    assert stack_findings(cognito_stack([f"{IDENTIFIER}/reports:read", scope])) == [
        (
            "cognito-client-scopes-on-resource-server",
            "app client report-reader-client-g19 allows 1 scope that no resource server of this stack "
            "defines (Cognito's built-in user scopes, another API's, or one not in the catalog): a service "
            "account holds only the catalog's scopes on the stack's resource server. Grant scopes through "
            "the account's definition.",
        )
    ]


def test_a_privileged_scope_in_prod_is_reported_unless_the_account_is_allowlisted() -> None:
    resources = cognito_stack([f"{IDENTIFIER}/admin:all"])
    assert stack_findings(resources) == [
        (
            "privileged-scopes-allowlisted",
            "app client report-reader-client-g19 allows privileged scope admin:all in prod and is account "
            "report-reader's, which is not on the allowlist. Remove the scope from the account's prod scopes, "
            "or after review add the account to allowedAccounts in this policy's config.",
        )
    ]
    assert stack_findings(resources, allowedAccounts=["report-reader"]) == []


def test_a_privileged_scope_on_a_client_outside_any_account_is_reported() -> None:
    (finding,) = stack_findings(cognito_stack([f"{IDENTIFIER}/admin:all"], account=None))
    assert finding[1].startswith(
        "app client report-reader-client-g19 allows privileged scope admin:all in prod and belongs to no "
        "service account"
    )
