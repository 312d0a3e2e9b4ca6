"""Session fixtures of the execution suite: one temporary directory (removed at the end), the
tools, and the two pull-request runs every pipeline test reads."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.execution.harness import (
    GO_JOBS,
    MR_VARIABLES,
    PIPELINE,
    REPORT,
    SMOKE_JOB,
    ActHost,
    GitLabHost,
    RunnerRun,
    Tools,
    Variant,
    commit_all,
    find_tools,
    git,
    go_version_of_example,
    load_yaml,
    make_project,
    rmtree,
    strip_go_images,
)

GITHUB_REMOTE = "https://github.com/acme/orders-api.git"
GITLAB_REMOTE = "https://gitlab.com/acme/orders-api.git"
# The pipelines the suite runs are rendered from the example with this one change: golangci-lint
# off. Its block downloads the golangci-lint release binary from GitHub releases, unreachable
# here; test_golangci_lint_block_offline runs the unchanged lint job on both.
RUNNABLE = Variant(golangci_lint=False)
_DURATIONS: list[float] = []


@pytest.fixture(scope="session")
def execution_base() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="ciforge-execution-"))
    try:
        yield base
    finally:
        rmtree(base)


@pytest.fixture(scope="session")
def tools() -> Tools:
    return find_tools()


@pytest.fixture(scope="session")
def act_host(tools: Tools, execution_base: Path) -> ActHost:
    return ActHost(tools, execution_base)


@pytest.fixture(scope="session")
def gitlab_host(tools: Tools, execution_base: Path) -> GitLabHost:
    return GitLabHost(tools, execution_base)


def github_project(base: Path, name: str, variant: Variant) -> Path:
    return make_project(base / name, variant, GITHUB_REMOTE)


def gitlab_project(base: Path, name: str, variant: Variant) -> Path:
    project = make_project(base / name, variant, GITLAB_REMOTE)
    image = f"golang:{go_version_of_example()}"
    # the Go jobs: lint, build and the test job, or each test platform's job that runs that image
    # (the others, e.g. macOS, run on runners these tests do not have)
    pipeline = load_yaml(project / PIPELINE)
    jobs = [
        name
        for name in pipeline
        if name in GO_JOBS or (name.startswith("test-") and pipeline[name].get("image") == image)
    ]
    strip_go_images(project, jobs, image)
    commit_all(project, "shell executor: Go from the host (see harness.strip_go_images)")
    return project


def project_pair(base: Path, name: str, files: tuple[tuple[str, str], ...]) -> tuple[Path, Path]:
    """The example with ``files`` written over it (a manifest, a second module, ...), as a GitHub and
    a GitLab project; the GitLab one runs every Go job on the host's Go (harness.strip_go_images)."""
    github = github_project(base, f"{name}-github", Variant(files=files))
    gitlab = make_project(base / f"{name}-gitlab", Variant(files=files), GITLAB_REMOTE)
    image = f"golang:{go_version_of_example()}"
    pipeline = load_yaml(gitlab / PIPELINE)
    jobs = [job for job, spec in pipeline.items() if isinstance(spec, dict) and spec.get("image") == image]
    strip_go_images(gitlab, jobs, image)
    commit_all(gitlab, "shell executor: Go from the host (see harness.strip_go_images)")
    return github, gitlab


def same_commit_pair(base: Path, name: str, files: tuple[tuple[str, str], ...]) -> tuple[Path, Path]:
    """As project_pair, but the GitHub project is a copy of the GitLab one, on the same commit (the
    GitLab project's executor commit included): for what the commit itself stamps, e.g. its SHA."""
    gitlab = make_project(base / f"{name}-gitlab", Variant(files=files), GITLAB_REMOTE)
    image = f"golang:{go_version_of_example()}"
    pipeline = load_yaml(gitlab / PIPELINE)
    jobs = [job for job, spec in pipeline.items() if isinstance(spec, dict) and spec.get("image") == image]
    strip_go_images(gitlab, jobs, image)
    commit_all(gitlab, "shell executor: Go from the host (see harness.strip_go_images)")
    github = base / f"{name}-github"
    shutil.copytree(gitlab, github, symlinks=True)
    git(github, "remote", "set-url", "origin", GITHUB_REMOTE)
    return github, gitlab


def change_request_runs(
    hosts: tuple[ActHost, GitLabHost],
    base: Path,
    name: str,
    files: tuple[tuple[str, str], ...],
    *,
    jobs: tuple[str, list[str]],
    change: Callable[[Path], None] | None = None,
) -> tuple[RunnerRun, RunnerRun]:
    """The example with ``files`` over it, ``change`` committed on the source branch of each
    project (GitLab's own executor commit becomes part of the base, its merge base), run as a pull
    request under act (``jobs[0]``: a job and what it needs, or "" for all) and as a merge request
    under gitlab-ci-local (the jobs ``jobs[1]``), in parallel."""
    act_host, gitlab_host = hosts
    github, gitlab = project_pair(base, name, files)
    variables = dict(MR_VARIABLES)
    if change is not None:
        change(github)
        git(gitlab, "branch", "-f", "main", "HEAD")
        change(gitlab)
        variables["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = git(gitlab, "rev-parse", "main")
    with ThreadPoolExecutor(max_workers=2) as pool:
        gh = pool.submit(act_host.run, github, "pull_request", jobs[0])
        gl = pool.submit(gitlab_host.run, gitlab, jobs[1], variables)
        return gh.result(), gl.result()


@pytest.fixture(scope="session")
def example_project(execution_base: Path) -> Path:
    """The example exactly as shipped, rendered (for static checks; never executed)."""
    return make_project(execution_base / "example", Variant(), GITHUB_REMOTE)


@pytest.fixture(scope="session")
def pull_request_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    """The pull-request pipeline on both runners, cold, side by side (two processes: the runs are
    independent, and together they take about the time of the slower one):
    * GitHub: `act pull_request -j smoke`, i.e. the example's smoke job and the jobs it needs:
      build, lint and test (act's planner follows `needs`);
    * GitLab: a merge-request pipeline `smoke --needs`: lint, test, the six build instances and
      smoke."""
    github = github_project(execution_base, "github-pr", RUNNABLE)
    gitlab = gitlab_project(execution_base, "gitlab-pr", RUNNABLE)
    with ThreadPoolExecutor(max_workers=2) as pool:
        gh = pool.submit(act_host.run, github, "pull_request", SMOKE_JOB)
        gl = pool.submit(gitlab_host.run, gitlab, [SMOKE_JOB], MR_VARIABLES, needs=True)
        return gh.result(), gl.result()


@pytest.fixture(scope="session")
def github_pr(pull_request_runs: tuple[RunnerRun, RunnerRun]) -> RunnerRun:
    return pull_request_runs[0]


@pytest.fixture(scope="session")
def gitlab_pr(pull_request_runs: tuple[RunnerRun, RunnerRun]) -> RunnerRun:
    return pull_request_runs[1]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid.startswith("tests/execution/"):
        _DURATIONS.append(report.duration)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT:
        terminalreporter.section("ciforge execution report")
        for line in REPORT:
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"execution suite: {sum(_DURATIONS):.0f} s (setup + call + teardown of its tests)")
