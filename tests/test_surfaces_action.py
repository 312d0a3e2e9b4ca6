"""The composite GitHub Action (action.yml at the repository root), through its real clients:
the validators (check-jsonschema, actionlint on a workflow that uses it, zizmor, shellcheck,
yamllint) and act, which runs it in host mode from tests/surfaces/action-workflow.yml in a
temporary copy of this repository (`uses: ./`)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ciforge import __version__
from tests.conftest import ROOT, oracle
from tests.surfaces.common import (
    SURFACES,
    SYSTEM_PATH,
    add_service,
    copy_checkout,
    git,
    hand_edit,
    offline_env,
    run,
    wheelhouse,
)

pytestmark = pytest.mark.oracle

ACTION = ROOT / "action.yml"
TEST_WORKFLOW = SURFACES / "action-workflow.yml"
STUB = SURFACES / "stubs" / "setup-python"
WORKFLOW_IN_REPO = Path(".github/workflows/ciforge-action.yml")
PINS = ROOT / "ciforge" / "data" / "pins.json"
USES = re.compile(r"^(?P<name>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")
# The rendered workflow has ``` in it (its coverage summary): a hand edit there puts ``` into the
# diff, which the job summary must then fence with more backticks.
DRIFT_OLD = "echo '```'"
DRIFT_NEW = "echo '```'  # hand edit"

_yaml = YAML(typ="safe", pure=True)


def load(path: Path) -> Any:
    return _yaml.load(path.read_text(encoding="utf-8"))


def host_python() -> str:
    """A CPython 3.11 for the setup-python stand-in (the action's default python-version; the
    stand-in fails if this is another version)."""
    found = shutil.which("python3.11", path=SYSTEM_PATH) or getattr(sys, "_base_executable", None)
    if not found:
        pytest.fail("no Python 3.11 on this machine for the setup-python stand-in")
    return str(found)


# ------------------------------------------------------------------------------ static checks ----


def test_action_metadata_matches_the_schema() -> None:
    proc = run([oracle("check-jsonschema"), "--builtin-schema", "vendor.github-actions", ACTION, STUB / "action.yml"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_has_no_zizmor_findings() -> None:
    """zizmor pedantic (offline) on action.yml and on the test workflow, whose one deliberate
    exception (`uses: ./`, which act needs) is an inline ignore."""
    proc = run([oracle("zizmor"), "--offline", "--no-progress", "--color", "never", "--persona", "pedantic",
                ACTION, TEST_WORKFLOW])  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout, proc.stdout


def test_action_inputs_reach_the_shell_only_through_env() -> None:
    action = load(ACTION)
    assert set(action["inputs"]) == {"manifest", "mode", "version", "python-version"}
    defaults = {name: spec.get("default") for name, spec in action["inputs"].items()}
    assert defaults == {"manifest": "ciforge.yml", "mode": "check", "version": "", "python-version": "3.11"}
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash", step["name"]
            assert step["run"].startswith("set -euo pipefail\n"), step["name"]


def test_action_pins_setup_python_from_the_lockfile() -> None:
    """Every `uses:` is a full commit SHA with its version as a comment, taken from pins.json."""
    pins = json.loads(PINS.read_text(encoding="utf-8"))["actions"]
    lines = [line for line in ACTION.read_text(encoding="utf-8").splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert lines, "action.yml uses no action"
    for line in lines:
        match = re.fullmatch(r"\s*(?:- )?uses: (?P<ref>\S+)  # (?P<version>v\d+\.\d+\.\d+)", line)
        assert match, f"unpinned or uncommented: {line!r}"
        uses = USES.fullmatch(match["ref"])
        assert uses, line
        assert pins[uses["name"]] == {"version": match["version"], "sha": uses["sha"]}, line
    assert any("actions/setup-python@" in line for line in lines)


def test_action_scripts_pass_shellcheck(tmp_path: Path) -> None:
    files = []
    for i, step in enumerate(load(ACTION)["runs"]["steps"]):
        if "run" in step:
            files.append(tmp_path / f"step-{i}.sh")
            files[-1].write_text(step["run"], encoding="utf-8")
    proc = run([oracle("shellcheck"), "-S", "style", "-s", "bash", *files])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_files_pass_yamllint() -> None:
    proc = run([oracle("yamllint"), "--strict", "-c", ROOT / "tests" / "yamllint.yml", "-f", "parsable",
                ACTION, TEST_WORKFLOW, STUB / "action.yml"])  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------------------------ act runs ----


@pytest.fixture(scope="module")
def action_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this repository (so `uses: ./` is the action, and its checkout is what the action
    installs) with a service in svc/ (manifest + rendered files) and the test workflow."""
    repo = copy_checkout(tmp_path_factory.mktemp("action") / "repo")
    add_service(repo, "svc")
    (repo / WORKFLOW_IN_REPO).parent.mkdir(parents=True)
    shutil.copy2(TEST_WORKFLOW, repo / WORKFLOW_IN_REPO)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ciforge checkout with a service")
    return repo


def test_actionlint_checks_the_test_workflow_against_the_action(action_repo: Path, tmp_path: Path) -> None:
    """actionlint reads action.yml for `uses: ./` (it reports action.yml itself as a workflow
    missing on/jobs, so the workflow that uses it is what gets linted): the test workflow passes,
    and a misspelt input is caught, which shows the action's inputs were read."""
    actionlint = oracle("actionlint")
    env = {"PATH": f"{Path(oracle('shellcheck')).parent}:{SYSTEM_PATH}", "HOME": str(tmp_path)}
    proc = run([actionlint, "-no-color", "-oneline", WORKFLOW_IN_REPO], cwd=action_repo, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    typo = action_repo / ".github" / "workflows" / "typo.yml"
    typo.write_text(TEST_WORKFLOW.read_text(encoding="utf-8").replace("manifest:", "manfest:"), encoding="utf-8")
    try:
        proc = run([actionlint, "-no-color", "-oneline", typo.relative_to(action_repo)], cwd=action_repo, env=env)
    finally:
        typo.unlink()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'input "manfest" is not defined in action "ciforge" defined at "./"' in proc.stdout


@dataclass(frozen=True)
class ActRun:
    returncode: int
    log: str
    summary: str  # what act shows of $GITHUB_STEP_SUMMARY ("Summary - ..."), "" if nothing

    def step(self, name: str) -> str:
        """The result of a step of the job, "success" or "failure" (composite inner steps too)."""
        results = re.findall(rf"(Success|Failure) - Main {re.escape(name)}(?: \[|$)", self.log, re.MULTILINE)
        assert results, f"step {name!r} did not run:\n{self.log[-4000:]}"
        return str(results[-1]).lower()


def setup_python_ref() -> str:
    """actions/setup-python@<sha> exactly as action.yml pins it."""
    refs = [step["uses"] for step in load(ACTION)["runs"]["steps"] if "uses" in step]
    assert len(refs) == 1, refs
    assert refs[0].startswith("actions/setup-python@"), refs
    return str(refs[0])


def run_act(repo: Path, base: Path, wheels: Path, mode: str, setup_python: str) -> ActRun:
    """`act push` in host mode: actions/checkout copies the working tree (hand edits included),
    actions/setup-python (the SHA pinned in action.yml) is the local stand-in."""
    args: list[str | Path] = [
        oracle("act"), "push", "-W", WORKFLOW_IN_REPO, "-P", "ubuntu-24.04=-self-hosted",
        "--local-repository", f"{setup_python}={STUB}",
        "--action-cache-path", base / "act-cache", "--no-cache-server", "--var", f"CIFORGE_MODE={mode}",
    ]  # fmt: skip
    env = offline_env(base / "home", wheels, CIFORGE_HOST_PYTHON=host_python())
    proc = run(args, cwd=repo, env=env)
    log = proc.stdout + proc.stderr
    summary = log.split("Summary - ", 1)[1].split("\n[", 1)[0] if "Summary - " in log else ""
    return ActRun(proc.returncode, log, summary)


@pytest.fixture(scope="module")
def act_runs(action_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ActRun]]:
    """Four runs of the test workflow, side by side (each on its own copy): files in sync; a
    rendered file edited by hand; the same edit with `mode: render`; a bad `mode`."""
    wheels, setup_python = wheelhouse(tmp_path_factory), setup_python_ref()
    cases = {"clean": "check", "drift": "check", "render": "render", "bad-mode": "verify"}
    jobs = []
    for case, mode in cases.items():
        base = tmp_path_factory.mktemp(f"act-{case}")
        repo = base / "repo"
        shutil.copytree(action_repo, repo, symlinks=True)
        if case in ("drift", "render"):
            hand_edit(repo / "svc" / ".github" / "workflows" / "ciforge.yml", DRIFT_OLD, DRIFT_NEW)
        jobs.append((case, repo, base, mode))
    try:
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = {
                case: pool.submit(run_act, repo, base, wheels, mode, setup_python) for case, repo, base, mode in jobs
            }
            yield {case: future.result() for case, future in futures.items()}
    finally:
        for _case, _repo, base, _mode in jobs:
            shutil.rmtree(base, ignore_errors=True)  # act's caches hold a virtualenv per run


def test_in_sync_files_pass(act_runs: dict[str, ActRun]) -> None:
    """The action installs ciforge from its own checkout (its version: the checkout's) and the
    job passes with no annotation, no summary and `drift: false`."""
    run_ = act_runs["clean"]
    assert run_.returncode == 0, run_.log[-6000:]
    assert "Job succeeded" in run_.log
    assert run_.step("Put the host Python on PATH") == "success"  # the pinned setup-python ref resolved
    assert run_.step("Install ciforge") == "success"
    assert f"| ciforge {__version__}" in run_.log
    assert run_.step("ciforge render") == "success"
    assert "::error" not in run_.log
    assert run_.summary == ""
    assert "ciforge drift output: false" in run_.log


def test_hand_edited_file_fails_with_annotation_diff_and_summary(act_runs: dict[str, ActRun]) -> None:
    run_ = act_runs["drift"]
    assert run_.returncode != 0, run_.log[-6000:]
    assert "Job failed" in run_.log
    assert run_.step("Install ciforge") == "success"
    assert run_.step("ciforge render") == "failure"
    # The annotation on the stale file (act shows the workflow command it parsed)...
    annotation = "::error file=svc/.github/workflows/ciforge.yml,line=1,title=ciforge drift::"
    assert annotation in run_.log
    # ...the diff in the log...
    assert "| --- a/.github/workflows/ciforge.yml" in run_.log
    assert f"| -            {DRIFT_NEW}" in run_.log
    assert f"| +            {DRIFT_OLD}" in run_.log
    # ...and in the job summary, fenced by more backticks than the diff holds.
    assert "### ciforge: rendered files are out of date" in run_.summary
    assert "Run `ciforge render -m svc/ciforge.yml` and commit the result." in run_.summary
    fenced = run_.summary.split("````diff\n", 1)[1].split("\n````", 1)[0]
    assert fenced.startswith("--- a/.github/workflows/ciforge.yml\n+++ b/.github/workflows/ciforge.yml\n@@ ")
    assert f"-            {DRIFT_NEW}\n+            {DRIFT_OLD}\n" in fenced
    assert "::" not in fenced  # the annotation stays out of the summary
    assert "ciforge drift output: true" in run_.log


def test_render_mode_rewrites_the_stale_file(act_runs: dict[str, ActRun]) -> None:
    run_ = act_runs["render"]
    assert run_.returncode == 0, run_.log[-6000:]
    assert run_.step("ciforge render") == "success"
    # `wrote <workspace>/svc/...`: the action wrote the file in the job's workspace (act's copy).
    assert re.search(r"\| wrote /\S+/svc/\.github/workflows/ciforge\.yml$", run_.log, re.MULTILINE), run_.log[-4000:]
    assert "::error" not in run_.log
    assert "ciforge drift output: false" in run_.log


def test_bad_mode_fails_before_installing(act_runs: dict[str, ActRun]) -> None:
    run_ = act_runs["bad-mode"]
    assert run_.returncode != 0
    assert run_.step("Install ciforge") == "failure"
    assert "::error title=ciforge action::input mode must be check or render, not 'verify'" in run_.log
    assert "ciforge-venv" not in run_.log
