"""Names depend on account (or scope) and role only; Key Vault names obey Key Vault's rules."""

from __future__ import annotations

import re

from svcaccounts.core import naming

KEY_VAULT_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")


def test_logical_names_are_account_and_role() -> None:
    assert naming.child_name("svc-a", "app") == "svc-a-app"
    assert naming.child_name("svc-a", "bundle") == "svc-a-bundle"
    assert naming.private_key_name("svc-a", 3) == "svc-a-key-g3"
    assert naming.client_secret_name("svc-a", 3) == "svc-a-secret-g3"
    assert naming.key_id("svc-a", 3) == "svc-a-g3"


def test_labels_hold_account_and_environment() -> None:
    assert naming.app_label("svc-a", "prod") == "svc-a (prod)"
    assert naming.app_label("svc-a", "prod") != naming.app_label("svc-a", "staging")


def test_plain_key_vault_names_are_account_dash_environment() -> None:
    assert naming.key_vault_secret_name("mcp-project-service", "prod") == "mcp-project-service-prod"


def test_invalid_characters_are_replaced_and_kept_distinct_by_a_hash() -> None:
    first = naming.key_vault_secret_name("svc.a", "prod")
    second = naming.key_vault_secret_name("svc_a", "prod")
    assert KEY_VAULT_NAME.match(first) and KEY_VAULT_NAME.match(second)
    assert first != second


def test_long_names_are_cut_to_key_vault_limit() -> None:
    name = naming.key_vault_secret_name("a" * 200, "prod")
    assert KEY_VAULT_NAME.match(name)
    assert len(name) == 127
    assert name != naming.key_vault_secret_name("a" * 201, "prod")


AWS_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")


def test_aws_secret_names_are_prefix_environment_account_and_a_fixed_leaf() -> None:
    assert naming.aws_secret_name("svcaccounts/", "mcp-vscode-client", "prod") == (
        "svcaccounts/prod/mcp-vscode-client/bundle"
    )


def test_aws_secret_names_never_end_in_a_hyphen_and_six_characters() -> None:
    # AWS appends "-" and six random characters to the ARN; a name ending like that makes
    # partial ARNs ambiguous. "mcp-vscode-client" itself ends in "-client".
    name = naming.aws_secret_name("", "svc-client", "prod-europe")
    assert not re.search(r"-[A-Za-z0-9]{6}$", name)


def test_aws_secret_names_keep_to_aws_rules_and_stay_distinct() -> None:
    first = naming.aws_secret_name("team a/", "svc", "prod")
    second = naming.aws_secret_name("team_a/", "svc", "prod")
    assert AWS_SECRET_NAME.match(first) and AWS_SECRET_NAME.match(second)
    assert first != second
    assert first.endswith("/bundle")


def test_long_aws_secret_names_are_cut_to_512_and_stay_distinct() -> None:
    name = naming.aws_secret_name("p/" * 300, "a" * 41, "prod")
    assert AWS_SECRET_NAME.match(name)
    assert len(name) == 512
    assert name.endswith("/bundle")
    assert name != naming.aws_secret_name("p/" * 301, "a" * 41, "prod")


def test_policy_and_rule_names_fit_oktas_fifty_characters() -> None:
    longest_account = "a" + "b" * 40
    longest_environment = "p" + "r" * 30

    policy = naming.policy_name(longest_account, longest_environment)
    rule = naming.rule_name(longest_account)

    assert len(policy) == 50 and len(rule) == 50
    assert policy.startswith(longest_account) and rule.startswith(longest_account)
    # Distinct inputs stay distinct after the cut.
    assert naming.policy_name(longest_account, longest_environment[:-1] + "x") != policy


def test_short_policy_and_rule_names_are_kept_as_they_are() -> None:
    assert naming.policy_name("mcp-project-service", "prod") == "mcp-project-service (prod)"
    assert naming.rule_name("mcp-project-service") == "mcp-project-service client credentials"
