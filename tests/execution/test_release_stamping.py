"""Stamped release builds (docs/release.md) for real on both runners: two binaries per leg, the
release placeholders in -ldflags, Go's VCS stamping and release archives. On the same commit, a
tag run and a change-request run each give binaries that print the same version, commit and date
on both runners (and vcs.modified=false), byte-identical across the runners, with GOARM=7 on the
arm leg; each leg's archive is byte-identical across the runners, and on the tag the release job
makes the same SHA256SUMS on both."""

from __future__ import annotations

import datetime
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.execution.conftest import same_commit_pair
from tests.execution.harness import (
    MR_VARIABLES,
    ActHost,
    GitLabHost,
    RunnerRun,
    git,
    report,
    sha256,
    small_manifest,
)
from tests.helpers import GO

pytestmark = pytest.mark.oracle

MANIFEST = small_manifest(
    'triggers:\n  branches: [main]\n  pull-requests: true\n  tags: ["v*"]\n'
    # what the build makes for the archives (a man page), in every Go job
    "setup:\n  run: |\n    mkdir -p share/man\n    printf '.TH SERVER 1\\n' > share/man/server.1\n"
    "lint:\n  vet: false\n  golangci-lint: false\ntest:\n  race: false\n"
    "build:\n  binaries:\n    - {main: ./cmd/server, binary: server}\n"
    "    - {main: ./cmd/stamp, binary: stamp, release: false}\n"
    '  ldflags: "-s -w -X main.version={version} -X main.commit={commit} -X main.date={date}'
    ' -X main.tag={tag} -X main.short={short_commit}"\n'
    "  buildvcs: true\n  matrix:\n    goarch: [amd64]\n    include:\n"
    '      - {goos: linux, goarch: arm, goarm: "7"}\n'
    "release:\n  on-tags: true\n  archives:\n    files: [README.md, go.mod]\n    files-from-build: [share/man/]\n"
    "    replacements: {arm/7: armv7hf}\n    wrap: true\n"
)
STAMP = """package main

import (
\t"fmt"
\t"runtime/debug"
)

var version, commit, date, tag, short = "dev", "none", "unknown", "", ""

func main() {
\tfmt.Printf("version=%s commit=%s date=%s tag=%s short=%s\\n", version, commit, date, tag, short)
\tinfo, _ := debug.ReadBuildInfo()
\tfor _, s := range info.Settings {
\t\tswitch s.Key {
\t\tcase "vcs.revision", "vcs.time", "vcs.modified":
\t\t\tfmt.Printf("%s=%s\\n", s.Key, s.Value)
\t\t}
\t}
}
"""
TAG = "v1.4.0"
PREVIOUS_TAG = "v1.3.0"
LEGS = {"linux-amd64", "linux-arm-v7"}
ARCHIVES = {
    "linux-amd64": "orders-api_{version}_linux_amd64.tar.gz",
    "linux-arm-v7": "orders-api_{version}_linux_armv7hf.tar.gz",
}


def _expected(project: Path, tag: str) -> list[str]:
    """What the stamp binary must print, from git (independently of the build block)."""
    commit = git(project, "rev-parse", "HEAD")
    seconds = int(git(project, "log", "-1", "--format=%ct"))
    date = datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    version = tag.removeprefix("v") if tag else f"0.0.0-feature-{commit[:12]}"
    return [
        f"version={version} commit={commit} date={date} tag={tag} short={commit[:12]}",
        f"vcs.revision={commit}",
        f"vcs.time={date}",
        "vcs.modified=false",
    ]


def _expected_notes(project: Path) -> list[str]:
    """release.notes: generate, from git (independently of the notes block): the commits since
    the previous tag, newest first, without merges."""
    log = git(project, "log", "--no-merges", "--format=%H %s", f"{PREVIOUS_TAG}..{TAG}").splitlines()
    return [f"## {TAG}", "", f"Changes since {PREVIOUS_TAG}:", "", *(f"- {line[41:]} ({line[:12]})" for line in log)]


@pytest.fixture(scope="module")
def stamped_runs(
    act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path
) -> dict[str, tuple[RunnerRun, RunnerRun, list[str]]]:
    """A change-request run and a tag run on each runner: (github, gitlab, expected output)."""
    files = (("ciforge.yml", MANIFEST), ("cmd/stamp/main.go", STAMP))
    runs = {}
    for kind in ("change-request", "tag"):
        github, gitlab = same_commit_pair(execution_base, f"stamp-{kind}", files)
        with ThreadPoolExecutor(max_workers=2) as pool:
            if kind == "tag":
                for project in (github, gitlab):
                    git(project, "tag", PREVIOUS_TAG, "HEAD~1")
                    git(project, "tag", TAG)
                variables = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": TAG, "CI_COMMIT_REF_NAME": TAG}
                gh = pool.submit(act_host.run, github, "push", "release-assets", ref=f"refs/tags/{TAG}")
                gl = pool.submit(gitlab_host.run, gitlab, ["build", "release-assets", "release-notes"], variables)
            else:
                gh = pool.submit(act_host.run, github, "pull_request", "build")
                gl = pool.submit(gitlab_host.run, gitlab, ["build"], MR_VARIABLES)
            runs[kind] = (gh.result(), gl.result(), _expected(gitlab, TAG if kind == "tag" else ""))
        if kind == "tag":  # act runs one job and what it needs: the notes are a second run
            notes = act_host.run(github, "push", "release-notes", ref=f"refs/tags/{TAG}")
            runs["notes"] = (notes, runs[kind][1], _expected_notes(gitlab))
    return runs


def _go_settings(path: Path) -> str:
    proc = subprocess.run([str(GO[-1]), "version", "-m", str(path)], capture_output=True, text=True, check=True)
    return proc.stdout


@pytest.mark.parametrize("kind", ["change-request", "tag"])
def test_stamped_binaries_are_the_same_on_both_runners(
    stamped_runs: dict[str, tuple[RunnerRun, RunnerRun, list[str]]], kind: str
) -> None:
    github, gitlab, expected = stamped_runs[kind]
    for run in (github, gitlab):
        for leg in LEGS:
            assert run.job("build", leg).result == "success", f"{run.runner}\n{run.tail()}"
        assert set(run.leg_files) == LEGS, (run.runner, run.leg_files)
        version = expected[0].split()[0].removeprefix("version=")
        for leg in LEGS:
            archive = ARCHIVES[leg].replace("{version}", version)
            assert set(run.leg_files[leg]) == {"server", "stamp", archive}, (run.runner, leg, run.leg_files[leg])
        printed = subprocess.run(
            [str(run.leg_files["linux-amd64"]["stamp"])], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert printed == expected, (run.runner, printed)
        assert "GOARM=7" in _go_settings(run.leg_files["linux-arm-v7"]["stamp"]), run.runner
    digests = {}
    for leg in sorted(LEGS):
        for name in ("server", "stamp", ARCHIVES[leg].replace("{version}", version)):
            digest = sha256(github.leg_files[leg][name])
            assert sha256(gitlab.leg_files[leg][name]) == digest, f"{kind} {leg}/{name} differs across the runners"
            digests[f"{leg}/{name}"] = digest[:16]
    report(
        f"stamped build, {kind} run: {expected[0]}; byte-identical on both runners "
        f"({', '.join(f'{k} {v}' for k, v in digests.items())}; {github.seconds:.0f} s / {gitlab.seconds:.0f} s)"
    )


def _sums(run: RunnerRun) -> Path:
    """The release job's SHA256SUMS among the run's artifacts: act's artifact directory (the
    parent of the build legs'), gitlab-ci-local's in the project."""
    if run.runner == "github":
        root = next(iter(run.leg_files["linux-amd64"].values())).parent.parent
    else:
        root = run.project / ".gitlab-ci-local" / "artifacts"
    found = sorted(root.rglob("SHA256SUMS"))
    assert len(found) == 1, (run.runner, found)
    return found[0]


def test_the_tag_release_ships_the_same_archives_on_both_runners(
    stamped_runs: dict[str, tuple[RunnerRun, RunnerRun, list[str]]],
) -> None:
    github, gitlab, _ = stamped_runs["tag"]
    for run in (github, gitlab):
        assert run.job("release-assets").result == "success", f"{run.runner}\n{run.tail()}"
    sums = _sums(github).read_text(encoding="utf-8")
    assert _sums(gitlab).read_text(encoding="utf-8") == sums
    shipped = sorted(line.split()[1] for line in sums.splitlines())
    assert shipped == sorted(name.replace("{version}", "1.4.0") for name in ARCHIVES.values())
    report("release archives on the tag, SHA256SUMS identical on both runners:\n" + sums.rstrip())


def test_the_release_notes_are_the_same_on_both_runners(
    stamped_runs: dict[str, tuple[RunnerRun, RunnerRun, list[str]]],
) -> None:
    """The release-notes job prints the file it ships (release-notes.md, the release's
    description on both platforms): the same lines on both runners, as git tells them."""
    github, gitlab, expected = stamped_runs["notes"]
    # the runners' logs keep no empty line alike (gitlab-ci-local drops them): the text lines
    text = [line for line in expected if line]
    printed = {}
    for run in (github, gitlab):
        assert run.job("release-notes").result == "success", f"{run.runner}\n{run.tail()}"
        lines = [line.strip() for line in run.output_of("release-notes") if line.strip()]
        start = lines.index(text[0])
        printed[run.runner] = lines[start : start + len(text)]
    assert printed["github"] == printed["gitlab"] == text, printed
    report("release notes on the tag, identical on both runners:\n" + "\n".join(expected))
