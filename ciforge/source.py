"""Load a manifest: YAML text -> plain data plus a map from JSON paths to source positions.

The loader composes the YAML node graph with ruamel.yaml (which keeps every node's
position) and builds plain Python data from it itself, so that it can:

* report *every* duplicate key and custom tag, not just the first;
* bound alias expansion ("billion laughs") by counting constructed nodes;
* remember the position of every key and value for diagnostics.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
import warnings
from typing import Any, Final

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ciforge.diagnostics import Diagnostic, DiagnosticCode, JsonPath

# A generous ceiling: the biggest real manifest is a few hundred nodes.
MAX_NODES: Final = 100_000
MAX_DEPTH: Final = 64

_STANDARD_TAGS: Final = frozenset(
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "merge", "timestamp")
)
Position = tuple[int, int]  # 1-based line, col


@attrs.frozen
class SourceMap:
    """Positions of values (and of keys) by JSON path."""

    values: dict[JsonPath, Position]
    keys: dict[JsonPath, Position]

    def locate(self, path: JsonPath, *, key: bool = False) -> Position:
        """Best position for ``path``: the key or value itself, else its nearest ancestor."""
        table = self.keys if key else self.values
        probe = path
        while True:
            if probe in table:
                return table[probe]
            if key and probe in self.values:
                return self.values[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]


@attrs.frozen
class SourceDoc:
    """A loaded manifest."""

    path: str
    data: Any
    source_map: SourceMap
    raw_scalars: dict[JsonPath, str]  # the text of plain (unquoted) number scalars
    # one-line string scalars: the column offset of their first character from the node's start
    # (1 for a quoted scalar), so a diagnostic can point at a character inside the value
    value_offsets: dict[JsonPath, int] = attrs.field(factory=dict)


class _Builder:
    def __init__(self, file: str, text: str = "") -> None:
        self.file = file
        self.text = text
        self.values: dict[JsonPath, Position] = {}
        self.keys: dict[JsonPath, Position] = {}
        self.raw: dict[JsonPath, str] = {}
        self.offsets: dict[JsonPath, int] = {}
        self.diagnostics: list[Diagnostic] = []
        self.count = 0
        self.bomb = False

    def error(self, code: DiagnosticCode, message: str, node: Node, path: JsonPath) -> None:
        line, col = _pos(node)
        self.diagnostics.append(Diagnostic(code=code, message=message, path=path, file=self.file, line=line, col=col))

    def build(self, node: Node, path: JsonPath, depth: int = 0) -> Any:
        self.count += 1
        if isinstance(node, ScalarNode):
            self.count += len(str(node.value)) // 64  # long strings weigh what they cost
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            if not self.bomb:
                self.bomb = True
                what = f"more than {MAX_NODES} nodes" if self.count > MAX_NODES else "too deep"
                self.error(
                    "yaml-alias-bomb",
                    f"the document expands to {what} (anchors and aliases are bounded)",
                    node,
                    path,
                )
            return None
        self.values.setdefault(path, _pos(node))
        if node.tag not in _STANDARD_TAGS:
            self.error("yaml-tag", f"custom YAML tag {node.tag!r} is not allowed", node, path)
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: JsonPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.update(self._merge(value_node, path, depth))
                continue
            if not isinstance(key_node, ScalarNode):
                self.error("type", "mapping keys must be plain strings", key_node, path)
                continue
            if key_node.tag not in _STANDARD_TAGS:
                self.error("yaml-tag", f"custom YAML tag {key_node.tag!r} is not allowed", key_node, path)
                continue
            key = str(key_node.value)
            if self._refuse_invisible(key, key_node, (*path, _escaped(key))):
                continue  # left out, so no other check reports the key again
            if key in seen:
                first_line, first_col = _pos(seen[key])
                self.error(
                    "yaml-duplicate-key",
                    f"duplicate key {key!r} (first defined at line {first_line}, col {first_col})",
                    key_node,
                    (*path, key),
                )
                continue
            seen[key] = key_node
            self.keys[(*path, key)] = _pos(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return {**{k: v for k, v in merged.items() if k not in out}, **out}

    def _merge(self, node: Node, path: JsonPath, depth: int) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        result: dict[str, Any] = {}
        for source in reversed(sources):  # earlier sources win (YAML merge-key spec)
            value = self.build(source, path, depth + 1)
            if not isinstance(value, dict):
                self.error("type", "a merge key (<<) takes a mapping or a list of them", node, path)
                continue
            result.update(value)
        return result

    def _refuse_invisible(self, value: str, node: Node, path: JsonPath) -> bool:
        """Report the first invisible or control character of a value at its own position (at the
        scalar when an escape wrote it). True when one was found."""
        found = next((ch for ch in value if invisible(ch)), None)
        if found is None:
            return False
        start, end = node.start_mark, node.end_mark
        where = self.text.find(found, start.index, end.index) if self.text else -1
        line, col = _pos(node)
        if where >= 0:
            line = self.text.count("\n", 0, where) + 1
            col = where - (self.text.rfind("\n", 0, where) + 1) + 1
        self.diagnostics.append(
            Diagnostic(
                code="invisible-character",
                message=f"the value contains {describe(found)}, an invisible or control character; "
                "remove it (it can make text read differently than it runs)",
                path=path,
                file=self.file,
                line=line,
                col=col,
            )
        )
        return True

    def _scalar(self, node: ScalarNode, path: JsonPath) -> Any:
        text = str(node.value)
        if node.style == ">":
            # ruamel's composer marks the line folds of a folded scalar with BEL; they are not
            # part of the value (ruamel's own constructor drops them the same way)
            text = text.replace("\a", "")
        if any("\ud800" <= ch <= "\udfff" for ch in text):
            self.error("yaml-encoding", "a \\u escape names a lone surrogate, not a character", node, path)
            return None
        if self._refuse_invisible(text, node, path):
            return None
        tag = node.tag
        plain = not node.style  # None from ruamel's parser, "" from libyaml's
        if tag == "tag:yaml.org,2002:str":
            quotes = 0 if plain else 1
            start, end = node.start_mark, node.end_mark
            # one line, and no escape changed the length: characters map to columns one to one
            if start.line == end.line and end.column - start.column == len(text) + 2 * quotes:
                self.offsets[path] = quotes
            return text
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return text.lower() == "true"
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            if plain:
                self.raw[path] = text
            return _number(text, tag)
        return text  # timestamps stay strings, as check-jsonschema does


# Tab and line feed are the only control characters a value may hold.
_ALLOWED_CONTROLS: Final = frozenset("\t\n")


def invisible(ch: str) -> bool:
    """Control, format (bidirectional controls, zero-width characters, BOM), private-use and
    surrogate code points, and the Unicode line and paragraph separators: characters that do not
    show what they are, or that other interpreters read as structure."""
    if ch in _ALLOWED_CONTROLS:
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")


def _escaped(text: str) -> str:
    """``text`` with each invisible character written as ``\\uXXXX`` (safe in a one-line path)."""
    return "".join(f"\\u{ord(ch):04x}" if invisible(ch) else ch for ch in text)


def describe(ch: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def _number(text: str, tag: str) -> int | float | str:
    clean = text.replace("_", "")
    try:
        if tag.endswith("int"):
            if clean.lower().startswith(("0x", "-0x", "+0x")):
                return int(clean, 16)
            if clean.lower().startswith(("0o", "-0o", "+0o")):
                return int(clean, 8)
            return int(clean)
        lowered = clean.lower()
        if lowered in (".inf", "+.inf", "-.inf", ".nan"):
            return text  # not representable in JSON; the schema rejects it as a string
        return float(clean)
    except ValueError:
        return text


def _pos(node: Node) -> Position:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


# libyaml's parser (ruamel.yaml.clib), several times faster than ruamel's pure-Python one, is a
# YAML 1.1 parser: it reads Unicode line breaks (NEL, U+2028, U+2029) and some tab placements as
# 1.2 does not, and knows only the 1.1 directive. On plain ASCII text without tabs or directives
# the two compose the same graph (tests/test_source_fast_path.py; docs/cost.md, CLI speed).
_C_PARSER: Final = importlib.util.find_spec("_ruamel_yaml") is not None
_DIRECTIVE: Final = re.compile(r"^%", re.MULTILINE)


def _fast_path(text: str) -> bool:
    return _C_PARSER and text.isascii() and "\t" not in text and not _DIRECTIVE.search(text)


@functools.lru_cache(maxsize=2)
def compose(text: str) -> Node | None:
    """The YAML 1.2 node graph of ``text``, with positions: through libyaml where it reads the
    text as YAML 1.2 does, else (or when libyaml refuses the text, so that the reported error is
    always the same) through ruamel's pure-Python parser. The last two graphs are kept: verify
    reads each file's twice (its loader bounds, the constructs ciforge never writes); the
    readers never change a graph."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReusedAnchorWarning)  # YAML 1.2 allows redefining anchors
        if _fast_path(text):
            try:
                fast: Node | None = YAML(typ="safe", pure=False).compose(text)
            except (YAMLError, RecursionError):
                pass
            else:
                return fast
        pure: Node | None = YAML(typ="rt", pure=True).compose(text)
        return pure


def events(text: str) -> list[Any]:
    """``text``'s parse events, through libyaml on the same terms as :func:`compose`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReusedAnchorWarning)
        if _fast_path(text):
            try:
                return list(YAML(typ="safe", pure=False).parse(text))
            except (YAMLError, RecursionError):
                pass
        return list(YAML(typ="safe", pure=True).parse(text))


def load_plain(text: str) -> Any:
    """``text`` as plain data (YAML 1.2, no positions): through libyaml where it reads the text as
    YAML 1.2 does (the same composition as :func:`compose`; ruamel's 1.2 resolver and safe
    constructor either way), else through ruamel's pure-Python parser. What ``verify``'s lifters
    read (tests/test_source_fast_path.py compares both on every golden output)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReusedAnchorWarning)  # YAML 1.2 allows redefining anchors
        if _fast_path(text):
            try:
                return YAML(typ="safe", pure=False).load(text)
            except (YAMLError, RecursionError):
                pass
        return YAML(typ="safe", pure=True).load(text)


def load_text(text: str, file: str) -> tuple[SourceDoc | None, list[Diagnostic]]:
    """Parse manifest text. Returns the document (None if unusable) and every problem found."""
    try:
        node = compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
            mark = exc.context_mark  # an unterminated quote: point where it starts, not at EOF
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        problem = exc.problem or exc.context or "malformed YAML"
        message = f"invalid YAML: {problem}"
        if exc.context and exc.problem:
            message = f"invalid YAML: {problem} ({exc.context})"
        return None, [Diagnostic(code="yaml-syntax", message=message, file=file, line=line, col=col)]
    except (YAMLError, RecursionError) as exc:
        message = f"invalid YAML: {exc}".splitlines()[0]
        return None, [Diagnostic(code="yaml-syntax", message=message, file=file, line=1, col=1)]
    if node is None:
        return None, [Diagnostic(code="yaml-empty", message="the manifest is empty", file=file, line=1, col=1)]
    builder = _Builder(file, text)
    data = builder.build(node, ())
    doc = SourceDoc(
        path=file,
        data=data,
        source_map=SourceMap(values=builder.values, keys=builder.keys),
        raw_scalars=builder.raw,
        value_offsets=builder.offsets,
    )
    return doc, builder.diagnostics


def load_bytes(raw: bytes, file: str) -> tuple[SourceDoc | None, list[Diagnostic]]:
    """Decode (UTF-8, optional BOM) and parse."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Diagnostic(
                code="yaml-encoding",
                message=f"the manifest is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                file=file,
                line=line,
                col=col,
            )
        ]
    if "\x00" in text:
        return None, [
            Diagnostic(code="yaml-encoding", message="the manifest contains a NUL byte", file=file, line=1, col=1)
        ]
    return load_text(text, file)
