"""build.jobs (issue 18, docs/cost.md, build layouts) for real on both runners: the same three
legs built per-leg (a matrix: three jobs), single (one job, one leg after another) and in 2
batches (build-1 with two legs, build-2 with one). Every layout gives byte-identical binaries, on
both runners; each run starts cold (its own Go build cache), one after another, and the report
prints each layout's CPU time (the runner and every process it waited for) and wall time. The
times are figures for people, never asserted: the host is shared."""

from __future__ import annotations

import functools
import resource
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.execution.conftest import project_pair
from tests.execution.harness import MR_VARIABLES, ActHost, GitLabHost, RunnerRun, Tools, report, sha256, small_manifest

pytestmark = pytest.mark.oracle

LEGS = ("linux-amd64", "linux-arm64", "linux-arm-v7")
# layout -> the job instances it runs: (job, BUILD_LEG of a matrix instance, else None)
LAYOUTS: dict[str, list[tuple[str, str | None]]] = {
    "per-leg": [("build", leg) for leg in LEGS],
    "single": [("build", None)],
    "2": [("build-1", None), ("build-2", None)],
}


def _manifest(jobs: str) -> str:
    return small_manifest(
        "lint:\n  vet: false\n  golangci-lint: false\ntest:\n  race: false\n"
        f"build:\n  jobs: {jobs}\n  main: ./cmd/server\n  binary: server\n  matrix:\n    goarch: [amd64, arm64]\n"
        '    include:\n      - {goos: linux, goarch: arm, goarm: "7"}\n'
    )


def _measured(call: Callable[[], RunnerRun]) -> tuple[RunnerRun, float, float]:
    """The run, its CPU seconds (user + system of the runner and every process it waited for)
    and its wall seconds. Runs are measured one at a time: the children's usage is per process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    run = call()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return run, cpu, wall


@pytest.fixture(scope="module")
def layout_runs(
    tools: Tools, gitlab_host: GitLabHost, execution_base: Path
) -> dict[str, dict[str, tuple[RunnerRun, float, float]]]:
    """Per layout and runner: (run, CPU s, wall s), each cold: act with a HOME (Go build cache)
    of its own, gitlab-ci-local in a new project (an empty cache:)."""
    runs: dict[str, dict[str, tuple[RunnerRun, float, float]]] = {}
    for layout, instances in LAYOUTS.items():
        name = "build-jobs-" + layout
        github, gitlab = project_pair(execution_base, name, (("ciforge.yml", _manifest(layout)),))
        base = execution_base / f"{name}-act"
        base.mkdir()
        act = ActHost(tools, base)
        jobs = list(dict.fromkeys(job for job, _ in instances))
        runs[layout] = {
            "github": _measured(functools.partial(_act_jobs, act, github, jobs)),
            "gitlab": _measured(functools.partial(gitlab_host.run, gitlab, jobs, MR_VARIABLES)),
        }
    return runs


def _act_jobs(act: ActHost, project: Path, jobs: list[str]) -> RunnerRun:
    """`act pull_request -j JOB` for each job (act takes one), as one run: its jobs and legs."""
    runs = [act.run(project, "pull_request", job) for job in jobs]
    first = runs[0]
    for other in runs[1:]:
        first.jobs.update(other.jobs)
        first.leg_files.update(other.leg_files)
        first.returncode = max(first.returncode, other.returncode)
        first.seconds += other.seconds
    return first


def test_every_layout_builds_byte_identical_binaries_on_both_runners(
    layout_runs: dict[str, dict[str, tuple[RunnerRun, float, float]]],
) -> None:
    digests: dict[str, str] = {}
    for layout, by_runner in layout_runs.items():
        for runner, (run, _, _) in by_runner.items():
            for job, leg in LAYOUTS[layout]:
                assert run.job(job, leg).result == "success", f"{layout} {runner}\n{run.tail()}"
            assert set(run.leg_files) == set(LEGS), (layout, runner, run.leg_files)
            for leg in LEGS:
                digest = sha256(run.leg_files[leg]["server"])
                assert digests.setdefault(leg, digest) == digest, f"{layout} {runner}: {leg} differs from per-leg"
    report(
        "build.jobs per-leg, single and 2: byte-identical binaries on both runners ("
        + ", ".join(f"{leg} {digest[:16]}" for leg, digest in digests.items())
        + ")"
    )


def test_report_cold_cpu_and_wall_time_per_layout(
    layout_runs: dict[str, dict[str, tuple[RunnerRun, float, float]]],
) -> None:
    """The figures, printed in the execution report; what is asserted is only that each was
    measured over a run that built (the times themselves depend on the shared host)."""
    lines = []
    for layout, by_runner in layout_runs.items():
        for runner, (run, cpu, wall) in by_runner.items():
            assert run.returncode == 0, f"{layout} {runner}\n{run.tail()}"
            assert cpu > 0
            lines.append(f"  {layout:8} {runner:7} cold: CPU {cpu:6.1f} s, wall {wall:6.1f} s")
    report(f"build.jobs, {len(LEGS)} legs, cold caches, one run at a time:\n" + "\n".join(lines))
