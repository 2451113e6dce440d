"""CrossGuard rules for svcaccounts stacks, importable without starting a policy server.

`pack.POLICIES` lists every rule; `policies/__main__.py` is the only place that builds the
`PolicyPack` (constructing one starts a gRPC server and never returns).
"""
