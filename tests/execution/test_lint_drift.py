"""The lint job's drift checks (lint.gofmt, lint.tidy, lint.generate) run for real on both runners:
they pass on the example service as it is, and an untidy go.mod (a requirement nothing imports)
fails both runners' lint job at the go mod tidy block, with the same diff and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.execution.conftest import change_request_runs
from tests.execution.harness import EXAMPLE, ActHost, GitLabHost, RunnerRun, job_said, report, small_manifest

pytestmark = pytest.mark.oracle

MANIFEST = small_manifest(
    "lint:\n  golangci-lint: false\n  gofmt: true\n  tidy: true\n  generate: true\nbuild: false\n"
)
TIDY = (("ciforge.yml", MANIFEST),)
UNTIDY = (
    *TIDY,
    # a requirement nothing imports, satisfied by a local module: tidy would drop it (offline)
    (
        "go.mod",
        (EXAMPLE / "go.mod").read_text() + "\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./lib\n",
    ),
    ("lib/go.mod", "module example.com/lib\n\ngo 1.23\n"),
    ("lib/lib.go", "package lib\n"),
)
TIDY_FAILED = "go.mod or go.sum is not tidy: run go mod tidy and commit the result"


def _runs(
    act_host: ActHost, gitlab_host: GitLabHost, base: Path, name: str, files: tuple[tuple[str, str], ...]
) -> tuple[RunnerRun, RunnerRun]:
    return change_request_runs((act_host, gitlab_host), base, name, files, jobs=("lint", ["lint"]))


@pytest.fixture(scope="module")
def tidy_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return _runs(act_host, gitlab_host, execution_base, "drift-tidy", TIDY)


@pytest.fixture(scope="module")
def untidy_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return _runs(act_host, gitlab_host, execution_base, "drift-untidy", UNTIDY)


def test_the_drift_checks_pass_on_the_example(tidy_runs: tuple[RunnerRun, RunnerRun]) -> None:
    for run in tidy_runs:
        job_said(
            run,
            "lint",
            "success",
            (
                "gofmt: every Go file is formatted",
                "go mod tidy: go.mod and go.sum are tidy",
                "go generate: the generated files are up to date",
            ),
        )
    report(
        f"drift checks: gofmt, tidy and generate pass on both runners ({tidy_runs[0].seconds:.0f} s / {tidy_runs[1].seconds:.0f} s)"
    )


def test_an_untidy_go_mod_fails_both_at_the_tidy_block(untidy_runs: tuple[RunnerRun, RunnerRun]) -> None:
    github = untidy_runs[0]
    for run in untidy_runs:
        lint = run.job("lint")
        assert lint.result == "failure", f"{run.runner}\n{run.tail()}"
        output = "\n".join(lint.output)
        assert TIDY_FAILED in output, f"{run.runner}\n{output}"
        assert "-require example.com/lib v0.0.0" in output, f"{run.runner}\n{output}"
        assert "go generate: the generated files are up to date" not in output  # stopped at tidy
    assert github.job("lint").steps.get("go mod tidy") == "failure", github.job("lint").steps
    report("drift checks: an untidy go.mod fails the lint job at go mod tidy on both runners, same diff")
