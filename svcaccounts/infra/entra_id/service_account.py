"""The ServiceAccount component on Microsoft Entra ID: one account's application, its service
principal, one app role assignment per effective scope, a credential per live generation, and
the credential bundle (Key Vault or AWS Secrets Manager, svcaccounts/infra/bundle_store.py),
all registered from the account's plan (svcaccounts.core.plan.AccountPlan)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azuread as azuread
import pulumi_tls as tls

from svcaccounts.core import naming
from svcaccounts.core.identity_providers import CREDENTIAL_SLACK_DAYS
from svcaccounts.core.plan import AccountPlan, Credential
from svcaccounts.core.rotation import iso_utc
from svcaccounts.infra.bundle import bundle_value
from svcaccounts.infra.bundle_store import BundleStore, write_bundle
from svcaccounts.infra.entra_id.api import SIGN_IN_AUDIENCE, EntraApi
from svcaccounts.infra.entra_id.certificate import sha256_thumbprint

RSA_BITS = 2048
CERTIFICATE_TYPE = "AsymmetricX509Cert"
CERTIFICATE_ENCODING = "pem"
# What the certificate is for: signing client assertions.
CERTIFICATE_USES = ("digital_signature", "client_auth")


@dataclass(frozen=True, slots=True)
class EntraServiceAccountArgs:
    account: AccountPlan
    api: EntraApi
    token_url: str
    # `<identifierUri>/.default`: what the token request sends (the bundle's request.scope).
    request_scope: str
    store: BundleStore


def certificate_validity_hours(account: AccountPlan) -> int:
    """How long a generation's self-signed certificate is valid from its creation: long enough
    that the certificate outlives the credential Entra registers for it (a credential end date
    past the certificate's own expiry is not something to rely on Entra accepting; not verified
    against a live tenant). A generation's end date is its start plus period, grace and slack
    (svcaccounts.core.plan), and the certificate is issued no earlier than that start, so the
    same span from issue always covers it. Fixed per account: tls.SelfSignedCert replaces the
    certificate when it changes."""
    return (account.period_days + account.grace_days + CREDENTIAL_SLACK_DAYS) * 24


def _end_date(credential: Credential) -> str:
    if credential.expires_at is None:
        raise ValueError(f"credential {credential.resource} has no end date; Entra ID needs one")
    return iso_utc(credential.expires_at)


class EntraServiceAccount(pulumi.ComponentResource):
    """`svcaccounts:index:ServiceAccount` on Entra ID: everything one account owns in one
    environment (the same type token as on Okta: the component is the account, whatever the
    provider)."""

    client_id: pulumi.Output[str]
    # Where the bundle lives, as the `accounts` output names it: keyVaultSecretName or awsSecretArn.
    bundle_location: dict[str, pulumi.Input[Any]]

    def __init__(
        self, name: str, args: EntraServiceAccountArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.SERVICE_ACCOUNT_TYPE, name, None, opts)
        account = args.account
        api = args.api
        child = pulumi.ResourceOptions(parent=self)
        in_entra = pulumi.ResourceOptions(parent=self, provider=api.provider)

        # No owners, redirect URIs, delegated permissions or API of its own: a client of the API
        # and nothing else (the policy pack checks the same).
        application = azuread.Application(
            naming.child_name(account.name, "app"),
            display_name=account.label,
            sign_in_audience=SIGN_IN_AUDIENCE,
            notes=f"Managed by svcaccounts. Owner: {account.owner_team} <{account.owner_email}>",
            opts=in_entra,
        )
        service_principal = azuread.ServicePrincipal(
            naming.child_name(account.name, "sp"),
            client_id=application.client_id,
            # A disabled account keeps its application, roles and credentials: Entra issues no
            # token to a disabled service principal, and enabling it again changes nothing else.
            account_enabled=account.enabled,
            opts=in_entra,
        )
        assignments = [
            azuread.AppRoleAssignment(
                naming.app_role_assignment_name(account.name, scope),
                app_role_id=naming.app_role_id(scope),
                principal_object_id=service_principal.object_id,
                resource_object_id=api.service_principal.object_id,
                # The role must exist on the API application first: a new scope adds the role in
                # an update of that application, which the service principal's object id (an
                # output of its creation) does not wait for.
                opts=pulumi.ResourceOptions.merge(
                    in_entra, pulumi.ResourceOptions(depends_on=[api.application])
                ),
            )
            for scope in account.scopes
        ]

        newest = account.current
        registered: dict[int, pulumi.Resource] = {}
        credential_value: pulumi.Output[str] | None = None
        thumbprint: pulumi.Output[str] | None = None
        for credential in account.credentials:
            end_date = _end_date(credential)
            if credential.kind == "private_key":
                key = tls.PrivateKey(credential.resource, algorithm="RSA", rsa_bits=RSA_BITS, opts=child)
                certificate = tls.SelfSignedCert(
                    naming.certificate_name(account.name, credential.generation),
                    private_key_pem=key.private_key_pem,
                    subject=tls.SelfSignedCertSubjectArgs(common_name=credential.key_id),
                    validity_period_hours=certificate_validity_hours(account),
                    allowed_uses=list(CERTIFICATE_USES),
                    opts=child,
                )
                # Every argument of an application certificate forces a new one; all are fixed
                # per generation (the end date by the rotation schedule), so it is created once.
                registered[credential.generation] = azuread.ApplicationCertificate(
                    naming.application_certificate_name(account.name, credential.generation),
                    application_id=application.id,
                    type=CERTIFICATE_TYPE,
                    encoding=CERTIFICATE_ENCODING,
                    value=certificate.cert_pem,
                    end_date=end_date,
                    opts=in_entra,
                )
                if credential.generation == newest.generation:
                    # PKCS#8, the bundle's documented format (private_key_pem is PKCS#1 for RSA).
                    credential_value = key.private_key_pem_pkcs8
                    thumbprint = certificate.cert_pem.apply(sha256_thumbprint)
            else:
                password = azuread.ApplicationPassword(
                    credential.resource,
                    application_id=application.id,
                    # display_name and end_date force a new password: both are fixed per generation.
                    display_name=f"svcaccounts g{credential.generation}",
                    end_date=end_date,
                    opts=in_entra,
                )
                registered[credential.generation] = password
                if credential.generation == newest.generation:
                    credential_value = pulumi.Output.secret(password.value)
        if credential_value is None:  # unreachable: the plan's newest credential is live
            raise ValueError(f"account {account.name} has no credential of generation {newest.generation}")

        bundle = bundle_value(
            account,
            application.client_id,
            args.token_url,
            credential_value,
            request_scope=args.request_scope,
            certificate_thumbprint=thumbprint,
        )
        # Published after the role assignments and the newest credential's registration: a
        # consumer that reads a new bundle finds its roles assigned and its credential accepted.
        self.bundle_location = write_bundle(
            account, bundle, args.store, self, after=(*assignments, registered[newest.generation])
        )

        self.client_id = application.client_id
        self.register_outputs(
            {
                "clientId": application.client_id,
                **self.bundle_location,
                "generation": account.generation,
            }
        )
