"""The program's entry function: stack config → settings → definitions → plan → resources.

`main()` is all `__main__.py` calls. `build()` registers one environment from its plan and is
what the unit tests run under Pulumi's mocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pulumi

from svcaccounts.core import clock
from svcaccounts.core.adoption import SECRET_CONFIG_NAMESPACE, secret_config_key
from svcaccounts.core.contracts.accounts_output import account_entry
from svcaccounts.core.plan import AccountPlan, EnvironmentPlan, plan_environment
from svcaccounts.core.rotation import RotationError
from svcaccounts.core.settings import StackSettings
from svcaccounts.definitions.stack_settings import (
    NAMESPACE,
    OKTA_BASE_URL_KEY,
    OKTA_ORG_NAME_KEY,
    parse_settings,
)
from svcaccounts.infra.auth0 import Auth0ServiceAccount, Auth0Stack
from svcaccounts.infra.bundle_store import AwsSecretsManagerStore, BundleStore, KeyVaultStore, aws_provider
from svcaccounts.infra.cognito import CognitoServiceAccount, CognitoStack
from svcaccounts.infra.entra_id import EntraServiceAccount, EntraStack
from svcaccounts.infra.okta import OktaStack
from svcaccounts.infra.okta.service_account import ServiceAccount
from svcaccounts.workspace import StackError, open_stack_at


class ProgramError(Exception):
    """Bad settings or definitions: a message for the user, raised as pulumi.RunError by main()."""


# The ServiceAccount component of an account, on whichever identity provider.
AccountComponent = ServiceAccount | EntraServiceAccount | Auth0ServiceAccount | CognitoServiceAccount


@dataclass(frozen=True, slots=True)
class ProgramResult:
    # The ServiceAccount component of each account (Okta's, Entra ID's, Auth0's or Cognito's).
    accounts: dict[str, AccountComponent]
    # What the stack exports as `accounts` (nothing secret).
    outputs: pulumi.Output[dict[str, Any]]


def _account_output(
    account: AccountPlan, component: AccountComponent, token_url: pulumi.Input[str]
) -> dict[str, Any]:
    return account_entry(
        client_id=component.client_id,
        token_url=token_url,
        # keyVaultSecretName, or awsSecretArn for an AWS stack.
        bundle_location=component.bundle_location,
        scopes=account.scopes,
        auth_method=account.auth_method,
        generation=account.generation,
        next_rotation=account.rotation.next_rotation,
        status=account.status,
        # Where each generation is a client of its own, every live one, so that each maps back
        # to its account.
        client_ids=component.client_ids if isinstance(component, CognitoServiceAccount) else None,
    )


def _gather_fields(rows: dict[str, dict[str, Any]]) -> pulumi.Output[dict[str, dict[str, Any]]]:
    """`Output.from_input(rows)` for rows of plain values and Outputs of plain values, for a
    fraction of its cost: from_input unwraps every key, value and list item into Outputs of
    their own (some twenty per account), this waits once for the Outputs there are. Known,
    secret and dependencies come out the same: known when all are, secret when any is."""
    leaves = [
        (name, key, value)
        for name, row in rows.items()
        for key, value in row.items()
        if isinstance(value, pulumi.Output)
    ]

    def fill(values: list[Any]) -> dict[str, dict[str, Any]]:
        filled = {name: dict(row) for name, row in rows.items()}
        for (name, key, _), value in zip(leaves, values, strict=True):
            filled[name][key] = value
        return filled

    return pulumi.Output.all(*(value for _, _, value in leaves)).apply(fill)


def build(
    plan: EnvironmentPlan,
    *,
    okta_api_token: pulumi.Input[str] | None = None,
    adopted_secrets: Mapping[str, pulumi.Output[str]] | None = None,
) -> ProgramResult:
    """Register every resource of `plan`: what the stack's identity provider shares, then one
    component per account. Returns the components and the `accounts` output. `adopted_secrets`:
    the imported apps' existing client secrets the plan says the stack file holds, by account."""
    settings = plan.settings
    shared: OktaStack | EntraStack | Auth0Stack | CognitoStack
    store = _bundle_store(settings)
    accounts: dict[str, AccountComponent]
    if settings.auth0 is not None:
        shared = Auth0Stack(plan, settings.auth0)
    elif settings.cognito is not None:
        shared = CognitoStack(plan, settings.cognito)
    elif settings.entra_id is not None:
        shared = EntraStack(plan, settings.entra_id)
    else:
        # Okta alone adopts existing apps (svcaccounts okta import): an adopted secret goes to
        # the account that keeps it.
        okta_stack = OktaStack(plan, okta_api_token)
        secrets = adopted_secrets or {}
        accounts = {
            account.name: okta_stack.account(account, store, secrets.get(account.name))
            for account in plan.accounts
        }
        return _result(plan, accounts, okta_stack.token_url)
    accounts = {account.name: shared.account(account, store) for account in plan.accounts}
    return _result(plan, accounts, shared.token_url)


def _bundle_store(settings: StackSettings) -> BundleStore:
    if (aws_settings := settings.aws_secrets_manager) is not None:
        return AwsSecretsManagerStore(aws_settings, aws_provider(aws_settings))
    assert settings.key_vault is not None  # a stack has exactly one store
    return KeyVaultStore(settings.key_vault)


def _result(
    plan: EnvironmentPlan,
    accounts: dict[str, AccountComponent],
    token_url: pulumi.Input[str],
) -> ProgramResult:
    outputs = _gather_fields(
        {
            account.name: _account_output(account, accounts[account.name], token_url)
            for account in plan.accounts
            # No bundle is deployed while an adopted secret waits for the operator.
            if not account.bundle_waits
        }
    )
    return ProgramResult(accounts=accounts, outputs=outputs)


def adopted_secrets(plan: EnvironmentPlan) -> dict[str, pulumi.Output[str]]:
    """The adopted client secrets the plan expects (`svcaccounts-adopted-secret:<account>`, set
    with `pulumi config set --secret`), as secrets; ProgramError when the runtime lacks one the
    committed stack file has."""
    config = pulumi.Config(SECRET_CONFIG_NAMESPACE)
    secrets: dict[str, pulumi.Output[str]] = {}
    for account in plan.accounts:
        if not account.adopted_secret_provided:
            continue
        value = config.get_secret(account.name)
        if value is None:
            raise ProgramError(
                f"Pulumi.{plan.stack}.yaml sets {secret_config_key(account.name)}, but the Pulumi "
                "runtime does not pass it: run the program with the committed stack file"
            )
        secrets[account.name] = value
    return secrets


def _runtime_config() -> tuple[dict[str, Any], pulumi.Output[str] | None]:
    """The settings keys the Pulumi runtime holds for this stack (every `svcaccounts:` key, known or
    not, and the Okta org keys), and the Okta API token when it was set with
    `pulumi config set --secret okta:apiToken`."""
    everything = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    config = {
        key: value
        for key, value in everything.items()
        if key.startswith(NAMESPACE + ":") or key in (OKTA_ORG_NAME_KEY, OKTA_BASE_URL_KEY)
    }
    return config, pulumi.Config("okta").get_secret("apiToken")


def load_plan(root: Path, stack: str, config: dict[str, Any], now: Any) -> EnvironmentPlan:
    """The reviewed stack file and definitions, and time → the plan, or a ProgramError listing
    every problem.

    The stack is opened through the same door as `validate` and `diff` (svcaccounts.workspace),
    from the committed stack file. The runtime's config (`config`: what `pulumi config set`, `-c`
    or an environment gives the program) must say the same: a setting that review never saw
    (another org, server, vault or environment) stops the deploy."""
    try:
        opened = open_stack_at(root, stack)
    except StackError as error:
        errors = [str(finding) for finding in error.findings if finding.severity == "error"]
        heading = {
            "settings": "invalid stack settings",
            "definitions": "invalid definitions (run `svcaccounts validate`)",
        }.get(error.problem, str(error))
        raise ProgramError("\n".join([heading + ":", *errors]) if errors else heading) from None
    runtime = parse_settings(stack, f"Pulumi.{stack}.yaml (as the Pulumi runtime passes it)", config)
    problems = [str(finding) for finding in runtime.findings if finding.severity == "error"]
    if runtime.settings is None or problems:
        raise ProgramError("invalid stack settings:\n" + "\n".join(problems))
    differing = [
        field.name
        for field in fields(StackSettings)
        if getattr(runtime.settings, field.name) != getattr(opened.settings, field.name)
    ]
    if differing:
        raise ProgramError(
            f"the config Pulumi passes for stack {stack} differs from Pulumi.{stack}.yaml, the "
            f"reviewed file, in: {', '.join(differing)}. Commit the change to the stack file so that "
            "`svcaccounts diff` shows it, or drop the `pulumi config set` or `--config` override"
        )
    try:
        return plan_environment(opened.view, opened.settings, now, opened.adoption)
    except RotationError as error:
        raise ProgramError(str(error)) from None


def main(root: Path | None = None) -> None:
    """The Pulumi program: what `pulumi up --stack <name>` runs."""
    config, api_token = _runtime_config()
    try:
        now = clock.now()
        plan = load_plan(root or Path.cwd(), pulumi.get_stack(), config, now)
    except (ProgramError, clock.ClockError) as error:
        # RunError prints the message without a Python traceback.
        raise pulumi.RunError(str(error)) from None
    try:
        secrets = adopted_secrets(plan)
    except ProgramError as error:
        raise pulumi.RunError(str(error)) from None
    result = build(plan, okta_api_token=api_token, adopted_secrets=secrets)
    pulumi.export("accounts", result.outputs)
