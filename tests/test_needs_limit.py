"""Issue 10, item 3: GitLab refuses a pipeline in which one job needs more than 50 jobs, every
``parallel:matrix`` instance counted. A release over more build legs than that fans in through
collector jobs (at most 50 legs each) on both platforms, so the same artifacts reach the release."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import attrs
import pytest

from ciforge import compiler, ir, scripts_supply, source, yamlout
from ciforge.compiler import compile_pipeline, emit
from ciforge.plan import EVENTS, differences, from_ir
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import GITHUB, GITLAB


def manifest(legs: int) -> dict[str, Any]:
    """Every stage on, and a build matrix of exactly ``legs`` legs."""
    extra = [{"goos": "linux", "goarch": "arm64", "tags": f"t{i}"} for i in range(legs - 1)]
    return {
        "version": 1,
        "name": "svc",
        "go": {"version": "1.23"},
        "build": {"matrix": {"goos": ["linux"], "goarch": ["amd64"], "include": extra}},
        "image": {"push": ["tags"]},
        "sbom": {},
        "scan": {},
        "sign": {"keyless": True, "verify": True},
        "release": {"on-tags": True},
    }


def compiled(legs: int) -> tuple[ir.Pipeline, dict[str, str]]:
    pipeline, diagnostics = compile_pipeline(
        yamlout.dump(manifest(legs)).encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml"
    )
    assert pipeline is not None, [d.message for d in diagnostics]
    return pipeline, emit(pipeline, ("github", "gitlab"))


def delivered(plan: Any, job: str) -> set[str]:
    """The build legs whose artifact reaches ``job``, following what each job consumes."""
    out: set[str] = set()
    stack = [job]
    seen = set()
    while stack:
        current = plan.jobs[stack.pop()]
        for producer in current.consumes:
            for key, planned in plan.jobs.items():
                if planned.logical_id == producer and key not in seen:
                    seen.add(key)
                    if producer.startswith("build"):
                        out.add(key)
                    else:
                        stack.append(key)
    return out


@pytest.mark.parametrize("legs", [1, 50, 51, 200, 201, 250])
def test_release_over_many_legs_is_accepted_and_complete(legs: int) -> None:
    """At 1, 50, 51, 200, 201 and 250 legs with every stage on: no GitLab job needs more than 50
    jobs (as GitLab counts them), the three plans of the tag push are equal, and every build leg's
    binaries reach release-assets on both platforms."""
    pipeline, files = compiled(legs)
    event = EVENTS["tag"]
    gitlab = lift_gitlab.lift(files[GITLAB], event)  # raises RefusedPipelineError over the limit
    github = lift_github.lift(files[GITHUB], event)
    expected = from_ir.plan(pipeline, event)
    assert differences(expected, gitlab, names=("ir", "gitlab")) == []
    assert differences(expected, github, names=("ir", "github")) == []
    assert max(len(job.needs) for job in gitlab.jobs.values()) <= 50
    builds = {key for key, job in gitlab.jobs.items() if job.logical_id.startswith("build")}
    assert len(builds) == legs
    assert delivered(gitlab, "release-assets") == builds
    assert delivered(github, "release-assets") == builds
    collectors = [j for j in pipeline.jobs if j.id.startswith("collect-")]
    assert len(collectors) == (0 if legs < 50 else -(-legs // 50))


def test_gitlab_lifter_refuses_a_job_over_the_limit() -> None:
    """The lifter models the limit: release-assets needing the build shards directly (what
    ciforge wrote before) is a pipeline GitLab refuses."""
    _, files = compiled(51)
    doc = lift_gitlab.load(files[GITLAB])
    doc["release-assets"]["needs"] = [{"job": "build-1", "artifacts": True}, {"job": "build-2", "artifacts": True}]
    with pytest.raises(lift_gitlab.RefusedPipelineError, match="needs 51 jobs, more than 50"):
        lift_gitlab.lift(doc, EVENTS["tag"])
    assert lift_gitlab.lift(doc, EVENTS["push:main"]).jobs  # release-assets is not in that pipeline


def test_limit_check_counts_concrete_jobs() -> None:
    """The compiler's check counts matrix legs, not needs entries: one ``needs`` entry on a
    51-leg job is 51 jobs."""
    pipeline, files = compiled(51)
    merged = attrs.evolve(pipeline.job("build-1"), legs=pipeline.job("build-1").legs + pipeline.job("build-2").legs)
    removed = ("build-2", "collect-build-2")
    jobs = tuple(
        merged if j.id == "build-1" else attrs.evolve(j, needs=tuple(n for n in j.needs if n not in removed))
        for j in pipeline.jobs
        if j.id not in removed
    )
    broken = attrs.evolve(pipeline, jobs=jobs)
    doc, _ = source.load_bytes(yamlout.dump(manifest(51)).encode(), "ciforge.yml")
    assert doc is not None
    found = compiler._limits(broken, files, doc)
    # what ships waits for the builds through their collectors (docs/cost.md, the job graph)
    assert [d.code for d in found] == ["limit"]
    assert "collect-build-1 would need 51 jobs" in found[0].message


@pytest.mark.parametrize(
    ("build_job", "delivered_dirs"),
    [
        # GitHub: download-artifact puts each artifact in dist/<artifact name>/ = dist/<job>-<leg>/
        ("build-2", ["build-2-linux-amd64", "build-2-linux-arm64-t1", "build-2-windows-amd64"]),
        # GitLab: artifacts keep their paths, dist/build-<leg>/
        ("build-2", ["build-linux-amd64", "build-linux-arm64-t1", "build-windows-amd64"]),
        # one shard (50 legs exactly): the job is "build" on both platforms
        ("build", ["build-linux-amd64", "build-linux-arm64-t1", "build-windows-amd64"]),
    ],
)
def test_collector_script_gives_the_release_layout(tmp_path: Path, build_job: str, delivered_dirs: list[str]) -> None:
    """The collector's bash, run on each platform's download layout, leaves exactly
    ``dist/build-<leg>/`` with the leg's files, the layout release-assets checks against RELEASE_LEGS."""
    for name in delivered_dirs:
        (tmp_path / "dist" / name).mkdir(parents=True)
        (tmp_path / "dist" / name / "svc").write_text(name, encoding="utf-8")
    result = subprocess.run(
        ["bash", "-c", scripts_supply.collect_builds()],
        cwd=tmp_path,
        env={"BUILD_JOB": build_job, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["collected", "legs:", "3"]
    found = sorted(p.name for p in (tmp_path / "dist").iterdir())
    assert found == ["build-linux-amd64", "build-linux-arm64-t1", "build-windows-amd64"]
    contents = sorted((tmp_path / "dist" / d / "svc").read_text(encoding="utf-8") for d in found)
    assert contents == sorted(delivered_dirs)
