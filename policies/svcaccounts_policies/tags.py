"""The owner and environment tags every credential secret carries, whatever the store.

Key Vault and AWS Secrets Manager secrets are tagged alike by the program, so one check and one
configuration schema serve both stores' rules.
"""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import ReportViolation, ResourceValidationArgs

from . import config
from .props import UNKNOWN, lookup

REQUIRED_TAGS: Final = "requiredTags"

REQUIRED_TAGS_SCHEMA: Final[dict[str, Any]] = {
    REQUIRED_TAGS: {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": list(config.DEFAULT_REQUIRED_TAGS),
        "description": "Tag keys every secret must carry with a non-empty value.",
    }
}


def report_missing_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report the configured tags the resource lacks (an unknown tag value counts as present)."""
    tags = lookup(args.props, "tags")
    if tags is UNKNOWN:
        return
    required = config.read_strings(args.get_config(), REQUIRED_TAGS, config.DEFAULT_REQUIRED_TAGS)
    missing = _missing(tags, required)
    if not missing:
        return
    names = ", ".join(missing)
    fix = (
        f"Add the tag {names} with a non-empty value."
        if len(missing) == 1
        else f"Add the tags {names} with non-empty values."
    )
    report_violation(
        f"tags lack {names}; every credential bundle must say which team owns it and which "
        "environment it belongs to, for alerts and audits. " + fix,
        None,
    )


def _missing(tags: Any, required: tuple[str, ...]) -> list[str]:
    present = tags if isinstance(tags, dict) else {}
    return [
        key
        for key in required
        if not (present.get(key) is UNKNOWN or (isinstance(present.get(key), str) and present[key].strip()))
    ]
