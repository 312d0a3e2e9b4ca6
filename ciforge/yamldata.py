"""The data shapes emitters return: plain dicts, lists and scalars, plus two markers.

Emitters never produce text; :mod:`ciforge.yamlout` is the one module that does.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

# The emitted document type, checked by mypy --strict in every emitter: mappings, sequences,
# scalars, and the three markers below.
Yaml: TypeAlias = "dict[str, Yaml] | list[Yaml] | str | int | float | bool | Script | Pinned | Commented | None"


class Script(str):
    """A shell script, written as a literal block scalar (``|``)."""

    __slots__ = ()


class FlowMap(dict[str, Yaml]):
    """A mapping written on one line in flow style (``{a: 1, b: x}``) when its values are one-line
    scalars and it fits in :data:`ciforge.yamlout.FLOW_WIDTH` columns, else as a block (a matrix
    leg: one line per leg keeps a 2,000-leg workflow under GitHub's 500 KB)."""


@attrs.frozen
class Pinned:
    """An action reference pinned to a commit, written with its version as a comment."""

    ref: str
    version: str


@attrs.frozen
class Commented:
    """A scalar written with an end-of-line comment (e.g. why a token permission is needed)."""

    value: str | int | float | bool
    comment: str


def drop_none(mapping: dict[str, Yaml]) -> dict[str, Yaml]:
    """The mapping without keys whose value is None (emitters use None for "not present")."""
    return {k: v for k, v in mapping.items() if v is not None}
