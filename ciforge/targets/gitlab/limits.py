"""GitLab's limits that only the rendered pipeline shows."""

from __future__ import annotations

from typing import Final

from ciforge import ir
from ciforge.targets import Limit

# One job needs at most 50 jobs, every matrix leg counted. https://docs.gitlab.com/ci/yaml/#needs
MAX_NEEDS: Final = 50
# A job name has at most 255 characters, 128 for a job that other jobs need (the matrix suffix
# counts). https://docs.gitlab.com/ci/jobs/#job-names
MAX_JOB_NAME: Final = 255
MAX_NEEDED_JOB_NAME: Final = 128


def exceeded_limits(pipeline: ir.Pipeline, text: str | None) -> list[Limit]:
    """Needs per job and the length of each matrix job's name (whether or not ``text``, the
    pipeline, is rendered: a manifest must fit every platform)."""
    out: list[Limit] = []
    concrete = {j.id: j.instances for j in pipeline.jobs}
    for job in pipeline.jobs:
        count = sum(concrete[n] for n in job.needs)
        if count > MAX_NEEDS:
            out.append(
                Limit(
                    f"the GitLab job {job.id} would need {count} jobs (every matrix leg counts); GitLab refuses a "
                    f"pipeline in which one job needs more than {MAX_NEEDS}",
                    at="matrix",
                )
            )
    needed = {n for j in pipeline.jobs for n in j.needs}
    for job in pipeline.jobs:
        limit = MAX_NEEDED_JOB_NAME if job.id in needed else MAX_JOB_NAME
        for leg in () if job.sequential else job.legs:  # a batch's legs are no jobs of their own
            name = f"{job.id}: [{', '.join(v for _, v in leg.variables)}]"
            if len(name) > limit:
                out.append(
                    Limit(
                        f"the GitLab job {name[:40]}... would have a {len(name)}-character name; GitLab allows "
                        f"{limit}{' for a job that other jobs need' if limit == MAX_NEEDED_JOB_NAME else ''}",
                        at="leg",
                        variables=leg.variables,
                    )
                )
                break
    return out
