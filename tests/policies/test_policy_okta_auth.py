"""Access policy and policy rule rules: one compliant baseline each, one change per test."""

from __future__ import annotations

from svcaccounts_policies.okta_auth import SERVER_POLICY, SERVER_POLICY_RULE

from tests.support.policy_baselines import UNKNOWN_ARRAY, UNKNOWN_NUMBER, UNKNOWN_STRING, baseline, violations

LIFETIME = "okta-policy-rule-token-lifetime"


def policy(**changes: object) -> dict[str, object]:
    props = baseline(SERVER_POLICY)
    props.update(changes)
    return props


def rule(**changes: object) -> dict[str, object]:
    props = baseline(SERVER_POLICY_RULE)
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def test_compliant_access_policy_has_no_violations() -> None:
    assert violations(SERVER_POLICY, policy()) == []


def test_all_clients_is_reported() -> None:
    assert violations(SERVER_POLICY, policy(clientWhitelists=["ALL_CLIENTS"])) == [
        (
            "okta-access-policy-no-all-clients",
            "clientWhitelists contains ALL_CLIENTS, so this access policy applies to every client "
            "of the authorization server. Name only the service app: client_whitelists=[app.id].",
        )
    ]


def test_policy_naming_two_clients_is_reported() -> None:
    assert violations(SERVER_POLICY, policy(clientWhitelists=["0oa1", "0oa2"])) == [
        (
            "okta-access-policy-names-one-client",
            "clientWhitelists names 2 clients; each service account's access policy must name "
            "exactly its own app, so one account's grants never reach another. Give each app its "
            "own okta.auth.ServerPolicy with client_whitelists=[app.id].",
        )
    ]


def test_policy_naming_no_client_is_reported() -> None:
    assert violations(SERVER_POLICY, policy(clientWhitelists=[])) == [
        (
            "okta-access-policy-names-one-client",
            "clientWhitelists names no client; each service account's access policy must name "
            "exactly its own app, so one account's grants never reach another. Give each app its "
            "own okta.auth.ServerPolicy with client_whitelists=[app.id].",
        )
    ]


def test_app_id_unknown_during_preview_still_counts_as_one_client() -> None:
    assert violations(SERVER_POLICY, policy(clientWhitelists=[UNKNOWN_STRING])) == []


def test_unknown_client_list_is_not_a_violation() -> None:
    assert violations(SERVER_POLICY, policy(clientWhitelists=UNKNOWN_ARRAY)) == []


def test_compliant_rule_has_no_violations() -> None:
    assert violations(SERVER_POLICY_RULE, rule()) == []


def test_rule_granting_password_is_reported() -> None:
    assert violations(SERVER_POLICY_RULE, rule(grantTypeWhitelists=["client_credentials", "password"])) == [
        (
            "okta-policy-rule-client-credentials-only",
            "grantTypeWhitelists is client_credentials, password; a service account's rule may "
            'grant only client_credentials. Set grant_type_whitelists=["client_credentials"].',
        )
    ]


def test_wildcard_scope_is_reported() -> None:
    assert violations(SERVER_POLICY_RULE, rule(scopeWhitelists=["*"])) == [
        (
            "okta-policy-rule-no-wildcard-scope",
            "scopeWhitelists contains *, which grants every scope of the authorization server, "
            "including privileged ones and any added later. List the account's scopes by name.",
        )
    ]


def test_lifetime_above_prod_default_maximum_is_reported() -> None:
    assert violations(SERVER_POLICY_RULE, rule(accessTokenLifetimeMinutes=61)) == [
        (
            LIFETIME,
            "accessTokenLifetimeMinutes is 61, above the maximum of 60 minutes in prod: a leaked "
            "token stays valid that long. Lower token_lifetime_minutes in the account's definition "
            "(or its prod override) to 60 or less.",
        )
    ]


def test_lifetime_at_prod_maximum_is_fine() -> None:
    assert violations(SERVER_POLICY_RULE, rule(accessTokenLifetimeMinutes=60)) == []


def test_day_long_tokens_are_fine_outside_prod() -> None:
    assert violations(SERVER_POLICY_RULE, rule(accessTokenLifetimeMinutes=1440), environment="dev") == []


def test_configured_maximum_outside_prod_is_applied() -> None:
    found = violations(
        SERVER_POLICY_RULE,
        rule(accessTokenLifetimeMinutes=240),
        environment="staging",
        config={LIFETIME: {"nonProdMaximumMinutes": 120}},
    )
    assert found == [
        (
            LIFETIME,
            "accessTokenLifetimeMinutes is 240, above the maximum of 120 minutes in staging: a "
            "leaked token stays valid that long. Lower token_lifetime_minutes in the account's "
            "definition (or its staging override) to 120 or less.",
        )
    ]


def test_unset_lifetime_is_judged_as_oktas_sixty_minutes() -> None:
    found = violations(
        SERVER_POLICY_RULE,
        rule(accessTokenLifetimeMinutes=None),
        config={LIFETIME: {"prodMaximumMinutes": 30}},
    )
    assert found == [
        (
            LIFETIME,
            "accessTokenLifetimeMinutes is not set, so Okta issues 60-minute tokens, above the "
            "maximum of 30 minutes in prod. Lower token_lifetime_minutes in the account's "
            "definition (or its prod override) to 30 or less.",
        )
    ]


def test_unknown_rule_values_are_not_violations() -> None:
    props = rule(
        grantTypeWhitelists=UNKNOWN_ARRAY,
        scopeWhitelists=[UNKNOWN_STRING],
        accessTokenLifetimeMinutes=UNKNOWN_NUMBER,
    )
    assert violations(SERVER_POLICY_RULE, props) == []
