"""`svcaccounts okta preflight` end to end: the fixture repository (tests/fixtures/preflight/)
against the loopback Okta org, whose every answer is validated against Okta's published API
description (tests/support/okta_server.py)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from svcaccounts.cli import main
from svcaccounts.core.okta_records import ALL_CLIENTS
from svcaccounts.okta_api import reader as reader_module
from tests.support.okta_fixtures import API_TOKEN
from tests.support.okta_server import (
    FakeOrg,
    OktaServer,
    ServiceAppCredential,
    policy,
    rule,
    scope,
    service_app,
)
from tests.support.repository import FIXTURES, repository

READER = "0oa00000000000000001"
WRITER = "0oa00000000000000002"
OTHER = "0oa00000000000000009"
CREDENTIAL_VARIABLES = (
    "OKTA_API_TOKEN",
    "OKTA_API_CLIENT_ID",
    "OKTA_API_PRIVATE_KEY",
    "OKTA_API_PRIVATE_KEY_ID",
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return repository(tmp_path / "repo", FIXTURES / "preflight")


@pytest.fixture
def api_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OKTA_API_TOKEN", API_TOKEN)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The reader's waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(reader_module, "OktaReader", partial(reader_module.OktaReader, sleep=waited.append))
    return waited


def sound_org(org: FakeOrg) -> None:
    """What the fixture's prod stack deployed: two service apps, the catalog's scopes, one policy
    and rule per account."""
    org.apps = [service_app(READER, "orders-reader (prod)"), service_app(WRITER, "orders-writer (prod)")]
    server = org.add_auth_server("aus1prod")
    server.scopes = [
        scope("scp1", "orders:read"),
        scope("scp2", "orders:write"),
        scope("scp3", "orders:admin"),
    ]
    server.policies = [
        policy("pol1", "orders-reader (prod)", [READER], priority=1),
        policy("pol2", "orders-writer (prod)", [WRITER], priority=2),
    ]
    server.rules = {
        "pol1": [rule("rul1", "orders-reader client credentials", ["orders:read"])],
        "pol2": [rule("rul2", "orders-writer client credentials", ["orders:read", "orders:write"])],
    }


def deployed(tmp_path: Path, accounts: dict[str, str] | None = None) -> Path:
    """What `pulumi stack output --json` prints for the prod stack."""
    entries = {
        name: {
            "clientId": client_id,
            "keyVaultSecretName": f"{name}-prod",
            "tokenUrl": "https://example-prod.okta.com/oauth2/aus1prod/v1/token",
            "scopes": ["orders:read"],
            "authMethod": "private_key_jwt",
            "generation": 3,
            "nextRotation": "2026-09-01T00:00:00Z",
            "status": "active",
        }
        for name, client_id in (accounts or {"orders-reader": READER, "orders-writer": WRITER}).items()
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"accounts": entries}), encoding="utf-8")
    return path


def preflight(
    root: Path, server: OktaServer, capsys: pytest.CaptureFixture[str], *args: str, stack: str = "prod"
) -> tuple[int, str, str]:
    code = main(
        ["okta", "preflight", "--root", str(root), "--stack", stack, "--org-url", server.base_url, *args]
    )
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("api_token")
def test_a_sound_server_passes_and_says_what_was_known(
    root: Path, tmp_path: Path, okta_org: FakeOrg, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sound_org(okta_org)
    code, out, err = preflight(root, okta_server, capsys, "--deployed", str(deployed(tmp_path)))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "okta preflight: stack prod · environment prod · authorization server aus1prod (svcaccounts)"
    )
    assert (
        f"note: known from the deployed outputs ({tmp_path / 'outputs.json'}): 2 accounts' client ids" in out
    )
    assert out.endswith("no findings: nothing on the server grants more than the definitions\n")
    # Read-only: every call was a GET of the management API.
    assert {call.method for call in okta_server.api_calls()} == {"GET"}


@pytest.mark.usefixtures("api_token")
def test_a_catch_all_policy_is_high_and_fails_the_run(
    root: Path, tmp_path: Path, okta_org: FakeOrg, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sound_org(okta_org)
    server = okta_org.auth_servers["aus1prod"]
    server.policies.append(policy("pol9", "Default Policy", [ALL_CLIENTS], priority=3))
    server.rules["pol9"] = [rule("rul9", "Default Policy Rule", ["*"])]
    code, out, err = preflight(
        root, okta_server, capsys, "--deployed", str(deployed(tmp_path)), "--format", "json"
    )
    assert code == 1
    document = json.loads(out)
    assert document["summary"] == {"info": 0, "low": 0, "medium": 0, "high": 1}
    assert document["findings"][0]["rule"] == "all-clients-policy"
    assert document["authServer"] == {"id": "aus1prod", "name": "svcaccounts"}
    assert "high findings" in err and API_TOKEN not in out + err


@pytest.mark.usefixtures("api_token")
def test_without_deployed_outputs_the_stacks_own_policies_show_as_unmanaged(
    root: Path, okta_org: FakeOrg, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sound_org(okta_org)
    code, out, _ = preflight(root, okta_server, capsys)
    assert code == 1
    assert "no import file and no deployed outputs" in out
    assert out.count("unmanaged-client-policy") == 2


@pytest.mark.usefixtures("api_token")
def test_outputs_of_a_stack_never_deployed_mean_no_managed_client(
    root: Path, tmp_path: Path, okta_org: FakeOrg, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    okta_org.add_auth_server("aus1prod")
    empty = tmp_path / "empty.json"
    empty.write_text("{}\n", encoding="utf-8")
    code, out, err = preflight(root, okta_server, capsys, "--deployed", str(empty))
    assert (code, err) == (0, "")
    assert "0 accounts' client ids" in out


@pytest.mark.usefixtures("api_token")
def test_the_import_file_names_the_clients_of_a_stack_that_references_the_scopes(
    root: Path, okta_org: FakeOrg, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sound_org(okta_org)
    okta_org.auth_servers["aus1prod"].scopes = [scope("scp1", "orders:read")]
    code, out, _ = preflight(root, okta_server, capsys, stack="east")
    assert code == 1
    assert (
        "note: known from import/east.json: 2 apps, 0 policies, 0 rules and 0 scopes the stack adopts" in out
    )
    assert "unmanaged-client-policy" not in out
    assert "high   prod: catalog-scope-missing: scope `orders:write` is not on the server" in out


@pytest.mark.usefixtures("api_token")
def test_hostile_names_from_okta_cannot_break_the_markdown_report(
    root: Path, tmp_path: Path, okta_org: FakeOrg, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sound_org(okta_org)
    hostile = "evil` | <img src=x>\n| forged | row | @security-team [x](https://attacker.example)"
    okta_org.apps.append(service_app(OTHER, hostile))
    server = okta_org.auth_servers["aus1prod"]
    server.server["name"] = hostile
    server.policies.append(policy("pol5", hostile, [OTHER], priority=3))
    server.rules["pol5"] = [rule("rul5", hostile, ["orders:write"])]
    code, out, _ = preflight(
        root, okta_server, capsys, "--deployed", str(deployed(tmp_path)), "--format", "markdown"
    )
    assert code == 1
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert len(table) == 3  # header, delimiter, the one finding: no forged row
    assert out.count(hostile.replace("\n", " ")) == 0  # its line break never reaches the report
    # Every hostile value sits in a code span: no HTML, link or mention outside one.
    for line in out.splitlines():
        outside = outside_code_spans(line)
        assert "<img" not in outside and "](" not in outside and "@security-team" not in outside, line
    assert "\n| forged" not in out


def outside_code_spans(line: str) -> str:
    """`line` without its code spans, as CommonMark finds them: a run of n backticks opens a span
    that the next run of exactly n backticks closes."""
    kept: list[str] = []
    index = 0
    while index < len(line):
        if line[index] != "`":
            kept.append(line[index])
            index += 1
            continue
        end = index
        while end < len(line) and line[end] == "`":
            end += 1
        run, search, closed = end - index, end, None
        while search < len(line) and closed is None:
            if line[search] == "`":
                stop = search
                while stop < len(line) and line[stop] == "`":
                    stop += 1
                closed = stop if stop - search == run else None
                search = stop
            else:
                search += 1
        if closed is None:
            kept.append(line[index:end])
            index = end
        else:
            index = closed
    return "".join(kept)


@pytest.mark.usefixtures("api_token")
def test_a_rate_limit_during_the_read_is_waited_out(
    root: Path,
    tmp_path: Path,
    okta_org: FakeOrg,
    okta_server: OktaServer,
    sleeps: list[float],
    capsys: pytest.CaptureFixture[str],
) -> None:
    sound_org(okta_org)
    okta_server.rate_limit(2)
    code, _, err = preflight(root, okta_server, capsys, "--deployed", str(deployed(tmp_path)))
    assert (code, err) == (0, "")
    assert len(sleeps) == 2
    assert [call.status for call in okta_server.api_calls()][:3] == [429, 429, 200]


def test_a_credential_without_the_servers_scope_gets_a_403_and_exit_2(
    root: Path,
    okta_org: FakeOrg,
    okta_server: OktaServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sound_org(okta_org)
    key = RSAKey.generate_key(2048)
    okta_org.service_apps["0oaadminsvcaccounts"] = ServiceAppCredential(
        public_key=RSAKey.import_key(key.as_dict(private=False)),
        key_id="kid-1",
        scopes=frozenset({"okta.apps.read"}),
    )
    pem = key.as_pem(private=True).decode()
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OKTA_API_CLIENT_ID", "0oaadminsvcaccounts")
    monkeypatch.setenv("OKTA_API_PRIVATE_KEY", pem)
    monkeypatch.setenv("OKTA_API_PRIVATE_KEY_ID", "kid-1")
    monkeypatch.setenv("OKTA_API_SCOPES", "okta.apps.read")
    code, out, err = preflight(root, okta_server, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("svcaccounts okta preflight: GET /api/v1/authorizationServers/aus1prod")
    assert "403" in err and "E0000006" in err
    assert "PRIVATE KEY" not in err and pem.splitlines()[1] not in err


def test_a_stack_that_creates_its_server_has_nothing_to_preflight_and_reads_no_okta(
    root: Path, okta_server: OktaServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    code, out, err = preflight(root, okta_server, capsys, "--format", "json", stack="dev")
    assert (code, err) == (0, "")
    assert json.loads(out)["checked"] is False
    assert okta_server.calls == []


@pytest.mark.usefixtures("api_token")
def test_a_missing_server_is_an_okta_error(
    root: Path, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = preflight(root, okta_server, capsys)
    assert (code, out) == (2, "")
    assert "authorization server aus1prod does not exist in this org" in err


@pytest.mark.usefixtures("api_token")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"outputs": 1}', "no `accounts` output"),
    ],
)
def test_an_unusable_deployed_file_is_a_usage_error(
    root: Path,
    tmp_path: Path,
    okta_server: OktaServer,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = preflight(root, okta_server, capsys, "--deployed", str(path))
    assert (code, out) == (2, "")
    assert message in err
    assert okta_server.calls == []


@pytest.mark.usefixtures("api_token")
def test_an_import_file_for_another_server_is_refused(
    root: Path, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "import" / "prod.json").write_text(
        json.dumps(
            {"resources": [{"type": "okta:auth/serverScope:ServerScope", "name": "s", "id": "aus1dev/scp1"}]}
        ),
        encoding="utf-8",
    )
    code, _, err = preflight(root, okta_server, capsys)
    assert code == 2
    assert "import/prod.json adopts resources of authorization server aus1dev" in err


@pytest.mark.usefixtures("api_token")
def test_an_import_file_that_is_a_link_is_refused(
    root: Path, tmp_path: Path, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text('{"resources": []}', encoding="utf-8")
    (root / "import" / "prod.json").symlink_to(outside)
    code, _, err = preflight(root, okta_server, capsys)
    # The workspace reads import files as it reads definitions: a link is refused, located.
    assert code == 1
    assert "import/prod.json:1:1: error: symbolic links are not followed; put the file itself here" in err


def test_an_unknown_stack_is_a_usage_error(
    root: Path, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = preflight(root, okta_server, capsys, stack="nope")
    assert code == 2
    assert "no stack 'nope'" in err


STAGING_READER = "0oa00000000000000003"


@pytest.mark.usefixtures("api_token")
def test_another_stack_on_the_same_server_is_judged_by_its_own_definitions(
    root: Path, tmp_path: Path, okta_org: FakeOrg, okta_server: OktaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # A staging stack shares prod's server (scopes: reference); its reader's app and policy are
    # on the server. They are staging's, not foreign clients of prod: only a rule beyond
    # staging's own definition of the account is reported.
    (root / "Pulumi.staging.yaml").write_text(
        "config:\n  svcaccounts:environment: staging\n  svcaccounts:authServer:\n    id: aus1prod\n"
        "    scopes: reference\n  svcaccounts:keyVault:\n    name: kv-identity-stg\n"
        "    resourceGroup: rg-identity-stg\n  okta:orgName: example-prod\n",
        encoding="utf-8",
    )
    reader_file = root / "service_accounts" / "orders" / "orders-reader.yaml"
    reader_file.write_text(reader_file.read_text().replace("  prod: {}", "  prod: {}\n  staging: {}"))
    sound_org(okta_org)
    okta_org.apps.append(service_app(STAGING_READER, "orders-reader (staging)"))
    server = okta_org.auth_servers["aus1prod"]
    server.policies.append(policy("pol3", "orders-reader (staging)", [STAGING_READER], priority=3))
    server.rules["pol3"] = [rule("rul3", "orders-reader client credentials", ["orders:read"])]
    code, out, _ = preflight(root, okta_server, capsys, "--deployed", str(deployed(tmp_path)))
    assert code == 0, out
    assert "unmanaged-client-policy" not in out
    assert "other stacks on this server (east, staging): 1 of their accounts' apps found by label" in out

    # A rule that grants the staging reader more than its definition is still high.
    server.rules["pol3"].append(rule("rul4", "extra", ["orders:write"], priority=2))
    code, out, _ = preflight(root, okta_server, capsys, "--deployed", str(deployed(tmp_path)))
    assert code == 1
    assert "rule-grants-beyond-definitions" in out and "staging/orders-reader" in out


def test_a_missing_optional_package_names_the_extra_instead_of_a_traceback(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make plan` installs only what validate, plan and diff import; the reader needs httpx.
    def missing(*_: object) -> None:
        raise ModuleNotFoundError("No module named 'httpx'", name="httpx")

    from svcaccounts.commands import okta_preflight

    monkeypatch.setattr(okta_preflight, "run", missing)
    code = main(["okta", "preflight", "--root", str(root), "--stack", "prod"])
    assert code == 2
    assert "needs httpx, which is not installed: pip install 'svcaccounts[okta-api]'" in capsys.readouterr().err
