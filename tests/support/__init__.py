"""What the tests share: builders, fakes, servers on loopback and the Pulumi mock harness.

Tests import from here as `tests.support.<module>`; nothing here is imported by svcaccounts/,
policies/ or bench/.
"""
