"""Lower ``triggers.schedule``: which jobs each scheduled run runs.

An entry names custom jobs, built-in job ids, or the built-in families ``lint``, ``test`` and
``build`` (every job of that kind), as a custom job's ``needs`` do; without ``jobs`` it runs the
custom jobs whose ``events`` list ``schedule``. A scheduled run runs those jobs and every job
they need, and nothing else: a job that publishes (an image push, its signature, a release) runs
only on pushes, so a schedule that would need one is refused (docs/manifest.md, schedules).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import attrs

from ciforge import ir
from ciforge.lower_jobs import FAMILIES

if TYPE_CHECKING:
    from ciforge.diagnostics import JsonPath
    from ciforge.lower import Lowering
    from ciforge.model import Schedule

# The five cron fields and their ranges (the POSIX crontab fields, which both GitHub and GitLab read).
# https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule
# https://docs.gitlab.com/ci/pipelines/schedules/
CRON_FIELDS: Final = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)
_ITEM: Final = re.compile(r"(?:(?P<star>\*)|(?P<low>[0-9]+)(?:-(?P<high>[0-9]+))?)(?:/(?P<step>[0-9]+))?")


def _item_problem(item: str, low: int, high: int) -> str | None:
    match = _ITEM.fullmatch(item)
    if match is None:
        return "not *, a number, a range a-b, or one of them with /step"
    if match["step"] is not None and int(match["step"]) == 0:
        return "a step of 0 never repeats"
    if match["star"]:
        return None
    first, last = int(match["low"]), int(match["high"] if match["high"] is not None else match["low"])
    out_of_range = [n for n in (first, last) if not low <= n <= high]
    if out_of_range:
        return f"{out_of_range[0]} is outside {low}-{high}"
    if first > last:
        return f"the range runs backwards ({first} > {last})"
    if match["step"] is not None and match["high"] is None:
        return (
            f"a step needs a range or *: write {first}-{high}/{match['step']} (the platforms read {item} differently)"
        )
    return None


def cron_problems(cron: str) -> list[str]:
    """What is wrong with a five-field cron (empty when nothing is)."""
    fields = cron.split(" ")
    if len(fields) != len(CRON_FIELDS):
        return [f"{len(fields)} fields; a cron has five: minute, hour, day of month, month, day of week"]
    out = []
    for (name, low, high), field in zip(CRON_FIELDS, fields, strict=True):
        for item in field.split(","):
            problem = _item_problem(item, low, high)
            if problem is not None:
                out.append(f"{name} {item!r}: {problem}")
    return out


class Schedules:
    """The schedules of one lowering run; problems go to the run's diagnostics."""

    def __init__(self, low: Lowering, jobs: list[ir.Job]) -> None:
        self.low = low
        self.jobs = {job.id: job for job in jobs}
        self.custom = low.m.jobs
        self.entries = low.m.triggers.schedule

    def crons(self) -> tuple[str, ...]:
        """Every entry's cron, in order; each is reported when malformed or repeated."""
        seen: set[str] = set()
        for i, entry in enumerate(self.entries):
            path: JsonPath = ("triggers", "schedule", i, "cron")
            for problem in cron_problems(entry.cron):
                self.low.error("schedule", f"cron {entry.cron!r}: {problem}", path)
            if entry.cron in seen:
                self.low.error(
                    "schedule",
                    f"cron {entry.cron!r} is already another entry's: a GitHub run tells its schedules apart "
                    "only by the cron; put the jobs in one entry, or shift one by a minute",
                    path,
                )
            seen.add(entry.cron)
        return tuple(entry.cron for entry in self.entries)

    def _named(self, i: int, entry: Schedule) -> list[str]:
        """The job ids the entry names (or, without ``jobs``, the custom jobs listing schedule)."""
        if entry.jobs is None:
            listed = [name for name, spec in self.custom.items() if spec.events and "schedule" in spec.events]
            if not listed:
                self.low.error(
                    "schedule",
                    f"the schedule {entry.cron!r} runs no job: name them in its jobs, or list schedule in a "
                    "custom job's events",
                    ("triggers", "schedule", i),
                )
            return [name for name in listed if name in self.jobs]
        out: list[str] = []
        for k, name in enumerate(entry.jobs):
            family = [jid for jid in self.jobs if name in FAMILIES and (jid == name or jid.startswith(name + "-"))]
            if family:  # every job of the kind (every module's, platform's, shard's), as needs read it
                out += family
            elif name in self.jobs:
                out.append(name)
            elif name not in self.custom:  # a custom job that failed to lower is reported already
                known = ", ".join(dict.fromkeys([*FAMILIES, *self.jobs]))
                self.low.error(
                    "schedule",
                    f"the schedule {entry.cron!r} runs {name!r}, which is no job here (known: {known})",
                    ("triggers", "schedule", i, "jobs", k),
                )
        return out

    def _closure(self, i: int, entry: Schedule) -> set[str]:
        """The named jobs and every job they need; each must be able to run on a schedule."""
        out: set[str] = set()
        pending = [(name, name) for name in self._named(i, entry)]
        while pending:
            job_id, named = pending.pop()
            if job_id in out:
                continue
            out.add(job_id)
            job = self.jobs[job_id]
            if ir.Event.SCHEDULE not in job.events:
                via = "" if job_id == named else f" (needed by {named})"
                why = (
                    "its events do not list schedule"
                    if job_id in self.custom
                    else "it publishes, which ciforge never does on a schedule"
                )
                self.low.error(
                    "schedule",
                    f"the schedule {entry.cron!r} would run {job_id}{via}, but {why}",
                    ("triggers", "schedule", i, *(("jobs",) if entry.jobs is not None else ())),
                )
            pending += [(need, named) for need in job.needs]
        return out

    def apply(self) -> list[ir.Job]:
        """The jobs, each running on exactly the schedules that select it or a job that needs it."""
        crons = self.crons()
        selected = [self._closure(i, entry) for i, entry in enumerate(self.entries)]
        for name, spec in self.custom.items():
            if spec.events and "schedule" in spec.events and not any(name in s for s in selected):
                self.low.error(
                    "schedule",
                    f"job {name} lists schedule, but no triggers.schedule entry runs it (an entry without "
                    "jobs runs the custom jobs that list schedule)",
                    ("jobs", name, "events"),
                )
        out = []
        for job in self.jobs.values():
            schedules = tuple(cron for cron, ids in zip(crons, selected, strict=True) if job.id in ids)
            events = job.events - {ir.Event.SCHEDULE} | ({ir.Event.SCHEDULE} if schedules else set())
            listed = job.id in self.custom and "schedule" in (self.custom[job.id].events or ())
            # a job whose needs run only on schedules (a job listing schedule is reported above)
            if not events and job.events == {ir.Event.SCHEDULE} and job.id in self.custom and not listed:
                self.low.error(
                    "schedule",
                    f"job {job.id} would run on no event: what it needs runs only on schedules, and no "
                    "triggers.schedule entry runs it; name it in one, or list schedule in its events",
                    ("jobs", job.id),
                )
            out.append(attrs.evolve(job, events=frozenset(events), schedules=schedules))
        return out
