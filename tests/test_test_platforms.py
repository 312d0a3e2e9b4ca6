"""Test platforms: one test job per platform on its documented hosted runner (or the runner the
manifest names), legs from the sparse test matrix expanded once, the platform part of the plan."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from ciforge import ir, runners
from ciforge.compiler import compile_pipeline
from ciforge.diagnostics import Diagnostic
from ciforge.plan import EVENTS
from ciforge.targets import registry
from ciforge.targets.github import emitter as github, lifter as lift_github, runners as github_runners
from ciforge.targets.gitlab import lifter as lift_gitlab, runners as gitlab_runners
from tests.helpers import CASES, GITHUB, GITLAB, render_case
from tests.test_equivalence import plans_differ


def _load(text: str) -> dict:  # type: ignore[type-arg]
    loaded: dict = YAML(typ="safe", pure=True).load(text)  # type: ignore[type-arg]
    return loaded


def _compile(text: str) -> tuple[ir.Pipeline | None, list[Diagnostic]]:
    return compile_pipeline(text.encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")


def _legs(job: dict) -> list[str]:  # type: ignore[type-arg]
    return [leg["TEST_LEG"] for leg in job["parallel"]["matrix"]]


def test_one_job_per_platform_with_the_sparse_legs() -> None:
    """The four platforms crossed with [oldstable, stable], macOS without oldstable, and one
    appended integration leg without -race on linux/amd64, in a job of its own (-race is written
    into the job's block)."""
    result = render_case(CASES / "test-platforms")
    gl = _load(result.files[GITLAB])
    old, new = "go1.25.11", "go1.26.4"
    assert _legs(gl["test-linux-amd64"]) == [old, new]
    assert _legs(gl["test-linux-amd64-norace"]) == [f"{new}-integration"]
    assert _legs(gl["test-linux-arm64"]) == [old, new]
    assert _legs(gl["test-darwin-arm64"]) == [new]  # exclude {go: oldstable} matched the resolved release
    assert _legs(gl["test-windows-amd64"]) == [old, new]
    assert "go test -race -covermode=atomic" in gl["test-linux-amd64"]["script"][0]
    norace = gl["test-linux-amd64-norace"]["script"][0]
    assert 'go test -tags "${GO_TAGS:-}" -covermode=atomic' in norace
    assert gl["test-linux-amd64-norace"]["parallel"]["matrix"][0]["GO_TAGS"] == "integration"
    gh = _load(result.files[GITHUB])["jobs"]
    assert gh["test-linux-amd64"]["strategy"]["matrix"]["include"] == gl["test-linux-amd64"]["parallel"]["matrix"]
    # the build starts with every platform's tests (nothing here ships, so nothing waits for both)
    assert "needs" not in gh["build"]
    assert gl["build"]["needs"] == []
    # each leg its own coverage artifact: names unique across the platform jobs
    names = {gl[job]["artifacts"]["name"] for job in gl if job.startswith("test-")}
    assert len(names) == 5
    assert all("$TEST_LEG" in name for name in names)


def test_race_is_off_where_go_has_no_race_detector() -> None:
    manifest = (
        "version: 1\nname: w\ngo: {version: '1.25'}\n"
        "test: {platforms: [linux/amd64, windows/arm64]}\n"
        "runners: {windows/arm64: {gitlab: {tags: [windows-arm, bash]}}}\n"
    )
    pipeline, diagnostics = _compile(manifest)
    assert pipeline is not None, diagnostics
    scripts = {
        job.id: step.script
        for job in pipeline.jobs
        for step in job.steps
        if isinstance(step, ir.Run) and step.id == "go-test"
    }
    assert "go test -race " in scripts["test-linux-amd64"]
    assert "-race" not in scripts["test-windows-arm64"]  # the documented per-platform default
    assert "CGO_ENABLED" not in dict(pipeline.job("test-windows-arm64").env)


def test_runner_overrides_reach_both_outputs() -> None:
    result = render_case(CASES / "test-runners")
    gh = _load(result.files[GITHUB])["jobs"]
    gl = _load(result.files[GITLAB])
    assert gh["test-linux-arm64"]["runs-on"] == "ubuntu-22.04-arm"
    assert gh["test-darwin-arm64"]["runs-on"] == "macos-15"  # no GitHub override: the hosted runner
    assert gl["test-linux-amd64"]["tags"] == ["docker", "amd64"]
    assert gl["test-darwin-arm64"]["tags"] == ["macos", "apple-silicon"]
    assert "image" not in gl["test-darwin-arm64"]  # a self-hosted macOS runner has no VM image to name


def test_a_list_of_github_labels() -> None:
    manifest = (
        "version: 1\nname: s\ngo: {version: '1.25'}\nrunners: {linux/amd64: {github: [self-hosted, linux, x64]}}\n"
    )
    pipeline, diagnostics = _compile(manifest)
    assert pipeline is not None, diagnostics
    assert github.runs_on(pipeline.job("test")) == ["self-hosted", "linux", "x64"]
    assert github.runs_on(pipeline.job("lint")) == "ubuntu-24.04"


def test_lifters_read_the_platform_from_the_runner() -> None:
    """A hand edit that moves a test job to another hosted runner changes its platform in the plan."""
    result = render_case(CASES / "test-platforms")
    event = EVENTS["push:main"]
    for lifted in (lift_github.lift(result.files[GITHUB], event), lift_gitlab.lift(result.files[GITLAB], event)):
        platforms = {job.logical_id: job.platform for job in lifted.jobs.values()}
        assert platforms == {
            "lint": "linux/amd64",
            "test-linux-amd64": "linux/amd64",
            "test-linux-amd64-norace": "linux/amd64",
            "test-linux-arm64": "linux/arm64",
            "test-darwin-arm64": "darwin/arm64",
            "test-windows-amd64": "windows/amd64",
            "build": "linux/amd64",
        }
    gh = _load(result.files[GITHUB])
    gh["jobs"]["test-darwin-arm64"]["runs-on"] = "ubuntu-24.04"
    from ciforge import yamlout

    assert any(
        "test-darwin-arm64" in d and "platform differs" in d for d in plans_differ(result, github=yamlout.dump(gh))
    )
    gl = _load(result.files[GITLAB])
    gl["test-linux-arm64"]["tags"] = ["saas-linux-small-amd64"]
    assert any(
        "test-linux-arm64" in d and "platform differs" in d for d in plans_differ(result, gitlab=yamlout.dump(gl))
    )


def test_go_on_runners_without_docker_is_a_checked_download() -> None:
    result = render_case(CASES / "test-platforms")
    gl = _load(result.files[GITLAB])
    block = gl["test-darwin-arm64"]["script"][0]
    assert 'archive="go${toolchain}.darwin-arm64.tar.gz"' in block
    assert "shasum -a 256 -c -" in block
    assert gl["test-darwin-arm64"]["image"] == gitlab_runners.MACOS_IMAGE
    lifted = lift_gitlab.lift(result.files[GITLAB], EVENTS["push:main"])
    darwin = [job for job in lifted.jobs.values() if job.logical_id == "test-darwin-arm64"]
    assert [job.tools for job in darwin] == [(("go", "1.26.4"),)]


def test_every_target_accounts_for_every_test_platform() -> None:
    """Each registered target has, for every test platform, either a hosted runner it spells or
    the reason it has none (named in the error), never both; GitHub hosts them all."""
    for platform in registry.platforms():
        hosting = platform.HOSTING
        assert hosting.target == platform.NAME
        assert hosting.platforms | set(hosting.missing) == set(runners.PLATFORMS), platform.NAME
        assert not hosting.platforms & set(hosting.missing), platform.NAME
    assert set(github_runners.HOSTED_RUNNERS) == set(runners.PLATFORMS)
    assert set(gitlab_runners.HOSTED_TAGS) == registry.platform("gitlab").HOSTING.platforms
