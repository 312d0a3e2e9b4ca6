"""Custom jobs run for real on both runners: a Go job that needs the unit tests passes on both with
the same output (after setup.run, which every Go job runs), and a shell job that fails fails both
with the same message (without the setup)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.execution.conftest import project_pair
from tests.execution.harness import (
    MR_VARIABLES,
    ActHost,
    GitLabHost,
    RunnerRun,
    go_version_of_example,
    report,
    small_manifest,
)

pytestmark = pytest.mark.oracle

MANIFEST = small_manifest(
    # setup.run: every Go job runs it after the toolchain; the plain-shell job does not
    'setup:\n  run: |\n    echo "set up with $(go env GOVERSION)" > setup.txt\n'
    "lint:\n  golangci-lint: false\ntest:\n  coverage:\n    threshold: 50\nbuild: false\njobs:\n"
    "  integration:\n    needs: [test]\n    env:\n      STORE: memory\n"
    '    run: |\n      cat setup.txt\n      go test -count=1 ./internal/...\n      echo "integration passed against the $STORE store"\n'
    "  broken:\n    go: false\n"
    '    run: |\n      if [ -e setup.txt ]; then echo "setup ran in a shell job"; fi\n'
    '      echo "licence check failed: 1 file without a header"\n      exit 3\n'
)
JOBS = ("lint", "test", "integration", "broken")


@pytest.fixture(scope="module")
def custom_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    github, gitlab = project_pair(execution_base, "custom", (("ciforge.yml", MANIFEST),))
    with ThreadPoolExecutor(max_workers=2) as pool:
        gh = pool.submit(act_host.run, github, "pull_request", "")
        gl = pool.submit(gitlab_host.run, gitlab, list(JOBS), MR_VARIABLES)
        return gh.result(), gl.result()


def test_custom_jobs_give_the_same_verdicts_on_both_runners(custom_runs: tuple[RunnerRun, RunnerRun]) -> None:
    for run in custom_runs:
        assert run.job("test").result == "success", f"{run.runner}\n{run.tail()}"
        integration = run.job("integration")
        assert integration.result == "success", f"{run.runner}\n{run.tail()}"
        assert "integration passed against the memory store" in integration.output, (run.runner, integration.output)
        assert f"set up with go{go_version_of_example()}" in integration.output, (run.runner, integration.output)
        broken = run.job("broken")
        assert broken.result == "failure", f"{run.runner}\n{run.tail()}"
        assert "licence check failed: 1 file without a header" in broken.output, (run.runner, broken.output)
        assert "setup ran in a shell job" not in broken.output, (run.runner, broken.output)
    report(
        f"custom jobs: integration (after test) passed, broken failed, on both runners "
        f"({custom_runs[0].seconds:.0f} s / {custom_runs[1].seconds:.0f} s)"
    )
