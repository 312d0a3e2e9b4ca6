"""Read a GitHub job's matrix back as its legs, by GitHub's documented expansion
(https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations#expanding-or-adding-matrix-configurations).

It reads only the YAML; it shares no code with the compiler's matrix expansion, which it checks.
"""

from __future__ import annotations

import itertools
from typing import Any


def expand_matrix(strategy: Any) -> list[dict[str, str]]:
    """GitHub's documented expansion: product, exclude (partial match), include."""
    if not strategy or "matrix" not in strategy:
        return []
    matrix = dict(strategy["matrix"])
    include = list(matrix.pop("include", []) or [])
    exclude = list(matrix.pop("exclude", []) or [])
    names = list(matrix)
    combos = [dict(zip(names, values, strict=True)) for values in itertools.product(*matrix.values())] if names else []
    combos = [c for c in combos if not any(all(c.get(k) == v for k, v in e.items()) for e in exclude)]
    originals = [dict(c) for c in combos]
    added: list[dict[str, Any]] = []
    for entry in include:
        hit = False
        for combo, original in zip(combos, originals, strict=True):
            if all(original[k] == v for k, v in entry.items() if k in original):
                combo.update(entry)
                hit = True
        if not hit:
            added.append(dict(entry))
    return [{k: scalar(v) for k, v in c.items()} for c in combos + added]


def scalar(value: Any) -> str:
    """A YAML scalar as the runner sees it in an expression's string form (booleans lower case)."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
