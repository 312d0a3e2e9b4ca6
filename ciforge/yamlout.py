"""The one place that writes YAML text.

A small block-style emitter for exactly the data emitters return (mappings, lists, strings,
numbers, booleans, scripts and commented scalars), so rendering needs no YAML library at all.

* Key order is the order emitters chose; nothing is sorted here.
* A string is written plain only when every YAML 1.1 and 1.2 reader reads it back as the same
  string; otherwise it is single-quoted (GitLab reads YAML 1.1 with Ruby's Psych, where ``on``,
  ``yes``, ``012`` and ``1:30`` are not strings; GitHub's parser reads YAML 1.2).
* Multi-line strings (scripts) are literal block scalars; pinned actions and permissions carry
  their comment two spaces after the value.
* Output is deterministic: same data, same bytes, one trailing newline.

tests/test_yamlout.py checks that what is written reads back as the same data.
"""

from __future__ import annotations

import json
import re
from typing import Final

from ciforge.yamldata import Commented, Pinned, Script, Yaml

# Plain scalars that some YAML 1.1 or 1.2 resolver reads as a non-string.
_AMBIGUOUS: Final = re.compile(
    r"""^(?:
        y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
      | ~|null|Null|NULL
      | [-+]?(?:0|[1-9][0-9_]*)                       # decimal int
      | [-+]?0[0-7_]+ | 0o[0-7_]+                      # octal (1.1 and 1.2)
      | [-+]?0x[0-9a-fA-F_]+ | [-+]?0b[01_]+           # hex, binary
      | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?   # sexagesimal (1.1)
      | [-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?   # float
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?     # timestamp
      | = | <<
    )$""",
    re.VERBOSE,
)
_INDICATORS: Final = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Characters YAML does not allow raw (or that readers treat as line breaks): escape them.
_UNPRINTABLE: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _needs_quotes(value: str) -> bool:
    """Whether a one-line string must be quoted to read back as itself."""
    if value == "" or value != value.strip() or _AMBIGUOUS.match(value):
        return True
    first = value[0]
    if first in _INDICATORS and not (first in "-?:" and len(value) > 1 and value[1] not in " \t"):
        return True
    return ": " in value or " #" in value or value.endswith(":") or "\t" in value


def _double_quoted(text: str) -> str:
    """A YAML double-quoted scalar; every character YAML cannot carry raw is escaped."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + _UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", out) + '"'


def scalar(value: Yaml) -> str:
    """One scalar in flow form (plain or quoted)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _UNPRINTABLE.search(text) or "\n" in text:
        return _double_quoted(text)
    if _needs_quotes(text):
        return "'" + text.replace("'", "''") + "'"
    return text


def _literal(text: str, indent: int) -> list[str]:
    """A literal block scalar: header and content lines indented by ``indent``."""
    chomp = "" if text.endswith("\n") and not text.endswith("\n\n") else ("+" if text.endswith("\n") else "-")
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    indicator = str(2) if lines[0].startswith(" ") else ""
    out = ["|" + indicator + chomp]
    out += [(" " * indent + line) if line else "" for line in lines]
    return out


def _as_literal(value: Yaml) -> bool:
    """Scripts and other multi-line text are literal blocks, unless a character forces quoting
    (YAML forbids control characters in block scalars; trailing spaces on a line are kept by a
    quoted scalar but would be fragile in a block)."""
    if not isinstance(value, str) or not (isinstance(value, Script) or "\n" in value):
        return False
    return not _UNPRINTABLE.search(value) and not re.search(r"[ \t]\n|[ \t]$|^\s*$", value)


def _inline(value: Yaml) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return scalar(value)


def _mapping(data: dict[str, Yaml], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in data.items():
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, Pinned | Commented):
            text, comment = (value.ref, value.version) if isinstance(value, Pinned) else (value.value, value.comment)
            out.append(f"{head} {scalar(text)}  # {comment}")
        elif _as_literal(value):
            block = _literal(str(value), indent + 2)
            out.append(f"{head} {block[0]}")
            out += block[1:]
        elif isinstance(value, dict) and value:
            out.append(head)
            out += _mapping(value, indent + 2)
        elif isinstance(value, list | tuple) and value:
            out.append(head)
            out += _sequence(list(value), indent + 2)
        else:
            out.append(f"{head} {_inline(value)}")
    return out


def _sequence(items: list[Yaml], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            lines = _mapping(item, indent + 2)
            out.append(f"{pad}- {lines[0].lstrip()}")
            out += lines[1:]
        elif isinstance(item, list | tuple) and item:
            out.append(f"{pad}-")
            out += _sequence(list(item), indent + 2)
        elif _as_literal(item):
            block = _literal(str(item), indent + 2)
            out.append(f"{pad}- {block[0]}")
            out += block[1:]
        elif isinstance(item, Commented):
            out.append(f"{pad}- {scalar(item.value)}  # {item.comment}")
        else:
            out.append(f"{pad}- {_inline(item)}")
    return out


def _comments(lines: tuple[str, ...]) -> list[str]:
    return [f"# {line}" if line else "#" for line in lines]


def dump(data: dict[str, Yaml], header: tuple[str, ...] = (), footer: tuple[str, ...] = ()) -> str:
    """Serialize one document; ``header`` and ``footer`` lines become leading and trailing ``#``
    comments."""
    lines = _comments(header)
    lines += _mapping(data, 0) if data else ["{}"]
    lines += _comments(footer)
    return "\n".join(lines) + "\n"


def dump_documents(documents: list[dict[str, Yaml]], header: tuple[str, ...] = ()) -> str:
    """Several documents separated by ``---`` (a GitLab component: spec header, then body)."""
    parts = [dump(documents[0], header)]
    parts += [dump(document) for document in documents[1:]]
    return "---\n".join(parts)
