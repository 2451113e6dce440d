"""An Entra ID stack: the API application whose app roles are the catalog's scopes, registered on
creation; `account` registers one account's component."""

from __future__ import annotations

from svcaccounts.core import naming
from svcaccounts.core.plan import AccountPlan, EnvironmentPlan
from svcaccounts.core.settings import EntraIdSettings
from svcaccounts.infra.bundle_store import BundleStore
from svcaccounts.infra.entra_id.api import entra_api
from svcaccounts.infra.entra_id.service_account import EntraServiceAccount, EntraServiceAccountArgs


class EntraStack:
    def __init__(self, plan: EnvironmentPlan, settings: EntraIdSettings) -> None:
        self.settings = settings
        self.api = entra_api(plan, settings)
        self.token_url = settings.token_url

    def account(self, account: AccountPlan, store: BundleStore) -> EntraServiceAccount:
        return EntraServiceAccount(
            naming.account_name(account.name),
            EntraServiceAccountArgs(
                account=account,
                api=self.api,
                token_url=self.settings.token_url,
                request_scope=self.settings.request_scope,
                store=store,
            ),
        )
