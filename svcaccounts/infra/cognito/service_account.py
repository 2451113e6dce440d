"""The ServiceAccount component on Amazon Cognito: one app client per live generation of the
account (client credentials only, a generated secret, the effective scopes, the definition's
token lifetime) and the credential bundle of the newest, all registered from the account's plan
(svcaccounts.core.plan.AccountPlan).

Why a client per generation: the Pulumi provider keeps one secret per app client (Cognito's
AddUserPoolClientSecret, a second secret on the same client, is not in it), so the next
generation is a new client and the previous one stays until its grace ends. The client id
changes at every rotation; the bundle names the newest, the `accounts` output lists all live
ones, and APIs authorize by scope, never by client id (docs/identity-providers.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from svcaccounts.core import naming
from svcaccounts.core.plan import AccountPlan
from svcaccounts.infra.bundle import bundle_value
from svcaccounts.infra.bundle_store import BundleStore, write_bundle
from svcaccounts.infra.cognito.resource_server import CognitoApi

CLIENT_CREDENTIALS = ("client_credentials",)
# Without explicit_auth_flows Cognito also enables SRP and custom authentication, user sign-in
# flows a machine client never uses; refresh-token authentication is the one Cognito keeps on
# every client (client credentials issue no refresh token, so it grants nothing here).
AUTH_FLOWS = ("ALLOW_REFRESH_TOKEN_AUTH",)
TOKEN_VALIDITY_UNIT = "minutes"


@dataclass(frozen=True, slots=True)
class CognitoServiceAccountArgs:
    account: AccountPlan
    api: CognitoApi
    token_url: str
    store: BundleStore


class CognitoServiceAccount(pulumi.ComponentResource):
    """`svcaccounts:index:ServiceAccount` on Cognito: everything one account owns in one
    environment (the same type token as on Okta and Entra ID)."""

    # The newest generation's client id (the bundle's); None for a disabled account, which has
    # no client.
    client_id: pulumi.Output[str] | None
    # Every live client id, newest first (two inside grace): what the `accounts` output lists.
    client_ids: pulumi.Output[list[str]]
    # Where the bundle lives, as the `accounts` output names it; empty without a client.
    bundle_location: dict[str, pulumi.Input[Any]]

    def __init__(
        self, name: str, args: CognitoServiceAccountArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.SERVICE_ACCOUNT_TYPE, name, None, opts)
        account = args.account
        api = args.api
        settings = api.settings
        # The scopes must exist on the resource server before a client may allow them: a new
        # scope is added in an update of the resource server, which the client would not wait for.
        in_pool = pulumi.ResourceOptions(parent=self, provider=api.provider, depends_on=[api.resource_server])
        lifetime = account.token_lifetime_minutes

        clients = {
            credential.generation: aws.cognito.UserPoolClient(
                credential.resource,
                # key_id holds the client's name in the pool (naming.cognito_client_display_name).
                name=credential.key_id,
                user_pool_id=settings.user_pool_id,
                # Both force a new client; a generation's client is created once with them.
                generate_secret=True,
                allowed_oauth_flows_user_pool_client=True,
                allowed_oauth_flows=list(CLIENT_CREDENTIALS),
                allowed_oauth_scopes=[settings.scope_value(scope) for scope in account.scopes],
                explicit_auth_flows=list(AUTH_FLOWS),
                access_token_validity=lifetime,
                token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                    access_token=TOKEN_VALIDITY_UNIT
                )
                if lifetime is not None
                else None,
                opts=in_pool,
            )
            for credential in account.credentials
        }
        self.client_ids = pulumi.Output.all(*(client.id for client in clients.values())).apply(list)
        self.client_id = None
        self.bundle_location = {}
        if account.has_credentials:
            newest = clients[account.current.generation]
            self.client_id = newest.id
            bundle = bundle_value(
                account,
                newest.id,
                args.token_url,
                # Already secret in the provider's schema; marked again so that no provider
                # version that forgets it can put the secret in state or logs in clear text.
                pulumi.Output.secret(newest.client_secret),
                request_scope=settings.request_scope(account.scopes),
            )
            # Published after the newest client exists: a consumer that reads a new bundle finds
            # its client (and its scopes) in place.
            self.bundle_location = write_bundle(account, bundle, args.store, self, after=(newest,))

        self.register_outputs(
            {"clientIds": self.client_ids, **self.bundle_location, "generation": account.generation}
        )
