"""Where the reader sends its credential, and which credential the environment names."""

from __future__ import annotations

import pytest
from joserfc.jwk import RSAKey

from svcaccounts.okta_api.credentials import ApiToken, ServiceAppKey, credential_from_environment
from svcaccounts.okta_api.errors import OktaApiError
from svcaccounts.okta_api.org_url import checked_org_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://acme.okta.com", "https://acme.okta.com"),
        ("https://acme.okta.com/", "https://acme.okta.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9", "http://localhost:9"),
        ("http://[::1]:9", "http://[::1]:9"),
    ],
)
def test_accepts_an_org_base_url(given: str, expected: str) -> None:
    assert checked_org_url(given) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("http://acme.okta.com", "loopback"),
        ("http://10.0.0.1", "loopback"),
        ("https://acme.okta.com/api/v1", "no path"),
        ("https://acme.okta.com?x=1", "no path"),
        ("https://user:pw@acme.okta.com", "user information"),
        ("ftp://acme.okta.com", "expected https"),
        ("https://", "expected https"),
        ("https://acme.okta.com:99999", "not a URL"),
    ],
)
def test_refuses_what_is_not_an_org_base_url(given: str, reason: str) -> None:
    with pytest.raises(OktaApiError, match=reason):
        checked_org_url(given)


def test_an_api_token() -> None:
    credential = credential_from_environment({"OKTA_API_TOKEN": " 00abc "})
    assert credential == ApiToken("00abc")
    assert "00abc" not in repr(credential)


def test_a_service_app_key_from_a_pem_or_a_file(tmp_path: object) -> None:
    pem = RSAKey.generate_key(2048).as_pem(private=True).decode()
    env = {"OKTA_API_CLIENT_ID": "0oa1", "OKTA_API_PRIVATE_KEY": pem, "OKTA_API_PRIVATE_KEY_ID": "k1", "OKTA_API_SCOPES": "okta.logs.read"}
    credential = credential_from_environment(env)
    assert isinstance(credential, ServiceAppKey) and credential.scopes == ("okta.logs.read",)
    assert "PRIVATE" not in repr(credential)
    assert credential.client_assertion("https://acme.okta.com/oauth2/v1/token", 1_700_000_000).count(".") == 2


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no Okta API credential"),
        ({"OKTA_API_TOKEN": "a", "OKTA_API_CLIENT_ID": "b"}, "both"),
        ({"OKTA_API_CLIENT_ID": "b"}, "OKTA_API_PRIVATE_KEY and OKTA_API_PRIVATE_KEY_ID"),
        ({"OKTA_API_CLIENT_ID": "b", "OKTA_API_PRIVATE_KEY": "/no/such/file", "OKTA_API_PRIVATE_KEY_ID": "k"}, "neither a PEM"),
    ],
)
def test_refuses_a_missing_or_ambiguous_credential(env: dict[str, str], message: str) -> None:
    with pytest.raises(OktaApiError, match=message):
        credential_from_environment(env)


def test_a_key_that_is_not_a_key_is_named_without_its_value() -> None:
    credential = ServiceAppKey("0oa1", "k1", "-----BEGIN PRIVATE KEY-----\nnot-base64-secret\n-----END PRIVATE KEY-----")
    with pytest.raises(OktaApiError) as raised:
        credential.signing_key()
    assert "not-base64-secret" not in str(raised.value)
