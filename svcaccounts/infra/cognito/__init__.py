"""The Amazon Cognito translation of a plan (pulumi-aws): the resource server whose scopes are the
catalog's (resource_server.py), and one ServiceAccount component per account with an app client
per live generation (service_account.py). svcaccounts/infra/program.py builds a Cognito stack
through `CognitoStack`."""

from svcaccounts.infra.cognito.resource_server import CognitoApi, cognito_api, cognito_provider
from svcaccounts.infra.cognito.service_account import CognitoServiceAccount, CognitoServiceAccountArgs
from svcaccounts.infra.cognito.stack import CognitoStack

__all__ = [
    "CognitoApi",
    "CognitoServiceAccount",
    "CognitoServiceAccountArgs",
    "CognitoStack",
    "cognito_api",
    "cognito_provider",
]
