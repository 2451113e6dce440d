"""Removing scopes from a definition file by editing its text, not by rewriting the file.

`usage --propose` turns "never used" into a pull request, and a reviewer must see only that
change: comments, key order, quoting and blank lines elsewhere stay byte for byte. So the file
is parsed once (strictly, as the loader reads it) for the positions of its nodes, and only the
affected sequence (or environment entry) is edited in place:

* the environment's own `scopes:` override, when it has one: its items are removed;
* else, when the account exists in this environment only, the top-level `scopes:`;
* else, a `scopes:` override with the remaining scopes is added to this environment, so the
  other environments keep theirs (the evidence is about this one only).

A block sequence loses the whole line of each removed item (a comment on that line goes with
it: it was about that item); a flow sequence (`[a, b]`) is rewritten on one line, keeping each
remaining item as it was written. A shape it does not expect (a list item that is not a plain
scope name on a line of its own, a removal that would empty a list) is refused with a reason,
and `propose_removals` loads the edited files as `validate` does to check that exactly the
intended scopes went away, or writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from svcaccounts.core.model import Catalog, ServiceAccount
from svcaccounts.core.usage import ScopeRemoval
from svcaccounts.definitions.loader import load_files
from svcaccounts.definitions.yaml_reader import read_document

_PLAIN_SCOPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")


class EditRefused(Exception):
    """The file's shape is not one this module edits safely; the message says which."""


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str


class _Text:
    """The file's text and where each line starts, to turn node marks into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def offset(self, line: int, column: int) -> int:
        return self.line_starts[line] + column

    def start(self, node: Node) -> int:
        return self.offset(node.start_mark.line, node.start_mark.column)

    def end(self, node: Node) -> int:
        return self.offset(node.end_mark.line, node.end_mark.column)

    def source(self, node: Node) -> str:
        return self.text[self.start(node) : self.end(node)]

    def line_span(self, line: int) -> tuple[int, int]:
        """The line's first offset and the offset after its line break."""
        start = self.line_starts[line]
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
        return start, end


def _scalar_items(node: Node, what: str) -> list[ScalarNode]:
    if not isinstance(node, SequenceNode) or not all(isinstance(item, ScalarNode) for item in node.value):
        raise EditRefused(f"{what} is not a list of scope names")
    return list(node.value)


def _flow_list(text: _Text, items: Sequence[ScalarNode]) -> str:
    return "[" + ", ".join(text.source(item) for item in items) + "]"


def _remove_items(text: _Text, node: Node, remove: frozenset[str], what: str) -> list[_Edit]:
    items = _scalar_items(node, what)
    assert isinstance(node, SequenceNode)
    kept = [item for item in items if item.value not in remove]
    if not kept:
        raise EditRefused(f"removing them would leave {what} empty")
    if node.flow_style:
        return [_Edit(text.start(node), text.end(node), _flow_list(text, kept))]
    edits = []
    lines = [item.start_mark.line for item in items]
    for item in items:
        if item.value not in remove:
            continue
        line = item.start_mark.line
        start, end = text.line_span(line)
        before = text.text[start : text.start(item)]
        if lines.count(line) != 1 or before.strip() != "-" or item.end_mark.line != line:
            raise EditRefused(f"{what}: the item {item.value!r} does not stand on a line of its own")
        edits.append(_Edit(start, end, ""))
    return edits


def _scope_text(name: str) -> str:
    return (
        name if _PLAIN_SCOPE.fullmatch(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    )


def _add_override(text: _Text, environment_node: Node, scopes: Sequence[str], what: str) -> _Edit:
    listed = "[" + ", ".join(_scope_text(scope) for scope in scopes) + "]"
    if not isinstance(environment_node, MappingNode):
        raise EditRefused(f"{what} is not a mapping (write it as `{{}}` first)")
    if environment_node.flow_style:
        start, end = text.start(environment_node), text.end(environment_node)
        inner = text.text[start + 1 : end - 1].strip()
        rest = f", {inner}" if inner else ""
        return _Edit(start, end, f"{{scopes: {listed}{rest}}}")
    first_key = environment_node.value[0][0]
    line_start, _ = text.line_span(first_key.start_mark.line)
    indent = text.text[line_start : text.start(first_key)]
    if indent.strip():
        raise EditRefused(f"{what}: its first key does not start its line")
    return _Edit(line_start, line_start, f"{indent}scopes: {listed}\n")


def remove_scopes(
    path: str, data: bytes, account: ServiceAccount, environment: str, scopes: Sequence[str]
) -> bytes:
    """`data` (the definition file of `account`) without `scopes` in `environment`; EditRefused
    when the file's shape is not one edited here. Pure: bytes in, bytes out."""
    remove = frozenset(scopes)
    document = read_document(path, data)
    if not document.readable or document.findings:
        raise EditRefused("the file does not read cleanly (svcaccounts validate)")
    text = _Text(data.decode("utf-8").removeprefix("\ufeff"))
    override = account.environments.get(environment)
    if override is None:
        raise EditRefused(f"the account does not exist in {environment}")
    environment_path = ("environments", environment)
    if override.scopes is not None:
        node = document.node_at((*environment_path, "scopes"))
        edits = _remove_items(text, node, remove, f"environments.{environment}.scopes") if node else []
    elif len(account.environments) == 1:
        node = document.node_at(("scopes",))
        edits = _remove_items(text, node, remove, "scopes") if node else []
    else:
        node = document.node_at(environment_path)
        kept = [scope for scope in account.scopes if scope not in remove]
        if not kept:
            raise EditRefused(f"removing them would leave environments.{environment} without scopes")
        edits = [_add_override(text, node, kept, f"environments.{environment}")] if node else []
    if not edits:
        raise EditRefused("the scopes are not where the definition was read from")
    result = text.text
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        result = result[: edit.start] + edit.text + result[edit.end :]
    prefix = "\ufeff" if data.startswith("\ufeff".encode()) else ""
    return (prefix + result).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Proposal:
    """The definition files a removal changes (path → new content) and the removals refused."""

    files: Mapping[str, bytes]
    removed: tuple[ScopeRemoval, ...]
    refused: tuple[tuple[ScopeRemoval, str], ...]


def propose_removals(
    files: Mapping[str, bytes], catalog: Catalog, removals: Sequence[ScopeRemoval]
) -> Proposal:
    """Every removal applied to the repository's files, then checked by loading the result as
    `validate` would: every account keeps exactly its scopes in every environment but those
    removed. A check that fails refuses every removal (nothing is half written)."""
    changed: dict[str, bytes] = {}
    removed: list[ScopeRemoval] = []
    refused: list[tuple[ScopeRemoval, str]] = []
    for removal in removals:
        account = catalog.account(removal.account)
        if account is None or not account.source:
            refused.append((removal, "the account has no definition file"))
            continue
        try:
            changed[account.source] = remove_scopes(
                account.source,
                changed.get(account.source, files[account.source]),
                account,
                removal.environment,
                removal.scopes,
            )
        except EditRefused as error:
            refused.append((removal, str(error)))
            continue
        removed.append(removal)
    if not changed:
        return Proposal({}, (), tuple(refused))
    problem = _check(catalog, load_files({**files, **changed}).catalog, removed)
    if problem is not None:
        return Proposal({}, (), (*refused, *((removal, problem) for removal in removed)))
    return Proposal(changed, tuple(removed), tuple(refused))


def _check(before: Catalog, after: Catalog | None, removed: Sequence[ScopeRemoval]) -> str | None:
    if after is None:
        return "the edited definitions do not load (an editing fault; nothing was written)"
    gone = {(removal.account, removal.environment): set(removal.scopes) for removal in removed}
    for environment in before.environments:
        old, new = before.for_environment(environment), after.for_environment(environment)
        for account in old.accounts:
            expected = tuple(
                s for s in account.scopes if s not in gone.get((account.name, environment), set())
            )
            edited = new.account(account.name)
            if edited is None or edited.scopes != expected or edited.status != account.status:
                return (
                    f"after editing, {account.name} in {environment} would not have exactly the "
                    "expected scopes (an editing fault; nothing was written)"
                )
    return None
