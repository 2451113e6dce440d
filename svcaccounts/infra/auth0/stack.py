"""An Auth0 stack: the API and its scopes, registered on creation; `account` registers one
account's component."""

from __future__ import annotations

from svcaccounts.core import naming
from svcaccounts.core.plan import AccountPlan, EnvironmentPlan
from svcaccounts.core.settings import Auth0Settings
from svcaccounts.infra.auth0.api import auth0_api
from svcaccounts.infra.auth0.service_account import Auth0ServiceAccount, Auth0ServiceAccountArgs
from svcaccounts.infra.bundle_store import BundleStore


class Auth0Stack:
    def __init__(self, plan: EnvironmentPlan, settings: Auth0Settings) -> None:
        self.settings = settings
        self.api = auth0_api(plan, settings)
        self.token_url = settings.token_url

    def account(self, account: AccountPlan, store: BundleStore) -> Auth0ServiceAccount:
        return Auth0ServiceAccount(
            naming.account_name(account.name),
            Auth0ServiceAccountArgs(account=account, api=self.api, settings=self.settings, store=store),
        )
