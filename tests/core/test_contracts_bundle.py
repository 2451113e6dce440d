"""The credential bundle contract: its writer, its reader and its JSON Schema agree."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from svcaccounts.client import BundleError, parse_bundle
from svcaccounts.core.contracts.bundle import (
    SCHEMA,
    BundleInvalid,
    CredentialBundle,
    bundle_json,
    read_bundle,
)
from svcaccounts.core.contracts.values import token_url_problem
from tests.support import contract_schemas
from tests.support.contract_schemas import INVALID, VALID

SECRET = "s3cr3t-value-that-must-never-show"
PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIN0tAkEyIGlzIG5vdCBhIHJlYWwga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n"


def written(method: str, **changes: Any) -> dict[str, Any]:
    """What the program writes for an account with auth method `method`, as a decoded document,
    with `changes` applied (None removes a key)."""
    credential: dict[str, str] = (
        {"client_secret": SECRET}
        if method == "client_secret_basic"
        else {"private_key_pem": PEM, "key_id": "reporting-g4"}
    )
    document: dict[str, Any] = json.loads(
        bundle_json(
            client_id="0oa1reporting",
            token_url="https://example.okta.com/oauth2/aus1/v1/token",
            auth_method=method,  # type: ignore[arg-type]
            scopes=["reports.read", "reports.write"],
            generation=4,
            rotates_at="2027-01-01T00:00:00Z",
            **credential,
        )
    )
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


def basic(**changes: Any) -> dict[str, Any]:
    return written("client_secret_basic", **changes)


def jwt(**changes: Any) -> dict[str, Any]:
    return written("private_key_jwt", **changes)


def schema_verdicts(document: object) -> dict[str, bool]:
    return contract_schemas.verdicts(SCHEMA, document)


def test_the_schema_is_valid_draft_2020_12() -> None:
    contract_schemas.check_draft_2020_12(SCHEMA)


def test_the_schemas_examples_are_valid_bundles_of_both_versions() -> None:
    okta, entra = contract_schemas.load(SCHEMA)["examples"]
    assert schema_verdicts(okta) == schema_verdicts(entra) == VALID
    assert (read_bundle(okta).version, read_bundle(okta).key_id) == (1, "mcp-reporting-service-g4")
    assert read_bundle(entra).version == 2


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "private_key_jwt"])
def test_what_the_writer_writes_the_schema_accepts(auth_method: str) -> None:
    assert schema_verdicts(written(auth_method)) == VALID


def test_the_reader_reads_what_the_writer_writes() -> None:
    assert read_bundle(basic()) == CredentialBundle(
        client_id="0oa1reporting",
        token_url="https://example.okta.com/oauth2/aus1/v1/token",
        auth_method="client_secret_basic",
        scopes=("reports.read", "reports.write"),
        generation=4,
        rotates_at=datetime(2027, 1, 1, tzinfo=UTC),
        client_secret=SECRET,
    )
    bundle = read_bundle(jwt())
    assert (bundle.auth_method, bundle.private_key_pem, bundle.key_id) == (
        "private_key_jwt",
        PEM,
        "reporting-g4",
    )
    assert bundle.client_secret is None


@pytest.mark.parametrize(
    "document",
    [
        basic(audience="api://reports", issued_by="svcaccounts 2.0"),
        basic(token_url="http://localhost:8080/token"),
        basic(token_url="http://127.0.0.1/token"),
        basic(token_url="http://[::1]:9000/oauth2/v1/token"),
        basic(token_url="https://idp.example:8443/oauth2/v1/token?tenant=a"),
        basic(rotates_at="2027-01-01T00:00:00+00:00"),
        basic(rotates_at="2027-01-01T00:00:00.250Z"),
        basic(generation=0),
        basic(scopes=["mcp:reports:generate"]),
    ],
    ids=[
        "unknown-keys", "http-localhost", "http-127", "http-ipv6-loopback", "https-port-query",
        "offset-zero", "fraction", "generation-zero", "one-scope",
    ],
)  # fmt: skip
def test_documents_the_reader_accepts_the_schema_accepts(document: dict[str, Any]) -> None:
    read_bundle(document)
    assert schema_verdicts(document) == VALID


# Each document breaks one rule: the reader names it, and the schema refuses the document too.
REFUSED_BY_BOTH = [
    (basic(client_id=None), "client_id: required"),
    (basic(token_url=None), "token_url: required"),
    (basic(auth_method=None), "auth_method: required"),
    (basic(scopes=None), "scopes: required"),
    (basic(generation=None), "generation: required"),
    (basic(rotates_at=None), "rotates_at: required"),
    (basic(client_id=""), "client_id: expected a non-empty string, got a string"),
    (basic(client_id="   "), "client_id: expected a non-empty string, got a string"),
    (basic(client_id=7), "client_id: expected a non-empty string, got a number"),
    (basic(token_url="http://example.okta.com/token"), "token_url: must be an https:// URL"),
    (basic(token_url="http://127.0.0.1.evil.example/token"), "token_url: must be an https:// URL"),
    (basic(token_url="ftp://example.okta.com/token"), "token_url: must be an https:// URL"),
    (basic(token_url="/v1/token"), "token_url: not an absolute URL"),
    (basic(token_url="https://:443/token"), "token_url: not an absolute URL"),
    (basic(token_url="https://robot:pw@example.okta.com/token"), "token_url: must not contain a user name"),
    (basic(token_url="http://robot@localhost/token"), "token_url: must not contain a user name"),
    (basic(auth_method="client_secret_post"), "auth_method: expected 'private_key_jwt' or"),
    (basic(scopes=[]), "scopes: expected a non-empty array of strings, got an array"),
    (basic(scopes="reports.read"), "scopes: expected a non-empty array of strings, got a string"),
    (basic(scopes=["a", "a"]), "scopes[1]: duplicate scope 'a'"),
    (basic(scopes=["a b"]), "scopes[0]: expected a scope name without spaces"),
    (basic(scopes=[""]), "scopes[0]: expected a scope name without spaces"),
    (basic(scopes=[7]), "scopes[0]: expected a scope name without spaces"),
    (basic(generation=-1), "generation: expected a non-negative integer, got -1"),
    (basic(generation=True), "generation: expected a non-negative integer, got true"),
    (basic(generation="4"), "generation: expected a non-negative integer, got '4'"),
    (basic(generation=4.5), "generation: expected a non-negative integer, got 4.5"),
    (basic(rotates_at="soon"), "rotates_at: not an ISO-8601 timestamp: 'soon'"),
    (basic(rotates_at="2027-01-01T00:00:00"), "rotates_at: must be in UTC"),
    (basic(rotates_at="2027-01-01T01:00:00+01:00"), "rotates_at: must be in UTC"),
    (basic(rotates_at=20270101), "rotates_at: expected an ISO-8601 UTC timestamp, got a number"),
    (basic(client_secret=None), "client_secret: required"),
    (basic(client_secret=""), "client_secret: expected a non-empty string, got a string"),
    (basic(client_secret=[SECRET]), "client_secret: expected a non-empty string, got an array"),
    (basic(key_id="reporting-g4"), "key_id: not allowed with auth_method 'client_secret_basic'"),
    (basic(private_key_pem=PEM), "private_key_pem: not allowed with auth_method 'client_secret_basic'"),
    (jwt(private_key_pem=None), "private_key_pem: required"),
    (jwt(key_id=None), "key_id: required"),
    (jwt(key_id=" "), "key_id: expected a non-empty string, got a string"),
    (jwt(client_secret=SECRET), "client_secret: not allowed with auth_method 'private_key_jwt'"),
    ([basic()], "expected a JSON object, got an array"),
    ("bundle", "expected a JSON object, got a string"),
]


@pytest.mark.parametrize(("document", "problem"), REFUSED_BY_BOTH)
def test_the_reader_names_the_broken_rule(document: object, problem: str) -> None:
    with pytest.raises(BundleInvalid) as refused:
        read_bundle(document)
    assert any(found.startswith(problem) for found in refused.value.problems), refused.value.problems
    assert SECRET not in str(refused.value)


@pytest.mark.parametrize(("document", "problem"), REFUSED_BY_BOTH)
def test_the_schema_refuses_what_the_reader_refuses(document: object, problem: str) -> None:
    assert schema_verdicts(document) == INVALID, problem


def test_the_reader_reports_every_problem_at_once() -> None:
    with pytest.raises(BundleInvalid) as refused:
        read_bundle({"auth_method": "private_key_jwt", "client_secret": SECRET})

    assert refused.value.problems == (
        "client_id: required",
        "token_url: required",
        "scopes: required",
        "generation: required",
        "rotates_at: required",
        "private_key_pem: required",
        "key_id: required",
        "client_secret: not allowed with auth_method 'private_key_jwt'",
    )


def test_the_private_key_check_is_the_callers_and_its_problem_follows_the_key() -> None:
    with pytest.raises(BundleInvalid) as refused:
        read_bundle(jwt(key_id=None), private_key_problem=lambda pem: "not a key this test likes")

    assert refused.value.problems == (
        "private_key_pem: not a key this test likes",
        "key_id: required",
    )


def _pem(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# What JSON Schema cannot say: the text itself (duplicate keys, encoding, size), what a PEM
# holds, and JSON's 4.0 being an integer to JSON Schema but a float to Python's reader. The
# token client checks these; the schema accepts the decoded document.
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (json.dumps(basic()).replace("{", '{"client_id": "0oa1other", ', 1), "duplicate key 'client_id'"),
        (json.dumps(basic()).replace('"generation": 4', '"generation": 4.0'), "generation: expected a non-negative integer, got 4.0"),
        (json.dumps(jwt()), "private_key_pem: not an unencrypted PEM private key"),
        (json.dumps(jwt(private_key_pem=_pem(ed25519.Ed25519PrivateKey.generate()))), "private_key_pem: must be an RSA or EC private key"),
        (json.dumps(jwt(private_key_pem=_pem(ec.generate_private_key(ec.SECP256K1())))), "private_key_pem: unsupported EC curve secp256k1"),
    ],
    ids=["duplicate-key", "integral-float", "not-a-key", "ed25519", "secp256k1"],
)  # fmt: skip
def test_what_the_schema_cannot_express_the_client_still_refuses(text: str, problem: str) -> None:
    assert schema_verdicts(json.loads(text)) == VALID
    with pytest.raises(BundleError) as refused:
        parse_bundle(text, origin="bundle.json")
    assert any(found.startswith(problem) for found in refused.value.problems), refused.value.problems


def test_the_contracts_import_only_the_standard_library_and_the_core() -> None:
    # The token client imports them: no Pulumi, no YAML, no cryptography, nothing outside core.
    probe = (
        "import sys; before = set(sys.modules); "
        "import svcaccounts.core.contracts.bundle, svcaccounts.core.contracts.accounts_output; "
        "print(sorted(m for m in set(sys.modules) - before"
        " if m.split('.')[0] not in sys.stdlib_module_names and not m.startswith('svcaccounts.core')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['svcaccounts']"


@pytest.mark.parametrize(
    "url",
    [
        "https://user:Hunter2@[bad/token",
        "https://[::1:Hunter2/x",
        "http://user:Hunter2@example.okta.com/token",
        "ftp://Hunter2.example/token",
        "Hunter2",
        "https://:Hunter2@/token",
    ],
)
def test_a_refused_token_url_is_never_quoted(url: str) -> None:
    # Whatever is wrong with it, a token URL may carry a password: the message names the problem.
    problem = token_url_problem(url)
    assert problem is not None
    assert "Hunter2" not in problem
