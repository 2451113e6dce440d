"""Reading the credential bundle from AWS Secrets Manager.

The secret is the program's: its name is `svcaccounts.core.naming.aws_secret_name(prefix, account,
environment)` and its ARN is in the stack output `accounts.<account>.awsSecretArn`; either works
as `secret_id`. Each read asks for the version labelled AWSCURRENT, so the re-read after an
`invalid_client` answer picks up the version a rotation has just written.

boto3 is imported on first load, so that using the client with a file, an environment variable
or Key Vault (and every CLI command) does not pay for importing it. Messages carry the secret id,
the region and AWS's error code, never AWS's message text or anything the secret holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from svcaccounts.client.bundle import CredentialBundle, parse_bundle
from svcaccounts.client.errors import BundleSourceError
from svcaccounts.client.store_sdks import SECRETS_MANAGER, store_sdk

CURRENT_STAGE = "AWSCURRENT"
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 3

# AWS error codes -> what the consumer should do about them.
_NOT_FOUND = frozenset({"ResourceNotFoundException"})
_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})
_BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "ExpiredTokenException",
        "ExpiredToken",
    }
)
_KMS = frozenset({"DecryptionFailure", "KMSAccessDeniedException", "KMSDisabledException"})


class SecretValueReader(Protocol):
    """The part of boto3's Secrets Manager client the source uses."""

    def get_secret_value(self, *, SecretId: str, VersionStage: str) -> Mapping[str, Any]: ...


class AwsSecretsManagerSource:
    """A bundle stored as an AWS Secrets Manager secret's string value, read with boto3's default
    credential chain (environment, profile, container or instance role) unless a ready client is
    given. `endpoint_url` points boto3 elsewhere (a VPC endpoint, or a local test server)."""

    def __init__(
        self,
        secret_id: str,
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        client: SecretValueReader | None = None,
    ) -> None:
        self.secret_id = secret_id
        self.region = region
        self.endpoint_url = endpoint_url
        self._client = client

    def __str__(self) -> str:
        where = f" in {self.region}" if self.region else ""
        return f"AWS Secrets Manager secret {self.secret_id}{where}"

    def __repr__(self) -> str:
        return f"AwsSecretsManagerSource({self.secret_id!r}, {self.region!r})"

    def load(self) -> CredentialBundle:
        exceptions = _botocore_exceptions()
        try:
            response = self.client().get_secret_value(SecretId=self.secret_id, VersionStage=CURRENT_STAGE)
        except exceptions.ClientError as error:
            raise BundleSourceError(self._client_error_message(error)) from None
        except exceptions.NoCredentialsError:
            raise BundleSourceError(
                f"{self}: no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or run where an IAM role is available"
            ) from None
        except exceptions.NoRegionError:
            raise BundleSourceError(f"{self}: no AWS region; pass region or set AWS_REGION") from None
        except exceptions.BotoCoreError as error:
            reason = type(error).__name__
            raise BundleSourceError(f"{self}: cannot reach Secrets Manager ({reason})") from None
        value = response.get("SecretString")
        if not isinstance(value, str) or not value.strip():
            detail = "binary data, not" if response.get("SecretBinary") is not None else "no"
            raise BundleSourceError(f"{self}: the secret's current version holds {detail} bundle JSON")
        return parse_bundle(value, origin=str(self))

    def _client_error_message(self, error: Any) -> str:
        details = getattr(error, "response", {}) or {}
        code = str(details.get("Error", {}).get("Code", "unknown"))
        status = details.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _NOT_FOUND:
            return f"{self}: secret not found, or it has no {CURRENT_STAGE} version ({code})"
        if code in _DENIED or (status == 403 and code not in _BAD_CREDENTIALS | _KMS):
            # A bare HTTP 403 (an error body botocore could not read, e.g. from a VPC endpoint
            # policy or a proxy) is a refusal too; its code is then just the status.
            shown = code if code in _DENIED else "HTTP 403"
            return (
                f"{self}: access denied ({shown}); the caller's IAM identity needs "
                "secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its KMS key)"
            )
        if code in _BAD_CREDENTIALS:
            return f"{self}: AWS did not accept the caller's credentials ({code}); check them, or renew them"
        if code in _KMS:
            return (
                f"{self}: Secrets Manager could not decrypt the secret with its KMS key ({code}); "
                "the caller needs kms:Decrypt on the key, and the key must be enabled"
            )
        if code == "InvalidRequestException":
            return (
                f"{self}: Secrets Manager refused the request ({code}); a secret scheduled for "
                "deletion cannot be read until it is restored"
            )
        status_text = f"HTTP {status}, " if status else ""
        return f"{self}: Secrets Manager answered {status_text}{code}"

    def client(self) -> SecretValueReader:
        if self._client is None:
            self._client = secrets_manager_client(self.region, endpoint_url=self.endpoint_url)
        return self._client


def secrets_manager_client(region: str | None, *, endpoint_url: str | None = None) -> SecretValueReader:
    """A boto3 Secrets Manager client (thread-safe once created) with the default credential chain.

    Without `endpoint_url`, boto3 still honours AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL.
    """
    boto3 = store_sdk("boto3", SECRETS_MANAGER)
    # A session of its own rather than boto3's shared default one: creating clients from the
    # default session is not thread-safe, and it would pin whichever credentials it resolved
    # first for the whole process.
    session = boto3.session.Session(region_name=region)
    # botocore waits 60 s to connect and 60 s to read by default; a consumer waiting for its
    # bundle should hear sooner that Secrets Manager is unreachable. Standard retries cover
    # throttling and transient errors.
    config = store_sdk("botocore.config", SECRETS_MANAGER).Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
    )
    client: SecretValueReader = session.client("secretsmanager", endpoint_url=endpoint_url, config=config)
    return client


def _botocore_exceptions() -> Any:
    # boto3 and botocore ship no type information (and no stubs are locked): importing them by
    # name keeps the untyped surface to this module, behind the SecretValueReader protocol.
    return store_sdk("botocore.exceptions", SECRETS_MANAGER)
