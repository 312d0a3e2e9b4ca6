"""jobs: the project's own jobs in the DAG, the plan and verify: needs (custom, built-in ids and the
lint/test/build families), events (listed or inherited from the needs), stages, downloads, and every
mistake as a positioned error."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ciforge import ir, scripts
from ciforge.compiler import compile_pipeline, emit
from ciforge.diagnostics import Diagnostic, format_text
from ciforge.plan import EVENTS, from_ir
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, TARGET_NAMES, render_case
from tests.test_equivalence import plans_differ

CASE = CASES / "custom-jobs"
IMAGE = "ubuntu:24.04@sha256:80dd3c3b9c6cecb9f1667e9290b3bc61b78c2678c02cbdae5f0fea92cc6734ab"
HEAD = 'version: 1\nname: shop\ngo:\n  version: "1.25"\nbuild:\n  main: .\n'


def _compile(jobs: str, extra: str = "") -> tuple[ir.Pipeline | None, list[Diagnostic]]:
    text = HEAD + extra + "jobs:\n" + jobs
    return compile_pipeline(text.encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")


def _errors(jobs: str, extra: str = "") -> list[str]:
    _, diagnostics = _compile(jobs, extra)
    return [format_text(d) for d in diagnostics if d.severity == "error"]


def test_the_golden_case_joins_the_dag_with_families_stages_and_inherited_events() -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    integration = result.pipeline.job("integration")
    assert integration.needs == ("test-linux-amd64", "test-linux-arm64")  # test: every test job
    assert integration.events == frozenset({ir.Event.CHANGE_REQUEST, ir.Event.PUSH_BRANCH})
    assert integration.stage == "check"
    assert dict(integration.env)["APP_ENV"] == "ci"
    e2e = result.pipeline.job("e2e")
    # it runs after a build, which starts with the checks: it waits for them too (it may deploy)
    assert e2e.needs == ("build", "integration", "lint", "test-linux-amd64", "test-linux-arm64")
    assert e2e.stage == "build"
    assert e2e.events == integration.events  # not listed: the events of its needs
    assert e2e.consumes == (ir.ArtifactInput(producer="build", name="build-{leg}", all_legs=True),)
    assert e2e.produces == (ir.Artifact(name="e2e", paths=("reports/",)),)
    licenses = result.pipeline.job("licenses")
    assert (licenses.runtime, licenses.go, licenses.events, licenses.timeout_minutes) == (
        ir.Runtime.SHELL,
        None,
        ir.ALL_EVENTS - {ir.Event.SCHEDULE},  # every event but a schedule, which runs only the jobs it selects
        10,
    )
    assert licenses.access == frozenset({ir.Access.READ_SOURCE})
    assert (licenses.container, licenses.allow_failure) == (IMAGE, True)
    assert (integration.container, integration.allow_failure) == (None, False)
    assert (integration.runner.platform, licenses.runner.platform) == ("linux/arm64", "linux/amd64")


@pytest.mark.parametrize("platform", ["linux/arm64", "darwin/arm64"])
def test_a_job_runs_on_its_runner_on_both_platforms(platform: str) -> None:
    """runner: the platform's hosted runner on both (the planner and both lifters agree on the
    platform); a Go job on macOS gets the toolchain GitLab's macOS runner lacks."""
    pipeline, diagnostics = _compile(f"  e2e:\n    run: go test ./...\n    runner: {platform}\n")
    assert pipeline is not None, diagnostics
    files = emit(pipeline, TARGET_NAMES)
    github, gitlab = lift_github.load(files[GITHUB]), lift_gitlab.load(files[GITLAB])
    for event in ("pr", "push:main"):
        planned = from_ir.plan(pipeline, EVENTS[event]).jobs["e2e"]
        assert planned.platform == platform
        assert lift_github.lift(github, EVENTS[event]).jobs["e2e"] == planned
        assert lift_gitlab.lift(gitlab, EVENTS[event]).jobs["e2e"] == planned


def test_runner_mistakes_are_positioned_errors() -> None:
    errors = _errors(
        f"  a:\n    run: x\n    runner: windows/arm64\n  b:\n    run: y\n    go: false\n    container: {IMAGE}\n"
        "    runner: darwin/arm64\n"
    )
    # GitHub hosts windows/arm64 runners; GitLab has none that runs bash
    assert [e.split(": error: ")[0] for e in errors] == ["ciforge.yml:10:13", "ciforge.yml:15:13"]
    assert "windows/arm64 has no hosted GitLab runner" in errors[0]
    assert "runners.windows/arm64.gitlab" in errors[0]
    assert errors[1].endswith(
        "job b: a container runs on a Linux runner, not darwin/arm64 (at $.jobs.b.runner) [conflict]"
    )


def test_secrets_reach_only_their_job_in_the_environment_and_verify_sees_a_lost_mapping() -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    docs = result.pipeline.job("publish-docs")
    assert dict(docs.env)["DOCS_TOKEN"] == ir.PlatformValue("secret", "DOCS_TOKEN")
    assert (docs.environment, docs.cancellable) == ("release", False)
    assert ir.Event.CHANGE_REQUEST not in docs.events
    others = [job for job in result.pipeline.jobs if job.id != "publish-docs"]
    assert not any("DOCS_TOKEN" in dict(job.env) for job in others)
    for event in ("push:main", "tag"):
        assert from_ir.plan(result.pipeline, EVENTS[event]).jobs["publish-docs"].secrets == ("DOCS_TOKEN",)
    assert "publish-docs" not in from_ir.plan(result.pipeline, EVENTS["pr"]).jobs
    github, gitlab = result.files[GITHUB], result.files[GITLAB]
    mapping = "      DOCS_TOKEN: ${{ secrets.DOCS_TOKEN }}\n"
    assert github.count(mapping) == 1
    for tampered in (
        {"github": github.replace(mapping, "")},
        {"github": github.replace(mapping, "      DOCS_TOKEN: ${{ secrets.OTHER_TOKEN }}\n")},
        {"gitlab": gitlab.replace(': "${DOCS_TOKEN:?', ': "${DOCS_TOKENX:?')},
    ):
        assert any("secrets differs" in d for d in plans_differ(result, **tampered)), tampered.keys()


@pytest.mark.parametrize(
    ("secrets", "expected"),
    [
        ("[CODECOV_TOKEN]\n    events: [pr, push]", "$.jobs.a.events) [secrets]"),
        ("[CODECOV_TOKEN]", "$.jobs.a.secrets) [secrets]"),  # events inherited: every event, pr too
        ("[GITHUB_TOKEN]\n    events: [push]", "$.jobs.a.secrets[0]) [secrets]"),
        ("[APP_KEY]\n    events: [push]\n    env: {APP_KEY: x}", "$.jobs.a.secrets[0]) [secrets]"),
        ("[codecov]\n    events: [push]", "$.jobs.a.secrets[0]) [pattern]"),
    ],
)
def test_secret_mistakes_are_positioned_errors(secrets: str, expected: str) -> None:
    errors = _errors(f"  a:\n    run: x\n    secrets: {secrets}\n")
    assert [e.split(" (at ")[1] for e in errors] == [expected], errors


def test_the_secret_check_fails_first_and_names_the_secret(tmp_path: Path) -> None:
    block = scripts.require_secrets(("DOCS_TOKEN", "API_KEY"))
    missing = subprocess.run(
        ["bash", "-c", block],
        env={"PATH": "/usr/bin:/bin", "DOCS_TOKEN": "t"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode != 0
    assert "API_KEY: the secret API_KEY is not set" in missing.stderr
    present = subprocess.run(
        ["bash", "-c", block], env={"PATH": "/usr/bin:/bin", "DOCS_TOKEN": "t", "API_KEY": "k"}, check=False
    )
    assert present.returncode == 0


def test_the_container_and_allow_failure_are_in_the_plans_and_verify_sees_them_changed() -> None:
    """Both lifters read the job's image (GitHub container:, GitLab image: pinned by digest) and
    its allowed failure (continue-on-error, allow_failure); dropping or changing either on one
    platform is a difference."""
    result = render_case(CASE)
    assert result.pipeline is not None
    planned = from_ir.plan(result.pipeline, EVENTS["pr"]).jobs["licenses"]
    assert (planned.container, planned.allow_failure) == (IMAGE, True)
    other = IMAGE[:-1] + "0"
    github, gitlab = result.files[GITHUB], result.files[GITLAB]
    for tampered in (
        {"github": github.replace("    continue-on-error: true\n", "")},
        {"gitlab": gitlab.replace("  allow_failure: true\n", "")},
        {"github": github.replace(IMAGE, other)},
        {"gitlab": gitlab.replace(IMAGE, other)},
        {"gitlab": gitlab.replace(f"image: {IMAGE}", "image: buildpack-deps:bookworm-curl")},
    ):
        assert next(iter(tampered.values())) != (github if "github" in tampered else gitlab)
        differences = plans_differ(result, **tampered)
        assert any("container" in d or "allow_failure" in d for d in differences), (tampered.keys(), differences)


def test_the_plan_runs_them_on_their_events_on_both_platforms() -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    assert plans_differ(result) == []
    gh_doc, gl_doc = (
        lift_github.load(result.files[GITHUB]),
        lift_gitlab.load(result.files[GITLAB]),
    )
    for event, expected in (("pr", {"integration", "licenses", "e2e"}), ("tag", {"licenses"})):
        for plan in (
            from_ir.plan(result.pipeline, EVENTS[event]),
            lift_github.lift(gh_doc, EVENTS[event]),
            lift_gitlab.lift(gl_doc, EVENTS[event]),
        ):
            custom = {job.logical_id for job in plan.jobs.values()} & {"integration", "licenses", "e2e"}
            assert custom == expected, (event, plan)
    e2e = from_ir.plan(result.pipeline, EVENTS["pr"]).jobs["e2e"]
    assert e2e.consumes == frozenset({"build"})
    assert e2e.commands == ("set -euo pipefail\nmkdir -p reports\n./scripts/e2e.sh dist/ > reports/e2e.txt\n",)


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        (
            "  Bad_Name:\n    run: x\n",
            "ciforge.yml:8:3: error: job name 'Bad_Name': a lower-case letter, then lower-case letters, digits, "
            "'_' and '-' (at most 63) (at $.jobs.Bad_Name) [job-name]",
        ),
        (
            "  test-e2e:\n    run: x\n",
            "ciforge.yml:8:3: error: job name 'test-e2e' is ciforge's own (lint, test, build, checks, collect, image, "
            "release and their -suffixed jobs); choose another (at $.jobs.test-e2e) [job-name]",
        ),
        (
            "  e2e:\n    run: x\n    needs: [tests]\n",
            "ciforge.yml:10:13: error: job e2e needs 'tests', which is no job here (known: lint, test, build) "
            "(at $.jobs.e2e.needs[0]) [needs]",
        ),
        (
            "  a:\n    run: x\n    needs: [b]\n  b:\n    run: y\n    needs: [a]\n",
            "ciforge.yml:10:5: error: jobs need each other in a cycle: a -> b -> a (at $.jobs.a.needs) [needs]",
        ),
        (
            "  a:\n    run: x\n    needs: [b]\n    events: [tag]\n  b:\n    run: y\n    events: [pr]\n",
            "ciforge.yml:11:5: error: job a runs on tag, where b, which it needs, does not run; list only the events "
            "its needs run on (at $.jobs.a.events) [needs]",
        ),
        (
            "  a:\n    run: echo ${{ github.sha }}\n",
            # the manifest-wide check: no value may hold a template expression of either platform
            "ciforge.yml:9:10: error: 'echo ${{ github.sha }}' holds '${{', which GitHub would evaluate as an "
            "expression but GitLab keeps literal (at $.jobs.a.run) [expression-syntax]",
        ),
        (
            "  a:\n    run: x\n    env: {GITHUB_TOKEN: x, token: y}\n",
            None,
        ),
        (
            "  a:\n    run: x\n    needs: [lint]\n    artifacts: {from: [lint]}\n",
            "ciforge.yml:11:24: error: lint keeps no files a job can download (the build's binaries and custom jobs' "
            "artifacts can be) (at $.jobs.a.artifacts.from[0]) [artifacts]",
        ),
        (
            f"  a:\n    run: x\n    container: {IMAGE}\n",
            "ciforge.yml:10:16: error: job a: container needs go: false (a Go job runs in ciforge's pinned Go "
            "toolchain) (at $.jobs.a.container) [conflict]",
        ),
        (
            "  a:\n    run: x\n    go: false\n    container: ubuntu:24.04\n",
            'ciforge.yml:11:28: error: invalid value "ubuntu:24.04": it ends too early; allowed: an image pinned by '
            "digest: a lower-case name (registry host and path), optionally ':' and a tag, then '@sha256:' and 64 "
            "lower-case hex digits (ubuntu:24.04@sha256:<digest>; docker buildx imagetools inspect prints the digest) "
            "(at $.jobs.a.container) [pattern]",
        ),
        (
            "  a:\n    run: x\n    artifacts: {from: [build]}\n",
            "ciforge.yml:10:24: error: job a downloads from 'build', which is not one of its needs "
            "(at $.jobs.a.artifacts.from[0]) [artifacts]",
        ),
    ],
)
def test_mistakes_are_positioned_errors(jobs: str, expected: str | None) -> None:
    errors = _errors(jobs)
    if expected is not None:
        assert errors == [expected]
    else:  # two env problems, reported together
        assert [e.split(" (at ")[1] for e in errors] == [
            "$.jobs.a.env.GITHUB_TOKEN) [env]",
            "$.jobs.a.env.token) [env]",
        ]


def test_with_modules_test_means_every_modules_test_job(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module example.com/shop\n\ngo 1.25\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "go.mod").write_text("module example.com/shop/api\n\ngo 1.25\n")
    text = HEAD + "modules: auto\njobs:\n  integration:\n    run: make it\n    needs: [test, lint-api]\n"
    pipeline, diagnostics = compile_pipeline(text.encode(), file="ciforge.yml", base_dir=tmp_path, label="ciforge.yml")
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert pipeline is not None
    assert pipeline.job("integration").needs == ("test", "test-api", "lint-api")


def test_a_custom_job_on_a_self_hosted_runner_declares_its_platform_for_the_plans() -> None:
    """A runners entry names labels neither lifter knows; the job declares TEST_PLATFORM, as the
    test jobs do, so both plans read the platform (found by the property tests)."""
    runners = "runners:\n  linux/arm64:\n    github: [self-hosted, arm64]\n    gitlab: {tags: [linux-arm64, bash]}\n"
    pipeline, diagnostics = _compile("  integration:\n    run: make check\n    runner: linux/arm64\n", runners)
    assert pipeline is not None, diagnostics
    assert dict(pipeline.job("integration").env)["TEST_PLATFORM"] == "linux/arm64"
    files = emit(pipeline, TARGET_NAMES)
    for lift, rel in ((lift_github, GITHUB), (lift_gitlab, GITLAB)):
        planned = lift.lift(lift.load(files[rel]), EVENTS["push:main"]).jobs["integration"]
        assert planned.platform == "linux/arm64", rel
