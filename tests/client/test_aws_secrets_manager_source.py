"""The token client reading its bundle from AWS Secrets Manager: moto in server mode on 127.0.0.1
(tests/support/aws_server.py) and the loopback authorization server (tests/support/authz_server.py).

The last tests (marked "boto3 error seam") feed botocore's own Stubber with the error shapes real
AWS sends, because moto's server answers an IAM denial with HTTP 403 and a query-style XML body
that botocore cannot parse into an error code for a JSON-protocol service such as Secrets Manager.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from joserfc.jwk import RSAKey

from svcaccounts.cli import main as cli_main
from svcaccounts.client import (
    AsyncTokenClient,
    AwsSecretsManagerSource,
    BundleSourceError,
    TokenClient,
    TokenEvent,
)
from tests.support.authz_server import AuthzServer, RegisteredClient
from tests.support.aws_server import DUMMY_CREDENTIALS, REGION, SecretsManagerServer
from tests.support.client_fakes import FakeClock
from tests.support.repository import AWS_STACK_DIR, repository
from tests.support.samples import SAMPLE_ORGANISATION

SECRET_NAME = "svcaccounts/prod/reporting-basic/bundle"
Account = Callable[..., tuple[Path, str]]


@pytest.fixture(scope="module")
def aws_server() -> Iterator[SecretsManagerServer]:
    server = SecretsManagerServer()
    server.up()
    yield server
    server.down()


@pytest.fixture
def aws(
    aws_server: SecretsManagerServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[SecretsManagerServer]:
    """The server with no resources and IAM not enforced; boto3 configured by environment only."""
    for variable, value in DUMMY_CREDENTIALS.items():
        monkeypatch.setenv(variable, value)
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws_server.reset()
    yield aws_server
    aws_server.enforce_iam(False)


@pytest.fixture
def make_aws_client(
    aws: SecretsManagerServer, clock: FakeClock, events: list[TokenEvent]
) -> Callable[..., TokenClient]:
    def make(secret_id: str = SECRET_NAME) -> TokenClient:
        return TokenClient.from_aws_secrets_manager(
            secret_id,
            REGION,
            endpoint_url=aws.endpoint_url,
            clock=clock,
            sleep=clock.sleep,
            telemetry=events.append,
            random=lambda: 0.5,
            timeout=5.0,
        )

    return make


def bundle_in_aws(aws: SecretsManagerServer, path: Path, name: str = SECRET_NAME) -> dict[str, Any]:
    """What the program writes: the account's bundle as the secret's current version."""
    bundle: dict[str, Any] = json.loads(path.read_text())
    aws.create_bundle_secret(name, bundle)
    return bundle


# --- reading the bundle ----------------------------------------------------------------------


def test_the_bundle_is_read_from_the_secret_and_gets_a_token(
    aws: SecretsManagerServer,
    basic_account: Account,
    make_aws_client: Callable[..., TokenClient],
    authz: AuthzServer,
) -> None:
    path, _ = basic_account()
    bundle_in_aws(aws, path)
    client = make_aws_client()

    token = client.token(["reports.read"])

    assert client.bundle().client_id == "reporting-basic" and client.bundle().generation == 1
    assert token.scopes == ("reports.read",)
    assert authz.errors() == [None]


def test_the_secret_can_be_named_by_its_arn(
    aws: SecretsManagerServer, jwt_account: Account, make_aws_client: Callable[..., TokenClient]
) -> None:
    path, pem = jwt_account()
    arn = aws.create_bundle_secret(SECRET_NAME, json.loads(path.read_text()))

    client = make_aws_client(arn)

    assert client.bundle().private_key_pem == pem
    assert client.token().scopes == ("reports.read",)


def test_the_async_client_reads_the_bundle_from_the_secret(
    aws: SecretsManagerServer, basic_account: Account, clock: FakeClock
) -> None:
    path, _ = basic_account()
    bundle_in_aws(aws, path)
    client = AsyncTokenClient.from_aws_secrets_manager(
        SECRET_NAME, REGION, endpoint_url=aws.endpoint_url, clock=clock, sleep=clock.async_sleep, timeout=5.0
    )

    token = asyncio.run(client.token(["reports.read"]))

    assert token.scopes == ("reports.read",)


def test_importing_the_client_does_not_import_boto3() -> None:
    probe = (
        "import sys, svcaccounts.client; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- rotation: AWSCURRENT moves, invalid_client, re-read -------------------------------------


def test_a_rotated_secret_is_picked_up_from_the_new_current_version(
    aws: SecretsManagerServer,
    basic_account: Account,
    make_aws_client: Callable[..., TokenClient],
    authz: AuthzServer,
    events: list[TokenEvent],
) -> None:
    path, _ = basic_account()
    bundle = bundle_in_aws(aws, path)
    client = make_aws_client()
    client.token(["reports.read"])  # the client now holds generation 1 in memory

    # What a rotation does: Okta takes the new secret, then the program writes the next version.
    authz.rotate_secret("reporting-basic", "rotated-secret-of-generation-2")
    rotated = {**bundle, "client_secret": "rotated-secret-of-generation-2", "generation": 2}
    aws.rotate_bundle(SECRET_NAME, rotated)
    assert aws.bundle_at(SECRET_NAME, "AWSPREVIOUS")["generation"] == 1  # the label really moved

    token = client.token(["reports.write"])

    assert authz.errors() == [None, "invalid_client", None]
    assert [event.outcome for event in events] == ["success", "invalid_client", "success"]
    assert token.scopes == ("reports.write",)
    assert client.bundle().generation == 2


# --- clear errors -------------------------------------------------------------------------------


def test_a_missing_secret_is_a_clear_error(
    aws: SecretsManagerServer, make_aws_client: Callable[..., TokenClient]
) -> None:
    with pytest.raises(BundleSourceError) as raised:
        make_aws_client("svcaccounts/prod/no-such-account/bundle").token()
    assert str(raised.value) == (
        "AWS Secrets Manager secret svcaccounts/prod/no-such-account/bundle in eu-west-1: secret not found, "
        "or it has no AWSCURRENT version (ResourceNotFoundException)"
    )
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_secret_scheduled_for_deletion_is_a_clear_error(
    aws: SecretsManagerServer, basic_account: Account, make_aws_client: Callable[..., TokenClient]
) -> None:
    path, secret = basic_account()
    bundle_in_aws(aws, path)
    aws.client().delete_secret(SecretId=SECRET_NAME, RecoveryWindowInDays=7)

    with pytest.raises(BundleSourceError) as raised:
        make_aws_client().token()

    assert "cannot be read until it is restored" in str(raised.value)
    assert secret not in str(raised.value)


def test_a_caller_without_get_secret_value_is_denied_clearly(
    aws: SecretsManagerServer,
    basic_account: Account,
    monkeypatch: pytest.MonkeyPatch,
    make_aws_client: Callable[..., TokenClient],
) -> None:
    path, secret = basic_account()
    bundle_in_aws(aws, path)
    reader = aws.iam_user("reader", ["secretsmanager:GetSecretValue"])
    lister = aws.iam_user("lister", ["secretsmanager:ListSecrets"])
    aws.enforce_iam(True)

    # Control: with the permission, the same server and secret are readable under enforcement.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", reader["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", reader["aws_secret_access_key"])
    assert make_aws_client().bundle().client_id == "reporting-basic"

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", lister["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", lister["aws_secret_access_key"])
    with pytest.raises(BundleSourceError) as raised:
        make_aws_client().bundle()

    message = str(raised.value)
    assert message == (
        f"AWS Secrets Manager secret {SECRET_NAME} in eu-west-1: access denied (HTTP 403); the caller's "
        "IAM identity needs secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its KMS key)"
    )
    assert secret not in message


def test_unknown_credentials_are_refused_clearly(
    aws: SecretsManagerServer, basic_account: Account, make_aws_client: Callable[..., TokenClient]
) -> None:
    path, _ = basic_account()
    bundle_in_aws(aws, path)
    aws.enforce_iam(True)  # the dummy key from the environment belongs to no IAM user

    with pytest.raises(BundleSourceError, match=r"access denied \(HTTP 403\)"):
        make_aws_client().bundle()


def test_an_unreachable_endpoint_is_a_clear_error(aws: SecretsManagerServer) -> None:
    aws_url = aws.endpoint_url
    closed = aws_url.rsplit(":", 1)[0] + ":9"  # discard port: nothing listens on loopback
    source = AwsSecretsManagerSource(SECRET_NAME, REGION, endpoint_url=closed)
    with pytest.raises(BundleSourceError, match=r"cannot reach Secrets Manager \(EndpointConnectionError\)"):
        source.load()


# --- boto3 error seam: AWS's own error shapes, through botocore's Stubber ------------------------


def offline_client() -> Any:
    return boto3.client(
        "secretsmanager", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )


def stubbed(code: str, status: int = 400) -> AwsSecretsManagerSource:
    client = offline_client()
    stubber = Stubber(client)
    stubber.add_client_error(
        "get_secret_value",
        service_error_code=code,
        service_message="User arn:aws:iam::111122223333:user/app is not authorized (do-not-echo)",
        http_status_code=status,
    )
    stubber.activate()
    return AwsSecretsManagerSource(SECRET_NAME, REGION, client=client)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "AccessDeniedException",
            "access denied (AccessDeniedException); the caller's IAM identity needs "
            "secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its KMS key)",
        ),
        (
            "UnrecognizedClientException",
            "AWS did not accept the caller's credentials "
            "(UnrecognizedClientException); check them, or renew them",
        ),
        (
            "ExpiredTokenException",
            "AWS did not accept the caller's credentials (ExpiredTokenException); check them, or renew them",
        ),
        (
            "DecryptionFailure",
            "Secrets Manager could not decrypt the secret with its KMS key "
            "(DecryptionFailure); the caller needs kms:Decrypt on the key, and the key must be enabled",
        ),
        ("ThrottlingException", "Secrets Manager answered HTTP 400, ThrottlingException"),
    ],
)
def test_boto3_error_seam_maps_aws_error_codes_to_clear_messages(code: str, expected: str) -> None:
    with pytest.raises(BundleSourceError) as raised:
        stubbed(code).load()
    assert str(raised.value) == f"AWS Secrets Manager secret {SECRET_NAME} in eu-west-1: {expected}"
    assert "do-not-echo" not in str(raised.value)


def test_a_binary_secret_is_not_a_bundle() -> None:
    client = offline_client()
    stubber = Stubber(client)
    stubber.add_response(
        "get_secret_value",
        {"ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-AbC123", "SecretBinary": b"\x00"},
    )
    stubber.activate()
    with pytest.raises(BundleSourceError, match="holds binary data, not bundle JSON"):
        AwsSecretsManagerSource(SECRET_NAME, REGION, client=client).load()


# --- svcaccounts token / verify on an AWS-backed stack ------------------------------------------


@pytest.fixture
def aws_repo(tmp_path: Path) -> Path:
    """The sample organisation's stacks, scopes and definitions plus the sample AWS stack (prod-aws)."""
    return repository(tmp_path / "repo", SAMPLE_ORGANISATION, AWS_STACK_DIR)


@pytest.fixture
def deployed_aws_stack(
    aws: SecretsManagerServer, authz: AuthzServer, client_key: RSAKey, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """What `pulumi up --stack prod-aws` leaves behind, with the loopback server as Okta: each
    account registered there and its bundle in its AWS secret. Returns account -> credential."""
    from tests.support.samples import aws_sample_plan

    # The CLI builds its boto3 client itself: point it at moto the way boto3 documents.
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    credentials: dict[str, str] = {}
    for account in aws_sample_plan(datetime.now(UTC)).accounts:
        client_id = f"0oa-{account.name}"
        bundle: dict[str, Any] = {
            "client_id": client_id,
            "token_url": authz.token_url,
            "auth_method": account.auth_method,
            "scopes": list(account.scopes),
            "generation": account.generation,
            "rotates_at": "2027-01-01T00:00:00Z",
        }
        if account.auth_method == "client_secret_basic":
            bundle["client_secret"] = credentials[account.name] = secrets.token_urlsafe(32)
            registered = RegisteredClient(
                client_id, account.auth_method, account.scopes, client_secret=bundle["client_secret"]
            )
        else:
            bundle["private_key_pem"] = credentials[account.name] = client_key.as_pem(private=True).decode()
            bundle["key_id"] = account.current.key_id
            public = RSAKey.import_key(client_key.as_dict(private=False))
            registered = RegisteredClient(client_id, account.auth_method, account.scopes, public_key=public)
        authz.register(registered)
        assert account.aws_secret is not None
        aws.create_bundle_secret(account.aws_secret, bundle)
    return credentials


def test_token_reads_the_account_s_bundle_from_the_stack_s_aws_secret(
    aws_repo: Path, deployed_aws_stack: dict[str, str], authz: AuthzServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(["token", "mcp-reporting-service", "--stack", "prod-aws", "--root", str(aws_repo)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.count(".") == 2  # one JWT on stdout
    assert authz.errors() == [None]
    assert deployed_aws_stack["mcp-reporting-service"] not in captured.out + captured.err


def test_verify_checks_every_account_of_an_aws_stack(
    aws_repo: Path, deployed_aws_stack: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(["verify", "--stack", "prod-aws", "--root", str(aws_repo), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert [(a["account"], a["status"]) for a in json.loads(captured.out)["accounts"]] == [
        ("mcp-project-service", "ok"),
        ("mcp-reporting-service", "ok"),
    ]
    for credential in deployed_aws_stack.values():
        assert credential not in captured.out + captured.err


def test_token_names_the_missing_aws_secret(
    aws: SecretsManagerServer,
    aws_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    code = cli_main(["token", "mcp-reporting-service", "--stack", "prod-aws", "--root", str(aws_repo)])
    err = capsys.readouterr().err
    assert code == 1
    assert (
        "AWS Secrets Manager secret svcaccounts/prod/mcp-reporting-service/bundle in eu-west-1: "
        "secret not found" in err
    )
    assert "Traceback" not in err
