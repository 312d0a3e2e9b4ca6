"""The one place that writes YAML text.

A small block-style emitter for exactly the data emitters return (mappings, lists, strings,
numbers, booleans, scripts and commented scalars), so writing YAML needs no YAML library: this
module imports none. (Reading does: the manifest is loaded with ruamel.yaml in
:mod:`ciforge.source`, for the line and column of every value, so a render imports ruamel.yaml
once, for its input.)

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

import math
import re
from typing import Final

from ciforge.yamldata import Commented, FlowMap, Pinned, Script, Yaml

# Plain scalars that some reader resolves to a non-string: YAML 1.1 (PyYAML), Ruby's Psych as
# GitLab loads it, YAML 1.2 core (ruamel, GitHub's parser). Deliberately wider than any one of
# them (docs/equivalence.md, "YAML readers"):
# * Psych reads booleans and nulls in any case (``yEs``, ``NuLl``), ``.nan``/``.inf`` in any case,
#   commas inside numbers (``1,000`` is 1000) and a leading ``:`` as a Ruby symbol.
# * YAML 1.1 reads ``y``/``n``, octal ``012``, sexagesimal ``1:30``, timestamps, ``=`` and ``<<``.
# * YAML 1.2 reads ``0o17`` and ``1e3``.
_AMBIGUOUS: Final = re.compile(
    r"""^(?:
        (?i:y|n|yes|no|true|false|on|off|null) | ~
      | [-+]?[0-9][0-9_,]*                                   # decimal/octal int (Psych: commas)
      | [-+]?0[xX][0-9a-fA-F_,]* | [-+]?0[oO][0-7_,]* | [-+]?0[bB][01_,]*   # hex, octal, binary
      | [-+]?[0-9][0-9_,]*(?::[0-5]?[0-9])+(?:\.[0-9_,]*)?    # sexagesimal (1.1)
      | [-+]?(?:[0-9][0-9_,]*\.[0-9_,]*|\.[0-9_,]+)(?:[eE][-+]?[0-9_]*)?   # float
      | [-+]?[0-9][0-9_,]*[eE][-+]?[0-9_]*                   # exponent without a dot (1.2)
      | [-+]?\.[0-9_,]*[eE][-+]?[0-9_]*                       # a dot, no digits before it, an exponent:
                                                             # Psych takes .E-0 for a float and fails
      | [-+]?\.(?i:inf) | \.(?i:nan)
      | -?[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt\s].*)?          # date, timestamp
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
    if first in _INDICATORS and not (first in "-?" and len(value) > 1 and value[1] not in " \t"):
        return True
    return ": " in value or " #" in value or value.endswith(":") or "\t" in value


def _double_quoted(text: str) -> str:
    """A YAML double-quoted scalar; every character YAML cannot carry raw is escaped."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + _UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", out) + '"'


def _float(value: float) -> str:
    """A float every reader reads back as the same float: YAML 1.1 (and Psych) need a dot in the
    mantissa and a signed exponent (``1.0e+20``, not ``1e+20``); JSON's ``Infinity`` is a string."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    mantissa, e, exponent = repr(value).partition("e")
    return mantissa + ("" if "." in mantissa else ".0") + e + exponent


def scalar(value: Yaml) -> str:
    """One scalar in flow form (plain or quoted)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, int):
        return str(value)
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
    # A reader takes the indentation from the first non-empty line: give it explicitly when that
    # line starts with a space (the space would be read as indentation) or a tab (libyaml, which
    # GitLab's Ruby reader uses, refuses a tab where it is still looking for the indentation).
    # https://yaml.org/spec/1.2.2/#8111-block-indentation-indicator
    first = next((line for line in lines if line), "")
    indicator = "2" if first.startswith((" ", "\t")) else ""
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


# A flow mapping longer than this (with its indentation) is written as a block: a reader's line.
FLOW_WIDTH: Final = 160
# Characters a plain scalar cannot hold inside a flow collection (YAML 1.2 §7.3.3, ns-plain-safe-in),
# and ':' as a margin: the four readers tests/test_yaml_readers.py runs (Psych, PyYAML, ruamel,
# GitHub's parser) read a flow plain scalar with ':' the same, but a colon there is the case YAML
# parsers have disagreed on; quoting it costs two bytes.
_FLOW_INDICATORS: Final = frozenset(",[]{}:")


def _flow_scalar(value: Yaml) -> str:
    """A scalar inside a flow mapping: as :func:`scalar`, quoted when plain text holds a flow
    indicator."""
    text = scalar(value)
    if isinstance(value, str) and text == value and _FLOW_INDICATORS & set(text):
        return "'" + text.replace("'", "''") + "'"
    return text


def _flow(data: FlowMap, indent: int) -> str | None:
    """``data`` on one line, or None when a value is not a one-line scalar or the line would be
    wider than FLOW_WIDTH columns."""
    if any(isinstance(v, dict | list | tuple | Pinned | Commented) or _as_literal(v) for v in data.values()):
        return None
    text = "{" + ", ".join(f"{_flow_scalar(k)}: {_flow_scalar(v)}" for k, v in data.items()) + "}"
    return text if indent + 2 + len(text) <= FLOW_WIDTH else None


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
        elif isinstance(value, FlowMap) and value and (flow := _flow(value, len(head) - 1)) is not None:
            out.append(f"{head} {flow}")
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
        if isinstance(item, FlowMap) and item and (flow := _flow(item, indent)) is not None:
            out.append(f"{pad}- {flow}")
        elif isinstance(item, dict) and item:
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
