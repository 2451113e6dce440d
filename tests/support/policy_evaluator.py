"""Running the pack's policies without the Pulumi CLI or a policy server, for the tests.

It builds the same argument objects the policy server builds, the same way: properties go
through a protobuf Struct (so integers become floats), secrets are unwrapped, unknowns are wrapped
in the unknown-checking proxy; stack resources get their parent, dependencies and property
dependencies linked as objects; each policy gets its schema defaults with the given config on
top, as the CLI reconciles it. See pulumi_policy/policy.py (`Analyze`, `AnalyzeStack`) for the
server side this mirrors.

It lives in tests/support, not in the pack: only tests use it, and it leans on pulumi_policy's
private `_NotApplicableError`, which a shipped pack should not depend on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, struct_pb2  # type: ignore[import-untyped]  # no stubs in the lock
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from bench.pulumi_mocks import STACK_TYPE, Registered

__all__ = ["Finding", "Registered", "Report", "evaluate", "resource_args", "stack_args", "urn_for"]


def urn_for(resource_type: str, name: str, *, stack: str = "test", project: str = "svcaccounts") -> str:
    return f"urn:pulumi:{stack}::{project}::{resource_type}::{name}"


@dataclass(frozen=True)
class Finding:
    policy: str
    enforcement_level: EnforcementLevel
    message: str
    urn: str


@dataclass(frozen=True)
class Report:
    violations: tuple[Finding, ...]
    # Policies the server could not run because a value was unknown (preview).
    not_run: tuple[Finding, ...]
    # (policy, reason) for policies that declared themselves not applicable.
    not_applicable: tuple[tuple[str, str], ...]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def engine_view(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """`props` exactly as the policy server hands them to a rule."""
    struct = struct_pb2.Struct()
    struct.update(_jsonable(props))
    proxied: Mapping[str, Any] = unknown_checking_proxy(
        deserialize_properties(json_format.MessageToDict(struct))
    )
    return proxied


def _options(parent: str | None) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=parent,
    )


def resource_args(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    name: str = "resource",
    urn: str | None = None,
    parent: str | None = None,
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource_type,
        engine_view(props),
        urn if urn is not None else urn_for(resource_type, name),
        name,
        _options(parent),
        None,
        dict(config) if config is not None else None,
    )


def stack_args(
    resources: Sequence[Registered], *, config: Mapping[str, Any] | None = None
) -> StackValidationArgs:
    built = {
        item.urn: PolicyResource(
            item.resource_type,
            engine_view(item.outputs if item.outputs is not None else item.inputs),
            item.urn,
            item.name,
            _options(item.parent),
            None,
            None,
            [],
            {},
        )
        for item in resources
    }
    # Links only to resources in the stack, as the server does.
    for item in resources:
        resource = built[item.urn]
        if item.parent is not None:
            resource.parent = built.get(item.parent)
        resource.dependencies = [built[urn] for urn in item.dependencies if urn in built]
        resource.property_dependencies = {
            key: [built[urn] for urn in urns if urn in built]
            for key, urns in item.property_dependencies.items()
        }
    return StackValidationArgs(
        [built[item.urn] for item in resources], dict(config) if config is not None else None
    )


def configured(policy: Policy, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The policy's config as the CLI reconciles it: schema defaults, then the given values."""
    settings: dict[str, Any] = {}
    if policy.config_schema is not None:
        for key, schema in policy.config_schema.properties.items():
            if "default" in schema:
                settings[key] = schema["default"]
    settings.update({key: value for key, value in (given or {}).items() if key != "enforcementLevel"})
    return settings


def _level(policy: Policy, given: Mapping[str, Any] | None) -> EnforcementLevel:
    if given and "enforcementLevel" in given:
        return EnforcementLevel(given["enforcementLevel"])
    return policy.enforcement_level or EnforcementLevel.ADVISORY


def _reporter(
    sink: list[Finding], policy: str, level: EnforcementLevel, resource_urn: str | None
) -> Callable[[str, str | None], None]:
    """A `report_violation` callback. For a resource policy (`resource_urn` given) the finding
    always belongs to that resource, as on the server; a stack policy names its own URN."""

    def report(message: str, urn: str | None = None) -> None:
        sink.append(Finding(policy, level, message, resource_urn or urn or ""))

    return report


def evaluate(
    policies: Iterable[Policy],
    resources: Sequence[Registered],
    *,
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> Report:
    """Every resource policy over every resource's inputs, every stack policy over the stack."""
    violations: list[Finding] = []
    not_run: list[Finding] = []
    not_applicable: list[tuple[str, str]] = []
    given_config = config or {}
    for policy in policies:
        given = given_config.get(policy.name)
        level = _level(policy, given)
        if level == EnforcementLevel.DISABLED:
            continue
        settings = configured(policy, given)
        if isinstance(policy, ResourceValidationPolicy):
            for item in resources:
                if item.resource_type == STACK_TYPE:
                    continue
                args = resource_args(
                    item.resource_type,
                    item.inputs,
                    config=settings,
                    name=item.name,
                    urn=item.urn,
                    parent=item.parent,
                )
                try:
                    policy.validate(args, _reporter(violations, policy.name, level, item.urn))
                except UnknownValueError as error:
                    not_run.append(Finding(policy.name, level, error.message, item.urn))
                except _NotApplicableError as error:
                    not_applicable.append((policy.name, error.reason or ""))
        elif isinstance(policy, StackValidationPolicy):
            args_for_stack = stack_args(resources, config=settings)
            try:
                policy.validate(args_for_stack, _reporter(violations, policy.name, level, None))
            except UnknownValueError as error:
                not_run.append(Finding(policy.name, level, error.message, ""))
            except _NotApplicableError as error:
                not_applicable.append((policy.name, error.reason or ""))
    return Report(tuple(violations), tuple(not_run), tuple(not_applicable))
