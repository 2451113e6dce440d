"""The program's entry function: stack config → settings → definitions → plan → resources.

`main()` is all `__main__.py` calls. `build()` registers one environment from its plan and is
what the unit tests run under Pulumi's mocks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pulumi
import pulumi_okta as okta

from svcaccounts.core import clock, naming
from svcaccounts.core.contracts.accounts_output import account_entry
from svcaccounts.core.plan import AccountPlan, EnvironmentPlan, plan_environment
from svcaccounts.core.rotation import RotationError
from svcaccounts.core.settings import EntraIdSettings, NewAuthServer, OktaSettings, StackSettings
from svcaccounts.definitions.stack_settings import (
    NAMESPACE,
    OKTA_BASE_URL_KEY,
    OKTA_ORG_NAME_KEY,
    parse_settings,
)
from svcaccounts.infra.bundle_store import AwsSecretsManagerStore, BundleStore, KeyVaultStore, aws_provider
from svcaccounts.infra.entra_id import EntraServiceAccount, EntraServiceAccountArgs, entra_api
from svcaccounts.infra.service_account import ServiceAccount, ServiceAccountArgs
from svcaccounts.workspace import StackError, open_stack_at

# Okta's management API limits are per minute (/api/v1/apps: 20-100 creations a minute by plan).
# Back off and retry instead of failing a first `up` of hundreds of accounts on 429s.
OKTA_BACKOFF = True
OKTA_MAX_RETRIES = 10
OKTA_MIN_WAIT_SECONDS = 30
OKTA_MAX_WAIT_SECONDS = 120
# The provider's request_timeout is a deadline for one call *including* its retries and backoff
# waits (the SDK wraps the retry loop in it): 60 s left about two attempts under sustained 429s.
# 0 means no deadline; each call is bounded by OKTA_MAX_RETRIES waits of at most
# OKTA_MAX_WAIT_SECONDS instead (20 minutes at worst), which a rate-limited first `up` needs.
OKTA_REQUEST_TIMEOUT_SECONDS = 0


class ProgramError(Exception):
    """Bad settings or definitions: a message for the user, raised as pulumi.RunError by main()."""


@dataclass(frozen=True, slots=True)
class ProgramResult:
    # The ServiceAccount component of each account (Okta's or Entra ID's).
    accounts: dict[str, ServiceAccount | EntraServiceAccount]
    # What the stack exports as `accounts` (nothing secret).
    outputs: pulumi.Output[dict[str, Any]]


def okta_provider(settings: OktaSettings, api_token: pulumi.Input[str] | None = None) -> okta.Provider:
    """The explicit Okta provider. Credentials stay out of the program's config: without
    `api_token` the provider reads OKTA_API_TOKEN (or OKTA_API_CLIENT_ID + OKTA_API_PRIVATE_KEY...)
    from its environment."""
    return okta.Provider(
        naming.OKTA_PROVIDER_NAME,
        org_name=settings.org_name,
        base_url=settings.base_url,
        api_token=api_token,
        max_api_capacity=settings.max_api_capacity,
        backoff=OKTA_BACKOFF,
        max_retries=OKTA_MAX_RETRIES,
        min_wait_seconds=OKTA_MIN_WAIT_SECONDS,
        max_wait_seconds=OKTA_MAX_WAIT_SECONDS,
        request_timeout=OKTA_REQUEST_TIMEOUT_SECONDS,
    )


def _account_output(
    account: AccountPlan, component: ServiceAccount | EntraServiceAccount, token_url: pulumi.Input[str]
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


def _token_url(settings: StackSettings, auth_server_id: str) -> str:
    url = settings.token_url(auth_server_id)
    if url is None:  # unreachable: an id is given
        raise ProgramError("no token URL without an authorization server id")
    return url


def build(plan: EnvironmentPlan, *, okta_api_token: pulumi.Input[str] | None = None) -> ProgramResult:
    """Register every resource of `plan`. Returns the components and the `accounts` output."""
    settings = plan.settings
    if settings.entra_id is not None:
        return _build_entra(plan, settings.entra_id, _bundle_store(settings))
    okta_settings, auth_server = settings.require_okta()
    provider = okta_provider(okta_settings, okta_api_token)
    in_okta = pulumi.ResourceOptions(provider=provider)

    auth_server_id: pulumi.Input[str]
    if isinstance(auth_server, NewAuthServer):
        server = okta.auth.Server(
            naming.AUTH_SERVER_NAME,
            name=auth_server.name,
            audiences=[auth_server.audience],
            description=f"Service-account tokens for {plan.environment} (managed by svcaccounts)",
            status="ACTIVE",
            opts=in_okta,
        )
        auth_server_id = server.id
    else:
        auth_server_id = auth_server.id
    token_url = pulumi.Output.from_input(auth_server_id).apply(lambda id_: _token_url(settings, id_))

    scopes = {
        scope.name: okta.auth.ServerScope(
            naming.scope_name(scope.name),
            auth_server_id=auth_server_id,
            name=scope.name,
            description=scope.description,
            display_name=scope.name,
            consent="IMPLICIT",
            # Service scopes are not advertised in the server's public metadata.
            metadata_publish="NO_CLIENTS",
            default=False,
            opts=in_okta,
        )
        for scope in (plan.scopes if settings.owns_scopes else ())
    }

    store = _bundle_store(settings)
    accounts: dict[str, ServiceAccount | EntraServiceAccount] = {}
    for account in plan.accounts:
        accounts[account.name] = ServiceAccount(
            naming.account_name(account.name),
            ServiceAccountArgs(
                account=account,
                auth_server_id=auth_server_id,
                token_url=token_url,
                store=store,
                okta_provider=provider,
                scopes=[scopes[name] for name in account.scopes if name in scopes],
            ),
        )
    return _result(plan, accounts, token_url)


def _bundle_store(settings: StackSettings) -> BundleStore:
    if (aws_settings := settings.aws_secrets_manager) is not None:
        return AwsSecretsManagerStore(aws_settings, aws_provider(aws_settings))
    assert settings.key_vault is not None  # a stack has exactly one store
    return KeyVaultStore(settings.key_vault)


def _result(
    plan: EnvironmentPlan,
    accounts: dict[str, ServiceAccount | EntraServiceAccount],
    token_url: pulumi.Input[str],
) -> ProgramResult:
    outputs = _gather_fields(
        {
            account.name: _account_output(account, accounts[account.name], token_url)
            for account in plan.accounts
        }
    )
    return ProgramResult(accounts=accounts, outputs=outputs)


def _build_entra(plan: EnvironmentPlan, entra: EntraIdSettings, store: BundleStore) -> ProgramResult:
    """An Entra ID stack: the API application and its service principal, then one component
    per account (svcaccounts/infra/entra_id/)."""
    api = entra_api(plan, entra)
    accounts: dict[str, ServiceAccount | EntraServiceAccount] = {
        account.name: EntraServiceAccount(
            naming.account_name(account.name),
            EntraServiceAccountArgs(
                account=account,
                api=api,
                token_url=entra.token_url,
                request_scope=entra.request_scope,
                store=store,
            ),
        )
        for account in plan.accounts
    }
    return _result(plan, accounts, entra.token_url)


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
        return plan_environment(opened.view, opened.settings, now)
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
    result = build(plan, okta_api_token=api_token)
    pulumi.export("accounts", result.outputs)
