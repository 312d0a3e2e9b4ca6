"""Lower ``setup:``: the system packages and the script that every Go job runs after the Go
toolchain and before its own blocks (lint, test, build, and custom jobs with ``go: true``), the
same blocks on both platforms."""

from __future__ import annotations

import attrs

from ciforge import ir, scripts
from ciforge.model import Setup

APT_STEP = "setup-apt"
RUN_STEP = "setup"


def setup_steps(setup: Setup, job: ir.Job) -> tuple[ir.Step, ...]:
    """The set-up blocks ``job`` runs: apt packages on a Linux runner only (apt-get is Debian's),
    then the manifest's script."""
    steps: list[ir.Step] = []
    if setup.apt and job.runner.platform.startswith("linux/"):
        steps.append(ir.Run(id=APT_STEP, name="System packages", script=scripts.apt_packages(setup.apt)))
    if setup.run is not None:
        script = scripts.block(setup.run.rstrip("\n"))
        steps.append(ir.Run(id=RUN_STEP, name="Set-up", script=script, written_by="manifest"))
    return tuple(steps)


def with_setup(setup: Setup, job: ir.Job) -> ir.Job:
    """``job`` with the set-up blocks right after its Go toolchain; a job without Go unchanged."""
    steps = setup_steps(setup, job)
    at = next((i for i, step in enumerate(job.steps) if isinstance(step, ir.SetupGo)), None)
    if at is None or not steps:
        return job
    return attrs.evolve(job, steps=(*job.steps[: at + 1], *steps, *job.steps[at + 1 :]))


def apt_skipped(setup: Setup, jobs: list[ir.Job]) -> list[str]:
    """The platforms of Go jobs that run without setup.apt (not Linux), each once."""
    if not setup.apt:
        return []
    return list(
        dict.fromkeys(
            job.runner.platform for job in jobs if job.has(ir.SetupGo) and not job.runner.platform.startswith("linux/")
        )
    )
