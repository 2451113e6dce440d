"""pytest fixtures for the loopback Auth0 tenant (tests/support/auth0_server.py), as a plugin.

`auth0_tenant` is a tenant with one application authorized for the Management API with
`read:logs`; `auth0_server` serves it and, at teardown, fails the test if any request or body
did not validate against Auth0's published Management API description.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.auth0_server import Application, Auth0Server, FakeTenant

READER_ID = "mgmtLogReaderClientId00000000001"
READER_SECRET = "not-a-real-secret-for-the-log-reader-0123456789"


@pytest.fixture
def auth0_tenant() -> FakeTenant:
    return FakeTenant(applications={READER_ID: Application(READER_SECRET, frozenset({"read:logs"}))})


@pytest.fixture
def auth0_server(auth0_tenant: FakeTenant) -> Iterator[Auth0Server]:
    server = Auth0Server(auth0_tenant)
    try:
        yield server
    finally:
        server.close()
    assert server.spec_violations == [], "the fake Auth0 was sent or sent what Auth0's API description forbids"
