"""AWS Secrets Manager for the client's tests: moto in server mode on 127.0.0.1.

A real HTTP endpoint speaking the AWS API (moto's ThreadedMotoServer, on an ephemeral port), so
the client's boto3 calls go through botocore's signing, serialisation and error parsing exactly
as against AWS. Test hooks talk to it with boto3 too, plus moto's two control endpoints:
`/moto-api/reset` (forget every resource) and `/moto-api/reset-auth` (from how many more
requests on IAM credentials and policies are enforced: 0 = from now on, inf = never).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "eu-west-1"
# Credentials for the unauthenticated mode (moto accepts any); a fixture puts them in the
# environment, so boto3 never looks further (no profile files, no instance metadata).
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


class SecretsManagerServer:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint_url = ""

    def up(self) -> None:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"

    def down(self) -> None:
        self._server.stop()

    def client(self, service: str = "secretsmanager", **credentials: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint_url, **credentials)

    def reset(self) -> None:
        self._control("/moto-api/reset", b"")

    def enforce_iam(self, enforce: bool) -> None:
        self._control("/moto-api/reset-auth", b"0" if enforce else b"inf")

    def _control(self, path: str, body: bytes) -> None:
        # text/plain: moto reads the raw body, which a form content type would hide from it.
        request = urllib.request.Request(
            self.endpoint_url + path, data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200, path

    # --- what the Pulumi program does ---------------------------------------------------------
    def create_bundle_secret(self, name: str, bundle: dict[str, Any]) -> str:
        """An `aws.secretsmanager.Secret` with its first `SecretVersion`; returns the ARN."""
        client = self.client()
        arn: str = client.create_secret(Name=name, Description="svcaccounts credential bundle")["ARN"]
        client.put_secret_value(SecretId=arn, SecretString=json.dumps(bundle))
        return arn

    def rotate_bundle(self, name: str, bundle: dict[str, Any]) -> None:
        """A replaced `SecretVersion`: the new version takes AWSCURRENT, the old one AWSPREVIOUS."""
        self.client().put_secret_value(SecretId=name, SecretString=json.dumps(bundle))

    def bundle_at(self, name: str, stage: str) -> dict[str, Any]:
        value = self.client().get_secret_value(SecretId=name, VersionStage=stage)["SecretString"]
        return json.loads(value)  # type: ignore[no-any-return]

    # --- IAM ----------------------------------------------------------------------------------
    def iam_user(self, name: str, actions: list[str]) -> dict[str, str]:
        """A user allowed `actions` (on every resource: moto evaluates Secrets Manager actions
        against "*", so a per-secret resource would deny everything); its access key as boto3
        keyword arguments."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        if actions:
            statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            policy = {"Version": "2012-10-17", "Statement": [statement]}
            iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))
        return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
