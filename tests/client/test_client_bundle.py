"""Parsing and validating credential bundles, and the sources they are read from."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from svcaccounts.client import (
    BundleError,
    BundleSourceError,
    EnvSource,
    FileSource,
    KeyVaultSource,
    key_vault_url,
    parse_bundle,
)

SECRET = "s3cr3t-value-that-must-never-show"


def basic(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "client_id": "0oa1reporting",
        "token_url": "https://example.okta.com/oauth2/aus1/v1/token",
        "auth_method": "client_secret_basic",
        "scopes": ["reports.read", "reports.write"],
        "generation": 4,
        "rotates_at": "2027-01-01T00:00:00Z",
        "client_secret": SECRET,
    }
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


def ec_pem(curve: ec.EllipticCurve) -> str:
    key = ec.generate_private_key(curve)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def jwt_bundle(pem: str, **changes: Any) -> dict[str, Any]:
    document = basic(auth_method="private_key_jwt", private_key_pem=pem, key_id="kid-4")
    del document["client_secret"]
    document.update(changes)
    return document


def problems(document: object) -> tuple[str, ...]:
    with pytest.raises(BundleError) as caught:
        parse_bundle(json.dumps(document), origin="bundle.json")
    return caught.value.problems


def test_a_valid_client_secret_basic_bundle_parses() -> None:
    bundle = parse_bundle(json.dumps(basic()), origin="bundle.json")

    assert bundle.client_id == "0oa1reporting"
    assert bundle.scopes == ("reports.read", "reports.write")
    assert bundle.generation == 4
    assert bundle.rotates_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert bundle.client_secret == SECRET


def test_a_valid_private_key_jwt_bundle_parses() -> None:
    pem = ec_pem(ec.SECP256R1())
    bundle = parse_bundle(json.dumps(jwt_bundle(pem)), origin="bundle.json")

    assert bundle.auth_method == "private_key_jwt"
    assert bundle.key_id == "kid-4"
    assert bundle.client_secret is None


def test_unknown_keys_are_ignored_for_forward_compatibility() -> None:
    assert parse_bundle(json.dumps(basic(audience="api://x")), origin="b").client_id


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (basic(client_id=None), "client_id: required"),
        (basic(client_id=""), "client_id: expected a non-empty string, got a string"),
        (basic(token_url="http://example.okta.com/token"), "token_url: must be an https:// URL"),
        (basic(token_url="/v1/token"), "token_url: not an absolute URL"),
        (basic(auth_method="client_secret_post"), "auth_method: expected 'private_key_jwt' or"),
        (basic(scopes=[]), "scopes: expected a non-empty array of strings, got an array"),
        (basic(scopes="reports.read"), "scopes: expected a non-empty array of strings, got a string"),
        (basic(scopes=["a", "a"]), "scopes[1]: duplicate scope 'a'"),
        (basic(scopes=["a b"]), "scopes[0]: expected a scope name without spaces"),
        (basic(generation=True), "generation: expected a non-negative integer, got true"),
        (basic(generation=-1), "generation: expected a non-negative integer, got -1"),
        (basic(rotates_at="soon"), "rotates_at: not an ISO-8601 timestamp: 'soon'"),
        (basic(rotates_at="2027-01-01T00:00:00"), "rotates_at: must be in UTC"),
        (basic(rotates_at="2027-01-01T01:00:00+01:00"), "rotates_at: must be in UTC"),
        (basic(client_secret=None), "client_secret: required"),
        (basic(key_id="k"), "key_id: not allowed with auth_method 'client_secret_basic'"),
    ],
)
def test_each_bundle_problem_is_named_by_its_field(document: dict[str, Any], expected: str) -> None:
    assert any(problem.startswith(expected) for problem in problems(document)), problems(document)


def test_http_token_urls_are_allowed_for_loopback_only() -> None:
    for url in ("http://127.0.0.1:8080/token", "http://localhost/token", "http://[::1]/token"):
        assert parse_bundle(json.dumps(basic(token_url=url)), origin="b").token_url == url


def test_all_problems_are_reported_at_once_with_the_origin() -> None:
    with pytest.raises(BundleError) as caught:
        parse_bundle(json.dumps({"auth_method": "private_key_jwt"}), origin="/etc/app/bundle.json")

    assert caught.value.problems == (
        "client_id: required",
        "token_url: required",
        "scopes: required",
        "generation: required",
        "rotates_at: required",
        "private_key_pem: required",
        "key_id: required",
    )
    assert str(caught.value).startswith("/etc/app/bundle.json: invalid credential bundle:\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "not JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
        ("[]", "expected a JSON object, got an array"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_text_that_is_not_a_bundle_object_is_rejected(text: str | bytes, expected: str) -> None:
    with pytest.raises(BundleError) as caught:
        parse_bundle(text, origin="b")
    assert caught.value.problems == (expected,)


def test_a_private_key_that_does_not_parse_is_rejected_without_quoting_it() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    found = problems(jwt_bundle(pem))

    assert found == ("private_key_pem: not an unencrypted PEM private key",)


def test_unsupported_key_types_are_rejected() -> None:
    ed = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    assert problems(jwt_bundle(ed)) == ("private_key_pem: must be an RSA or EC private key",)
    assert problems(jwt_bundle(ec_pem(ec.SECP256K1()))) == (
        "private_key_pem: unsupported EC curve secp256k1; use P-256, P-384 or P-521",
    )


def test_secret_fields_of_the_wrong_type_are_reported_without_their_value() -> None:
    found = problems(basic(client_secret=[SECRET]))

    assert found == ("client_secret: expected a non-empty string, got an array",)


def test_the_other_methods_credential_is_not_allowed() -> None:
    found = problems(jwt_bundle(ec_pem(ec.SECP384R1()), client_secret=SECRET))

    assert found == ("client_secret: not allowed with auth_method 'private_key_jwt'",)
    assert all(SECRET not in problem for problem in found)


def test_the_bundle_repr_shows_no_credential() -> None:
    pem = ec_pem(ec.SECP256R1())
    for document in (basic(), jwt_bundle(pem)):
        bundle = parse_bundle(json.dumps(document), origin="b")
        text = repr(bundle) + str(bundle) + f"{bundle}"
        assert SECRET not in text
        assert "PRIVATE KEY" not in text
        assert "0oa1reporting" in text


# --- sources -------------------------------------------------------------------------------------


def test_a_missing_bundle_file_is_a_located_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(BundleSourceError, match=r"nope\.json: cannot read credential bundle"):
        FileSource(missing).load()


def test_a_file_bundle_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(basic(generation="4")))

    with pytest.raises(BundleError) as caught:
        FileSource(path).load()
    assert caught.value.origin == str(path)


def test_the_environment_source_reads_the_variable_at_each_load() -> None:
    environ = {"SVCACCOUNTS_BUNDLE": json.dumps(basic())}
    source = EnvSource(environ=environ)
    assert source.load().generation == 4

    environ["SVCACCOUNTS_BUNDLE"] = json.dumps(basic(generation=5))
    assert source.load().generation == 5


def test_an_unset_environment_variable_is_a_clear_error() -> None:
    with pytest.raises(BundleSourceError, match="environment variable APP_BUNDLE is not set"):
        EnvSource("APP_BUNDLE", environ={}).load()


class _Secret:
    def __init__(self, value: str | None) -> None:
        self.value = value


class _SecretReader:
    """The one method of azure.keyvault.secrets.SecretClient the source calls, over a dict."""

    def __init__(self, secrets: dict[str, str | None]) -> None:
        self.secrets = secrets
        self.asked: list[str] = []

    def get_secret(self, name: str) -> _Secret:
        from azure.core.exceptions import ResourceNotFoundError

        self.asked.append(name)
        if name not in self.secrets:
            raise ResourceNotFoundError(f"secret {name} not found")
        return _Secret(self.secrets[name])


def test_the_key_vault_source_parses_the_secret_value() -> None:
    reader = _SecretReader({"svcaccounts-reporting": json.dumps(basic())})
    source = KeyVaultSource("https://kv-dev.vault.azure.net/", "svcaccounts-reporting", secret_client=reader)

    assert source.load().client_id == "0oa1reporting"
    assert reader.asked == ["svcaccounts-reporting"]


def test_a_missing_key_vault_secret_is_a_located_error() -> None:
    source = KeyVaultSource(
        "https://kv-dev.vault.azure.net/", "svcaccounts-x", secret_client=_SecretReader({})
    )
    with pytest.raises(
        BundleSourceError,
        match=r"Key Vault https://kv-dev\.vault\.azure\.net/ secret svcaccounts-x: secret not found",
    ):
        source.load()


def test_an_invalid_key_vault_bundle_names_the_vault_and_secret() -> None:
    reader = _SecretReader({"svcaccounts-x": json.dumps(basic(scopes=[]))})
    source = KeyVaultSource("https://kv-dev.vault.azure.net/", "svcaccounts-x", secret_client=reader)

    with pytest.raises(BundleError) as caught:
        source.load()
    assert caught.value.origin == "Key Vault https://kv-dev.vault.azure.net/ secret svcaccounts-x"


def test_the_vault_url_comes_from_the_vault_name() -> None:
    assert key_vault_url("kv-svcaccounts-dev") == "https://kv-svcaccounts-dev.vault.azure.net/"
    with pytest.raises(ValueError, match="invalid Key Vault name"):
        key_vault_url("kv_with_underscores")


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "private_key_jwt"])
def test_the_bundle_the_program_writes_is_the_bundle_the_client_reads(auth_method: str) -> None:
    from svcaccounts.core.contracts.bundle import bundle_json

    credential: dict[str, str] = (
        {"client_secret": SECRET}
        if auth_method == "client_secret_basic"
        else {"private_key_pem": ec_pem(ec.SECP256R1()), "key_id": "reporting-g4"}
    )
    text = bundle_json(
        client_id="0oa1reporting",
        token_url="https://example.okta.com/oauth2/aus1/v1/token",
        auth_method=auth_method,  # type: ignore[arg-type]
        scopes=["reports.read"],
        generation=4,
        rotates_at="2027-01-01T00:00:00Z",
        **credential,
    )

    bundle = parse_bundle(text, origin="program")
    assert (bundle.auth_method, bundle.generation) == (auth_method, 4)


def test_importing_the_client_does_not_import_the_azure_sdks() -> None:
    probe = "import sys, svcaccounts.client; print(sorted(m for m in sys.modules if m.startswith('azure')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_environment_source_repr_does_not_show_the_environment() -> None:
    source = EnvSource("APP_BUNDLE", environ={"APP_BUNDLE": json.dumps(basic())})
    assert SECRET not in repr(source) + str(source)
