"""The ServiceAccount component: one account's Okta app, access policy and rule, credentials and
credential bundle (Key Vault or AWS Secrets Manager, bundle_store.py), all registered from the
account's plan (svcaccounts.core.plan.AccountPlan)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_okta as okta
import pulumi_random as random
import pulumi_tls as tls

from svcaccounts.core import naming
from svcaccounts.core.adoption import LegacyKey
from svcaccounts.core.plan import GRANT_TYPES, RESPONSE_TYPES, AccountPlan, Credential
from svcaccounts.infra.bundle import bundle_value
from svcaccounts.infra.bundle_store import BundleStore, write_bundle
from svcaccounts.infra.okta.jwk import rsa_public_jwk

RSA_BITS = 2048
CLIENT_SECRET_LENGTH = 64

# Policies: each one names exactly one client, so the order among them never changes which policy
# a client gets. Okta renumbers policy priorities to 1..N on every insert and delete (and the
# provider then shows a diff on every run: terraform-provider-okta #2305), so the priority is a
# constant used at creation only and `ignore_changes` keeps Okta's renumbering out of the diff.
# A number above any policy count appends the policy last: parallel creates with colliding small
# priorities fail with 500s (terraform-provider-okta #1198).
POLICY_PRIORITY = 99_999
# One rule per policy, so its priority is 1 whatever other accounts exist.
RULE_PRIORITY = 1
# A client_credentials token has no user; EVERYONE is the people condition Okta's own console uses.
RULE_GROUPS = ("EVERYONE",)


@dataclass(frozen=True, slots=True)
class ServiceAccountArgs:
    account: AccountPlan
    auth_server_id: pulumi.Input[str]
    token_url: pulumi.Input[str]
    store: BundleStore
    okta_provider: pulumi.ProviderResource
    # The ServerScope resources of the account's scopes: a rule naming a scope must come after it.
    scopes: Sequence[pulumi.Resource] = ()
    # An imported app's existing client secret (the Pulumi config secret the plan names), while
    # its adoption window keeps it; None when the account has none or it was not provided.
    adopted_secret: pulumi.Output[str] | None = None


def _legacy_jwk(key: LegacyKey) -> okta.app.OAuthJwkArgs:
    return okta.app.OAuthJwkArgs(kid=key.kid, kty=key.kty, n=key.members["n"], e=key.members["e"])


def _jwk_args(key_id: str, public_key_pem: str) -> okta.app.OAuthJwkArgs:
    jwk = rsa_public_jwk(public_key_pem)
    return okta.app.OAuthJwkArgs(kid=key_id, kty=jwk["kty"], n=jwk["n"], e=jwk["e"])


class ServiceAccount(pulumi.ComponentResource):
    """`svcaccounts:index:ServiceAccount`: everything one account owns in one environment."""

    client_id: pulumi.Output[str]
    # Where the bundle lives, as the `accounts` output names it: keyVaultSecretName or awsSecretArn.
    bundle_location: dict[str, pulumi.Input[Any]]

    def __init__(
        self, name: str, args: ServiceAccountArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.SERVICE_ACCOUNT_TYPE, name, None, opts)
        account = args.account
        child = pulumi.ResourceOptions(parent=self)
        in_okta = pulumi.ResourceOptions(parent=self, provider=args.okta_provider)

        jwks: list[pulumi.Input[okta.app.OAuthJwkArgs]] | None = None
        client_basic_secret: pulumi.Output[str] | None = None
        # The newest credential's value: the bundle's private key or client secret; None while
        # an adopted secret waits for the operator (no bundle then).
        credential_value: pulumi.Output[str] | None
        if account.current.kind == "adopted_secret":
            # The app's secret from before the import: Okta keeps it as long as the app's
            # client_basic_secret stays unset, so consumers holding it keep working until the
            # window ends; the first scheduled rotation after it sets a generated one.
            credential_value = args.adopted_secret
            if credential_value is None and not account.bundle_waits:
                raise ValueError(f"{account.name}: the plan has its adopted secret, the program does not")
        elif account.current.kind == "private_key":
            keys = {
                credential.generation: tls.PrivateKey(
                    credential.resource, algorithm="RSA", rsa_bits=RSA_BITS, opts=child
                )
                for credential in account.credentials
            }
            # Oldest first: a rotation appends the new key, the end of grace drops the old one.
            jwks = [
                # The app's keys from before the import, through its adoption window: whoever
                # still signs with one keeps getting tokens until the window ends.
                *(_legacy_jwk(key) for key in account.legacy_keys),
                *(
                    self._jwk(credential, keys[credential.generation])
                    for credential in sorted(account.credentials, key=lambda c: c.generation)
                ),
            ]
            newest = account.current
            # PKCS#8 ("BEGIN PRIVATE KEY"), the bundle's documented format: `private_key_pem` is
            # PKCS#1 for RSA keys, which Java's PKCS8EncodedKeySpec and jose's importPKCS8 refuse.
            credential_value = keys[newest.generation].private_key_pem_pkcs8
        else:
            secret = random.RandomPassword(
                account.current.resource,
                length=CLIENT_SECRET_LENGTH,
                # Letters and digits only: nothing a consumer has to escape in a Basic header.
                special=False,
                opts=child,
            )
            client_basic_secret = secret.result
            credential_value = secret.result

        app = okta.app.OAuth(
            naming.child_name(account.name, "app"),
            label=account.label,
            type="service",
            grant_types=list(GRANT_TYPES),
            response_types=list(RESPONSE_TYPES),
            token_endpoint_auth_method=account.auth_method,
            status="ACTIVE" if account.enabled else "INACTIVE",
            jwks=jwks,
            client_basic_secret=client_basic_secret,
            # omit_secret stays false on purpose: with it true the provider blanks the secret on
            # update, so a rotated client_basic_secret would never reach Okta; and flipping it
            # true -> false later would replace the app (and its client id).
            omit_secret=False,
            # Service apps have no authentication (sign-on) policy. Without this the provider,
            # on every update (each rotation), looks up the org's default access policy and
            # assigns it to the app: Okta answers 400 for a service app (terraform-provider-okta
            # #2295), or 403 without okta.policies.read (#2334), after the new key or secret is
            # already in place, so the bundle would never be rewritten.
            skip_authentication_policy=True,
            pkce_required=False,
            admin_note=f"Managed by svcaccounts. Owner: {account.owner_team} <{account.owner_email}>",
            opts=in_okta,
        )

        policy = okta.auth.ServerPolicy(
            naming.child_name(account.name, "policy"),
            auth_server_id=args.auth_server_id,
            name=account.policy_name,
            description=f"Client credentials for {account.name} ({account.environment})",
            priority=POLICY_PRIORITY,
            client_whitelists=[app.client_id],
            status="ACTIVE",
            opts=pulumi.ResourceOptions.merge(in_okta, pulumi.ResourceOptions(ignore_changes=["priority"])),
        )

        rule = okta.auth.ServerPolicyRule(
            naming.child_name(account.name, "rule"),
            auth_server_id=args.auth_server_id,
            policy_id=policy.id,
            name=account.rule_name,
            priority=RULE_PRIORITY,
            status="ACTIVE",
            grant_type_whitelists=list(GRANT_TYPES),
            scope_whitelists=list(account.scopes),
            group_whitelists=list(RULE_GROUPS),
            access_token_lifetime_minutes=account.token_lifetime_minutes,
            opts=pulumi.ResourceOptions.merge(in_okta, pulumi.ResourceOptions(depends_on=list(args.scopes))),
        )

        # The bundle needs the app's client id, so Pulumi writes it only after Okta accepted the
        # new key or secret: a consumer that reads a new bundle can always use it.
        self.client_id = app.client_id
        # Empty while the bundle waits for an adopted secret: program.py leaves the account out
        # of the `accounts` output then (no bundle is deployed).
        self.bundle_location = {}
        if credential_value is not None:
            bundle = bundle_value(account, app.client_id, args.token_url, credential_value)
            self.bundle_location = write_bundle(account, bundle, args.store, self, after=(policy, rule))

        self.register_outputs(
            {
                "clientId": app.client_id,
                **self.bundle_location,
                "generation": account.generation,
            }
        )

    @staticmethod
    def _jwk(credential: Credential, key: tls.PrivateKey) -> pulumi.Output[okta.app.OAuthJwkArgs]:
        key_id = credential.key_id
        if key_id is None:
            raise ValueError(f"private key {credential.resource} has no key id")
        # One apply per key: the PEM is parsed once for both `n` and `e`, and the SDK schedules
        # one Output instead of two.
        return key.public_key_pem.apply(lambda pem: _jwk_args(key_id, pem))
