"""The one Pulumi mock engine: mocks that answer like the providers, and a monitor that records
everything a program registers, as the engine sees it.

The tests (through tests/support/pulumi_harness.py) and the benchmark (bench/program_under_mocks.py) both
run the real program on it. It lives under bench/ so that `make bench` needs neither tests/ nor
pytest: the tests import bench (as they already do for the synthetic organisations), bench never
imports the tests.

The mocks answer with the engine's camelCase names (`clientId`, `publicKeyPem`), like a real
provider would, with recognisable fake values a test can look for in outputs and logs.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Final

import pulumi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

STACK_TYPE: Final = "pulumi:pulumi:Stack"
# Recognisable fake credential values, so a test can scan outputs and logs for them.
MOCK_SECRET_PREFIX: Final = "MockSecretValue"
MOCK_AUTH_SERVER_ID: Final = "aus0mockcreated0"
MOCK_AWS_ACCOUNT: Final = "123456789012"

# A logical key name -> (PKCS#8 private key, public key), both PEM.
KeyPair = Callable[[str], tuple[str, str]]


def unwrap(value: Any) -> tuple[Any, bool]:
    """A recorded value without Pulumi's secret wrappers, and whether any part was secret."""
    if rpc.is_rpc_secret(value):
        plain, _ = unwrap(rpc.unwrap_rpc_secret(value))
        return plain, True
    if isinstance(value, dict):
        pairs = {key: unwrap(item) for key, item in value.items()}
        return {key: plain for key, (plain, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [unwrap(item) for item in value]
        return [plain for plain, _ in items], any(s for _, s in items)
    return value, False


def new_rsa_key(bits: int) -> tuple[str, str]:
    """A fresh key pair: (PKCS#8 private key, public key), both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


@cache
def mock_rsa_key(name: str) -> tuple[str, str]:
    """One key pair per logical name, like a key that stays in Pulumi state between runs.
    1024 bits keeps the suite fast; the program's own rsaBits input is asserted separately."""
    return new_rsa_key(1024)


@cache
def pkcs1(private_pkcs8: str) -> str:
    """The same key as pulumi-tls's `privateKeyPem` gives it for RSA: PKCS#1 (BEGIN RSA PRIVATE KEY).
    Cached: loading a private key checks it, which costs milliseconds a key."""
    key = serialization.load_pem_private_key(private_pkcs8.encode(), password=None)
    traditional = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, traditional, serialization.NoEncryption()).decode()


def mock_client_id(app_name: str) -> str:
    return "0oa" + hashlib.sha256(app_name.encode()).hexdigest()[:17]


def mock_aws_secret_arn(secret_name: str, region: str = "eu-west-1") -> str:
    """Like AWS: the name plus "-" and six characters (here derived from the name, not random)."""
    suffix = hashlib.sha256(secret_name.encode()).hexdigest()[:6]
    return f"arn:aws:secretsmanager:{region}:{MOCK_AWS_ACCOUNT}:secret:{secret_name}-{suffix}"


def mock_secret(name: str) -> str:
    return MOCK_SECRET_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:24]


# Entra ID object and client ids are GUIDs; the mocks derive them from the logical name.
_MOCK_ENTRA_NAMESPACE: Final = uuid.UUID("0f5c3a2e-7d1b-4c6a-8e9f-1a2b3c4d5e6f")
# Where the mocked self-signed certificates' validity starts: fixed, so a certificate (and its
# thumbprint) is the same on every run, like one kept in Pulumi state.
MOCK_CERTIFICATE_ISSUED: Final = datetime(2025, 1, 1, tzinfo=UTC)


def mock_entra_client_id(application_name: str) -> str:
    """The client (application) id of a mocked Entra application."""
    return str(uuid.uuid5(_MOCK_ENTRA_NAMESPACE, f"client:{application_name}"))


def mock_entra_object_id(name: str) -> str:
    """The object id of a mocked Entra application or service principal."""
    return str(uuid.uuid5(_MOCK_ENTRA_NAMESPACE, f"object:{name}"))


def mock_auth0_client_id(client_name: str) -> str:
    """An Auth0 client id (32 letters and digits), derived from the client's logical name."""
    return hashlib.sha256(f"auth0:{client_name}".encode()).hexdigest()[:32]


def mock_cognito_client_id(client_name: str) -> str:
    """A Cognito app client id: 26 lowercase letters and digits, here derived from the name."""
    return hashlib.sha256(f"cognito:{client_name}".encode()).hexdigest()[:26]


@cache
def mock_certificate(private_key_pem: str, common_name: str, validity_hours: int) -> str:
    """A real self-signed certificate (PEM) of the key, like pulumi-tls's certPem: the program
    computes its thumbprint. Deterministic: RSA PKCS#1 v1.5 signatures are."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    serial = int(hashlib.sha256(common_name.encode()).hexdigest()[:16], 16)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(MOCK_CERTIFICATE_ISSUED)
        .not_valid_after(MOCK_CERTIFICATE_ISSUED + timedelta(hours=validity_hours))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


class ProviderMocks(pulumi.runtime.Mocks):
    """Outputs shaped like the providers': the inputs echoed, plus the computed values the program
    reads. Counts the registrations it answers."""

    def __init__(self, key_pair: KeyPair = mock_rsa_key) -> None:
        self.key_pair = key_pair
        self.count = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.count += 1
        state = dict(args.inputs)
        resource_id: str | None = f"{args.name}-id"
        if args.typ == "okta:app/oAuth:OAuth":
            # Okta's client id of an OAuth app is the app's id.
            state["clientId"] = resource_id = mock_client_id(args.name)
        elif args.typ == "okta:auth/server:Server":
            resource_id = MOCK_AUTH_SERVER_ID
        elif args.typ == "tls:index/privateKey:PrivateKey":
            # Like pulumi-tls: PKCS#1 in privateKeyPem, PKCS#8 in privateKeyPemPkcs8.
            pkcs8, state["publicKeyPem"] = self.key_pair(args.name)
            state["privateKeyPem"], state["privateKeyPemPkcs8"] = pkcs1(pkcs8), pkcs8
        elif args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = mock_secret(args.name)
        elif args.typ == "aws:secretsmanager/secret:Secret":
            # A secret's id is its ARN.
            state["arn"] = resource_id = mock_aws_secret_arn(args.inputs["name"])
        elif args.typ == "azuread:index/application:Application":
            # The resource id is `/applications/<object id>`: what credentials' application_id take.
            state["objectId"] = object_id = mock_entra_object_id(args.name)
            state["clientId"] = mock_entra_client_id(args.name)
            resource_id = f"/applications/{object_id}"
        elif args.typ == "azuread:index/servicePrincipal:ServicePrincipal":
            state["objectId"] = object_id = mock_entra_object_id(args.name)
            resource_id = f"/servicePrincipals/{object_id}"
        elif args.typ == "azuread:index/appRoleAssignment:AppRoleAssignment":
            state["principalType"] = "ServicePrincipal"
        elif args.typ == "azuread:index/applicationPassword:ApplicationPassword":
            # Entra generates the password; the provider returns it once, as `value`.
            state["value"] = mock_secret(args.name)
            state["keyId"] = str(uuid.uuid5(_MOCK_ENTRA_NAMESPACE, f"key:{args.name}"))
        elif args.typ == "azuread:index/applicationCertificate:ApplicationCertificate":
            state["keyId"] = str(uuid.uuid5(_MOCK_ENTRA_NAMESPACE, f"key:{args.name}"))
        elif args.typ == "tls:index/selfSignedCert:SelfSignedCert":
            inputs, _ = unwrap(args.inputs)  # the private key arrives as a secret
            subject = inputs.get("subject") or {}
            hours = int(inputs["validityPeriodHours"])
            common_name = subject.get("commonName", args.name)
            state["certPem"] = mock_certificate(inputs["privateKeyPem"], common_name, hours)
            state["validityStartTime"] = MOCK_CERTIFICATE_ISSUED.strftime("%Y-%m-%dT%H:%M:%SZ")
            expires = MOCK_CERTIFICATE_ISSUED + timedelta(hours=hours)
            state["validityEndTime"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif args.typ == "auth0:index/client:Client":
            # An Auth0 client's resource id is its client id.
            state["clientId"] = resource_id = mock_auth0_client_id(args.name)
        elif args.typ == "auth0:index/clientGrant:ClientGrant":
            resource_id = "cgr_" + hashlib.sha256(args.name.encode()).hexdigest()[:16]
        elif args.typ == "auth0:index/resourceServer:ResourceServer":
            resource_id = hashlib.sha256(args.name.encode()).hexdigest()[:24]
        elif args.typ == "aws:cognito/userPoolClient:UserPoolClient":
            # The resource id is the client id; Cognito generates the secret (generate_secret).
            resource_id = mock_cognito_client_id(args.name)
            state["clientSecret"] = mock_secret(args.name)
        elif args.typ == "aws:cognito/resourceServer:ResourceServer":
            identifier = args.inputs["identifier"]
            resource_id = f"{args.inputs['userPoolId']}|{identifier}"
            scopes = args.inputs["scopes"]
            state["scopeIdentifiers"] = [f"{identifier}/{scope['scopeName']}" for scope in scopes]
        elif args.typ == "aws:secretsmanager/secretVersion:SecretVersion":
            state["arn"] = args.inputs["secretId"]
            state["versionId"] = resource_id = f"{args.name}-version-id"
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@dataclass(frozen=True)
class Registered:
    """One resource as the engine knows it: its inputs and outputs (secrets unwrapped) and its
    relations. The policy tests also build these by hand, with only the first fields."""

    urn: str
    resource_type: str
    name: str
    inputs: Mapping[str, Any]
    # What the stack policies see; the engine passes outputs there. None: same as inputs.
    outputs: Mapping[str, Any] | None = None
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    id: str | None = None
    # The provider reference ("<urn>::<id>") when the program passed one explicitly.
    provider: str | None = None
    # False for a component resource.
    custom: bool = True
    # Whether any input was a secret.
    secret_inputs: bool = False


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, keeping each `RegisterResource` request it answers. A request
    carries more than the mocks see: the URN, the parent, and the dependencies and per-property
    dependencies the SDK computed (what the policy pack's stack rules relate resources by)."""

    def __init__(self, mocks: ProviderMocks) -> None:
        super().__init__(mocks)
        self.registered: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        inputs, secret = unwrap(rpc.deserialize_properties(request.object))
        outputs, _ = unwrap(rpc.deserialize_properties(response.object))
        self.registered.append(
            Registered(
                urn=response.urn,
                resource_type=request.type,
                name=request.name,
                inputs=inputs,
                outputs=outputs,
                parent=request.parent or None,
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(value.urns) for key, value in request.propertyDependencies.items()
                },
                id=response.id or None,
                provider=request.provider or None,
                custom=request.custom,
                secret_inputs=secret,
            )
        )
        return response
