"""The Microsoft Entra ID translation of a plan (pulumi-azuread): the API application whose app
roles are the catalog's scopes (api.py), and one ServiceAccount component per account
(service_account.py). svcaccounts/infra/program.py builds an Entra ID stack through `EntraStack`."""

from svcaccounts.infra.entra_id.api import EntraApi, entra_api, entra_provider
from svcaccounts.infra.entra_id.service_account import EntraServiceAccount, EntraServiceAccountArgs
from svcaccounts.infra.entra_id.stack import EntraStack

__all__ = [
    "EntraApi",
    "EntraServiceAccount",
    "EntraServiceAccountArgs",
    "EntraStack",
    "entra_api",
    "entra_provider",
]
