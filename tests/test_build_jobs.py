"""Issue 18: ``build.jobs: per-leg | single | N`` (docs/cost.md, build layouts).

single builds every leg in one job, one after another, with one shared cache; N cuts the legs (in
matrix order) into N contiguous batches whose sizes differ by at most one, jobs build-1 ...
build-N. Each leg still keeps its binaries as ``build-<leg>``, so what comes after the build is
unchanged; the plans of both outputs equal the IR's, and a leg dropped from a batch is a
difference verify reports."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import attrs
import pytest
from ruamel.yaml import YAML

from ciforge import ir, lower_build, yamlout
from ciforge.compiler import compile_pipeline, emit
from ciforge.plan import EVENTS, differences, from_ir
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, render_case, verify_edited

SINGLE = CASES / "build-single"
BATCHES = CASES / "build-batches"


def _load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _legs(count: int) -> list[ir.Leg]:
    return [ir.Leg(key=f"leg{i}", variables=((ir.LEG_VARIABLE, f"leg{i}"),)) for i in range(count)]


def test_seven_legs_in_three_jobs_are_three_two_two_in_matrix_order() -> None:
    legs = _legs(7)
    assert [[leg.key for leg in batch] for batch in lower_build.batches(legs, 3)] == [
        ["leg0", "leg1", "leg2"],
        ["leg3", "leg4"],
        ["leg5", "leg6"],
    ]


@pytest.mark.parametrize("count", range(1, 13))
def test_batches_keep_matrix_order_and_differ_by_at_most_one(count: int) -> None:
    for total in range(count, 30):
        legs = _legs(total)
        batches = lower_build.batches(legs, count)
        sizes = [len(b) for b in batches]
        assert len(batches) == count
        assert [leg for b in batches for leg in b] == legs  # contiguous, in matrix order, each once
        assert max(sizes) - min(sizes) <= 1
        assert sizes == sorted(sizes, reverse=True)  # the larger batches first


def _manifest(jobs: object, **extra: Any) -> dict[str, Any]:
    build: dict[str, Any] = {
        "matrix": {
            "goos": ["linux"],
            "goarch": ["arm", "amd64", "arm64"],
            "include": [{"goos": "linux", "goarch": "arm", "goarm": "7", "tags": "netgo"}],
        }
    }
    if jobs is not None:
        build["jobs"] = jobs
    return {"version": 1, "name": "svc", "go": {"version": "1.23"}, "build": build, **extra}


def _compile(data: dict[str, Any]) -> tuple[ir.Pipeline, dict[str, str], list[str]]:
    pipeline, diagnostics = compile_pipeline(
        yamlout.dump(data).encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml"
    )
    assert pipeline is not None, [d.message for d in diagnostics]
    return pipeline, emit(pipeline, ("github", "gitlab")), [f"{d.severity}:{d.code}" for d in diagnostics]


def _builds(pipeline: ir.Pipeline) -> list[ir.Job]:
    return [j for j in pipeline.jobs if j.stage == "build" and j.id.startswith("build")]  # not checks-N


def test_per_leg_is_the_default_and_renders_the_same_bytes() -> None:
    default, explicit = _compile(_manifest(None)), _compile(_manifest("per-leg"))
    assert default[1] == explicit[1]
    (build,) = _builds(default[0])
    assert not build.sequential
    assert len(build.legs) == 3
    assert _load(default[1][GITHUB])["jobs"]["build"]["strategy"]["matrix"]["include"]


def test_single_is_one_job_with_one_block_per_leg_in_order() -> None:
    pipeline, files, diagnostics = _compile(_manifest("single"))
    assert diagnostics == []
    (build,) = _builds(pipeline)
    assert (build.id, build.sequential) == ("build", True)
    blocks = [s for s in build.steps if isinstance(s, ir.Run)]
    assert [(b.id, b.name) for b in blocks] == [
        ("go-build-1", "go build linux-arm-v7-netgo"),
        ("go-build-2", "go build linux-amd64"),
        ("go-build-3", "go build linux-arm64"),
    ]
    assert [g.block for g in build.gates] == ["go-build-1", "go-build-2", "go-build-3"]
    gh = _load(files[GITHUB])["jobs"]["build"]
    assert "strategy" not in gh
    assert [s["with"]["name"] for s in gh["steps"] if "upload-artifact" in s.get("uses", "")] == [
        "build-linux-arm-v7-netgo",
        "build-linux-amd64",
        "build-linux-arm64",
    ]
    gl = _load(files[GITLAB])["build"]
    assert "parallel" not in gl
    assert gl["artifacts"]["name"] == "build"
    assert gl["artifacts"]["paths"] == [
        "dist/build-linux-arm-v7-netgo/",
        "dist/build-linux-amd64/",
        "dist/build-linux-arm64/",
    ]


def test_n_at_least_the_legs_is_per_leg_with_a_warning() -> None:
    pipeline, files, diagnostics = _compile(_manifest(3))
    assert diagnostics == ["warning:range"]
    assert files == _compile(_manifest("per-leg"))[1]
    assert [j.id for j in _builds(pipeline)] == ["build"]


def test_two_jobs_are_build_1_and_build_2_and_what_waits_needs_both() -> None:
    pipeline, files, _ = _compile(_manifest(2, release={"on-tags": True}))
    assert [(j.id, [leg.key for leg in j.legs]) for j in _builds(pipeline)] == [
        ("build-1", ["linux-arm-v7-netgo", "linux-amd64"]),
        ("build-2", ["linux-arm64"]),
    ]
    assert {"build-1", "build-2"} <= set(pipeline.job("release-assets").needs)
    needs = {n["job"]: n["artifacts"] for n in _load(files[GITLAB])["release-assets"]["needs"]}
    assert needs["build-1"] is True
    assert needs["build-2"] is True


def test_a_leg_block_sees_only_its_own_variables_in_a_shared_shell(tmp_path: Path) -> None:
    """GitLab runs a job's blocks in one shell: the amd64 leg after the arm/netgo leg must not
    inherit GOARM or GO_TAGS (a go stub records what each leg's go build saw)."""
    pipeline, _, _ = _compile(_manifest("single"))
    (build,) = _builds(pipeline)
    stub = tmp_path / "bin" / "go"
    stub.parent.mkdir()
    record = tmp_path / "seen.txt"
    stub.write_text(
        "#!/bin/sh\n"
        f'echo "$BUILD_LEG GOARCH=$GOARCH GOARM=${{GOARM-unset}} GO_TAGS=${{GO_TAGS-unset}}" >> {record}\n'
        'while [ "$#" -gt 0 ]; do if [ "$1" = -o ]; then mkdir -p "$(dirname "$2")"; : > "$2"; fi; shift; done\n',
        encoding="utf-8",
    )
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    script = "".join(s.script for s in build.steps if isinstance(s, ir.Run))
    env = {"PATH": f"{stub.parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert record.read_text(encoding="utf-8").splitlines() == [
        "linux-arm-v7-netgo GOARCH=arm GOARM=7 GO_TAGS=netgo",
        "linux-amd64 GOARCH=amd64 GOARM=unset GO_TAGS=unset",
        "linux-arm64 GOARCH=arm64 GOARM=unset GO_TAGS=unset",
    ]
    assert sorted(os.listdir(tmp_path / "dist")) == [
        "build-linux-amd64",
        "build-linux-arm-v7-netgo",
        "build-linux-arm64",
    ]


def test_one_cache_per_batch_keyed_by_its_job() -> None:
    _, files, _ = _compile(_manifest(2))
    gh = _load(files[GITHUB])["jobs"]
    keys = [
        next(s["with"]["key"] for s in gh[job]["steps"] if "actions/cache" in s.get("uses", ""))
        for job in ("build-1", "build-2")
    ]
    assert [k.split("${{")[0] for k in keys] == ["go-build-1-1.23.12-", "go-build-2-1.23.12-"]
    assert all("matrix" not in k for k in keys)
    gl = _load(files[GITLAB])
    assert gl["build-1"]["cache"]["key"]["prefix"].endswith("$CI_JOB_NAME_SLUG")  # build-1, build-2


def test_release_branches_keep_batches_uncached() -> None:
    """The trust boundary is the same as per-leg: no Go cache where release branches run."""
    data = _manifest("single")
    data["triggers"] = {"branches": ["main", "release/*"], "tags": ["v*"]}
    pipeline, files, _ = _compile(data)
    (build,) = _builds(pipeline)
    assert build.cache is None
    assert "actions/cache@" not in files[GITHUB]
    assert "cache" not in _load(files[GITLAB])["build"]


@pytest.mark.parametrize("case", [SINGLE, BATCHES], ids=["single", "batches"])
def test_plans_of_both_outputs_equal_the_ir_plan(case: Path) -> None:
    result = render_case(case)
    assert result.pipeline is not None
    for event in EVENTS.values():
        expected = from_ir.plan(result.pipeline, event)
        assert differences(expected, lift_github.lift(result.files[GITHUB], event)) == [], event.name
        assert differences(expected, lift_gitlab.lift(result.files[GITLAB], event)) == [], event.name
    tag = from_ir.plan(result.pipeline, EVENTS["tag"])
    builds = [job for job in tag.jobs.values() if job.logical_id.startswith("build")]
    assert len(builds) == (1 if case == SINGLE else 3)
    assert sum(len(job.produces) for job in builds) == (6 if case == SINGLE else 7)  # one per leg


def _block(text: str, start: str, end: str) -> str:
    """The text from ``start`` up to (not including) the next ``end`` after it."""
    at = text.index(start)
    return text[at : text.index(end, at + len(start))]


def test_verify_catches_a_leg_dropped_from_the_github_job(tmp_path: Path) -> None:
    text = render_case(SINGLE).files[GITHUB]
    step = _block(text, "      - name: go build linux-arm64\n", "      - name: go build darwin-amd64\n")
    problems = verify_edited(SINGLE, tmp_path, (GITHUB, step, ""))
    assert any("build: commands differ" in p for p in problems), problems


def test_verify_catches_a_leg_dropped_from_the_gitlab_job(tmp_path: Path) -> None:
    text = render_case(SINGLE).files[GITLAB]
    build = text[text.index("\nbuild:\n") :]
    item = _block(
        build,
        "    - |\n      set -euo pipefail\n      unset GOARM GO_TAGS\n      export BUILD_LEG='linux-arm64'",
        "    - |\n",
    )
    problems = verify_edited(SINGLE, tmp_path, (GITLAB, item, ""))
    assert any("build: commands differ" in p for p in problems), problems


def test_verify_catches_a_leg_dropped_from_the_gitlab_archive(tmp_path: Path) -> None:
    problems = verify_edited(SINGLE, tmp_path, (GITLAB, "      - dist/build-linux-arm64/\n", ""))
    assert any("build: produces differ" in p for p in problems), problems


def test_verify_catches_a_leg_upload_dropped_on_github(tmp_path: Path) -> None:
    text = render_case(SINGLE).files[GITHUB]
    upload = _block(text, "      - name: Upload build-linux-arm64\n", "      - name: Upload build-darwin-amd64\n")
    problems = verify_edited(SINGLE, tmp_path, (GITHUB, upload, ""))
    assert problems  # the image jobs download it by name, and the build job's artifacts differ


def test_the_gitlab_archive_is_compared_only_as_an_archive() -> None:
    """Without the register's artifact-archive rule, GitLab's one archive would differ from the
    build job's per-leg artifacts: the rule is what makes them comparable, and only on GitLab."""
    result = render_case(SINGLE)
    assert result.pipeline is not None
    expected = from_ir.plan(result.pipeline, EVENTS["tag"])
    gitlab = lift_gitlab.lift(result.files[GITLAB], EVENTS["tag"])
    assert gitlab.one_archive
    assert any("produces differ" in d for d in differences(expected, attrs.evolve(gitlab, one_archive=False)))
    assert not lift_github.lift(result.files[GITHUB], EVENTS["tag"]).one_archive


def test_forty_batches_of_eighty_legs_fit_every_platform_when_everything_ships() -> None:
    """N's maximum (40, the most jobs per-leg makes) with an image push, the supply chain, a
    release and a custom job that downloads the binaries: GitLab's needs limit holds (checks are
    gathered), and both outputs mean what the IR means."""
    include = [{"goos": "linux", "goarch": "arm64", "tags": f"t{i}"} for i in range(79)]
    data = {
        "version": 1,
        "name": "svc",
        "go": {"version": "1.23"},
        "build": {"jobs": 40, "matrix": {"goos": ["linux"], "goarch": ["amd64"], "include": include}},
        "image": {"push": ["tags"]},
        "sbom": {},
        "scan": {},
        "sign": {"keyless": True, "verify": True},
        "release": {"on-tags": True},
        "jobs": {"after": {"needs": ["build"], "artifacts": {"from": ["build"]}, "run": "ls dist"}},
    }
    pipeline, files, _ = _compile(data)
    builds = _builds(pipeline)
    assert [len(b.legs) for b in builds] == [2] * 40
    instances = {j.id: j.instances for j in pipeline.jobs}
    assert max(sum(instances[n] for n in j.needs) for j in pipeline.jobs) <= 50  # GitLab counts each job
    for event in EVENTS.values():
        expected = from_ir.plan(pipeline, event)
        assert differences(expected, lift_github.lift(files[GITHUB], event)) == [], event.name
        assert differences(expected, lift_gitlab.lift(files[GITLAB], event)) == [], event.name
