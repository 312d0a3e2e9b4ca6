"""code-scan's secret scan (issue 19; docs/code-scan.md) run for real on both runners with the
Trivy oracle: on the example service as it is, and with a planted credential. Both runners reach
the same verdict with the same number of findings; GitHub's SARIF (counted by the upload-sarif
stand-in) and GitLab's security report hold the same findings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.execution.conftest import change_request_runs
from tests.execution.harness import ActHost, GitLabHost, RunnerRun, report, small_manifest

pytestmark = pytest.mark.oracle

JOB = "code-scan-secrets"
MANIFEST = small_manifest(
    "lint:\n  golangci-lint: false\nbuild: false\ncode-scan:\n  sast: false\n  dependencies: false\n"
)
CLEAN = (("ciforge.yml", MANIFEST),)
# a made-up AWS access key id of the real shape (Trivy's rule aws-access-key-id, CRITICAL)
PLANTED = (*CLEAN, ("internal/config/keys.go", 'package config\n\nconst awsKey = "AKIAIOSFODNN7REALKEY"\n'))
TOTAL = re.compile(r"Total: (\d+) \(")
SARIF_COUNT = re.compile(r"upload-sarif stand-in: code-scan-secrets: (\d+) result\(s\)")


def _runs(
    hosts: tuple[ActHost, GitLabHost], base: Path, name: str, files: tuple[tuple[str, str], ...]
) -> tuple[RunnerRun, RunnerRun]:
    return change_request_runs(hosts, base, name, files, jobs=(JOB, [JOB]))


@pytest.fixture(scope="module")
def clean_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return _runs((act_host, gitlab_host), execution_base, "code-scan-clean", CLEAN)


@pytest.fixture(scope="module")
def planted_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return _runs((act_host, gitlab_host), execution_base, "code-scan-planted", PLANTED)


def _gate_findings(run: RunnerRun) -> int:
    """The findings the gate's table lists (Trivy prints a Total line per file with findings)."""
    return sum(int(n) for n in TOTAL.findall("\n".join(run.job(JOB).output)))


def _gitlab_report(run: RunnerRun) -> dict[str, object]:
    reports = sorted(run.project.glob(".gitlab-ci-local/**/gl-secret-detection-report.json"))
    assert len(reports) == 1, f"{run.runner}: {reports}\n{run.tail()}"
    data: dict[str, object] = json.loads(reports[0].read_text())
    return data


def test_the_example_passes_the_secret_gate_on_both(clean_runs: tuple[RunnerRun, RunnerRun]) -> None:
    github, gitlab = clean_runs
    for run in clean_runs:
        assert run.job(JOB).result == "success", f"{run.runner}\n{run.tail()}"
        assert _gate_findings(run) == 0
    assert SARIF_COUNT.findall(github.stdout) == ["0"], github.tail()
    assert _gitlab_report(gitlab)["vulnerabilities"] == []
    report("code-scan secrets: the example passes on both runners, 0 findings on each")


def test_a_planted_key_fails_both_with_the_same_finding(planted_runs: tuple[RunnerRun, RunnerRun]) -> None:
    github, gitlab = planted_runs
    for run in planted_runs:
        secrets = run.job(JOB)
        assert secrets.result == "failure", f"{run.runner}\n{run.tail()}"
        assert "AWS Access Key ID" in "\n".join(secrets.output), f"{run.runner}\n{run.tail()}"
        assert _gate_findings(run) == 1, f"{run.runner}\n" + "\n".join(secrets.output)
    assert github.job(JOB).steps.get("Secret gate") == "failure", github.job(JOB).steps
    assert SARIF_COUNT.findall(github.stdout) == ["1"], github.tail()  # uploaded although the gate failed
    vulnerabilities = _gitlab_report(gitlab)["vulnerabilities"]
    assert isinstance(vulnerabilities, list)
    assert len(vulnerabilities) == 1
    (entry,) = vulnerabilities
    assert entry["severity"] == "Critical"
    assert entry["location"]["file"] == "internal/config/keys.go"
    assert entry["location"]["start_line"] == 3
    report(
        "code-scan secrets: a planted AWS key fails both runners' gate, 1 finding on each (SARIF 1, GitLab report 1)"
    )
