"""The pipeline schedules a GitLab project needs. GitLab keeps schedules outside .gitlab-ci.yml, so
``ciforge schedules`` prints what creates them: one per ``triggers.schedule`` entry, in UTC, on
the default branch, with the schedule variable the pipeline's rules read to tell them apart
(``ir.SCHEDULE_VARIABLE``; docs/equivalence.md, ``schedule-definition``).

Two forms: ``glab schedule create`` commands (https://docs.gitlab.com/cli/schedule/create/), and a
bash script of REST API calls, a schedule then its variable
(https://docs.gitlab.com/api/pipeline_schedules/#create-a-new-pipeline-schedule and
#create-a-new-pipeline-schedule-variable). The same manifest always prints the same text.
"""

from __future__ import annotations

import shlex
from typing import Final

from ciforge import ir

# GitHub reads every cron in UTC; a GitLab schedule gets the same time zone (register: schedule-time-zone).
TIME_ZONE: Final = "UTC"
FORMS: Final = ("glab", "curl")


def _jobs(pipeline: ir.Pipeline, cron: str) -> str:
    return ", ".join(job.id for job in pipeline.jobs if cron in job.schedules)


def _description(pipeline: ir.Pipeline, cron: str) -> str:
    return f"ciforge {pipeline.name}: {cron} ({TIME_ZONE})"


def _glab(pipeline: ir.Pipeline, ref: str) -> list[str]:
    out = []
    for cron in pipeline.triggers.schedules:
        words = [
            "glab", "schedule", "create",
            "--cron", cron,
            "--cronTimeZone", TIME_ZONE,
            "--ref", ref,
            "--description", _description(pipeline, cron),
            "--variable", f"{ir.SCHEDULE_VARIABLE}:{cron}",
        ]  # fmt: skip
        out += [f"# {cron} ({TIME_ZONE}) runs: {_jobs(pipeline, cron)}", shlex.join(words)]
    return out


_CURL: Final = 'curl --fail-with-body --silent --show-error --header "PRIVATE-TOKEN: ${GITLAB_TOKEN}"'


def _form(**fields: str) -> str:
    return " ".join(f"--data-urlencode {shlex.quote(f'{key}={value}')}" for key, value in fields.items())


def _curl(pipeline: ir.Pipeline, ref: str) -> list[str]:
    out = [
        "# Set GITLAB_TOKEN (a token with the api scope) and GITLAB_PROJECT (the project's ID or URL-encoded",
        "# path); on a self-managed instance, GITLAB_API too. Needs bash, curl and jq.",
        "set -euo pipefail",
        ': "${GITLAB_TOKEN:?a token with the api scope}"',
        'api="${GITLAB_API:-https://gitlab.com/api/v4}/projects/${GITLAB_PROJECT:?the project ID or URL-encoded path}"',
    ]
    for cron in pipeline.triggers.schedules:
        schedule = _form(
            description=_description(pipeline, cron), ref=ref, cron=cron, cron_timezone=TIME_ZONE, active="true"
        )
        variable = _form(key=ir.SCHEDULE_VARIABLE, value=cron)
        out += [
            f"# {cron} ({TIME_ZONE}) runs: {_jobs(pipeline, cron)}",
            f'id="$({_CURL} {schedule} "$api/pipeline_schedules" | jq -r .id)"',
            f'{_CURL} {variable} "$api/pipeline_schedules/$id/variables" >/dev/null',
        ]
    return out


def schedule_setup(pipeline: ir.Pipeline, ref: str, form: str) -> str | None:
    """What creates the pipeline's schedules on GitLab, in ``form`` (glab or curl); None when the
    manifest has no schedules."""
    if not pipeline.triggers.schedules:
        return None
    lines = _glab(pipeline, ref) if form == "glab" else _curl(pipeline, ref)
    head = (
        f"# GitLab pipeline schedules for {pipeline.name} ({len(pipeline.triggers.schedules)}): GitLab keeps them "
        "outside .gitlab-ci.yml; create each once, on the default branch."
    )
    return "\n".join([head, *lines]) + "\n"
