"""Pulumi entry point (`runtime: python` in Pulumi.yaml): everything lives in svcaccounts.infra."""

from svcaccounts.infra.program import main

main()
