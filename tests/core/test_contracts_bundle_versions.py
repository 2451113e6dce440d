"""The bundle contract's second version: what Entra ID (and providers after Okta) need in the
token request, written once and read once; Okta's bundles stay version-less and unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from svcaccounts.core.contracts.bundle import SCHEMA, BundleInvalid, bundle_json, read_bundle
from tests.support.contract_schemas import INVALID, VALID, verdicts

THUMBPRINT = "q3Jk1c0CwF0gZ9m4tKx7vYbR2sD5eH8uN1oP6iL3aWQ"
SCOPE = "api://11111111-2222-3333-4444-555555555555/svcaccounts-prod/.default"
COMMON: dict[str, Any] = {
    "client_id": "00001111-aaaa-2222-bbbb-3333cccc4444",
    "token_url": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
    "scopes": ["reports:read"],
    "generation": 19,
    "rotates_at": "2027-01-01T00:00:00Z",
}
PEM = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"


def entra_certificate_bundle() -> dict[str, Any]:
    text = bundle_json(
        **COMMON,
        auth_method="private_key_jwt",
        private_key_pem=PEM,
        key_id="report-reader-g19",
        request_scope=SCOPE,
        certificate_thumbprint=THUMBPRINT,
    )
    document: dict[str, Any] = json.loads(text)
    return document


def test_an_okta_bundle_has_no_version_and_the_same_bytes_as_before() -> None:
    text = bundle_json(**COMMON, auth_method="client_secret_basic", client_secret="s3cret")
    assert text == (
        '{"auth_method":"client_secret_basic","client_id":"00001111-aaaa-2222-bbbb-3333cccc4444",'
        '"client_secret":"s3cret","generation":19,"rotates_at":"2027-01-01T00:00:00Z",'
        '"scopes":["reports:read"],"token_url":"https://login.microsoftonline.com/'
        '11111111-2222-3333-4444-555555555555/oauth2/v2.0/token"}'
    )
    assert read_bundle(json.loads(text)).version == 1


def test_a_bundle_with_a_request_is_version_2_and_reads_back() -> None:
    document = entra_certificate_bundle()
    assert document["version"] == 2
    assert document["request"] == {"scope": SCOPE}
    assert document["scopes"] == ["reports:read"]  # catalog names, not the request
    bundle = read_bundle(document)
    assert (bundle.version, bundle.request_scope, bundle.request_audience) == (2, SCOPE, None)
    assert bundle.certificate_thumbprint == THUMBPRINT
    assert verdicts(SCHEMA, document) == VALID


@pytest.mark.parametrize("version", [3, 0, "2", True, None])
def test_an_unknown_version_is_refused_and_nothing_else_is_read(version: object) -> None:
    document = {**entra_certificate_bundle(), "version": version}
    with pytest.raises(BundleInvalid) as raised:
        read_bundle(document)
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith("version: this client reads bundle versions 1 and 2, got ")
    assert verdicts(SCHEMA, document) == INVALID


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"request": None}, "request: version 2 requires an object with scope, got null"),
        ({"request": {"scope": " "}}, "request.scope: expected the scope string the token request sends"),
        ({"request": {"scope": SCOPE, "audience": ""}}, "request.audience: expected a non-empty string"),
        ({"certificate_thumbprint_sha256": "AB:CD"},
         "certificate_thumbprint_sha256: expected a SHA-256 digest in base64url (43 characters)"),
    ],
    ids=["no-request", "blank-scope", "blank-audience", "thumbprint"],
)
def test_a_broken_version_2_bundle_names_the_field(change: dict[str, Any], problem: str) -> None:
    document = {**entra_certificate_bundle(), **change}
    if change.get("request", 0) is None:
        del document["request"]
    with pytest.raises(BundleInvalid) as raised:
        read_bundle(document)
    assert raised.value.problems == (problem,)
    assert verdicts(SCHEMA, document) == INVALID


def test_a_version_1_bundle_carries_no_request_or_thumbprint() -> None:
    document = entra_certificate_bundle()
    del document["version"]
    with pytest.raises(BundleInvalid) as raised:
        read_bundle(document)
    assert raised.value.problems == (
        'request: only version 2 bundles carry one (add "version": 2)',
        "certificate_thumbprint_sha256: only in version 2 private_key_jwt bundles",
    )
    assert verdicts(SCHEMA, document) == INVALID
