"""`ciforge plan --cost`: the jobs, legs and set-ups of each event, billed minutes, and the
critical path of the job graph (docs/cost.md)."""

from __future__ import annotations

import json

import attrs
import pytest

from ciforge import ir
from ciforge.cli import main
from ciforge.compiler import compile_file
from ciforge.plan import EVENTS, from_ir
from ciforge.plan.cost import Timings, critical_path, event_cost, timings, view
from ciforge.plan.model import Plan
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "go-service"


def _example() -> ir.Pipeline:
    result = compile_file(EXAMPLE / "ciforge.yml", out_dir=EXAMPLE, targets=())
    assert result.pipeline is not None
    return result.pipeline


def _logical(plan: Plan, keys: tuple[str, ...]) -> list[str]:
    return [plan.jobs[key].logical_id for key in keys]


def test_the_example_pull_request_path_is_one_job_shorter_than_when_builds_waited() -> None:
    """The builds start with lint and test: the pull request's longest chain is two jobs (a check
    or a build leg, then smoke); with the builds needing the checks, as before, it was three."""
    pipeline = _example()
    seconds = {"lint": 60.0, "test": 45.0, "build": 30.0, "smoke": 5.0}
    now = critical_path(from_ir.plan(pipeline, EVENTS["pr"]), seconds)
    waited = attrs.evolve(
        pipeline,
        jobs=tuple(attrs.evolve(j, needs=("lint", "test")) if j.id == "build" else j for j in pipeline.jobs),
    )
    before_plan = from_ir.plan(waited, EVENTS["pr"])
    before = critical_path(before_plan, seconds)
    assert (len(now.keys), len(before.keys)) == (2, 3)
    assert _logical(from_ir.plan(pipeline, EVENTS["pr"]), now.keys) == ["lint", "smoke"]  # lint is the slowest root
    assert _logical(before_plan, before.keys) == ["lint", "build", "smoke"]
    assert (now.seconds, before.seconds) == (65.0, 95.0)
    assert now.unmeasured == before.unmeasured == ()


def test_ties_in_jobs_go_to_the_slower_chain_and_unmeasured_jobs_are_named() -> None:
    plan = from_ir.plan(_example(), EVENTS["pr"])
    faster_build = critical_path(plan, {"lint": 10.0, "test": 20.0, "build": 90.0})
    assert _logical(plan, faster_build.keys) == ["build", "smoke"]
    assert (faster_build.seconds, faster_build.unmeasured) == (90.0, ("smoke",))
    # with no figures, the longest chain in jobs still stands, with every job on it unmeasured
    unknown = critical_path(plan, {})
    assert (len(unknown.keys), unknown.seconds) == (2, 0.0)
    assert set(unknown.unmeasured) == set(_logical(plan, unknown.keys))


def test_the_tag_path_runs_through_every_publishing_step() -> None:
    """On a tag, the longest chain signs and verifies the image before the release."""
    plan = from_ir.plan(_example(), EVENTS["tag"])
    path = critical_path(plan, {})
    assert _logical(plan, path.keys)[1:] == ["image-publish", "scan", "sign", "verify", "release"]
    assert _logical(plan, path.keys)[0] in ("lint", "test", "build")


def test_counts_of_jobs_legs_and_set_ups() -> None:
    """The pull request: lint, test, six build legs, image-build and smoke; every job checks out,
    the Go jobs and image-build install a pinned tool, and each restores its cache."""
    cost = event_cost(from_ir.plan(_example(), EVENTS["pr"]), {"lint": 61.0, "test": 59.0})
    assert (cost.jobs, cost.legs, cost.checkouts, cost.tool_setups, cost.cache_restores) == (10, 6, 10, 9, 9)
    assert cost.billed_minutes == 2 + 1 + 6 + 1 + 1  # lint 61 s rounds up to 2 minutes
    tag = event_cost(from_ir.plan(_example(), EVENTS["tag"]), {})
    assert tag.cache_restores < cost.cache_restores  # no Go cache on tag refs


def test_the_view_shows_each_event_and_its_path() -> None:
    plans = [from_ir.plan(_example(), EVENTS[name]) for name in ("pr", "push:feature")]
    text = view(plans, Timings(source="a test", seconds={"lint": 60.0, "test": 45.0, "build": 30.0, "smoke": 5.0}))
    lines = text.splitlines()
    header = "event jobs legs checkouts tool set-ups cache restores billed min path (jobs)"
    assert lines[0].split() == header.split()
    assert lines[2].split() == ["pr", "10", "6", "10", "9", "9", ">=", "10", "2"]
    assert "pr: lint, test, build x6, image-build, smoke" in lines
    assert "  critical path: lint -> smoke (2 jobs, about 65 s)" in lines
    assert "push:feature: (no job runs)" in lines
    assert lines[-1] == "seconds: a test"


def test_the_shipped_timings_cover_the_example_pull_request() -> None:
    """The figures come from a measurement (their source says which) and give every job of the
    example's pull request a duration, so its estimate names nothing unmeasured."""
    shipped = timings()
    assert "gitlab-ci-local" in shipped.source
    plan = from_ir.plan(_example(), EVENTS["pr"])
    path = critical_path(plan, shipped.seconds)
    unmeasured = {job.logical_id for job in plan.jobs.values()} - set(shipped.seconds)
    assert unmeasured == {"image-build"}  # no Docker engine where the suite runs (tests/execution/README.md)
    assert path.unmeasured == ()
    assert all(value > 0 for value in shipped.seconds.values())


def test_plan_cost_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "-m", str(EXAMPLE / "ciforge.yml"), "--event", "pr", "--cost"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].split()[:2] == ["pr", "10"]
    assert "critical path: " in out
    assert main(["plan", "-m", str(EXAMPLE / "ciforge.yml"), "--cost", "--format", "json"]) == 2
    assert "--cost is a table" in capsys.readouterr().err


def test_the_timings_file_is_valid_json_with_numbers() -> None:
    data = json.loads((ROOT / "ciforge" / "data" / "job-seconds.json").read_text(encoding="utf-8"))
    assert set(data) == {"source", "seconds"}
    assert all(isinstance(v, (int, float)) for v in data["seconds"].values())
