"""GitHub's documented matrix semantics, implemented once, in the compiler.

https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations

1. Take the cartesian product of the dimensions (in declaration order).
2. Remove every combination that an ``exclude`` entry matches on all of the entry's keys.
3. For each ``include`` entry, in order: add its keys to every *original* (post-exclude)
   combination whose original values it does not contradict (it may overwrite values added by an
   earlier include); if it matched none, append it as a new combination of its own.

Both emitters then write the resulting concrete legs, so GitHub and GitLab run the same set.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

Combination = dict[str, Any]


def expand(
    dimensions: Sequence[tuple[str, Sequence[Any]]],
    exclude: Sequence[Mapping[str, Any]] = (),
    include: Sequence[Mapping[str, Any]] = (),
) -> list[Combination]:
    """Expand a matrix; returns the combinations in GitHub's order."""
    names = [name for name, _ in dimensions]
    base: list[Combination] = []
    if names:
        for values in itertools.product(*(vals for _, vals in dimensions)):
            base.append(dict(zip(names, values, strict=True)))
    base = [c for c in base if not any(_matches(c, e) for e in exclude)]
    originals = [dict(c) for c in base]  # the values an include must not overwrite
    # Index the original combinations by their values on each set of dimension keys an include
    # uses, so each include finds its matches without scanning every leg (linear growth).
    indexes: dict[tuple[str, ...], dict[tuple[Any, ...], list[int]]] = {}
    extra: list[Combination] = []
    for entry in include:
        keys = tuple(k for k in names if k in entry)
        if keys not in indexes:
            index: dict[tuple[Any, ...], list[int]] = {}
            for i, original in enumerate(originals):
                index.setdefault(tuple(_hashable(original[k]) for k in keys), []).append(i)
            indexes[keys] = index
        hits = indexes[keys].get(tuple(_hashable(entry[k]) for k in keys), []) if base else []
        for i in hits:
            base[i].update(entry)
        if not hits:
            extra.append(dict(entry))
    return base + extra


def _hashable(value: Any) -> Any:
    # matrix values may be mappings or lists in GitHub's model; compare them by content
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _matches(combo: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    return all(k in combo and combo[k] == v for k, v in entry.items())
