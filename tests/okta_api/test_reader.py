"""The Okta reader against the loopback Okta org, whose every answer is validated against Okta's
published management API description (tests/support/okta_server.py)."""

from __future__ import annotations

import httpx
import pytest
from joserfc.jwk import RSAKey

from svcaccounts.core.okta_records import ALL_CLIENTS
from svcaccounts.okta_api import reader as reader_module
from svcaccounts.okta_api.credentials import ApiToken, ServiceAppKey
from svcaccounts.okta_api.errors import OktaApiError
from svcaccounts.okta_api.reader import RATE_LIMIT_RETRIES, OktaReader, next_link
from tests.support.okta_fixtures import API_TOKEN
from tests.support.okta_server import (
    FakeOrg,
    OktaServer,
    ServiceAppCredential,
    bookmark_app,
    policy,
    rsa_public_jwk,
    rule,
    scope,
    service_app,
    spec_problems,
)


class Sleeps:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def reader(server: OktaServer, credential: ApiToken | ServiceAppKey | None = None, **options: object) -> OktaReader:
    return OktaReader(server.base_url, credential or ApiToken(API_TOKEN), **options)  # type: ignore[arg-type]


def oa(number: int) -> str:
    """An app id shaped as Okta's are (20 characters; client ids are at least 6)."""
    return f"0oa{number:017d}"


def five_apps(org: FakeOrg) -> None:
    org.apps = [service_app(oa(index), f"app {index}") for index in range(1, 5)] + [bookmark_app(oa(9), "wiki")]


def test_lists_every_app_across_pages(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    five_apps(okta_org)
    okta_org.page_size = 2
    with reader(okta_server) as okta:
        apps = okta.apps()
    assert [app.id for app in apps] == [oa(1), oa(2), oa(3), oa(4), oa(9)]
    assert [app.is_service_app for app in apps] == [True, True, True, True, False]
    assert apps[0].client_id == oa(1) and apps[0].grant_types == ("client_credentials",)
    assert apps[0].token_endpoint_auth_method == "private_key_jwt"
    calls = okta_server.api_calls("/api/v1/apps")
    assert len(calls) == 3
    assert [call.query.get("after") for call in calls] == [None, oa(2), oa(4)]
    assert {call.scheme for call in calls} == {"SSWS"}


def test_an_app_deleted_between_two_pages_is_simply_absent(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    five_apps(okta_org)
    okta_org.page_size = 2
    # Page 2 is served after 0oa2 (the cursor's own item) and 0oa3 are deleted.
    okta_server.on_page("/api/v1/apps", 2, lambda: (okta_org.delete_app(oa(2)), okta_org.delete_app(oa(3))))
    with reader(okta_server) as okta:
        apps = okta.apps()
        assert okta.app_keys(oa(3)) is None
    assert [app.id for app in apps] == [oa(1), oa(2), oa(4), oa(9)]


def test_waits_out_a_rate_limit_until_the_reset(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    five_apps(okta_org)
    okta_server.rate_limit(2)
    sleeps = Sleeps()
    with reader(okta_server, sleep=sleeps) as okta:
        assert len(okta.apps()) == 5
    assert len(sleeps.seconds) == 2
    assert all(1.0 <= seconds <= 3.0 for seconds in sleeps.seconds)
    assert [call.status for call in okta_server.api_calls()] == [429, 429, 200]


def test_gives_up_after_repeated_rate_limits(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    okta_server.rate_limit(RATE_LIMIT_RETRIES + 1)
    with reader(okta_server, sleep=Sleeps()) as okta, pytest.raises(OktaApiError) as raised:
        okta.apps()
    assert raised.value.status == 429
    assert "E0000047" in str(raised.value)


def test_a_rate_limit_wait_never_runs_past_the_deadline(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    okta_server.rate_limit(1)
    sleeps = Sleeps()
    with reader(okta_server, sleep=sleeps, deadline=1.0) as okta, pytest.raises(OktaApiError, match="deadline"):
        okta.apps()
    assert sleeps.seconds == []


def test_an_invalid_token_is_a_401_that_does_not_echo_it(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    secret = "00-not-the-right-token-zz"
    with reader(okta_server, ApiToken(secret)) as okta, pytest.raises(OktaApiError) as raised:
        okta.apps()
    assert raised.value.status == 401 and raised.value.error_code == "E0000011"
    assert secret not in str(raised.value) and secret not in repr(ApiToken(secret))


def service_app_key(org: FakeOrg, *scopes: str) -> ServiceAppKey:
    key = RSAKey.generate_key(2048)
    org.service_apps["0oaadminsvcaccounts"] = ServiceAppCredential(
        public_key=RSAKey.import_key(key.as_dict(private=False)), key_id="kid-1", scopes=frozenset(scopes)
    )
    pem = key.as_pem(private=True).decode()
    return ServiceAppKey("0oaadminsvcaccounts", "kid-1", pem, scopes or None)


def test_a_service_app_without_the_apps_scope_gets_a_403_naming_the_scopes(
    okta_org: FakeOrg, okta_server: OktaServer
) -> None:
    credential = service_app_key(okta_org, "okta.authorizationServers.read")
    with reader(okta_server, credential) as okta, pytest.raises(OktaApiError) as raised:
        okta.apps()
    assert raised.value.status == 403 and raised.value.error_code == "E0000006"
    assert "okta.apps.read" in str(raised.value)
    assert "PRIVATE KEY" not in repr(credential)


def test_a_service_app_reads_with_a_bearer_token(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    five_apps(okta_org)
    credential = service_app_key(okta_org, "okta.apps.read", "okta.authorizationServers.read")
    with reader(okta_server, credential) as okta:
        assert len(okta.apps()) == 5
    assert [call.scheme for call in okta_server.api_calls()] == ["Bearer"]
    assert sum(1 for call in okta_server.calls if call.path == "/oauth2/v1/token") == 1


def test_an_org_that_requires_dpop_gets_dpop_proofs(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    five_apps(okta_org)
    okta_org.page_size = 2
    okta_org.require_dpop = True
    credential = service_app_key(okta_org, "okta.apps.read", "okta.authorizationServers.read")
    with reader(okta_server, credential) as okta:
        assert len(okta.apps()) == 5
    token_calls = [call.status for call in okta_server.calls if call.path == "/oauth2/v1/token"]
    assert token_calls == [400, 400, 200]  # no proof, no nonce, then a DPoP-bound token
    assert {call.scheme for call in okta_server.api_calls()} == {"DPoP"}
    assert {call.status for call in okta_server.api_calls()} == {200}


def test_reads_an_authorization_server_its_scopes_policies_rules_and_keys(
    okta_org: FakeOrg, okta_server: OktaServer
) -> None:
    okta_org.apps = [service_app(oa(1), "orders")]
    server = okta_org.add_auth_server("aus1")
    server.scopes = [scope("scp1", "orders:read", description="Read orders", default=True), scope("scp2", "orders:write")]
    server.policies = [policy("pol1", "orders", [oa(1)]), policy("pol2", "everyone", [ALL_CLIENTS], priority=2)]
    server.rules = {"pol1": [rule("rul1", "orders", ["orders:read"], lifetime_minutes=30)], "pol2": [rule("rul2", "all", ["*"])]}
    _, jwk = rsa_public_jwk("k1")
    okta_org.jwks[oa(1)] = [jwk]
    with reader(okta_server) as okta:
        assert okta.authorization_server("aus1").audiences == ("api://svc",)
        scopes = okta.scopes("aus1")
        policies = okta.policies("aus1")
        rules = okta.rules("aus1", "pol1") + okta.rules("aus1", "pol2")
        keys = okta.app_keys(oa(1))
    assert [(item.name, item.default) for item in scopes] == [("orders:read", True), ("orders:write", False)]
    assert [item.clients for item in policies] == [(oa(1),), (ALL_CLIENTS,)] and policies[1].all_clients
    assert rules[0].scopes == ("orders:read",) and rules[0].access_token_lifetime_minutes == 30
    assert rules[1].grants_all_scopes
    assert keys is not None and keys[0].as_jwk() == {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "kid": "k1", "alg": "RS256", "use": "sig"}


def test_a_missing_authorization_server_is_named(okta_org: FakeOrg, okta_server: OktaServer) -> None:
    with reader(okta_server) as okta, pytest.raises(OktaApiError, match="aus404 does not exist"):
        okta.authorization_server("aus404")


def test_an_id_that_is_not_a_path_segment_is_refused(okta_server: OktaServer) -> None:
    with reader(okta_server) as okta, pytest.raises(OktaApiError, match="letters, digits"):
        okta.scopes("../../users")


# --- what the fake cannot show: hostile or broken answers, through httpx's mock transport ---------


def mock_reader(handler: object, **options: object) -> OktaReader:
    return OktaReader(
        "https://example.okta.com", ApiToken("t"), transport=httpx.MockTransport(handler), sleep=Sleeps(), **options  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "link",
    [
        '<https://attacker.example/api/v1/apps?after=x>; rel="next"',
        '<http://example.okta.com/api/v1/apps?after=x>; rel="next"',
        '<https://example.okta.com/api/v1/users?after=x>; rel="next"',
    ],
)
def test_a_next_link_off_the_org_or_path_is_not_followed(link: str) -> None:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(200, json=[], headers={"Link": link})

    with mock_reader(handler) as okta, pytest.raises(OktaApiError, match="not followed"):
        okta.apps()
    assert len(requested) == 1


def test_a_next_link_that_loops_ends_the_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[], headers={"Link": '<https://example.okta.com/api/v1/apps?after=a>; rel="next"'})

    with mock_reader(handler) as okta, pytest.raises(OktaApiError, match="repeats"):
        okta.apps()


def test_an_oversized_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_module, "ANSWER_LIMIT", 1024)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"[" + b'"x",' * 600 + b'"x"]')

    with mock_reader(handler) as okta, pytest.raises(OktaApiError, match="larger than"):
        okta.apps()


def test_a_broken_answer_is_named_without_quoting_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'[{"id": "0oa1", "label": "secret-looking-label", "status": 5, "signOnMode": "BOOKMARK"}]')

    with mock_reader(handler) as okta, pytest.raises(OktaApiError) as raised:
        okta.apps()
    assert "status: expected a non-empty string" in str(raised.value)
    assert "secret-looking-label" not in str(raised.value)


def test_unavailable_answers_are_retried_then_reported() -> None:
    statuses = iter([503, 503, 503])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), content=b"")

    with mock_reader(handler) as okta, pytest.raises(OktaApiError, match="answered 503"):
        okta.apps()


def test_the_deadline_ends_a_slow_read() -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    def handler(request: httpx.Request) -> httpx.Response:
        now[0] += 40.0
        after = request.url.params.get("after", "0")
        return httpx.Response(200, json=[], headers={"Link": f'<https://example.okta.com/api/v1/apps?after={int(after) + 1}>; rel="next"'})

    with mock_reader(handler, deadline=100.0, monotonic=clock) as okta, pytest.raises(OktaApiError, match="deadline"):
        okta.apps()


def test_next_link_reads_okta_link_headers() -> None:
    assert next_link(['<https://o/api/v1/apps?limit=2>; rel="self", <https://o/api/v1/apps?after=b&limit=2>; rel="next"']) == (
        "https://o/api/v1/apps?after=b&limit=2"
    )
    assert next_link(['<https://o/api/v1/apps?limit=2>; rel="self"']) is None


def test_the_spec_check_refuses_a_shape_okta_would_not_send() -> None:
    app = service_app(oa(1), "orders", grant_types=("client_credentials",))
    assert spec_problems("GET", "/api/v1/apps", {}, 200, [app]) == []
    app["settings"]["oauthClient"]["grant_types"] = ["not_a_grant"]
    assert any("grant_types" in problem for problem in spec_problems("GET", "/api/v1/apps", {}, 200, [app]))
    bad_rule = rule("rul1", "r", ["a"])
    bad_rule["status"] = "ENABLED"
    assert spec_problems("GET", "/api/v1/authorizationServers/aus1/policies/pol1/rules", {}, 200, [bad_rule])
