#!/usr/bin/env python3
"""Measure the seconds of each job of the example's pull-request pipeline and write them to
ciforge/data/job-seconds.json, the figures of `ciforge plan --cost` (docs/cost.md).

The pipeline runs under gitlab-ci-local (shell executor, cold caches) one job at a time
(``--concurrency 1``), so each figure is the job alone on this machine, as on a runner of its own;
a matrix job's figure is its slowest leg (its legs run side by side on real runners). Needs the
oracles of scripts/install-oracles.sh. Usage: .venv/bin/python scripts/measure_job_seconds.py
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.execution.conftest import RUNNABLE, gitlab_project  # noqa: E402
from tests.execution.harness import MR_VARIABLES, SMOKE_JOB, GitLabHost, find_tools, rmtree  # noqa: E402

TARGET = ROOT / "ciforge" / "data" / "job-seconds.json"


def main() -> int:
    tools = find_tools()
    base = Path(tempfile.mkdtemp(prefix="ciforge-job-seconds-"))
    try:
        host = GitLabHost(tools, base)
        project = gitlab_project(base, "gitlab-pr", RUNNABLE)
        run = host.run(project, [SMOKE_JOB], MR_VARIABLES, needs=True, concurrency=1)
        if run.returncode != 0:
            print(run.tail(80), file=sys.stderr)
            return 1
        seconds: dict[str, float] = {}
        for (name, _leg), job in run.jobs.items():
            assert job.seconds is not None, name
            seconds[name] = max(seconds.get(name, 0.0), round(job.seconds, 1))
        version = json.loads((Path(tools.gitlab_ci_local).parent.parent / "package.json").read_text())["version"]
        source = (
            f"the example's pull-request pipeline, one job at a time, under gitlab-ci-local {version} (shell "
            f"executor, cold caches, {os.cpu_count()} cores), scripts/measure_job_seconds.py, {datetime.date.today()}"
        )
        data = {"source": source, "seconds": dict(sorted(seconds.items()))}
        TARGET.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(data, indent=2))
        return 0
    finally:
        rmtree(base)


if __name__ == "__main__":
    sys.exit(main())
