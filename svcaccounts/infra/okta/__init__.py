"""The Okta translation of a plan (pulumi-okta): the provider, the authorization server (when the
stack creates it) and the catalog's scopes, then one ServiceAccount component per account
(service_account.py). svcaccounts/infra/program.py builds an Okta stack through `OktaStack`."""

from __future__ import annotations

import pulumi
import pulumi_okta as okta

from svcaccounts.core import naming
from svcaccounts.core.plan import AccountPlan, EnvironmentPlan
from svcaccounts.core.settings import NewAuthServer, OktaSettings, StackSettings
from svcaccounts.infra.bundle_store import BundleStore
from svcaccounts.infra.okta.service_account import ServiceAccount, ServiceAccountArgs

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


class OktaStack:
    """What an Okta stack shares (provider, server, scopes), registered on creation; `account`
    registers one account's component."""

    def __init__(self, plan: EnvironmentPlan, api_token: pulumi.Input[str] | None = None) -> None:
        settings = plan.settings
        okta_settings, auth_server = settings.require_okta()
        self.provider = okta_provider(okta_settings, api_token)
        in_okta = pulumi.ResourceOptions(provider=self.provider)
        self.auth_server_id: pulumi.Input[str]
        if isinstance(auth_server, NewAuthServer):
            server = okta.auth.Server(
                naming.AUTH_SERVER_NAME,
                name=auth_server.name,
                audiences=[auth_server.audience],
                description=f"Service-account tokens for {plan.environment} (managed by svcaccounts)",
                status="ACTIVE",
                opts=in_okta,
            )
            self.auth_server_id = server.id
        else:
            self.auth_server_id = auth_server.id
        self.token_url: pulumi.Output[str] = pulumi.Output.from_input(self.auth_server_id).apply(
            lambda id_: _token_url(settings, id_)
        )
        self.scopes = {
            scope.name: okta.auth.ServerScope(
                naming.scope_name(scope.name),
                auth_server_id=self.auth_server_id,
                name=scope.name,
                description=scope.description,
                display_name=scope.name,
                consent="IMPLICIT",
                # Service scopes are not advertised in the server's public metadata.
                metadata_publish="NO_CLIENTS",
                default=False,
                opts=in_okta,
            )
            # A stack that references a shared server's scopes (`scopes: reference`) creates none.
            for scope in (plan.scopes if settings.owns_scopes else ())
        }

    def account(
        self, account: AccountPlan, store: BundleStore, adopted_secret: pulumi.Output[str] | None = None
    ) -> ServiceAccount:
        return ServiceAccount(
            naming.account_name(account.name),
            ServiceAccountArgs(
                account=account,
                auth_server_id=self.auth_server_id,
                token_url=self.token_url,
                store=store,
                okta_provider=self.provider,
                scopes=[self.scopes[name] for name in account.scopes if name in self.scopes],
                adopted_secret=adopted_secret,
            ),
        )


def _token_url(settings: StackSettings, auth_server_id: str) -> str:
    url = settings.token_url(auth_server_id)
    if url is None:  # unreachable: an id is given
        raise ValueError("no token URL without an authorization server id")
    return url
