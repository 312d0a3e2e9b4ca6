"""`ciforge render --gitlab-component`: the GitLab pipeline as a CI/CD component with inputs,
validated in both halves and included through gitlab-ci-local with good and bad inputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ciforge.cli import main
from tests.conftest import oracle
from tests.helpers import CASES, GITLAB

pytestmark = pytest.mark.oracle
MANIFEST = CASES / "go-service" / "ciforge.yml"


@pytest.fixture
def component(tmp_path: Path) -> Path:
    assert (
        main(["render", "-m", str(MANIFEST), "--out", str(tmp_path), "--gitlab-component", "--target", "gitlab"]) == 0
    )
    path = tmp_path / "templates" / "orders-api.yml"
    assert path.is_file()
    assert not (tmp_path / GITLAB).exists()
    return path


def test_both_halves_validate(component: Path, tmp_path: Path) -> None:
    """The spec header and the body each pass the SchemaStore GitLab CI schema."""
    header, body = component.read_text().split("\n---\n")
    assert "spec:\n  inputs:" in header
    assert "$[[ inputs.go-version ]]" in body
    assert "$[[ inputs.coverage-threshold ]]" in body
    (tmp_path / "header.yml").write_text(header + "\n")
    (tmp_path / "body.yml").write_text(body)
    proc = subprocess.run(
        [
            oracle("check-jsonschema"),
            "--builtin-schema",
            "vendor.gitlab-ci",
            str(tmp_path / "header.yml"),
            str(tmp_path / "body.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def run_gcl(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [oracle("node22"), oracle("gitlab-ci-local"), *args],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def including_project(tmp_path: Path, component: Path, inputs: str) -> Path:
    work = tmp_path / "project"
    (work / "templates").mkdir(parents=True)
    (work / "templates" / "orders-api.yml").write_text(component.read_text())
    (work / GITLAB).write_text(f"include:\n  - local: templates/orders-api.yml\n    inputs:\n{inputs}")
    # gitlab-ci-local resolves local includes among the files git tracks
    git = ["git", "-c", "user.name=ciforge", "-c", "user.email=ci@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run([*git, "add", "."], cwd=work, check=True)
    subprocess.run([*git, "commit", "-qm", "component"], cwd=work, check=True)
    return work


def test_included_with_good_inputs(component: Path, tmp_path: Path) -> None:
    """Inputs reach the jobs: the Go image and the coverage threshold change."""
    work = including_project(tmp_path, component, '      go-version: "1.24.11"\n      coverage-threshold: "85"\n')
    proc = run_gcl(work, "--preview")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "golang:1.24.11" in proc.stdout
    assert "export COVERAGE_THRESHOLD='85'\n" in proc.stdout  # the gate's own assignment took the input
    assert "COVERAGE_THRESHOLD='80'" not in proc.stdout
    listed = run_gcl(work, "--list-json")
    assert listed.returncode == 0, listed.stdout + listed.stderr


def test_included_with_bad_inputs(component: Path, tmp_path: Path) -> None:
    """An input that breaks its regex is refused at pipeline creation."""
    work = including_project(tmp_path, component, '      go-version: "latest"\n')
    proc = run_gcl(work, "--list-json")
    assert proc.returncode != 0
    assert "regex" in (proc.stdout + proc.stderr).lower()
