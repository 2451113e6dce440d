"""pytest fixtures for the loopback Okta org (tests/support/okta_server.py), as a plugin.

`okta_org` is an empty org with one API token; `okta_server` serves it and, at teardown, fails the
test if any body the server sent does not validate against Okta's published API description.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.okta_server import FakeOrg, OktaServer

API_TOKEN = "00-test-api-token-not-a-real-one"


@pytest.fixture
def okta_org() -> FakeOrg:
    return FakeOrg(api_tokens={API_TOKEN})


@pytest.fixture
def okta_server(okta_org: FakeOrg) -> Iterator[OktaServer]:
    server = OktaServer(okta_org)
    try:
        yield server
    finally:
        server.close()
    assert server.spec_violations == [], "the fake Okta sent bodies Okta's API description forbids"
