"""jobs: the project's own jobs in the DAG, the plan and verify: needs (custom, built-in ids and the
lint/test/build families), events (listed or inherited from the needs), stages, downloads, and every
mistake as a positioned error."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciforge import ir
from ciforge.compiler import compile_pipeline
from ciforge.diagnostics import Diagnostic, format_text
from ciforge.plan import EVENTS, from_ir
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, render_case
from tests.test_equivalence import plans_differ

CASE = CASES / "custom-jobs"
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
    assert e2e.needs == ("build", "integration")
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
