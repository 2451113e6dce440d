"""The Microsoft Entra ID translation of a plan (pulumi-azuread): the API application whose app
roles are the catalog's scopes (api.py), and one ServiceAccount component per account
(service_account.py). svcaccounts/infra/program.py calls `build_entra` for an Entra ID stack."""

from svcaccounts.infra.entra_id.api import EntraApi, entra_api, entra_provider
from svcaccounts.infra.entra_id.service_account import EntraServiceAccount, EntraServiceAccountArgs

__all__ = ["EntraApi", "EntraServiceAccount", "EntraServiceAccountArgs", "entra_api", "entra_provider"]
