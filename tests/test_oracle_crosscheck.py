"""The lifters against independent implementations, on every golden case and event:

* GitHub: GitHub's own parser (@actions/workflow-parser) with ``if:`` evaluated by
  @actions/expressions (tests/oracles/gha-plan.mjs): trigger decision, jobs that run, matrix legs,
  needs.
* GitLab: gitlab-ci-local --list-json: jobs created by the rules, parallel:matrix instances, needs.

A disagreement fails the test."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ciforge import ir
from ciforge.plan import EVENTS
from ciforge.plan.model import PlanEvent, job_key, schedule_event
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.conftest import ROOT, oracle
from tests.helpers import GITHUB, GITLAB, case_dirs, git_repo_with_a_change, native_job_ids, without_native_sast

pytestmark = pytest.mark.oracle
CASES = case_dirs()
ORACLE_DIR = ROOT / "tests" / "oracles"


def github_event(event: PlanEvent) -> dict[str, Any]:
    if event.kind is ir.Event.CHANGE_REQUEST:
        return {
            "event_name": "pull_request",
            "ref": "refs/pull/7/merge",
            "base_ref": event.base,
            "head_ref": event.ref_name,
        }
    if event.kind is ir.Event.PUSH_TAG:
        return {"event_name": "push", "ref": f"refs/tags/{event.ref_name}"}
    if event.kind is ir.Event.SCHEDULE:  # github.event.schedule: the cron that fired
        return {"event_name": "schedule", "ref": f"refs/heads/{event.ref_name}", "event": {"schedule": event.schedule}}
    name = "workflow_dispatch" if event.kind is ir.Event.MANUAL else "push"
    return {"event_name": name, "ref": f"refs/heads/{event.ref_name}"}


def case_events(case: Path) -> list[PlanEvent]:
    """The standard events and a scheduled run of each of the case's schedules."""
    crons = json.loads((case / "ir.json").read_text())["triggers"]["schedules"]
    return [*EVENTS.values(), *(schedule_event(cron) for cron in crons)]


def gha_plan(workflow: Path, events: list[PlanEvent]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [
            oracle("node22"),
            "--import",
            str(ORACLE_DIR / "json-hook.mjs"),
            str(ORACLE_DIR / "gha-plan.mjs"),
            str(workflow),
            json.dumps([github_event(e) for e in events]),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "CIFORGE_ORACLE_NODE_MODULES": str(ROOT / ".oracles" / "node" / "node_modules")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result: list[dict[str, Any]] = json.loads(proc.stdout)
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_github_lifter_agrees_with_githubs_parser(case: Path) -> None:
    """Same trigger decision, same running jobs, same legs, same needs."""
    workflow = case / GITHUB
    doc = lift_github.load(workflow.read_text())
    events = case_events(case)
    for event, theirs in zip(events, gha_plan(workflow, events), strict=True):
        assert theirs["errors"] == [], theirs["errors"]
        assert theirs["triggered"] == lift_github.triggered(doc["on"], event), event.name
        ours = lift_github.lift(doc, event)
        # CodeQL's job (named exception sast-native) is GitHub's own: in no plan
        running = {
            j: v
            for j, v in theirs["jobs"].items()
            if theirs["triggered"] and v["runs"] and not lift_github.native_sast(doc["jobs"][j])
        }
        expected_keys = {
            job_key(j, tuple((k, str(x)) for k, x in leg.items()))
            for j, v in running.items()
            for leg in (v["legs"] or [{}])
        }
        assert set(ours.jobs) == expected_keys, event.name
        for planned in ours.jobs.values():
            assert {ours.jobs[k].logical_id for k in planned.needs} == set(running[planned.logical_id]["needs"])


def gitlab_ci_local(work: Path, variables: dict[str, str]) -> list[dict[str, Any]]:
    args = [oracle("node22"), oracle("gitlab-ci-local"), "--list-json", "--ignore-predefined-vars", ",".join(variables)]
    for name, value in variables.items():
        args += ["--variable", f"{name}={value}"]
    proc = subprocess.run(args, cwd=work, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    start = proc.stdout.index("\n[") + 1 if not proc.stdout.startswith("[") else 0
    result: list[dict[str, Any]] = json.loads(proc.stdout[start:])
    return result


ALL_VARIABLES = (
    "CI_PIPELINE_SOURCE",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_TAG",
    "CI_COMMIT_REF_NAME",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gitlab_lifter_agrees_with_gitlab_ci_local(case: Path, tmp_path: Path) -> None:
    """Same jobs (rules evaluated, matrix expanded into instance names) and same needs, for every
    event that creates a pipeline. (gitlab-ci-local does not gate on workflow:rules, so the
    pipeline-creation decision is checked against GitLab's documented rules by the lifter tests.)"""
    work = tmp_path / "repo"
    work.mkdir()
    # GitLab's SAST template (sast-native) cannot be fetched here; its jobs are in no plan
    (work / GITLAB).write_text(without_native_sast((case / GITLAB).read_text()))
    git_repo_with_a_change(work)  # rules:changes reads a diff against origin/main
    doc = lift_gitlab.load((case / GITLAB).read_text())
    compared = 0
    for event in case_events(case):
        variables = dict.fromkeys(ALL_VARIABLES, "") | lift_gitlab.ci_variables(event)
        if not lift_gitlab.pipeline_created(doc, variables):
            continue
        ours = lift_gitlab.lift(doc, event)
        expected: dict[str, set[str]] = {}
        for planned in ours.jobs.values():
            legs = lift_gitlab.expand_parallel(doc[planned.logical_id])
            leg = next((x for x in legs if job_key(planned.logical_id, tuple(x.items())) == planned.key), None)
            name = planned.logical_id if leg is None else f"{planned.logical_id}: [{','.join(leg.values())}]"
            expected[name] = {ours.jobs[k].logical_id for k in planned.needs}
        theirs = {
            j["name"]: {n["job"] for n in j["needs"]} for j in gitlab_ci_local(work, variables) if j["when"] != "never"
        }
        assert theirs == expected, event.name
        compared += 1
    assert compared >= 1


def workflow_text(case: Path) -> str:
    return (case / GITHUB).read_text()


def _neutralized(workflow: Path) -> str:
    """The workflow with every step replaced by `true`: act then plans (and, in host mode,
    "runs") exactly the same jobs, `if:`s, needs and matrices, and executes nothing of ours."""
    doc = lift_github.load(workflow.read_text())
    for job in doc["jobs"].values():
        job["steps"] = [{"run": "true"}]
        job.pop("env", None)  # env may read needs.*.outputs, which act would try to resolve
        job.pop("outputs", None)
        # a module's working directory: act's dry run does not copy the work tree, so it would not exist
        job.pop("defaults", None)
        # a job container: act needs a Docker engine to plan it even in a dry run, and there is
        # none here (it stops planning after that job's stage); the image plays no part in legs
        job.pop("container", None)
    doc.pop("env", None)
    from ciforge import yamlout

    return yamlout.dump(doc)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matrix_legs_agree_with_act(case: Path, tmp_path: Path) -> None:
    """act (nektos, an independent reimplementation of GitHub's runner) expands the same matrix
    legs and runs the same jobs on a push to main as the GitHub lifter says."""
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ciforge.yml").write_text(_neutralized(case / GITHUB))
    git = ["git", "-c", "user.name=ciforge", "-c", "user.email=ci@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=repo, check=True)
    # every runner label the workflow names (test platforms: macOS, Windows, arm64) runs in host mode
    labels = sorted({str(job["runs-on"]) for job in lift_github.load(workflow_text(case))["jobs"].values()})
    platforms = [arg for label in labels for arg in ("-P", f"{label}=-self-hosted")]
    proc = subprocess.run(
        [oracle("act"), "push", "-n", "--json", *platforms, "--action-offline-mode"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    legs: set[str] = set()
    for line in proc.stdout.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("jobID") and isinstance(entry.get("matrix"), dict):
            legs.add(job_key(entry["jobID"], tuple((k, str(v)) for k, v in entry["matrix"].items())))
    ours = lift_github.lift((case / GITHUB).read_text(), EVENTS["push:main"])
    assert legs - native_job_ids(case) == set(ours.jobs), proc.stderr[-2000:]  # CodeQL's job: sast-native
