"""The pack's name and the list of its policies, in the order the CLI reports them.

Every rule is wrapped here, once: a rule that raises on a property value of a shape or size it did
not expect reports a violation naming itself instead. Left to the policy server, the exception
fails the whole analysis with a traceback that can quote the value (a credential, maybe), and a
pack that cannot judge a resource must not let it through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

# The policy server's own signals, raised through a rule: "unknown during preview" (the server
# turns it into a note) and args.not_applicable(). pulumi_policy exports the first only.
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

from . import (
    auth0,
    aws_secrets,
    cognito,
    entra_id,
    key_vault,
    okta_app_companions,
    okta_apps,
    okta_auth,
    stack,
)
from .config import PolicyConfigError

PACK_NAME: Final = "svcaccounts"
# Applies to a policy that does not set its own level; every policy here sets one.
DEFAULT_ENFORCEMENT: Final = EnforcementLevel.MANDATORY


def failure_message(policy: str, error: Exception, *, subject: str) -> str:
    """What a rule that raised reports about `subject` ("this resource", "this stack"). Only the
    exception's type is named: its text may quote the value that upset the rule. Pack
    configuration errors are the pack's own words, about its own settings, so they are shown."""
    if isinstance(error, PolicyConfigError):
        return f"policy {policy} could not check {subject}: {error}. Fix the pack's configuration."
    return (
        f"policy {policy} could not check {subject}: it failed ({type(error).__name__}) on a "
        "property value of a shape or size it does not expect, so it is reported rather than "
        "let through unchecked. Check the properties against the provider's documentation; if "
        "they are right, report the case to the pack's maintainers."
    )


def guarded(policy: Policy) -> Policy:
    """`policy`, with its rule reporting a violation instead of raising."""
    if isinstance(policy, ResourceValidationPolicy):
        if policy.has_remediation():
            raise TypeError(f"policy {policy.name}: guarded() does not carry remediations over")
        return ResourceValidationPolicy(
            validate=_guard(policy.name, policy.validate, "this resource"), **_settings(policy)
        )
    if isinstance(policy, StackValidationPolicy):
        return StackValidationPolicy(
            validate=_guard(policy.name, policy.validate, "this stack"), **_settings(policy)
        )
    raise TypeError(f"policy {policy.name}: not a resource or stack validation policy")


def _settings(policy: Policy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "description": policy.description,
        "enforcement_level": policy.enforcement_level,
        "config_schema": policy.config_schema,
        "display_name": policy.display_name,
        "severity": policy.severity,
        "framework": policy.framework,
        "tags": policy.tags,
        "remediation_steps": policy.remediation_steps,
        "url": policy.url,
    }


def _guard(
    name: str, validate: Callable[[Any, ReportViolation], object], subject: str
) -> Callable[[Any, ReportViolation], None]:
    def guarded_rule(args: Any, report_violation: ReportViolation) -> None:
        try:
            validate(args, report_violation)
        except (UnknownValueError, _NotApplicableError):
            raise
        except Exception as error:
            report_violation(failure_message(name, error, subject=subject), None)

    return guarded_rule


POLICIES: Final[tuple[Policy, ...]] = tuple(
    guarded(policy)
    for policy in (
        *okta_apps.POLICIES,
        *okta_app_companions.POLICIES,
        *okta_auth.POLICIES,
        *key_vault.POLICIES,
        *aws_secrets.POLICIES,
        *entra_id.POLICIES,
        *auth0.POLICIES,
        *cognito.POLICIES,
        *stack.POLICIES,
    )
)
