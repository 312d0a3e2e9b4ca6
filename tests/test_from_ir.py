"""The IR planner (ciforge.plan.from_ir) on the inputs the equivalence suites leave out: whose
block a gate is read from, a job that has a Go version but no toolchain step, the path filter's
exclusions, and triggers that start change requests but not manual runs (from the survivors of
its mutation run, docs/testing.md)."""

from __future__ import annotations

from ciforge import ir
from ciforge.plan import EVENTS, from_ir, gates
from ciforge.plan.model import PathFilter

TRIVY = "trivy fs --exit-code 1 --severity HIGH,CRITICAL ."


def _job(*steps: ir.Step, go: str | None = None, job_gates: tuple[ir.Gate, ...] = ()) -> ir.Job:
    return ir.Job(id="j", name="j", stage="check", go=go, steps=steps, gates=job_gates)


def _pipeline(*jobs: ir.Job, paths: ir.PathFilter | None = None) -> ir.Pipeline:
    triggers = ir.Triggers(branches=("main",), tags=("v*",), change_requests=True, manual=False, paths=paths)
    return ir.Pipeline(name="p", manifest="ciforge.yml", triggers=triggers, env=(), jobs=jobs, stages=("check",))


def test_a_block_the_manifest_wrote_is_read_for_its_gates() -> None:
    """A custom job's block declares no typed gate: the planner reads it by what it runs."""
    job = _job(ir.Run(id="scan", name="scan", script=TRIVY, written_by="manifest"))
    [gate] = from_ir.plan(_pipeline(job), EVENTS["push:main"]).jobs["j"].gates
    assert gate.kind == "vulnerabilities"


def test_ciforges_own_block_has_the_gates_it_declares_only() -> None:
    """ciforge's own block is not read for gates: its declared (typed) gates are its gates."""
    plain = _job(ir.Run(id="scan", name="scan", script=TRIVY))
    assert from_ir.plan(_pipeline(plain), EVENTS["push:main"]).jobs["j"].gates == ()
    declared = _job(
        ir.Run(id="cover", name="cover", script="go test ./..."),
        job_gates=(ir.Gate(kind="coverage", block="cover", detail=(("min_pct", "80"),)),),
    )
    assert from_ir.plan(_pipeline(declared), EVENTS["push:main"]).jobs["j"].gates == (gates.coverage("80"),)


def test_go_is_a_tool_only_where_a_step_sets_it_up() -> None:
    """A job in a container image that carries Go (GitLab's golang image) has no Go step and no
    Go tool in the plan; with the setup step it has the job's version."""
    assert from_ir.plan(_pipeline(_job(go="1.24.3")), EVENTS["push:main"]).jobs["j"].tools == ()
    set_up = _job(ir.SetupGo(version="1.24.3"), go="1.24.3")
    assert from_ir.plan(_pipeline(set_up), EVENTS["push:main"]).jobs["j"].tools == (("go", "1.24.3"),)


def test_the_path_filter_keeps_its_exclusions() -> None:
    paths = ir.PathFilter(paths=("src/**",), ignore=("docs/**",))
    plan = from_ir.plan(_pipeline(_job(), paths=paths), EVENTS["push:main"])
    assert plan.path_filter == PathFilter(paths=("src/**",), ignore=("docs/**",))
    assert from_ir.plan(_pipeline(_job(), paths=paths), EVENTS["tag"]).path_filter is None  # tags are never filtered


def test_change_requests_and_manual_runs_are_triggered_each_by_their_own_setting() -> None:
    triggers = _pipeline().triggers
    assert from_ir.triggered(triggers, EVENTS["pr"])
    assert not from_ir.triggered(triggers, EVENTS["manual"])
