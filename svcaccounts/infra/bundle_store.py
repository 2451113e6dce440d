"""Where an account's credential bundle is written: an Azure Key Vault secret, or an AWS Secrets
Manager secret and its version. A stack uses exactly one store (svcaccounts:secretStore).

Both stores get the same JSON bundle (as a Pulumi secret) and the same tags; the logical names
come from the plan (`AccountPlan.resources`), so `svcaccounts plan` lists what is registered here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native

from svcaccounts.core import naming
from svcaccounts.core.contracts.accounts_output import AWS_SECRET_ARN, KEY_VAULT_SECRET_NAME
from svcaccounts.core.contracts.bundle import CONTENT_TYPE as BUNDLE_CONTENT_TYPE
from svcaccounts.core.plan import AccountPlan
from svcaccounts.core.rotation import epoch_seconds, iso_utc
from svcaccounts.core.settings import AwsSecretsManagerSettings, KeyVaultSettings


@dataclass(frozen=True, slots=True)
class KeyVaultStore:
    settings: KeyVaultSettings


@dataclass(frozen=True, slots=True)
class AwsSecretsManagerStore:
    settings: AwsSecretsManagerSettings
    # The stack's explicit AWS provider (its region is the configured one).
    provider: pulumi.ProviderResource


BundleStore = KeyVaultStore | AwsSecretsManagerStore


def aws_provider(settings: AwsSecretsManagerSettings) -> aws.Provider:
    """The explicit AWS provider: the configured region, never an ambient AWS_REGION. Credentials
    come from the provider's usual chain (environment, profile, OIDC role), never from config."""
    return aws.Provider(naming.AWS_PROVIDER_NAME, region=settings.region)


def bundle_tags(account: AccountPlan) -> dict[str, str]:
    """The tags both stores put on a bundle: who owns it, where it belongs, how fresh it is."""
    return {
        "owner-team": account.owner_team,
        "environment": account.environment,
        "generation": str(account.generation),
        "managed-by": naming.MANAGED_BY,
        "rotates-at": iso_utc(account.rotation.next_rotation),
    }


def write_bundle(
    account: AccountPlan,
    value: pulumi.Output[str],
    store: BundleStore,
    parent: pulumi.Resource,
    *,
    after: Sequence[pulumi.Resource],
) -> dict[str, pulumi.Input[Any]]:
    """Register the bundle's resources under `parent`, its value published only after `after`
    (the account's access policy and rule: a consumer that reads a bundle on a first deploy or a
    scope change must find its access already in place); returns the `accounts` output fields
    that say where consumers find it (nothing secret)."""
    published = pulumi.ResourceOptions(parent=parent, depends_on=list(after))
    if isinstance(store, AwsSecretsManagerStore):
        return _aws_secret(account, value, store, published)
    return _key_vault_secret(account, value, store.settings, published)


def _key_vault_secret(
    account: AccountPlan,
    value: pulumi.Output[str],
    settings: KeyVaultSettings,
    published: pulumi.ResourceOptions,
) -> dict[str, pulumi.Input[Any]]:
    # Annotated because mypy skips the Azure SDK (pyproject.toml): the argument's type no longer
    # tells it what `Output.secret` returns.
    secret_value: pulumi.Output[str] = pulumi.Output.secret(value)
    azure_native.keyvault.Secret(
        naming.child_name(account.name, "bundle"),
        resource_group_name=settings.resource_group,
        vault_name=settings.name,
        secret_name=account.secret_name,
        properties=azure_native.keyvault.SecretPropertiesArgs(
            value=secret_value,
            content_type=BUNDLE_CONTENT_TYPE,
            attributes=azure_native.keyvault.SecretAttributesArgs(
                enabled=True,
                # Past this instant rotation has stopped: Key Vault's near-expiry events warn.
                expires=epoch_seconds(account.rotation.expires_at),
            ),
        ),
        tags=bundle_tags(account),
        opts=published,
    )
    return {KEY_VAULT_SECRET_NAME: account.secret_name}


def _aws_secret(
    account: AccountPlan,
    value: pulumi.Output[str],
    store: AwsSecretsManagerStore,
    published: pulumi.ResourceOptions,
) -> dict[str, pulumi.Input[Any]]:
    in_aws = pulumi.ResourceOptions(parent=published.parent, provider=store.provider)
    settings = store.settings
    secret_string: pulumi.Output[str] = pulumi.Output.secret(value)
    secret = aws.secretsmanager.Secret(
        naming.child_name(account.name, "bundle"),
        name=account.secret_name,
        description=(
            f"svcaccounts credential bundle of {account.name} ({account.environment}), "
            f"content type {BUNDLE_CONTENT_TYPE}"
        ),
        # None: Secrets Manager's default key (aws/secretsmanager); the policy pack requires a
        # customer managed key in prod.
        kms_key_id=settings.kms_key_id,
        recovery_window_in_days=settings.recovery_window_days,
        tags=bundle_tags(account),
        opts=in_aws,
    )
    # A changed secret_string replaces the version (the provider treats it as force-new), and
    # Pulumi replaces create-before-delete: the new version takes AWSCURRENT first (the old one
    # becomes AWSPREVIOUS), so consumers always find a current bundle. Never delete_before_replace.
    aws.secretsmanager.SecretVersion(
        naming.child_name(account.name, "bundle-version"),
        secret_id=secret.id,
        secret_string=secret_string,
        # The value is what consumers read: it waits for the access policy and rule.
        opts=pulumi.ResourceOptions.merge(in_aws, pulumi.ResourceOptions(depends_on=published.depends_on)),
    )
    return {AWS_SECRET_ARN: secret.arn}
