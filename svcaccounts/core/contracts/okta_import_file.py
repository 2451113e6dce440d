"""Reading a stack's Okta import file, `import/<stack>.json` (what `svcaccounts okta import`
writes for `pulumi import --file`), for what it says the stack will manage.

Pulumi's import-file format: `{"resources": [{"type", "name", "id", "parent"?, ...}],
"nameTable": {...}}`. Only the Okta resources of a service account are kept, by logical name:

    okta:app/oAuth:OAuth                       id = the app's id
    okta:auth/serverPolicy:ServerPolicy        id = <authorization server id>/<policy id>
    okta:auth/serverPolicyRule:ServerPolicyRule id = <authorization server id>/<policy id>/<rule id>
    okta:auth/serverScope:ServerScope          id = <authorization server id>/<scope id>

Other resource types (a secret store's, say) are ignored. Every problem is reported at once,
located by the resource's index; a value from the file is never quoted whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from svcaccounts.core import naming
from svcaccounts.core.contracts.values import json_type, printable

IMPORT_DIR = "import"
# An import file lists a few resources per account: 16 MiB is far beyond any organisation's.
IMPORT_FILE_LIMIT = 16 * 1024 * 1024
# Okta ids are letters and digits (and the id segments of Pulumi's composite import ids).
_OKTA_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
# The import id of each type, as the Okta provider documents it: '/'-separated Okta ids.
_ID_SHAPES: Mapping[str, str] = {
    naming.APP_TYPE: "<app id>",
    naming.POLICY_TYPE: "<authorization server id>/<policy id>",
    naming.RULE_TYPE: "<authorization server id>/<policy id>/<rule id>",
    naming.SCOPE_TYPE: "<authorization server id>/<scope id>",
}
_SEGMENTS: Mapping[str, int] = {kind: shape.count("/") + 1 for kind, shape in _ID_SHAPES.items()}


def import_file_path(stack: str) -> str:
    """Where a stack's import file lives, relative to the repository."""
    return f"{IMPORT_DIR}/{stack}.json"


class ImportFileError(ValueError):
    """An import file this reader cannot use; `problems` says what to fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class ImportedResources:
    """The Okta resources an import file adopts, by logical name; ids as Okta knows them."""

    apps: Mapping[str, str]  # logical name -> app id
    policies: Mapping[str, str]  # logical name -> policy id
    rules: Mapping[str, str]  # logical name -> rule id
    scopes: Mapping[str, str]  # logical name -> scope id
    # The authorization servers the composite ids name (one, in a sound file).
    server_ids: frozenset[str]

    @property
    def resource_count(self) -> int:
        return len(self.apps) + len(self.policies) + len(self.rules) + len(self.scopes)


def parse_import_file(document: object) -> ImportedResources:
    """The Okta resources of a decoded import file; ImportFileError lists every problem."""
    if not isinstance(document, dict):
        raise ImportFileError([f"expected a JSON object with `resources`, not {json_type(document)}"])
    resources = document.get("resources")
    if not isinstance(resources, list):
        raise ImportFileError([f"`resources` must be a list, not {json_type(resources)}"])
    problems: list[str] = []
    found: dict[str, dict[str, str]] = {kind: {} for kind in _SEGMENTS}
    servers: set[str] = set()
    for index, item in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected an object, not {json_type(item)}")
            continue
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in _SEGMENTS:
            continue
        name, identifier = item.get("name"), item.get("id")
        if not isinstance(name, str) or not name:
            problems.append(f"{where}.name: expected the resource's logical name")
            continue
        if name in found[kind]:
            problems.append(f"{where}.name: {printable(name)!r} is imported twice as {kind}")
            continue
        segments = identifier.split("/") if isinstance(identifier, str) else []
        if len(segments) != _SEGMENTS[kind] or not all(_OKTA_ID.fullmatch(part) for part in segments):
            problems.append(f"{where}.id: expected {_ID_SHAPES[kind]} for {kind}")
            continue
        if _SEGMENTS[kind] > 1:
            servers.add(segments[0])
        found[kind][name] = segments[-1]
    if problems:
        raise ImportFileError(problems)
    return ImportedResources(
        apps=MappingProxyType(found[naming.APP_TYPE]),
        policies=MappingProxyType(found[naming.POLICY_TYPE]),
        rules=MappingProxyType(found[naming.RULE_TYPE]),
        scopes=MappingProxyType(found[naming.SCOPE_TYPE]),
        server_ids=frozenset(servers),
    )


def read_import_file(text: bytes) -> ImportedResources:
    """`parse_import_file` of a JSON text; every failure is an ImportFileError."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            [f"not JSON (line {error.lineno}, column {error.colno}: {error.msg})"]
        ) from None
    except RecursionError:
        raise ImportFileError(["not valid JSON: nested too deeply"]) from None
    except ValueError:  # not UTF-8, or a number too long for Python
        raise ImportFileError(["not valid JSON (not UTF-8, or a number too long)"]) from None
    return parse_import_file(document)
