"""Entry point the Pulumi CLI runs for `--policy-pack policies`: builds the pack, nothing else.

Constructing `PolicyPack` starts the policy server and blocks, so no other module imports this one;
rules live in svcaccounts_policies/ and are tested there.
"""

from pulumi_policy import PolicyPack
from svcaccounts_policies.pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES

PolicyPack(
    name=PACK_NAME,
    policies=list(POLICIES),
    enforcement_level=DEFAULT_ENFORCEMENT,
    description=(
        "Guardrails for svcaccounts stacks: Okta service apps, access policies and Key Vault "
        "credential bundles."
    ),
)
