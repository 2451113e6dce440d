"""Which resource type a resource is, whichever of its type's tokens the program registered it under.

A provider can know one type by several tokens. A type the provider renamed keeps its old token as
an alias: okta's `okta:auth/serverPolicyRule:ServerPolicyRule` was once
`okta:auth/serverPolicyClaim:ServerPolicyClaim`. And azure-native exposes every API version of a
type in a module of its own, `azure-native:keyvault/v20241101:Secret` beside the default
`azure-native:keyvault:Secret` (a program gets them with `pulumi package add azure-native ...`;
azure-native 1.x also had `azure-native:keyvault/latest:Secret`). A rule that compared
`args.resource_type` with one token let every other spelling through unchecked, so every rule
asks `is_type(resource_type, TOKEN)`, and nothing else compares resource types.

The renamed tokens are the installed SDKs' `aliases=` for the types the pack matches on;
tests/policies/test_policy_resource_types.py checks them against those SDKs. The pack does not
import the SDKs: it must run where only pulumi-policy is installed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

# Old token -> the token the rules use, from the SDKs' `aliases=`. pulumi_okta 7: only the access
# policy rule; pulumi_aws 7 declares none for Secrets Manager; azure-native's versioned tokens are
# matched by `_AZURE_NATIVE_VERSION` below rather than listed.
RENAMED_TOKENS: Final[Mapping[str, str]] = {
    "okta:auth/serverPolicyClaim:ServerPolicyClaim": "okta:auth/serverPolicyRule:ServerPolicyRule",
}

# `azure-native:<module>/<version>:<Type>`, versions such as v20241101, v20240401preview,
# v20181102privatepreview, v20170801beta, and 1.x's `latest`.
_AZURE_NATIVE_VERSION: Final = re.compile(
    r"azure-native:(?P<module>[A-Za-z0-9]+)/(?:v\d{8}[a-z]*|latest):(?P<name>[A-Za-z0-9]+)"
)


def canonical_type(resource_type: str) -> str:
    """The token the rules use for `resource_type`: itself unless it is a renamed token or a
    versioned azure-native token."""
    if (renamed := RENAMED_TOKENS.get(resource_type)) is not None:
        return renamed
    if (versioned := _AZURE_NATIVE_VERSION.fullmatch(resource_type)) is not None:
        return f"azure-native:{versioned['module']}:{versioned['name']}"
    return resource_type


def is_type(resource_type: str, token: str) -> bool:
    """Whether a resource registered as `resource_type` is of the type the rules call `token`."""
    return canonical_type(resource_type) == token
