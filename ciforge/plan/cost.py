"""What a pipeline costs on each event (``ciforge plan --cost``): its jobs and legs, the set-ups
they repeat (checkouts, tool installs, cache restores), billed minutes, and the critical path.

The estimate in seconds comes from ``ciforge/data/job-seconds.json``: the durations of the
example's jobs measured by the execution suite under gitlab-ci-local (docs/cost.md says how to
measure them again). A job it has no figure for is named as unmeasured, never guessed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Final

import attrs

from ciforge.plan.model import Plan

TIMINGS: Final = "job-seconds.json"


@attrs.frozen
class Timings:
    """Seconds per logical job, and where they were measured."""

    source: str
    seconds: Mapping[str, float]


@cache
def timings() -> Timings:
    data = json.loads(resources.files("ciforge.data").joinpath(TIMINGS).read_text(encoding="utf-8"))
    return Timings(source=data["source"], seconds=data["seconds"])


@attrs.frozen
class Path:
    """The longest chain of jobs through one event's graph: most jobs first, then most seconds."""

    keys: tuple[str, ...]  # job keys, the first job first
    seconds: float  # the measured seconds of the jobs on it
    unmeasured: tuple[str, ...]  # logical jobs on it without a figure


def critical_path(plan: Plan, seconds: Mapping[str, float]) -> Path:
    """The chain of needs that is longest in jobs, ties broken by measured seconds."""
    best: dict[str, tuple[int, float, tuple[str, ...]]] = {}

    def longest(key: str) -> tuple[int, float, tuple[str, ...]]:
        if key not in best:
            job = plan.jobs[key]
            before = max((longest(need) for need in sorted(job.needs)), default=(0, 0.0, ()))
            best[key] = (before[0] + 1, before[1] + seconds.get(job.logical_id, 0.0), (*before[2], key))
        return best[key]

    chain = max((longest(key) for key in plan.jobs), default=(0, 0.0, ()))
    logical = dict.fromkeys(plan.jobs[key].logical_id for key in chain[2])
    return Path(keys=chain[2], seconds=chain[1], unmeasured=tuple(j for j in logical if j not in seconds))


@attrs.frozen
class EventCost:
    event: str
    jobs: int  # job instances (every matrix leg counted)
    legs: int  # instances of jobs that run as more than one leg
    checkouts: int
    tool_setups: int  # pinned tools installed (Go, buildx, syft, ...), one per tool per job
    cache_restores: int
    billed_minutes: int  # at least one minute per job, GitHub's rounding, over the measured seconds
    path: Path


def event_cost(plan: Plan, seconds: Mapping[str, float]) -> EventCost:
    jobs = list(plan.jobs.values())
    per_logical: dict[str, int] = {}
    for job in jobs:
        per_logical[job.logical_id] = per_logical.get(job.logical_id, 0) + 1
    return EventCost(
        event=plan.event,
        jobs=len(jobs),
        legs=sum(count for count in per_logical.values() if count > 1),
        checkouts=sum(job.source for job in jobs),
        tool_setups=sum(len(job.tools) for job in jobs),
        cache_restores=sum(len(job.caches) for job in jobs),
        billed_minutes=sum(max(1, math.ceil(seconds.get(job.logical_id, 0.0) / 60)) for job in jobs),
        path=critical_path(plan, seconds),
    )


def _jobs(plan: Plan) -> str:
    """The event's jobs in pipeline order, a matrix job once with its count of legs."""
    counts: dict[str, int] = {}
    for job in plan.jobs.values():
        counts[job.logical_id] = counts.get(job.logical_id, 0) + 1
    return ", ".join(job if n == 1 else f"{job} x{n}" for job, n in counts.items()) or "(no job runs)"


def view(plans: Sequence[Plan], source: Timings | None = None) -> str:
    """The cost table of every event, then each event's critical path."""
    measured = source or timings()
    costs = [event_cost(plan, measured.seconds) for plan in plans]
    header = ["event", "jobs", "legs", "checkouts", "tool set-ups", "cache restores", "billed min", "path (jobs)"]
    rows = [header] + [
        [
            c.event,
            str(c.jobs),
            str(c.legs),
            str(c.checkouts),
            str(c.tool_setups),
            str(c.cache_restores),
            f">= {c.billed_minutes}",
            str(len(c.path.keys)),
        ]
        for c in costs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for plan, c in zip(plans, costs, strict=True):
        lines += ["", f"{c.event}: {_jobs(plan)}"]
        if c.path.keys:
            chain = " -> ".join(plan.jobs[key].logical_id for key in c.path.keys)
            estimate = f"about {c.path.seconds:.0f} s"
            if c.path.unmeasured:
                estimate += f" plus the unmeasured {', '.join(c.path.unmeasured)}"
            lines.append(f"  critical path: {chain} ({len(c.path.keys)} jobs, {estimate})")
    lines += [
        "",
        "billed min: GitHub bills each job rounded up to a whole minute; at least one minute per job.",
        f"seconds: {measured.source}",
    ]
    return "\n".join(lines) + "\n"
