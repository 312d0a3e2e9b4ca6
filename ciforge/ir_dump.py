"""A stable text dump of the IR, for golden files (a lowering change shows up as an IR diff,
apart from emitter changes)."""

from __future__ import annotations

import enum
import json
from typing import Any

import attrs

from ciforge import ir


def _plain(value: Any) -> Any:
    if attrs.has(type(value)):
        out = {"kind": type(value).__name__}
        out.update(
            {
                f.name: _plain(getattr(value, f.name))
                for f in attrs.fields(type(value))
                if not (f.metadata.get("dump") == "unless-default" and getattr(value, f.name) == f.default)
            }
        )
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def dump(pipeline: ir.Pipeline) -> str:
    """JSON with sorted keys; sets sorted; one trailing newline."""
    return json.dumps(_plain(pipeline), indent=1, sort_keys=True) + "\n"
