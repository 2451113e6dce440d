"""A Cognito stack: the resource server (the catalog's scopes in the existing pool), registered on
creation; `account` registers one account's component."""

from __future__ import annotations

from svcaccounts.core import naming
from svcaccounts.core.plan import AccountPlan, EnvironmentPlan
from svcaccounts.core.settings import CognitoSettings
from svcaccounts.infra.bundle_store import BundleStore
from svcaccounts.infra.cognito.resource_server import cognito_api
from svcaccounts.infra.cognito.service_account import CognitoServiceAccount, CognitoServiceAccountArgs


class CognitoStack:
    def __init__(self, plan: EnvironmentPlan, settings: CognitoSettings) -> None:
        self.api = cognito_api(plan, settings)
        self.token_url = settings.token_url

    def account(self, account: AccountPlan, store: BundleStore) -> CognitoServiceAccount:
        return CognitoServiceAccount(
            naming.account_name(account.name),
            CognitoServiceAccountArgs(account=account, api=self.api, token_url=self.token_url, store=store),
        )
