"""The ServiceAccount component on Auth0: one account's client (non-interactive, client
credentials only), its grant on the stack's API with exactly the effective scopes, its
credentials (a public key per live generation, or the one client secret) and the credential
bundle (svcaccounts/infra/bundle_store.py), all registered from the account's plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_auth0 as auth0
import pulumi_random as random
import pulumi_tls as tls

from svcaccounts.core import naming
from svcaccounts.core.plan import GRANT_TYPES, AccountPlan, Credential
from svcaccounts.core.rotation import iso_utc
from svcaccounts.core.settings import Auth0Settings
from svcaccounts.infra.auth0.api import Auth0Api
from svcaccounts.infra.auth0.jwk import jwk_thumbprint
from svcaccounts.infra.bundle import bundle_value
from svcaccounts.infra.bundle_store import BundleStore, write_bundle

RSA_BITS = 2048
CLIENT_SECRET_LENGTH = 64
# Auth0's machine-to-machine application type: no login, no redirect URIs.
APP_TYPE = "non_interactive"
CREDENTIAL_TYPE = "public_key"
# The client's assertions are signed RS256 (the svcaccounts client's choice for an RSA key).
KEY_ALGORITHM = "RS256"
# The grant is for the client itself (client credentials), not for users acting through it.
SUBJECT_TYPE = "client"


@dataclass(frozen=True, slots=True)
class Auth0ServiceAccountArgs:
    account: AccountPlan
    api: Auth0Api
    settings: Auth0Settings
    store: BundleStore


def _expires_at(credential: Credential) -> str:
    if credential.expires_at is None:
        raise ValueError(f"credential {credential.resource} has no end date")
    return iso_utc(credential.expires_at)


class Auth0ServiceAccount(pulumi.ComponentResource):
    """`svcaccounts:index:ServiceAccount` on Auth0: everything one account owns in one
    environment (the same type token on every provider: the component is the account)."""

    client_id: pulumi.Output[str]
    bundle_location: dict[str, pulumi.Input[Any]]

    def __init__(
        self, name: str, args: Auth0ServiceAccountArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.SERVICE_ACCOUNT_TYPE, name, None, opts)
        account = args.account
        api = args.api
        child = pulumi.ResourceOptions(parent=self)
        in_auth0 = pulumi.ResourceOptions(parent=self, provider=api.provider)

        # No callbacks, origins or login page: a client of the API and nothing else. Auth0's
        # client description takes 140 characters, so the owner goes to client_metadata (255 a
        # value), which the policy pack and an auditor can read.
        client = auth0.Client(
            naming.child_name(account.name, "app"),
            name=account.label,
            app_type=APP_TYPE,
            grant_types=list(GRANT_TYPES),
            description="Managed by svcaccounts",
            client_metadata={
                "managed_by": naming.MANAGED_BY,
                "owner_team": account.owner_team,
                "owner_email": account.owner_email,
            },
            oidc_conformant=True,
            opts=in_auth0,
        )
        after: list[pulumi.Resource] = []
        after_scopes = pulumi.ResourceOptions.merge(in_auth0, pulumi.ResourceOptions(depends_on=[api.scopes]))
        if account.enabled:
            # Exactly the effective scopes, on the stack's API only. After the API's scopes: a
            # grant naming a scope the API does not define yet is refused.
            after.append(
                auth0.ClientGrant(
                    naming.child_name(account.name, "grant"),
                    client_id=client.client_id,
                    audience=args.settings.audience,
                    scopes=list(account.scopes),
                    subject_type=SUBJECT_TYPE,
                    opts=after_scopes,
                )
            )
        # A disabled account has no grant: Auth0 refuses it tokens for the API, while its client,
        # credentials and bundle stay, so enabling it again changes nothing else.

        newest = account.current
        key_id: pulumi.Output[str] | None = None
        if newest.kind == "private_key":
            keys = {
                credential.generation: tls.PrivateKey(
                    credential.resource, algorithm="RSA", rsa_bits=RSA_BITS, opts=child
                )
                for credential in account.credentials
            }
            # Every live generation's public key on the client, at most two (Auth0's limit, which
            # grace < period always fits): through grace the previous key still works. Each is
            # named by generation and ends with it, so a credential's entry never changes in its
            # life and the provider adds the new one before removing the old.
            credentials = auth0.ClientCredentials(
                naming.child_name(account.name, "credentials"),
                client_id=client.client_id,
                authentication_method="private_key_jwt",
                private_key_jwt=auth0.ClientCredentialsPrivateKeyJwtArgs(
                    credentials=[
                        auth0.ClientCredentialsPrivateKeyJwtCredentialArgs(
                            credential_type=CREDENTIAL_TYPE,
                            name=credential.key_id,
                            pem=keys[credential.generation].public_key_pem,
                            algorithm=KEY_ALGORITHM,
                            expires_at=_expires_at(credential),
                        )
                        for credential in account.credentials
                    ]
                ),
                opts=in_auth0,
            )
            # PKCS#8, the bundle's documented format (private_key_pem is PKCS#1 for RSA).
            credential_value: pulumi.Output[str] = keys[newest.generation].private_key_pem_pkcs8
            key_id = keys[newest.generation].public_key_pem.apply(jwk_thumbprint)
        else:
            secret = random.RandomPassword(
                newest.resource,
                length=CLIENT_SECRET_LENGTH,
                # Letters and digits only: nothing a consumer has to escape in a Basic header.
                special=False,
                opts=child,
            )
            # Auth0 keeps one secret per client: the new generation's secret replaces the old one
            # in this update, a cutover (docs/identity-providers.md; `plan` says so).
            credentials = auth0.ClientCredentials(
                naming.child_name(account.name, "credentials"),
                client_id=client.client_id,
                authentication_method="client_secret_basic",
                client_secret=secret.result,
                opts=in_auth0,
            )
            credential_value = pulumi.Output.secret(secret.result)
        after.append(credentials)

        bundle = bundle_value(
            account,
            client.client_id,
            args.settings.token_url,
            credential_value,
            request_scope=" ".join(account.scopes),
            request_audience=args.settings.audience,
            key_id=key_id,
            # Auth0's documentation asks the client assertion's `aud` to be the tenant's URL.
            assertion_audience=args.settings.issuer,
        )
        # Published after the grant and the credentials: a consumer that reads a new bundle finds
        # its scopes granted and its credential accepted.
        self.bundle_location = write_bundle(account, bundle, args.store, self, after=after)

        self.client_id = client.client_id
        self.register_outputs(
            {"clientId": client.client_id, **self.bundle_location, "generation": account.generation}
        )
