"""Run the generated pull-request pipeline of examples/go-service for real, on both platforms'
local runners (act in host mode, gitlab-ci-local with the shell executor), and check that they
agree: the same jobs pass, the same coverage total, byte-identical binaries, the same failures
for the same reasons. README.md (this directory) says what cannot run here and why."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ciforge.targets.gitlab import expressions as gl_expr
from tests.execution.conftest import RUNNABLE, github_project, gitlab_project
from tests.execution.harness import (
    COVERAGE_FAILED,
    COVERAGE_PASSED,
    GO_JOBS,
    MR_VARIABLES,
    PIPELINE,
    PUSH_MAIN_VARIABLES,
    SMOKE_JOB,
    WORKFLOW,
    ActHost,
    GitLabHost,
    RunnerRun,
    Tools,
    Variant,
    binary_format,
    build_legs,
    copy_caches,
    coverage_line,
    gha_plan,
    gitlab_coverage,
    load_yaml,
    report,
    sha256,
)

pytestmark = pytest.mark.oracle

PR_EVENT = {"event_name": "pull_request", "ref": "refs/pull/7/merge", "base_ref": "main", "head_ref": "feature"}
PUSH_MAIN_EVENT = {"event_name": "push", "ref": "refs/heads/main"}


# The pull-request run's jobs: the Go jobs and the example's own smoke job.
PR_JOBS = (*GO_JOBS, SMOKE_JOB)


def expected_instances(project: Path) -> set[tuple[str, str | None]]:
    legs = {("build", leg["BUILD_LEG"]) for leg in build_legs(project)}
    return {("lint", None), ("test", None), (SMOKE_JOB, None)} | legs


def describe(run: RunnerRun) -> str:
    return ", ".join(
        f"{name}{f'[{leg}]' if leg else ''}={job.result}" for (name, leg), job in sorted(run.jobs.items(), key=str)
    )


# ------------------------------------------------------------------------ the pull-request run ----


def test_pull_request_pipeline_passes_on_both(github_pr: RunnerRun, gitlab_pr: RunnerRun) -> None:
    """lint, test, every build leg and the smoke job ran and passed on both runners, and nothing
    else ran."""
    expected = expected_instances(github_pr.project)
    assert len(expected) == 9  # lint, test, 6 build legs (incl. the cgo leg), smoke
    for run in (github_pr, gitlab_pr):
        assert run.returncode == 0, f"{run.runner} pipeline failed:\n{run.tail(80)}"
        assert set(run.jobs) == expected, f"{run.runner} ran {describe(run)}"
        failed = [key for key, job in run.jobs.items() if job.result != "success"]
        assert not failed, f"{run.runner}: {failed} did not pass\n{run.tail(80)}"
    # The example's own job started the linux/amd64 build's binary and probed /healthz, on both.
    for run in (github_pr, gitlab_pr):
        assert "smoke: the server answered /healthz" in run.job(SMOKE_JOB).output, (run.runner, run.tail(40))
    # GitHub: every step of every job passed, and each Go job got the pinned Go from the setup-go stand-in.
    for job in github_pr.jobs.values():
        assert job.steps, (job.name, job.leg)
        assert set(job.steps.values()) == {"success"}, (job.name, job.leg, job.steps)
    version = load_yaml(github_pr.project / "ciforge.yml")["go"]["version"]
    # every Go job (not smoke, a plain shell)
    assert github_pr.text().count(f"setup-go stand-in: go{version} from ") == len(expected) - 1
    # Each Go job restores its own Go cache: the key names the job and, on a build leg, the leg.
    for name, leg in expected:
        if name in GO_JOBS:
            key = f"cache stand-in: key=go-{name}{'-' + leg if leg else ''}-{version}-"
            assert any(line.startswith(key) for line in github_pr.job(name, leg).output), (name, leg)
    # Offline: act fetched no action (checkout is special-cased, the others are the stand-ins).
    assert "GoGitActionCache" not in github_pr.text()
    assert "LocalRepositoryCache not matched" not in github_pr.text()
    # The GitLab legs are the GitHub legs: same BUILD_LEG set from parallel:matrix.
    gl_matrix = load_yaml(gitlab_pr.project / PIPELINE)["build"]["parallel"]["matrix"]
    assert {entry["BUILD_LEG"] for entry in gl_matrix} == {leg for _, leg in expected if leg}
    for run in (github_pr, gitlab_pr):
        report(f"{run.runner}: pull-request pipeline in {run.seconds:.0f} s: {describe(run)}")
        for (name, leg), job in sorted(run.jobs.items(), key=str):
            if job.seconds is not None:
                report(f"  {run.runner} {name}{f' [{leg}]' if leg else ''}: {job.seconds:.1f} s")


def test_coverage_gate_passes_with_the_same_total(github_pr: RunnerRun, gitlab_pr: RunnerRun) -> None:
    """Both gates pass and print the same total; GitLab's `coverage:` regex reads that total too."""
    gh = coverage_line(github_pr, COVERAGE_PASSED)
    gl = coverage_line(gitlab_pr, COVERAGE_PASSED)
    assert gh.groups() == gl.groups(), (gh.group(0), gl.group(0))
    threshold = load_yaml(github_pr.project / "ciforge.yml")["test"]["coverage"]["threshold"]
    assert float(gh.group(2)) == float(threshold)
    assert gitlab_coverage(gitlab_pr.stdout) == gh.group(1)
    # The Cobertura report the GitLab job converts in-job is well-formed and agrees in line count terms.
    cobertura = gitlab_pr.project / ".gitlab-ci-local" / "builds" / "test" / "coverage.xml"
    assert cobertura.is_file()
    root = ET.parse(cobertura).getroot()
    assert root.tag == "coverage"
    assert 0 < float(root.attrib["line-rate"]) <= 1
    report(f"coverage gate: github {gh.group(1)}%, gitlab {gl.group(1)}% (required {gh.group(2)}%)")


def test_binaries_exist_and_are_byte_identical(github_pr: RunnerRun, gitlab_pr: RunnerRun) -> None:
    """Every leg's binary exists on both, is an executable for that leg's GOOS/GOARCH, and the two
    runners' binaries are the same bytes (same Go, -trimpath, -buildvcs=false)."""
    legs = build_legs(github_pr.project)
    for leg in legs:
        name = leg["BUILD_LEG"]
        binary = "server.exe" if leg["GOOS"] == "windows" else "server"
        gh, gl = github_pr.binaries.get(name), gitlab_pr.binaries.get(name)
        assert gh is not None, f"github: no binary for {name}: {github_pr.binaries}"
        assert gl is not None, f"gitlab: no binary for {name}: {gitlab_pr.binaries}"
        assert gh.name == gl.name == binary, (gh, gl)
        assert binary_format(gh) == (leg["GOOS"], leg["GOARCH"])
        digest = sha256(gh)
        assert sha256(gl) == digest, f"{name}: github {digest} != gitlab {sha256(gl)}"
        # The build script prints the hash it built; both logs name the same one.
        assert f"{digest}  dist/build-{name}/{binary}" in github_pr.text()
        assert f"{digest}  dist/build-{name}/{binary}" in gitlab_pr.text()
        report(f"binary {name:<18} {digest}  (github == gitlab, {gh.stat().st_size} bytes)")
    assert set(github_pr.binaries) == set(gitlab_pr.binaries) == {leg["BUILD_LEG"] for leg in legs}


# ----------------------------------------------------------------- what the suite does not run ----


def test_image_build_is_planned_but_cannot_run_without_a_docker_engine(example_project: Path, tools: Tools) -> None:
    """The PR pipeline's fourth job, image-build, is excluded from the runs above: it builds with
    BuildKit (docker/build-push-action; docker:dind on GitLab) and there is no Docker engine here.
    If this test fails because `docker info` works, extend the runs to image-build."""
    pr = gha_plan(tools, example_project / WORKFLOW, [PR_EVENT])[0]
    assert {name for name, job in pr["jobs"].items() if job["runs"]} == {*PR_JOBS, "image-build"}
    gitlab = GitLabHost(tools, example_project.parent)
    when = gitlab.list_jobs(example_project, MR_VARIABLES)
    assert when["image-build"] == "on_success"
    assert {name.split(":")[0] for name, w in when.items() if w != "never"} == {*PR_JOBS, "image-build"}
    docker = shutil.which("docker")
    if docker:
        proc = subprocess.run([docker, "info"], capture_output=True, text=True, check=False, timeout=60)
        assert proc.returncode != 0, "a Docker engine is available: run image-build in the execution suite too"
        evidence = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
    else:
        evidence = "no docker client"
    report(f"image-build not run (no Docker engine): `docker info` -> {evidence}")


def _registry_bound(jobs: dict[str, list[str]], name: str) -> bool:
    """image-publish pushes to the registry; every job needing it, directly or not, consumes the
    pushed image (sbom, scan, sign, verify)."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current == "image-publish":
            return True
        if current not in seen:
            seen.add(current)
            todo += jobs.get(current, [])
    return False


def _pipeline_created(rules: list[dict[str, Any]], variables: dict[str, str]) -> bool:
    """GitLab's workflow:rules, first match wins (gitlab-ci-local does not gate pipelines on them).
    Conditions are judged by ciforge's rules:if evaluator, which tests/test_gl_expr.py checks against
    GitLab's documented examples and gitlab-ci-local."""
    for rule in rules:
        if "if" not in rule or gl_expr.evaluate(rule["if"], variables):
            return str(rule.get("when", "always")) != "never"
    return False


def test_push_to_default_branch_differs_only_in_registry_jobs(example_project: Path, tools: Tools) -> None:
    """A push to main runs the same Go jobs, with the same steps, legs and env, as a pull request;
    what it adds (image-publish, sbom, scan, sign, verify) needs a registry, so without one the
    push pipeline has nothing to run that the pull-request run did not, and is not executed."""
    pr, push = gha_plan(tools, example_project / WORKFLOW, [PR_EVENT, PUSH_MAIN_EVENT])
    gh_needs = {name: job["needs"] for name, job in push["jobs"].items()}
    pr_runs = {n for n, j in pr["jobs"].items() if j["runs"]}
    push_runs = {n for n, j in push["jobs"].items() if j["runs"]}
    assert push["triggered"]
    assert pr["triggered"]
    assert set(PR_JOBS) <= pr_runs & push_runs
    for name in PR_JOBS:
        assert pr["jobs"][name] == push["jobs"][name], f"{name} differs between pull_request and push to main"
    extra = push_runs - set(PR_JOBS)
    assert extra
    assert all(_registry_bound(gh_needs, name) for name in extra), extra

    gitlab = GitLabHost(tools, example_project.parent)
    doc: dict[str, Any] = load_yaml(example_project / PIPELINE)
    mr_vars = {**MR_VARIABLES}
    push_vars = {**PUSH_MAIN_VARIABLES}
    rules = doc["workflow"]["rules"]
    assert _pipeline_created(rules, mr_vars)
    assert _pipeline_created(rules, push_vars)
    assert not _pipeline_created(rules, {**push_vars, "CI_COMMIT_BRANCH": "feature"})
    assert not _pipeline_created(rules, {**push_vars, "CI_COMMIT_MESSAGE": "fix [skip actions]"})
    mr, pushed = gitlab.list_jobs(example_project, mr_vars), gitlab.list_jobs(example_project, push_vars)
    go_instances = {n for n in mr if n.split(":")[0] in PR_JOBS}
    assert {mr[n] for n in go_instances} == {pushed[n] for n in go_instances} == {"on_success"}
    gl_needs = {name: [n["job"] if isinstance(n, dict) else n for n in job.get("needs", [])]
                for name, job in doc.items() if isinstance(job, dict) and "script" in job}  # fmt: skip
    gl_extra = {n for n, w in pushed.items() if w != "never"} - go_instances
    assert gl_extra
    assert all(_registry_bound(gl_needs, name) for name in gl_extra), gl_extra
    report(
        f"push to main: same Go jobs as the PR; adds registry-bound {sorted(extra)} (github), {sorted(gl_extra)} (gitlab)"
    )


# ------------------------------------------------------------------------------------ caching ----


def test_gitlab_second_run_reuses_the_caches(gitlab_pr: RunnerRun, gitlab_host: GitLabHost) -> None:
    """Run lint, test and every build leg of the merge-request pipeline again in the same project:
    gitlab-ci-local imports the caches the first run saved, each leg its own (reported: cold and
    warm seconds per job and leg)."""
    project = gitlab_pr.project
    caches = project / ".gitlab-ci-local" / "cache"
    test_cache = [d for d in caches.iterdir() if re.fullmatch(r"\d+_go-false-feature-test-[0-9a-f]+", d.name)]
    assert len(test_cache) == 1, list(caches.iterdir())
    entries = list((test_cache[0] / ".cache" / "go-build").rglob("*-a"))
    assert entries, "the test job saved an empty Go build cache"
    # No module cache: the example has no requirements (standard library only; no go.sum), so Go
    # never creates GOMODCACHE. The path is configured (`.go/pkg/mod/`) and simply stays empty.
    assert not (test_cache[0] / ".go" / "pkg" / "mod").exists()

    warm = gitlab_host.run(project, ["lint", "test", "build"], MR_VARIABLES)
    assert warm.returncode == 0, warm.tail(80)
    legs = sorted(leg for name, leg in gitlab_pr.jobs if name == "build" and leg)
    expected = {("lint", None), ("test", None)} | {("build", leg) for leg in legs}
    assert {key: job.result for key, job in warm.jobs.items()} == dict.fromkeys(expected, "success")
    assert re.search(rf"test\s+imported cache '{re.escape(test_cache[0].name)}'", warm.stdout), warm.tail(80)
    assert re.search(r"lint\s+imported cache '\d+_go-false-feature-lint-[0-9a-f]+'", warm.stdout), warm.tail(80)
    # each build leg imports its own cache: the key's job-name slug carries the leg's values
    imported = re.findall(r"imported cache '\d+_go-false-feature-(build-[0-9a-z-]+?)-[0-9a-f]{8,}'", warm.stdout)
    assert len(imported) == len(set(imported)) == len(legs), (imported, warm.tail(80))
    for leg in legs:
        cold_leg, warm_leg = gitlab_pr.job("build", leg).seconds, warm.job("build", leg).seconds
        report(f"gitlab build [{leg}]: cold {cold_leg or 0:.1f} s, warm {warm_leg or 0:.1f} s")
    assert coverage_line(warm, COVERAGE_PASSED).group(0) == coverage_line(gitlab_pr, COVERAGE_PASSED).group(0)
    cold_s, warm_s = gitlab_pr.job("test").seconds, warm.job("test").seconds
    assert cold_s is not None
    assert warm_s is not None
    report(
        f"gitlab test job: cold {cold_s:.1f} s, warm {warm_s:.1f} s (Go build cache: {len(entries)} entries restored)"
    )
    report(
        f"gitlab lint job: cold {gitlab_pr.job('lint').seconds or 0:.1f} s, warm {warm.job('lint').seconds or 0:.1f} s"
    )


# ------------------------------------------------------------------------------ negative runs ----

FAILING_TEST = """package orders

import "testing"

// Injected by the ciforge execution suite: the pipeline must go red.
func TestInjectedFailure(t *testing.T) {
	t.Fatal("injected failure")
}
"""
VET_BAIT = """package orders

import "fmt"

// Injected by the ciforge execution suite: go vet's printf check rejects it (it compiles).
func vetBait() {
	fmt.Printf("%d\\n", "x")
}
"""


@dataclass(frozen=True)
class Hosts:
    act: ActHost
    gitlab: GitLabHost
    first: RunnerRun  # the first GitLab pipeline, whose caches later runs start from
    base: Path


@pytest.fixture
def hosts(act_host: ActHost, gitlab_host: GitLabHost, gitlab_pr: RunnerRun, execution_base: Path) -> Hosts:
    return Hosts(act_host, gitlab_host, gitlab_pr, execution_base)


def run_both(
    hosts: Hosts, name: str, variant: Variant, job: str, overrides: dict[str, str] | None = None
) -> tuple[RunnerRun, RunnerRun]:
    """Run one job on both runners on fresh copies (GitLab with the caches of the first pipeline,
    act with its session-wide HOME: both warm). ``overrides`` are passed in from outside, as
    GitLab pipeline variables (gitlab-ci-local --variable) and act --env."""
    gh = hosts.act.run(github_project(hosts.base, f"{name}-github", variant), "pull_request", job, overrides)
    gl_project = gitlab_project(hosts.base, f"{name}-gitlab", variant)
    copy_caches(hosts.first.project, gl_project)
    gl = hosts.gitlab.run(gl_project, [job], {**MR_VARIABLES, **(overrides or {})})
    for run in (gh, gl):
        assert set(run.jobs) == {(job, None)}, f"{run.runner}: {describe(run)}\n{run.tail()}"
        assert run.returncode != 0, f"{run.runner}: exit status 0\n{run.tail()}"
        assert run.job(job).result == "failure", f"{run.runner}: {job} did not fail\n{run.tail()}"
    return gh, gl


def same_reason(gh: RunnerRun, gl: RunnerRun, job: str, pattern: str) -> str:
    lines = {}
    for run in (gh, gl):
        found = [line.strip() for line in run.output_of(job) if re.search(pattern, line)]
        assert found, f"{run.runner}: no line matching {pattern!r} in {job}'s output\n{run.tail()}"
        lines[run.runner] = found
    assert lines["github"] == lines["gitlab"], lines
    return lines["github"][0]


def test_coverage_below_threshold_fails_both(hosts: Hosts, github_pr: RunnerRun) -> None:
    """A threshold above the actual total: the test job's gate fails on both, naming both numbers."""
    actual = float(coverage_line(github_pr, COVERAGE_PASSED).group(1))
    required = math.floor(actual) + 1
    assert required <= 100, f"coverage {actual}% leaves no threshold above it"
    variant = Variant(golangci_lint=RUNNABLE.golangci_lint, threshold=required)
    gh, gl = run_both(hosts, "threshold", variant, "test")
    step_results = gh.job("test").steps
    assert step_results["go test"] == "success", step_results
    assert step_results["Coverage gate"] == "failure", step_results
    line = same_reason(gh, gl, "test", COVERAGE_FAILED.pattern)
    match = COVERAGE_FAILED.search(line)
    assert match, line
    assert float(match.group(1)) == actual, line
    assert float(match.group(2)) == required, line
    report(f"negative, threshold {required}: both fail: {line}")


def test_pipeline_variables_cannot_lower_the_coverage_gate(hosts: Hosts, github_pr: RunnerRun) -> None:
    """A run with COVERAGE_THRESHOLD=0 and COVERAGE_EXCLUDE=. passed in from outside (a GitLab
    pipeline variable: Run pipeline, API, trigger; act --env on GitHub) over a threshold above
    the actual total: the gate still fails on both, against the manifest's threshold
    (docs/equivalence.md, "Values a pipeline variable cannot change")."""
    actual = float(coverage_line(github_pr, COVERAGE_PASSED).group(1))
    required = math.floor(actual) + 1
    assert required <= 100, f"coverage {actual}% leaves no threshold above it"
    variant = Variant(golangci_lint=RUNNABLE.golangci_lint, threshold=required)
    overrides = {"COVERAGE_THRESHOLD": "0", "COVERAGE_EXCLUDE": "."}
    gh, gl = run_both(hosts, "threshold-override", variant, "test", overrides)
    line = same_reason(gh, gl, "test", COVERAGE_FAILED.pattern)
    match = COVERAGE_FAILED.search(line)
    assert match, line
    assert float(match.group(1)) == actual, line  # the exclude override removed nothing
    assert float(match.group(2)) == required, line
    report(f"negative, threshold {required} with COVERAGE_THRESHOLD=0 passed in: both still fail: {line}")


def test_failing_unit_test_fails_both(hosts: Hosts) -> None:
    """An injected failing test: go test fails on both, before the coverage gate."""
    variant = Variant(
        golangci_lint=RUNNABLE.golangci_lint, files=(("internal/orders/zz_injected_test.go", FAILING_TEST),)
    )
    gh, gl = run_both(hosts, "failing-test", variant, "test")
    assert gh.job("test").steps["go test"] == "failure", gh.job("test").steps
    assert gh.job("test").steps.get("Coverage gate") in (None, "skipped")
    for run in (gh, gl):
        assert not any("coverage gate" in line for line in run.output_of("test")), f"{run.runner} reached the gate"
    line = same_reason(gh, gl, "test", r"--- FAIL: TestInjectedFailure")
    same_reason(gh, gl, "test", r"zz_injected_test\.go:\d+: injected failure")
    # test.report: junit: GitHub's report step ran after the failure; GitLab kept the JUnit report
    assert gh.job("test").steps.get("Test report") == "success", gh.job("test").steps
    junit = ET.parse(gl.project / ".gitlab-ci-local" / "builds" / "test" / "junit.xml").getroot()
    failed = [case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None]
    assert failed == ["TestInjectedFailure"], failed
    report(f"negative, failing unit test: both fail in go test: {line}")


def test_vet_error_fails_both(hosts: Hosts) -> None:
    """An injected printf mistake: go vet fails the lint job on both."""
    variant = Variant(golangci_lint=RUNNABLE.golangci_lint, files=(("internal/orders/zz_vet_bait.go", VET_BAIT),))
    gh, gl = run_both(hosts, "vet-error", variant, "lint")
    assert gh.job("lint").steps["go vet"] == "failure", gh.job("lint").steps
    line = same_reason(gh, gl, "lint", r'fmt\.Printf format %d has arg "x" of wrong type string')
    report(f"negative, vet error: both fail in go vet: {line}")


# ------------------------------------------------------------------- the unchanged lint job ----


def gitlab_blocks_started(run: RunnerRun, job: str) -> int:
    """How many script blocks of JOB gitlab-ci-local started (it stops at the first failing one)."""
    return sum(1 for line in run.text().splitlines() if re.search(rf"(^|\] ){re.escape(job)} \$ ", line))


def test_golangci_lint_block_offline(hosts: Hosts) -> None:
    """The example's own lint job (golangci-lint on). Its go vet block and the drift checks
    (gofmt, go mod tidy, go generate) pass on both. Its
    golangci-lint block downloads the release binary and its checksum file from GitHub releases,
    unreachable from this machine: the two runners must agree on its outcome, and when it fails it
    must fail the same way, in that download (no golangci-lint build is on PyPI, npm or Debian to
    stand in for it). The block's verify-then-run logic is run with local stand-ins in
    tests/test_golangci_lint.py."""
    variant = Variant()
    gh = hosts.act.run(github_project(hosts.base, "golangci-github", variant), "pull_request", "lint")
    gl_project = gitlab_project(hosts.base, "golangci-gitlab", variant)
    copy_caches(hosts.first.project, gl_project)
    gl = hosts.gitlab.run(gl_project, ["lint"], MR_VARIABLES)
    steps = gh.job("lint").steps
    lint_step = next(name for name in steps if name.startswith("golangci-lint"))
    before = ("go vet", "gofmt", "go mod tidy", "go generate")
    assert [steps[name] for name in before] == ["success"] * len(before), steps
    # golangci-lint is the fifth block: each block before it passed
    assert gitlab_blocks_started(gl, "lint") == len(before) + 1, "a GitLab block before golangci-lint failed"
    assert gh.job("lint").result == gl.job("lint").result == steps[lint_step]
    if steps[lint_step] == "success":
        report("golangci-lint: the module proxy was reachable; the lint job passed on both")
        return
    line = same_reason(gh, gl, "lint", r"^curl: \(\d+\)")
    assert re.search(r"resolve (proxy|host)|connect|timed out|refused", line, re.IGNORECASE), line
    report(f"golangci-lint block not runnable offline (same failure on both): {line}")


# ------------------------------------------------------------------------- test platforms ----


def test_linux_amd64_legs_of_a_multi_platform_test_run_on_both(
    act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path
) -> None:
    """With test.platforms [linux/amd64, linux/arm64, darwin/arm64] the linux/amd64 test job is the
    one these runners can run (act and gitlab-ci-local run on this linux/amd64 machine): it passes
    on both with the same coverage total; the other platforms' jobs are rendered for their own
    runners."""
    variant = Variant(golangci_lint=False, platforms=("linux/amd64", "linux/arm64", "darwin/arm64"))
    job = "test-linux-amd64"
    gh_project = github_project(execution_base, "platforms-github", variant)
    jobs = load_yaml(gh_project / WORKFLOW)["jobs"]
    assert {name: jobs[name]["runs-on"] for name in jobs if name.startswith("test-")} == {
        "test-linux-amd64": "ubuntu-24.04",
        "test-linux-arm64": "ubuntu-24.04-arm",
        "test-darwin-arm64": "macos-15",
    }
    gh = act_host.run(gh_project, "pull_request", job)
    gl = gitlab_host.run(gitlab_project(execution_base, "platforms-gitlab", variant), [job], MR_VARIABLES)
    found = {}
    for run in (gh, gl):
        assert run.returncode == 0, f"{run.runner}: {job} failed\n{run.tail()}"
        assert set(run.jobs) == {(job, None)}, f"{run.runner}: {describe(run)}"
        assert run.job(job).result == "success", run.tail()
        found[run.runner] = [m.group(0) for line in run.output_of(job) if (m := COVERAGE_PASSED.search(line))]
    assert len(found["github"]) == 1, found
    assert found["github"] == found["gitlab"], found
    report(f"test platforms: {job} passed on both: {found['github'][0]}")
