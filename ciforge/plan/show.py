"""Plans for people: a table, JSON, or a Mermaid job graph (``ciforge plan``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import attrs

from ciforge.plan.model import PathFilter, Plan, PlanJob


def _grouped(plan: Plan) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key in plan.jobs:  # pipeline order
        out.setdefault(plan.jobs[key].logical_id, []).append(key)
    return out


def table(plans: Sequence[Plan]) -> str:
    """One row per logical job: how many instances run on each event ("manual": it waits for a
    person)."""
    order: list[str] = []
    for plan in plans:
        for job in plan.jobs.values():
            if job.logical_id not in order:
                order.append(job.logical_id)
    header = ["job", *(p.event for p in plans)]
    rows = [header]
    for logical in order:
        cells = [logical]
        for plan in plans:
            keys = _grouped(plan).get(logical, [])
            count = len(keys)
            ran = "manual" if keys and plan.jobs[keys[0]].manual else "yes"
            cells.append("-" if count == 0 else (ran if count == 1 else f"x{count}"))
        rows.append(cells)
    if len(rows) == 1:
        rows.append(["(no job runs)"] + [""] * len(plans))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    detail = []
    for plan in plans if len(plans) == 1 else ():
        for logical, keys in _grouped(plan).items():
            job = plan.jobs[keys[0]]
            needs = sorted({plan.jobs[k].logical_id for k in job.needs})
            gates = ", ".join(f"{g.kind}{' ' + g.detail if g.detail else ''}" for g in job.gates) or "exit codes"
            detail.append(f"{logical}: needs [{', '.join(needs)}]; gates: {gates}")
    filters = [f"{plan.event}: {describe_filter(plan.path_filter)}" for plan in plans if plan.path_filter is not None]
    detail += ["path filter (docs/equivalence.md, path filters):", *filters] if filters else []
    return "\n".join(lines + (["", *detail] if detail else [])) + "\n"


def describe_filter(path_filter: PathFilter) -> str:
    """When a filtered event runs the pipeline, in words."""
    out = "runs only when a changed file matches " + (", ".join(path_filter.paths) or "any pattern")
    if not path_filter.paths:
        out = "runs unless every changed file matches " + ", ".join(path_filter.ignore or ())
        out += " (GitLab: always, paths-ignore-gitlab)"
    elif path_filter.ignore:
        out += " and not " + ", ".join(path_filter.ignore) + " (GitLab: not excluded, paths-ignore-gitlab)"
    return out


def as_json(plans: Sequence[Plan]) -> str:
    """Every plan in full."""

    def job(j: PlanJob) -> object:
        return attrs.asdict(
            j, recurse=True, value_serializer=lambda _i, _a, v: sorted(v) if isinstance(v, frozenset) else v
        )

    out = {p.event: {key: job(p.jobs[key]) for key in p.jobs} for p in plans}
    return json.dumps(out, indent=2, sort_keys=True) + "\n"


def mermaid(plan: Plan) -> str:
    """The job graph of one event; matrix legs are drawn as one node with a count."""
    groups = _grouped(plan)
    lines = ["graph LR"]
    for logical, keys in groups.items():
        label = logical if len(keys) == 1 else f"{logical} x{len(keys)}"
        lines.append(f'  {_node(logical)}["{label}"]')
    edges = set()
    for logical, keys in groups.items():
        for need in plan.jobs[keys[0]].needs:
            edges.add((plan.jobs[need].logical_id, logical))
    lines += [f"  {_node(a)} --> {_node(b)}" for a, b in sorted(edges)]
    return "\n".join(lines) + "\n"


def _node(name: str) -> str:
    return name.replace("-", "_")
