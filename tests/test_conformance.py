"""Every golden output passes independent validators (installed by scripts/install-oracles.sh):
SchemaStore schemas via check-jsonschema, actionlint with shellcheck, zizmor (pedantic, offline),
shellcheck on the GitLab scripts, yamllint, and gitlab-ci-local's own parser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import oracle
from tests.helpers import GITHUB, GITLAB, case_dirs, git_repo_with_a_change, native_job_ids, without_native_sast

pytestmark = pytest.mark.oracle
CASES = case_dirs()
WORKFLOWS = [c / GITHUB for c in CASES]
PIPELINES = [c / GITLAB for c in CASES]


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, **(env or {})}
    venv_bin = str(Path(oracle("shellcheck")).parent)
    merged["PATH"] = venv_bin + os.pathsep + merged.get("PATH", "")  # actionlint finds shellcheck here
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=merged, check=False, timeout=300)


def test_github_workflows_match_schemastore() -> None:
    """check-jsonschema's vendored GitHub workflow schema accepts every workflow."""
    proc = run(oracle("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gitlab_pipelines_match_schemastore() -> None:
    """check-jsonschema's vendored GitLab CI schema accepts every pipeline."""
    proc = run(
        oracle("check-jsonschema"),
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        *map(str, PIPELINES),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_with_shellcheck() -> None:
    """actionlint (with shellcheck on PATH) reports nothing."""
    assert shutil.which("shellcheck", path=str(Path(oracle("shellcheck")).parent))
    proc = run(oracle("actionlint"), "-no-color", "-oneline", *map(str, WORKFLOWS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.parametrize("persona", ["pedantic", "auditor"])
def test_zizmor_has_no_findings(persona: str) -> None:
    """zizmor's pedantic and auditor personas find nothing in any workflow (the auditor adds, among
    others, secrets-outside-env)."""
    for workflow in WORKFLOWS:
        proc = run(
            oracle("zizmor"),
            "--offline",
            "--no-progress",
            "--color",
            "never",
            "--persona",
            persona,
            "--format",
            "json",
            str(workflow),
        )
        assert proc.returncode == 0, f"{workflow}: {proc.stdout}{proc.stderr}"
        assert json.loads(proc.stdout) == []


def gitlab_scripts(pipeline: Path) -> list[tuple[str, str]]:
    doc = YAML(typ="safe", pure=True).load(pipeline.read_text())
    out = []
    for name, job in doc.items():
        if isinstance(job, dict) and "script" in job:
            for index, block in enumerate(job["script"]):
                out.append((f"{name}[{index}]", block))
    return out


def test_gitlab_scripts_pass_shellcheck(tmp_path: Path) -> None:
    """Every GitLab script block passes shellcheck at style level (bash)."""
    files = []
    for case, pipeline in zip(CASES, PIPELINES, strict=True):
        for label, block in gitlab_scripts(pipeline):
            path = tmp_path / f"{case.name}-{label.replace('[', '-').replace(']', '')}.sh"
            path.write_text("#!/usr/bin/env bash\n" + block)
            files.append(str(path))
    assert len(files) >= 10
    proc = run(oracle("shellcheck"), "-S", "style", "-s", "bash", *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_yamllint_generated_files() -> None:
    """yamllint (strict) accepts every output."""
    config = Path(__file__).parent / "yamllint.yml"
    proc = run(oracle("yamllint"), "--strict", "-c", str(config), "-f", "parsable", *map(str, WORKFLOWS + PIPELINES))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gitlab_ci_local_lists_the_expected_jobs(case: Path, tmp_path: Path) -> None:
    """gitlab-ci-local parses the pipeline (its schema + semantics) and expands the matrix into the
    same job instances the IR has."""
    work = tmp_path / "repo"
    work.mkdir()
    # GitLab's SAST template (sast-native) cannot be fetched here; its jobs are GitLab's own
    (work / GITLAB).write_text(without_native_sast((case / GITLAB).read_text()))
    git_repo_with_a_change(work)  # rules:changes reads a diff against origin/main
    proc = run(oracle("node22"), oracle("gitlab-ci-local"), "--list-json", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    jobs = json.loads(proc.stdout)
    ir = json.loads((case / "ir.json").read_text())
    expected = set()
    for job in ir["jobs"]:
        if job["id"] in native_job_ids(case):
            continue
        if job["legs"] and not job.get("sequential"):  # a batch's legs run in one job (build.jobs)
            for leg in job["legs"]:
                values = ",".join(value for _, value in leg["variables"])
                expected.add(f"{job['id']}: [{values}]")
        else:
            expected.add(job["id"])
    assert {j["name"] for j in jobs} == expected
    proc = run(oracle("node22"), oracle("gitlab-ci-local"), "--validate-dependency-chain", "--list", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "go-service"


def test_example_dockerfile_has_no_high_or_critical_misconfigurations() -> None:
    """trivy config (embedded checks, offline) finds no HIGH/CRITICAL issue in the Dockerfile."""
    proc = run(
        oracle("trivy"),
        "config",
        "--skip-check-update",
        "--severity",
        "HIGH,CRITICAL",
        "--exit-code",
        "1",
        "--format",
        "json",
        "Dockerfile",
        cwd=EXAMPLE,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    results = {r["Target"]: r for r in report["Results"]}
    assert results["Dockerfile"]["MisconfSummary"]["Successes"] > 10  # the checks really ran
    assert results["Dockerfile"]["MisconfSummary"]["Failures"] == 0


def test_example_dockerfile_passes_hadolint() -> None:
    """hadolint reports nothing for the example Dockerfile."""
    proc = run(oracle("hadolint"), "Dockerfile", cwd=EXAMPLE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == ""
