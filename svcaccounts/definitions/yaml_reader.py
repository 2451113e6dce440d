"""Strict YAML reading: bytes in, plain JSON-like values plus the node tree (for positions) out.

Definitions are reviewed line by line and come from many hands, so the reader refuses what YAML
would otherwise accept silently:
- duplicate keys at any depth (PyYAML keeps the last one);
- anchors, aliases and merge keys (they hide content from a reviewer, and alias expansion is a
  memory bomb), detected on the parser's events before any node is built;
- explicit tags other than the core ones, dates, and non-string mapping keys;
- bytes that are not UTF-8, empty files, several documents, files over a size cap.

YAML 1.1 scalars (`no`, `on`, `0755`, `1e3`) are converted to what YAML reads them as, and the
schema check, which knows what each field wants, reports a mismatch with the text as written.

libyaml's C composer builds the nodes (with marks); the Python walk below is the only per-node
Python work, which keeps 10,000 files within a couple of seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from svcaccounts.definitions.findings import Finding

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
# Digits of a plain decimal: the largest bound any field has (force: 1000, period: 365) is far
# below; more is a mistake or a pasted secret, and Python refuses past 4,300.
MAX_INTEGER_DIGITS = 18
# Findings listed per file; the rest are counted. A hostile file with 90,000 unknown keys must
# cost linear time and give a report a person can read, and the first fifty problems are enough
# to act on.
MAX_FINDINGS_PER_FILE = 50
# Integers as a reviewer reads them: no plus sign, no leading zero, no base prefix, no separators.
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"

# What YAML calls each implicit type, for messages ("YAML reads `no` as a boolean").
TYPE_NAMES = {
    STR_TAG: "text",
    INT_TAG: "an integer",
    FLOAT_TAG: "a number",
    BOOL_TAG: "a boolean",
    NULL_TAG: "null",
    TIMESTAMP_TAG: "a date",
}

PathKey = str | int
JsonPath = tuple[PathKey, ...]

_constructor = SafeConstructor()


def field_name(json_path: JsonPath) -> str:
    """How messages name a place: `rotation.period_days`, `scopes[1]`; "" for the top level."""
    text = ""
    for step in json_path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def position(node: Node) -> tuple[int, int]:
    """1-based line and column of a node's first character."""
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


@dataclass(slots=True)
class Document:
    """One YAML file: its converted value, its node tree and what was wrong while reading it."""

    path: str
    value: Any = None
    root: Node | None = None
    findings: list[Finding] = field(default_factory=list)
    # JSON paths whose value the reader already complained about; the schema check skips them.
    flagged: set[JsonPath] = field(default_factory=set)
    # JSON paths of the schema's errors: later stages do not report the same value again.
    schema_errors: set[JsonPath] = field(default_factory=set)
    # Each mapping node's entries by key, built on first lookup: locating every one of 90,000
    # unknown keys by scanning its mapping would cost quadratic time.
    _entries: dict[int, dict[object, tuple[Node, Node]]] = field(default_factory=dict, repr=False)

    @property
    def readable(self) -> bool:
        return self.root is not None

    # Problems past MAX_FINDINGS_PER_FILE: counted, not listed (the loader reports the count).
    suppressed: int = 0

    @property
    def full(self) -> bool:
        """True once the file has as many findings as are listed: callers may skip the work of
        describing more (they still count them)."""
        return len(self.findings) >= MAX_FINDINGS_PER_FILE

    def add(self, finding: Finding) -> None:
        if self.full:
            self.suppressed += 1
        else:
            self.findings.append(finding)

    def error(self, line: int, col: int, message: str) -> None:
        self.add(Finding(self.path, line, col, message))

    def is_flagged(self, json_path: JsonPath) -> bool:
        """Whether the reader already complained about `json_path` or a path above it."""
        return any(json_path[:depth] in self.flagged for depth in range(len(json_path) + 1))

    def error_at(self, node: Node, message: str) -> None:
        line, col = position(node)
        self.error(line, col, message)

    def value_at(self, json_path: JsonPath) -> Any:
        """The converted value at `json_path`, or None where the path leaves the document."""
        value = self.value
        for step in json_path:
            if isinstance(value, dict) and isinstance(step, str):
                value = value.get(step)
            elif isinstance(value, list) and isinstance(step, int) and step < len(value):
                value = value[step]
            else:
                return None
        return value

    def _entry(self, node: MappingNode, key: str) -> tuple[Node, Node] | None:
        entries = self._entries.get(id(node))
        if entries is None:
            entries = {}
            for key_node, value_node in node.value:
                # The first entry wins, as in a scan (duplicate keys are refused anyway).
                entries.setdefault(key_node.value, (key_node, value_node))
            self._entries[id(node)] = entries
        return entries.get(key)

    def node_at(self, json_path: JsonPath) -> Node | None:
        """The value node at `json_path`, or None where the path leaves the document."""
        node = self.root
        for step in json_path:
            if isinstance(node, MappingNode) and isinstance(step, str):
                entry = self._entry(node, step)
                node = None if entry is None else entry[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return None
        return node

    def key_node_at(self, json_path: JsonPath) -> Node | None:
        """The key node of the mapping entry at `json_path` (its last step names the key)."""
        if not json_path:
            return self.root
        parent = self.node_at(json_path[:-1])
        step = json_path[-1]
        if isinstance(parent, MappingNode) and isinstance(step, str):
            entry = self._entry(parent, step)
            return None if entry is None else entry[0]
        return None

    def locate(self, json_path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """Best position for a problem at `json_path`: the node, else its nearest ancestor."""
        for depth in range(len(json_path), -1, -1):
            prefix = json_path[:depth]
            node = self.key_node_at(prefix) if key and depth == len(json_path) else self.node_at(prefix)
            if node is not None:
                return position(node)
        return 1, 1


def read_document(path: str, data: bytes) -> Document:
    """Parse `data` strictly. Problems become findings on the returned document, never exceptions."""
    document = Document(path)
    if len(data) > MAX_FILE_BYTES:
        document.error(1, 1, f"file is {len(data):,} bytes; definitions are limited to {MAX_FILE_BYTES:,}")
        return document
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        col = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        document.error(line, col, "file is not UTF-8 text")
        return document
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        document.error(1, 1, "file is empty")
        return document
    # `&` and `*` are the only ways into anchors and aliases; the event scan is slower than the
    # composer, so it runs only when one of them appears anywhere in the text.
    if ("&" in text or "*" in text) and _report_anchors(document, text):
        return document
    loader = yaml.CSafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        line, col = _mark_position(error.problem_mark or error.context_mark)
        document.error(line, col, f"invalid YAML: {_describe_yaml_error(error)}")
        return document
    except yaml.reader.ReaderError as error:
        line, col = _line_col(text, error.position)
        document.error(line, col, f"invalid YAML: character U+{error.character:04X}: {error.reason}")
        return document
    except yaml.YAMLError as error:  # anything else libyaml raises without a mark
        document.error(1, 1, f"invalid YAML: {_first_line(str(error))}")
        return document
    finally:
        loader.dispose()
    if root is None:
        document.error(1, 1, "file holds no YAML document")
        return document
    document.root = root
    if not isinstance(root, MappingNode):
        document.error_at(root, "the top level must be a mapping of fields")
        document.flagged.add(())
        return document
    document.value = _convert(document, root, ())
    return document


def _describe_yaml_error(error: yaml.MarkedYAMLError) -> str:
    if error.context and error.problem and error.problem.startswith("but "):
        return f"{error.context}, {error.problem}"  # "expected a single document ..., but found another"
    return str(error.problem or error.context)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unreadable input"


def _report_anchors(document: Document, text: str) -> bool:
    """Report every anchor and alias; True when there was any (the file is then not composed)."""
    found = False
    try:
        for event in _events(text):
            anchor = getattr(event, "anchor", None)
            if not anchor:
                continue
            found = True
            what = "alias *" if isinstance(event, yaml.AliasEvent) else "anchor &"
            line, col = _mark_position(event.start_mark)
            document.error(line, col, f"{what}{anchor} is not allowed: write the content out")
    except yaml.YAMLError:
        # Syntax errors are reported, with their position, by the composer that runs next.
        return found
    return found


def _mark_position(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _events(text: str) -> Iterator[Any]:
    loader = yaml.CSafeLoader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def _convert(document: Document, node: Node, json_path: JsonPath) -> Any:
    if len(json_path) > MAX_DEPTH:
        # Far deeper than any definition; stops the walk long before Python's recursion limit.
        document.error_at(node, f"nested more than {MAX_DEPTH} levels deep")
        document.flagged.add(json_path)
        return None
    if isinstance(node, ScalarNode):
        return _convert_scalar(document, node, json_path)
    if isinstance(node, MappingNode):
        if node.tag != MAP_TAG:
            document.error_at(node, f"tag {node.tag} is not allowed")
            document.flagged.add(json_path)
            return None
        mapping: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = _mapping_key(document, key_node)
            if key is None:
                # The entry is dropped, so whatever the schema would say of this mapping
                # (a required field "missing") follows from the finding already made.
                document.flagged.add(json_path)
                continue
            if key in first_seen:
                first_line, _ = position(first_seen[key])
                document.error_at(key_node, f"duplicate key '{key}' (first defined on line {first_line})")
                continue
            first_seen[key] = key_node
            mapping[key] = _convert(document, value_node, (*json_path, key))
        return mapping
    if isinstance(node, SequenceNode):
        if node.tag != SEQ_TAG:
            document.error_at(node, f"tag {node.tag} is not allowed")
            document.flagged.add(json_path)
            return None
        return [_convert(document, item, (*json_path, index)) for index, item in enumerate(node.value)]
    raise TypeError(f"unexpected YAML node {type(node).__name__}")  # pragma: no cover - libyaml has no other


def _mapping_key(document: Document, key_node: Node) -> str | None:
    if not isinstance(key_node, ScalarNode):
        document.error_at(key_node, "a mapping key must be plain text, not a mapping or a list")
        return None
    if key_node.tag == MERGE_TAG:
        document.error_at(key_node, "merge keys (<<) are not allowed: write the fields out")
        return None
    if key_node.tag != STR_TAG:
        kind = TYPE_NAMES.get(key_node.tag, key_node.tag)
        document.error_at(
            key_node, f"key {key_node.value!r} is read by YAML as {kind}; quote it if it is a name"
        )
        return None
    return str(key_node.value)


def _convert_scalar(document: Document, node: ScalarNode, json_path: JsonPath) -> Any:
    tag = node.tag
    value = node.value
    if tag == STR_TAG:
        return value
    if tag == INT_TAG:
        if _PLAIN_DECIMAL.match(value) and len(value) <= MAX_INTEGER_DIGITS:
            return int(value)
        document.flagged.add(json_path)
        if _PLAIN_DECIMAL.match(value):
            # Python refuses to convert more than 4,300 digits; no field needs more than a few.
            document.error_at(node, f"this number has more than {MAX_INTEGER_DIGITS} digits")
            return None
        # 0x3c, 0b11, 1_0, +60, 6:0 (sexagesimal: 360), 0755 (octal): YAML 1.1 reads each as a
        # number a reviewer would not guess. Only plain decimals are taken. Neither the text nor
        # the number YAML makes of it is repeated: it may be a secret pasted under a wrong key.
        document.error_at(
            node,
            "YAML 1.1 reads this as a number in another notation (hexadecimal, octal, sexagesimal "
            "such as 6:0, a sign or '_'): write numbers as plain decimals such as 60, or quote "
            "the value for text",
        )
        return None
    if tag == BOOL_TAG:
        if value.lower() not in ("true", "false"):
            # yes/no/on/off: booleans to YAML 1.1 (PyYAML), text to YAML 1.2 (most editors).
            # Either reading may be the author's intent, so neither is taken silently.
            document.flagged.add(json_path)
            meaning = "true" if value.lower() in ("yes", "on") else "false"
            document.error_at(
                node,
                f"YAML 1.1 reads {value!r} as {meaning}: write {meaning} for a boolean, "
                f'or quote it ("{value}") for text',
            )
        return value.lower() in ("true", "yes", "on")
    if tag == NULL_TAG:
        return None
    if tag == FLOAT_TAG:
        return _constructor.construct_yaml_float(node)
    document.flagged.add(json_path)
    if tag == TIMESTAMP_TAG:
        # Not repeated, like numbers: `12:34:56`-like secrets must not reach a CI log.
        document.error_at(node, "YAML reads this as a date or time; quote it if you mean text")
        return value
    document.error_at(node, f"tag {tag} is not allowed")
    return None
