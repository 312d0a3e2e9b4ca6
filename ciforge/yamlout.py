"""The one place that writes YAML text.

* Key order is the order emitters chose; nothing is sorted here.
* Every string that a YAML 1.1 *or* 1.2 reader would take for something else (``on``, ``yes``,
  ``1.20``, ``012``, ``1:30``, ``null``...) is quoted, because GitLab reads YAML 1.1 (Ruby Psych)
  and GitHub's parser YAML 1.2.
* Scripts are literal block scalars; pinned actions carry their version as a comment.
* Output is deterministic: same data, same bytes, with a trailing newline.
"""

from __future__ import annotations

import io
import re
from typing import Final

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

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


def _needs_quotes(value: str) -> bool:
    return value == "" or bool(_AMBIGUOUS.match(value)) or value != value.strip()


def _scalar(value: str) -> object:
    if "\n" in value:
        return LiteralScalarString(value if value.endswith("\n") else value + "\n")
    return SingleQuotedScalarString(value) if _needs_quotes(value) else value


def _comment_column(indent: int, key: str, value: str) -> int:
    # two spaces between the value and its comment (yamllint's "comments" rule)
    quoted = 2 if _needs_quotes(value) else 0
    return indent + len(key) + 2 + len(value) + quoted + 2


def _convert(value: Yaml, indent: int = 0) -> object:
    """Plain data -> ruamel nodes. ``indent`` is the column of this node's keys (mappings are
    indented by 2, sequences by 4 with the dash at offset 2), used to place comments."""
    if isinstance(value, Script):
        return LiteralScalarString(str(value))
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            if isinstance(item, Pinned | Commented):
                text, comment = (item.ref, item.version) if isinstance(item, Pinned) else (item.value, item.comment)
                out[key] = _scalar(text)
                out.yaml_add_eol_comment("# " + comment, key, column=_comment_column(indent, key, text))
            else:
                out[key] = _convert(item, indent + 2)
        return out
    if isinstance(value, list | tuple):
        return CommentedSeq(_convert(item, indent + 2) for item in value)
    if isinstance(value, str):
        return _scalar(value)
    return value


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096  # never fold long lines (GitLab if: expressions, run lines)
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.default_flow_style = False
    return yaml


def dump(data: dict[str, Yaml], header: tuple[str, ...] = ()) -> str:
    """Serialize one document; ``header`` lines become leading ``#`` comments."""
    root = _convert(data)
    stream = io.StringIO()
    for line in header:
        stream.write(f"# {line}\n" if line else "#\n")
    _yaml().dump(root, stream)
    text = stream.getvalue()
    return text if text.endswith("\n") else text + "\n"


def dump_documents(documents: list[dict[str, Yaml]], header: tuple[str, ...] = ()) -> str:
    """Several documents separated by ``---`` (a GitLab component: spec header, then body)."""
    parts = [dump(documents[0], header)]
    parts += [dump(document) for document in documents[1:]]
    return "---\n".join(parts)
