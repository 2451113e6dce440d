"""The Auth0 translation of a plan (pulumi-auth0): the API (a resource server) whose scopes are the
catalog's (api.py), and one ServiceAccount component per account (service_account.py).
svcaccounts/infra/program.py builds an Auth0 stack through `Auth0Stack`."""

from svcaccounts.infra.auth0.api import Auth0Api, auth0_api, auth0_provider
from svcaccounts.infra.auth0.service_account import Auth0ServiceAccount, Auth0ServiceAccountArgs
from svcaccounts.infra.auth0.stack import Auth0Stack

__all__ = [
    "Auth0Api",
    "Auth0ServiceAccount",
    "Auth0ServiceAccountArgs",
    "Auth0Stack",
    "auth0_api",
    "auth0_provider",
]
