"""Which arguments make pulumi-okta replace a resource instead of updating it, and what an import
reads into state for them. A replaced app is a new client id: every consumer breaks. So after
`pulumi import`, the program's inputs must equal the imported state on each of these fields
(tests/infra/test_adoption_program.py checks it under mocks).

From terraform-provider-okta v6 (okta/services/idaas/), which pulumi-okta 7 bridges:

* `okta_app_oauth`: `type` and `client_id` are ForceNew; `omit_secret` going from true to false
  forces a new app (CustomizeDiff). The importer reads `type` and `client_id` from Okta and leaves
  `omit_secret` at its default, false; the program passes type `service`, no client id (Optional
  and Computed: no diff) and omit_secret false.
* `okta_auth_server_policy`, `okta_auth_server_policy_rule`, `okta_auth_server_scope`: nothing is
  ForceNew. Their import ids' parts (`auth_server_id`, `policy_id`) and a scope's `name` still
  decide which object is managed, so they must agree as well: an update would move the object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from svcaccounts.adoption.mapping import ImportPlan
from svcaccounts.core import naming

REPLACE_FORCING: Mapping[str, tuple[str, ...]] = {
    naming.APP_TYPE: ("type", "clientId", "omitSecret"),
    naming.POLICY_TYPE: (),
    naming.RULE_TYPE: (),
    naming.SCOPE_TYPE: (),
}
IDENTITY: Mapping[str, tuple[str, ...]] = {
    naming.APP_TYPE: (),
    naming.POLICY_TYPE: ("authServerId",),
    naming.RULE_TYPE: ("authServerId", "policyId"),
    naming.SCOPE_TYPE: ("authServerId", "name"),
}
# Optional and Computed: an input the program leaves out is no change, whatever the state holds.
COMPUTED_WHEN_ABSENT = frozenset({"clientId"})


def imported_state(plan: ImportPlan) -> dict[str, dict[str, Any]]:
    """By logical name: what `pulumi import` reads into state on every replace-forcing and
    identity field, in the engine's (camelCase) names."""
    server = plan.server_id
    state: dict[str, dict[str, Any]] = {
        naming.scope_name(name): {"authServerId": server, "name": name} for name in plan.scope_ids
    }
    for account in plan.accounts:
        state[naming.child_name(account.name, "app")] = {
            "type": account.app.application_type,
            "clientId": account.app.client_id,
            "omitSecret": False,
        }
        state[naming.child_name(account.name, "policy")] = {"authServerId": server}
        state[naming.child_name(account.name, "rule")] = {
            "authServerId": server,
            "policyId": account.policy.id,
        }
    return state
