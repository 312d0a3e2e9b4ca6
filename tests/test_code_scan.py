"""code-scan (issue 19; docs/code-scan.md): gosec and Trivy's secret scanner, the same pinned tools
and gates on both platforms; SARIF to GitHub code scanning, GitLab security reports through
ciforge.sarif_gitlab (or, in Trivy's image, Trivy's template). The secret scan and both report
paths run for real with the Trivy oracle, offline, over a planted credential; each SARIF is
validated against the SARIF 2.1.0 schema and each GitLab report against the schema derived from
GitLab's documentation (tests/data/README.md). gosec cannot run here (no registry carries it), so
its SARIF is the shape gosec's report/sarif formatter writes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings, strategies as st
from ruamel.yaml import YAML

from ciforge import gosec, ir, pins, sarif_gitlab, scripts_codescan
from ciforge.plan import EVENTS, from_ir
from ciforge.plan.model import Gate
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab, scripts as gitlab_scripts
from tests.conftest import oracle
from tests.helpers import CASES, GITHUB, GITLAB, as_yaml, render_case
from tests.test_equivalence import plans_differ

DATA = Path(__file__).resolve().parent / "data"
SARIF_SCHEMA = jsonschema.Draft4Validator(json.loads((DATA / "sarif-schema-2.1.0.json").read_text()))
GITLAB_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((DATA / "gitlab-security-report.derived.schema.json").read_text())
)
GOSEC_CASE = CASES / "code-scan-gosec"
SECRETS_CASE = CASES / "code-scan-secrets"
NOW = "2026-01-02T03:04:05"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
# A planted AWS access key id (Trivy's rule aws-access-key-id, CRITICAL) and a GitHub token
# (github-pat, CRITICAL): made-up values of the real shapes.
PLANTED = {
    "main.go": 'package main\n\nconst key = "AKIAIOSFODNN7REALKEY"\n\nfunc main() {}\n',
    "deploy/config.yml": "token: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n",
}
CLEAN = {"main.go": "package main\n\nfunc main() {}\n"}


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _run(block: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A block with the pinned Trivy first on PATH, offline, its cache in ``cwd``."""
    env = {
        "PATH": f"{Path(oracle('trivy')).parent}:/usr/bin:/bin",
        "HOME": str(cwd),
        "CI_COMMIT_SHA": COMMIT,
        "TRIVY_CACHE_DIR": str(cwd / ".trivy-cache"),
        "TRIVY_SKIP_DB_UPDATE": "true",
        "TRIVY_SKIP_CHECK_UPDATE": "true",
        "TRIVY_DISABLE_TELEMETRY": "true",
        "TRIVY_OFFLINE_SCAN": "true",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    return subprocess.run(["bash", "-c", block], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def _key(vulnerability: dict[str, Any]) -> tuple[str, str, str, str]:
    """What both GitLab report paths must agree on: id, severity, location, primary identifier."""
    primary = {k: vulnerability["identifiers"][0][k] for k in ("type", "name", "value")}
    return (
        vulnerability["id"],
        vulnerability["severity"],
        json.dumps(vulnerability["location"], sort_keys=True),
        json.dumps(primary, sort_keys=True),
    )


# -- the secret scan, for real ------------------------------------------------------------------


@pytest.mark.oracle
def test_trivy_sarif_of_a_planted_secret_is_valid_and_converts(tmp_path: Path) -> None:
    _tree(tmp_path, PLANTED)
    proc = _run(scripts_codescan.secrets_sarif(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    sarif = json.loads((tmp_path / scripts_codescan.SARIF_FILES["trivy"]).read_text())
    assert _errors(SARIF_SCHEMA, sarif) == []
    assert sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) == ["aws-access-key-id", "github-pat"]
    report = sarif_gitlab.convert(sarif, "secret_detection", now=NOW, commit="abc")
    assert _errors(GITLAB_SCHEMA, report) == []
    assert [(v["location"]["file"], v["location"]["start_line"], v["severity"]) for v in report["vulnerabilities"]] == [
        ("deploy/config.yml", 1, "Critical"),
        ("main.go", 3, "Critical"),
    ]
    assert report["scan"]["scanner"]["name"] == "Trivy"


@pytest.mark.oracle
def test_trivy_template_writes_what_the_converter_writes(tmp_path: Path) -> None:
    """GitLab's secret report from Trivy's template (Trivy's image has no python3) has the same
    ids, severities, locations and identifiers as the converter makes of GitHub's SARIF."""
    _tree(tmp_path, PLANTED)
    version = pins.tool_version("trivy")
    step = ir.CodeScanReport(tool="trivy", version=version, report="secret_detection")
    proc = _run(gitlab_scripts.code_scan_report(step) + "\n" + scripts_codescan.secrets_sarif(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    templated = json.loads((tmp_path / scripts_codescan.GITLAB_REPORTS["secret_detection"]).read_text())
    assert _errors(GITLAB_SCHEMA, templated) == []
    sarif = json.loads((tmp_path / scripts_codescan.SARIF_FILES["trivy"]).read_text())
    converted = sarif_gitlab.convert(sarif, "secret_detection", now=NOW, commit=COMMIT)
    assert len(templated["vulnerabilities"]) == 2
    assert sorted(map(_key, templated["vulnerabilities"])) == sorted(map(_key, converted["vulnerabilities"]))


@pytest.mark.oracle
@pytest.mark.parametrize(("files", "verdict"), [(PLANTED, 1), (CLEAN, 0)], ids=["planted", "clean"])
def test_the_secret_gate_fails_on_a_planted_secret_only(tmp_path: Path, files: dict[str, str], verdict: int) -> None:
    """The report is written first (as in the job) and is no finding of the gate's."""
    _tree(tmp_path, files)
    assert _run(scripts_codescan.secrets_sarif(), tmp_path).returncode == 0
    proc = _run(scripts_codescan.secrets_gate("HIGH,CRITICAL"), tmp_path)
    assert proc.returncode == verdict, proc.stdout + proc.stderr
    assert ("AWS Access Key ID" in proc.stdout) == (verdict == 1)


@pytest.mark.oracle
def test_below_the_gate_severity_a_secret_passes(tmp_path: Path) -> None:
    _tree(tmp_path, PLANTED)
    assert _run(scripts_codescan.secrets_gate("LOW,MEDIUM"), tmp_path).returncode == 0


# -- gosec's SARIF and the converter shipped in the GitLab job -----------------------------------


def _gosec_sarif(*results: tuple[str, str, str, int]) -> dict[str, Any]:
    """SARIF as gosec's report/sarif formatter writes it: each rule tagged with gosec's severity
    (https://github.com/securego/gosec/blob/master/report/sarif/formatter.go)."""
    levels = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
    rules = {
        rule: {
            "id": rule,
            "name": rule,
            "shortDescription": {"text": f"rule {rule}"},
            "helpUri": f"https://securego.io/docs/rules/{rule.lower()}",
            "properties": {"tags": ["security", level], "precision": "high"},
            "defaultConfiguration": {"level": levels[level]},
        }
        for rule, level, _, _ in results
    }
    return {
        "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gosec",
                        "version": "2.23.0",
                        "informationUri": "https://github.com/securego/gosec/",
                        "rules": list(rules.values()),
                    }
                },
                "results": [
                    {
                        "ruleId": rule,
                        "level": levels[level],
                        "message": {"text": f"{rule} finding"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": file},
                                    "region": {"startLine": line, "endLine": line},
                                }
                            }
                        ],
                    }
                    for rule, level, file, line in results
                ],
            }
        ],
    }


GOSEC_FINDINGS = (("G101", "HIGH", "internal/auth.go", 12), ("G404", "MEDIUM", "main.go", 7))


def test_gosec_shaped_sarif_is_valid_and_converts_to_a_sast_report() -> None:
    sarif = _gosec_sarif(*GOSEC_FINDINGS)
    assert _errors(SARIF_SCHEMA, sarif) == []
    report = sarif_gitlab.convert(sarif, "sast", now=NOW)
    assert _errors(GITLAB_SCHEMA, report) == []
    assert [(v["identifiers"][0]["value"], v["severity"], v["location"]) for v in report["vulnerabilities"]] == [
        ("G101", "High", {"file": "internal/auth.go", "start_line": 12, "end_line": 12}),
        ("G404", "Medium", {"file": "main.go", "start_line": 7, "end_line": 7}),
    ]
    assert report["scan"]["type"] == "sast"
    assert report["scan"]["start_time"] == NOW


def test_the_gitlab_job_runs_the_converter_from_its_heredoc(tmp_path: Path) -> None:
    """The GitLab block for gosec, with gosec's run replaced by its SARIF: python3 runs the
    embedded source of ciforge.sarif_gitlab and writes the sast report."""
    step = ir.CodeScanReport(tool="gosec", version="v2.23.0", report="sast")
    block = gitlab_scripts.code_scan_report(step)
    command = scripts_codescan.gosec_sarif("v2.23.0")
    assert block.count(command) == 1
    (tmp_path / "fixture.sarif").write_text(json.dumps(_gosec_sarif(*GOSEC_FINDINGS)))
    proc = subprocess.run(
        ["bash", "-c", block.replace(command, "cp fixture.sarif gosec.sarif")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "gl-sast-report.json: 2 finding(s) from gosec.sarif\n"
    report = json.loads((tmp_path / "gl-sast-report.json").read_text())
    assert _errors(GITLAB_SCHEMA, report) == []
    assert len(report["vulnerabilities"]) == 2


def test_severity_comes_from_the_scanners_word_then_the_score_then_the_level() -> None:
    assert sarif_gitlab.severity({"properties": {"tags": ["security", "LOW"]}}, {"level": "error"}) == "Low"
    assert sarif_gitlab.severity({"properties": {"security-severity": "9.1"}}, {"level": "note"}) == "Critical"
    assert sarif_gitlab.severity({"properties": {"security-severity": "7.0"}}, {}) == "High"
    assert sarif_gitlab.severity({"properties": {"security-severity": "3.9"}}, {}) == "Low"
    assert sarif_gitlab.severity({"defaultConfiguration": {"level": "note"}}, {}) == "Low"
    assert sarif_gitlab.severity({}, {"level": "none"}) == "Info"
    with pytest.raises(ValueError, match="unknown report type"):
        sarif_gitlab.convert({}, "dast", now=NOW)


_FINDING = st.tuples(
    st.sampled_from(["G101", "G104", "G304", "aws-access-key-id"]),
    st.sampled_from(["HIGH", "MEDIUM", "LOW"]),
    st.sampled_from(["main.go", "cmd/api/main.go", "internal/db/db.go"]),
    st.integers(min_value=1, max_value=5000),
)


@settings(max_examples=60, deadline=None)
@given(findings=st.lists(_FINDING, max_size=12), kind=st.sampled_from(["sast", "secret_detection"]))
def test_every_sarif_log_converts_to_a_valid_report_one_entry_per_finding(
    findings: list[tuple[str, str, str, int]], kind: str
) -> None:
    sarif = _gosec_sarif(*findings)
    report = sarif_gitlab.convert(sarif, kind, now=NOW, commit="abc")
    assert _errors(GITLAB_SCHEMA, report) == []
    assert len(report["vulnerabilities"]) == len({(rule, file, line) for rule, _, file, line in findings})
    assert sarif_gitlab.convert(sarif, kind, now=NOW, commit="abc") == report  # deterministic


# -- the jobs, their gates and privileges ---------------------------------------------------------


def test_gosec_release_table_starts_at_the_pin() -> None:
    assert gosec.RELEASES[0][0] == pins.tool_version("gosec")
    assert gosec.choose("1.24.13") == "v2.23.0"
    assert gosec.choose("1.25.9") == "v2.28.0"
    with pytest.raises(gosec.NoReleaseError, match=r"needs Go 1\.23\.0"):
        gosec.choose("1.22.12")


@pytest.mark.parametrize(
    ("severity", "threshold"), [(("HIGH", "CRITICAL"), "high"), (("CRITICAL", "HIGH", "MEDIUM"), "medium")]
)
def test_gosec_gates_at_the_lowest_level_listed(severity: tuple[str, ...], threshold: str) -> None:
    assert scripts_codescan.gosec_threshold(severity) == threshold


def test_the_gates_are_recorded_and_equal_on_both_platforms() -> None:
    result = render_case(GOSEC_CASE)
    assert result.pipeline is not None
    expected = {
        "code-scan-sast": [Gate(kind="findings", detail="tool=gosec severity=high confidence=low")],
        "code-scan-secrets": [
            Gate(kind="vulnerabilities", detail="target=fs scanners=secret severity=HIGH,CRITICAL unfixed=False")
        ],
    }
    for event in ("pr", "push:main"):
        plans = (
            from_ir.plan(result.pipeline, EVENTS[event]),
            lift_github.lift(result.files[GITHUB], EVENTS[event]),
            lift_gitlab.lift(result.files[GITLAB], EVENTS[event]),
        )
        for plan in plans:
            assert {job: list(plan.jobs[job].gates) for job in expected} == expected
    tag = from_ir.plan(result.pipeline, EVENTS["tag"])
    assert not {"code-scan-sast", "code-scan-secrets"} & set(tag.jobs)  # events: [pr, push]
    assert plans_differ(result) == []


@pytest.mark.parametrize(
    ("target", "old", "new"),
    [
        ("github", "export GOSEC_SEVERITY='high'", "export GOSEC_SEVERITY='low'"),
        (
            "gitlab",
            '-severity "$GOSEC_SEVERITY" -confidence low',
            '-no-fail -severity "$GOSEC_SEVERITY" -confidence low',
        ),
        ("gitlab", "export SECRETS_SEVERITY='HIGH,CRITICAL'", "export SECRETS_SEVERITY='CRITICAL'"),
        ("github", '--severity "$SECRETS_SEVERITY" --exit-code 1', '--severity "$SECRETS_SEVERITY" --exit-code 0'),
    ],
)
def test_a_tampered_code_scan_gate_is_a_difference(target: str, old: str, new: str) -> None:
    result = render_case(GOSEC_CASE)
    text = result.files[GITHUB if target == "github" else GITLAB]
    assert text.count(old) == 1, old
    differences = plans_differ(result, **{target: text.replace(old, new)})
    assert any("gates" in d for d in differences), differences


def test_scan_jobs_read_the_source_and_upload_findings_only() -> None:
    """Least privilege: read access, the security-events scope only where SARIF is uploaded, no
    secrets, no environment, no OIDC token, on either platform."""
    for case in (GOSEC_CASE, SECRETS_CASE):
        result = render_case(case)
        github, gitlab = (as_yaml(YAML(typ="safe").load(result.files[f])) for f in (GITHUB, GITLAB))
        gh_jobs = as_yaml(github["jobs"])
        scans = [name for name in gh_jobs if name.startswith("code-scan-")]
        assert scans
        for name, gh_job in gh_jobs.items():
            job = as_yaml(gh_job)
            scopes = as_yaml(job["permissions"])
            if name in scans:
                assert scopes == {"contents": "read", "security-events": "write"}
                assert "secrets." not in json.dumps(job)
                assert "environment" not in job
            else:
                assert "security-events" not in scopes
        for name in scans:
            gl_job = as_yaml(gitlab[name])
            assert "id_tokens" not in gl_job
            assert "environment" not in gl_job
            assert "secrets" not in gl_job
            assert set(as_yaml(as_yaml(gl_job["artifacts"])["reports"])) <= {"sast", "secret_detection"}
