"""The bundle's token_url: refused when parsed if no HTTP client could send a request to it, so that
a bad bundle is a BundleError naming the field, not a failure at the first token request."""

from __future__ import annotations

import json

import pytest

from svcaccounts.client import BundleError, parse_bundle

SECRET = "s3cr3t-value-that-must-never-show"


def bundle_with(token_url: str) -> str:
    return json.dumps(
        {
            "client_id": "0oa1reporting",
            "token_url": token_url,
            "auth_method": "client_secret_basic",
            "scopes": ["reports.read"],
            "generation": 4,
            "rotates_at": "2027-01-01T00:00:00Z",
            "client_secret": SECRET,
        }
    )


def token_url_problems(token_url: str) -> tuple[str, ...]:
    with pytest.raises(BundleError) as caught:
        parse_bundle(bundle_with(token_url), origin="bundle.json")
    assert SECRET not in str(caught.value)
    return caught.value.problems


@pytest.mark.parametrize(
    ("token_url", "problem"),
    [
        (
            "http://127.0.0.1:abc/token",
            "token_url: the port must be a number from 1 to 65535",
        ),
        (
            "https://example.okta.com:99999/oauth2/v1/token",
            "token_url: the port must be a number from 1 to 65535",
        ),
        (
            "https://example.okta.com:0/oauth2/v1/token",
            "token_url: the port must be a number from 1 to 65535",
        ),
        (
            "http://127.0.0.1/tok\x00en",
            "token_url: contains U+0000, which a URL cannot hold; percent-encode it",
        ),
        (
            "https://example.okta.com/oauth2/v1/token\n",
            "token_url: contains U+000A, which a URL cannot hold; percent-encode it",
        ),
        (
            # urlsplit() silently drops tabs and newlines; the check must see them first.
            "https://ex\tample.okta.com/oauth2/v1/token",
            "token_url: contains U+0009, which a URL cannot hold; percent-encode it",
        ),
        (
            "https://example.okta.com/oauth2/v1/to ken",
            "token_url: contains U+0020, which a URL cannot hold; percent-encode it",
        ),
        (
            "https://exämple.okta.com/oauth2/v1/token",
            "token_url: contains U+00E4, which a URL cannot hold; percent-encode it",
        ),
        (
            "https://example.okta.com/oauth2/v1/token#top",
            "token_url: must not have a fragment (#...); RFC 6749 forbids one on the token endpoint",
        ),
        (
            "https://xn--.okta.com/oauth2/v1/token",
            "token_url: the host is not a host name or an IP address",
        ),
        (
            "https://-example.okta.com/oauth2/v1/token",
            "token_url: the host is not a host name or an IP address",
        ),
        (
            "https://example..okta.com/oauth2/v1/token",
            "token_url: the host is not a host name or an IP address",
        ),
        (
            "https://%65xample.okta.com/oauth2/v1/token",
            "token_url: the host is not a host name or an IP address",
        ),
        (
            "https://" + "a" * 64 + ".okta.com/oauth2/v1/token",
            "token_url: the host is not a host name or an IP address",
        ),
    ],
)
def test_a_token_url_no_http_client_could_use_is_refused(token_url: str, problem: str) -> None:
    assert token_url_problems(token_url) == (problem,)


@pytest.mark.parametrize(
    "token_url",
    [
        "https://example.okta.com/oauth2/aus1/v1/token",
        "https://example.okta.com:8443/oauth2/aus1/v1/token",
        "https://example.okta.com/oauth2/v1/token?tenant=a%20b",
        "https://login.example-corp.internal./token",
        "https://xn--nxasmq6b.example/token",  # an IDN host, in its ASCII form
        "https://10.0.0.7/token",
        "http://[::1]:8080/token",
        "http://localhost:8080/token",
    ],
)
def test_usable_token_urls_are_still_accepted(token_url: str) -> None:
    assert parse_bundle(bundle_with(token_url), origin="bundle.json").token_url == token_url
