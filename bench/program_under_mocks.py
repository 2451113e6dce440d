"""The whole Pulumi program under the SDK's mocks, against two floors.

    python -m bench.program_under_mocks ROOT --stack prod           # our program
    python -m bench.program_under_mocks ROOT --stack prod --bare    # same count of plain resources
    python -m bench.program_under_mocks ROOT --stack prod --flat    # same provider resources, flat

Prints one JSON line: seconds inside the program run (registration and every apply resolved),
the number of resources registered and the number of accounts.

Two floors, because they answer different questions:
- bare: as many plain custom resources as the program registers, each with one small input and
  no declared outputs. What the SDK charges per resource at the least; the ratio to it is what
  our program costs on top, *including* what the SDK charges per provider resource type.
- flat: the very provider resource types with the same inputs, registered at the top level with
  no component and no apply (derived values are literals, references between resources are the
  same direct Outputs). The SDK creates one Output per declared output property of each type
  (an Okta app declares dozens), so this floor is what those types cost whoever registers them;
  the ratio to it is what our components and applies add.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pulumi.runtime.stack import massage


@cache
def _key_pair() -> tuple[str, str]:
    # One key for every mock PrivateKey: the benchmark measures the program, not RSA generation.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class CountingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.count = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.count += 1
        state = dict(args.inputs)
        if args.typ == "okta:app/oAuth:OAuth":
            state["clientId"] = f"0oa{self.count:017d}"
        elif args.typ == "tls:index/privateKey:PrivateKey":
            state["privateKeyPem"], state["publicKeyPem"] = _key_pair()
            state["privateKeyPemPkcs8"] = state["privateKeyPem"]
        elif args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = f"bench-secret-{self.count}"
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class Plain(pulumi.CustomResource):
    def __init__(self, name: str, value: str) -> None:
        super().__init__("bench:index:Plain", name, {"value": value})


def register_flat(plan: Any) -> None:
    """The flat floor: the program's provider resources and inputs, no component, no apply."""
    import pulumi_azure_native as azure_native
    import pulumi_okta as okta
    import pulumi_random as random
    import pulumi_tls as tls

    from svcaccounts.core import naming
    from svcaccounts.core.plan import GRANT_TYPES, RESPONSE_TYPES
    from svcaccounts.core.rotation import epoch_seconds, iso_utc
    from svcaccounts.core.settings import ExistingAuthServer
    from svcaccounts.infra import service_account as ours
    from svcaccounts.infra.jwk import rsa_public_jwk
    from svcaccounts.infra.program import okta_provider

    settings = plan.settings
    okta_settings, server = settings.require_okta()
    assert isinstance(server, ExistingAuthServer)  # checked by the caller
    auth_server_id = server.id
    token_url = settings.token_url(auth_server_id)
    jwk = rsa_public_jwk(_key_pair()[1])
    provider = okta_provider(okta_settings)
    in_okta = pulumi.ResourceOptions(provider=provider)
    scopes = {
        scope.name: okta.auth.ServerScope(
            naming.scope_name(scope.name),
            auth_server_id=auth_server_id,
            name=scope.name,
            description=scope.description,
            display_name=scope.name,
            consent="IMPLICIT",
            metadata_publish="NO_CLIENTS",
            default=False,
            opts=in_okta,
        )
        for scope in plan.scopes
    }
    for account in plan.accounts:
        jwks = None
        client_basic_secret = None
        if account.current.kind == "private_key":
            for credential in account.credentials:
                tls.PrivateKey(credential.resource, algorithm="RSA", rsa_bits=ours.RSA_BITS)
            jwks = [
                okta.app.OAuthJwkArgs(kid=credential.key_id, kty="RSA", n=jwk["n"], e=jwk["e"])
                for credential in sorted(account.credentials, key=lambda c: c.generation)
            ]
        else:
            secret = random.RandomPassword(
                account.current.resource, length=ours.CLIENT_SECRET_LENGTH, special=False
            )
            client_basic_secret = secret.result
        app = okta.app.OAuth(
            naming.child_name(account.name, "app"),
            label=account.label,
            type="service",
            grant_types=list(GRANT_TYPES),
            response_types=list(RESPONSE_TYPES),
            token_endpoint_auth_method=account.auth_method,
            status="ACTIVE" if account.enabled else "INACTIVE",
            jwks=jwks,
            client_basic_secret=client_basic_secret,
            omit_secret=False,
            pkce_required=False,
            admin_note=f"Managed by svcaccounts. Owner: {account.owner_team} <{account.owner_email}>",
            opts=in_okta,
        )
        policy = okta.auth.ServerPolicy(
            naming.child_name(account.name, "policy"),
            auth_server_id=auth_server_id,
            name=account.policy_name,
            description=f"Client credentials for {account.name} ({account.environment})",
            priority=ours.POLICY_PRIORITY,
            client_whitelists=[app.client_id],
            status="ACTIVE",
            opts=pulumi.ResourceOptions(provider=provider, ignore_changes=["priority"]),
        )
        okta.auth.ServerPolicyRule(
            naming.child_name(account.name, "rule"),
            auth_server_id=auth_server_id,
            policy_id=policy.id,
            name=account.rule_name,
            priority=ours.RULE_PRIORITY,
            status="ACTIVE",
            grant_type_whitelists=list(GRANT_TYPES),
            scope_whitelists=list(account.scopes),
            group_whitelists=list(ours.RULE_GROUPS),
            access_token_lifetime_minutes=account.token_lifetime_minutes,
            opts=pulumi.ResourceOptions(
                provider=provider, depends_on=[scopes[name] for name in account.scopes if name in scopes]
            ),
        )
        rotates_at = iso_utc(account.rotation.next_rotation)
        azure_native.keyvault.Secret(
            naming.child_name(account.name, "bundle"),
            resource_group_name=settings.key_vault.resource_group,
            vault_name=settings.key_vault.name,
            secret_name=account.key_vault_secret,
            properties=azure_native.keyvault.SecretPropertiesArgs(
                value=f'{{"client_id":"literal","token_url":"{token_url}"}}',
                content_type="application/json",
                attributes=azure_native.keyvault.SecretAttributesArgs(
                    enabled=True, expires=epoch_seconds(account.rotation.expires_at)
                ),
            ),
            tags={
                "owner-team": account.owner_team,
                "environment": account.environment,
                "generation": str(account.generation),
                "managed-by": naming.MANAGED_BY,
                "rotates-at": rotates_at,
            },
        )


MODES = ("program", "bare", "flat")


def run(root: Path, stack: str, *, mode: str = "program") -> dict[str, Any]:
    from svcaccounts.core import clock
    from svcaccounts.core.settings import ExistingAuthServer
    from svcaccounts.definitions.stack_files import read_stacks
    from svcaccounts.infra.program import build, load_plan

    stacks, _ = read_stacks({f"Pulumi.{stack}.yaml": (root / f"Pulumi.{stack}.yaml").read_bytes()})
    plan = load_plan(root, stack, dict(stacks[0].config), clock.now())
    accounts = len(plan.accounts)
    mocks = CountingMocks()
    pulumi.runtime.set_mocks(mocks, project="svcaccounts", stack=stack, preview=False)
    _key_pair()

    if mode == "bare":
        # Calibrate: the program's own resource count for this plan, as plain resources.
        resources = len(plan.resources())

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> None:
            for index in range(resources):
                Plain(f"plain-{index}", f"value-{index}")

    elif mode == "flat":
        if not isinstance(plan.settings.auth_server, ExistingAuthServer):
            raise SystemExit("bench: the flat floor expects a stack with an existing authorization server")

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> None:
            register_flat(plan)

    else:

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> None:
            # What `pulumi.export("accounts", ...)` in main() leads to at the end of a real run:
            # the root stack massages its outputs and registers them, which awaits every value.
            # (Returning the Output instead would make the test harness unwrap it deeply with
            # Output.from_input, a cost no real deployment pays.)
            root = pulumi.runtime.get_root_resource()
            assert isinstance(root, pulumi.ComponentResource)
            root.register_outputs({"accounts": massage(build(plan).outputs, [])})

    start = time.perf_counter()
    program()
    seconds = time.perf_counter() - start
    return {
        "mode": mode,
        "seconds": seconds,
        "resources": mocks.count,
        "shared": len(plan.shared),
        "accounts": accounts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.program_under_mocks")
    parser.add_argument("root", type=Path)
    parser.add_argument("--stack", default="prod")
    floor = parser.add_mutually_exclusive_group()
    floor.add_argument("--bare", dest="mode", action="store_const", const="bare", help="plain resources")
    floor.add_argument("--flat", dest="mode", action="store_const", const="flat", help="flat provider types")
    parser.set_defaults(mode="program")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.root, args.stack, mode=args.mode)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
