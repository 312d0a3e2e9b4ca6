"""code-scan.dependencies (issue 19; docs/code-scan.md): the dependency review runs for real in
bash over real git repositories (a base commit and a pull request's head, cloned shallow so the
base must be fetched); govulncheck cannot reach its database here, so a stub ``go`` on PATH
answers ``go run .../govulncheck -scan module`` with govulncheck's text output and exit code
(3: vulnerabilities found). govulncheck's SARIF converts to GitLab's dependency scanning report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ciforge import sarif_gitlab, scripts_codescan
from ciforge.plan import EVENTS, from_ir
from tests.helpers import CASES, render_case
from tests.test_equivalence import plans_differ

DATA = Path(__file__).resolve().parent / "data"
SARIF_SCHEMA = jsonschema.Draft4Validator(json.loads((DATA / "sarif-schema-2.1.0.json").read_text()))
GITLAB_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((DATA / "gitlab-security-report.derived.schema.json").read_text())
)
BASE_SUM = (
    "golang.org/x/text v0.14.0 h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n"
    "golang.org/x/text v0.14.0/go.mod h1:18ZOQIKpY8NJVqYksKHtTdi31H5itFRjB5/qKTNYzSU=\n"
)
ADDED = (
    "golang.org/x/net v0.7.0 h1:rJrUqqhjsgNp7KqAIc25s9pZnjU7TUcSY7HcVZjdn1g=\n"
    "golang.org/x/net v0.7.0/go.mod h1:2Tu9+aMcznHK/AK1HMvgo6xiTLG5rD5rZLDS+rp2Bjs=\n"
)
# govulncheck's text for a module scan (golang.org/x/vuln internal/scan/text.go)
SCAN = """=== Module Results ===

Vulnerability #1: GO-2023-1988
    Improper rendering of text nodes in golang.org/x/net/html
  More info: https://pkg.go.dev/vuln/GO-2023-1988
  Module: {module}
    Found in: {module}@{version}
    Fixed in: {module}@v0.13.0

Your code is affected by 1 vulnerability from 1 module.
"""
STUB = """#!/bin/sh
# go run golang.org/x/vuln/cmd/govulncheck@VERSION -scan module PACKAGES
case "$*" in
  "run golang.org/x/vuln/cmd/govulncheck@v1.1.4 -scan module ./...") cat "$STUB_OUTPUT"; exit "$STUB_STATUS" ;;
esac
echo "unexpected: go $*" >&2
exit 99
"""


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def _change(tmp_path: Path, base_sum: str | None, head_sum: str | None) -> tuple[Path, str]:
    """An origin repository with a base commit and a head commit, and a shallow clone of the head
    (the base is not in it); returns the clone and the base commit."""
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "config", "user.email", "ci@example.com")
    _git(origin, "config", "user.name", "ci")
    (origin / "go.mod").write_text("module example.com/app\n\ngo 1.24\n")
    for text, message in ((base_sum, "base"), (head_sum, "head")):
        if text is None:
            (origin / "go.sum").unlink(missing_ok=True)
        else:
            (origin / "go.sum").write_text(text)
        _git(origin, "add", "-A")
        _git(origin, "commit", "-q", "--allow-empty", "-m", message)
        if message == "base":
            base = _git(origin, "rev-parse", "HEAD")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True, capture_output=True
    )
    missing = subprocess.run(["git", "cat-file", "-e", f"{base}^{{commit}}"], cwd=clone, check=False)
    assert missing.returncode != 0, "the shallow clone must lack the base, which the review fetches"
    return clone, base


def _review(clone: Path, base: str, *, output: str = "", status: int = 0) -> subprocess.CompletedProcess[str]:
    stub = clone.parent / "bin"
    stub.mkdir(exist_ok=True)
    (stub / "go").write_text(STUB)
    (stub / "go").chmod(0o755)
    (clone.parent / "scan.txt").write_text(output)
    env = {
        "PATH": f"{stub}:/usr/bin:/bin",
        "HOME": str(clone.parent),
        "CHANGE_BASE": base,
        "GO_PACKAGES": "./...",
        "STUB_OUTPUT": str(clone.parent / "scan.txt"),
        "STUB_STATUS": str(status),
    }
    script = scripts_codescan.dependency_review("v1.1.4")
    return subprocess.run(["bash", "-c", script], cwd=clone, env=env, capture_output=True, text=True, check=False)


def test_an_added_module_with_a_known_vulnerability_fails_the_review(tmp_path: Path) -> None:
    clone, base = _change(tmp_path, BASE_SUM, BASE_SUM + ADDED)
    proc = _review(clone, base, output=SCAN.format(module="golang.org/x/net", version="v0.7.0"), status=3)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[:4] == [
        f"modules go.sum adds since {base}:",
        "  golang.org/x/net@v0.7.0",
        "dependency review failed: added modules with known vulnerabilities:",
        "  golang.org/x/net@v0.7.0",
    ]


def test_a_vulnerability_in_a_module_the_base_had_is_not_the_reviews(tmp_path: Path) -> None:
    """The review judges what the change adds; govulncheck's own gate covers the rest."""
    clone, base = _change(tmp_path, BASE_SUM, BASE_SUM + ADDED)
    proc = _review(clone, base, output=SCAN.format(module="golang.org/x/text", version="v0.14.0"), status=3)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == (
        "dependency review passed: 1 added module(s), none with a known vulnerability"
    )


def test_a_change_that_adds_no_module_is_not_scanned(tmp_path: Path) -> None:
    clone, base = _change(tmp_path, BASE_SUM + ADDED, BASE_SUM + ADDED.splitlines(keepends=True)[1])
    proc = _review(clone, base, status=99)  # the stub would fail if govulncheck ran
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"dependency review: go.sum adds no module since {base}\n"


def test_a_new_go_sum_adds_every_module(tmp_path: Path) -> None:
    clone, base = _change(tmp_path, None, BASE_SUM + ADDED)
    proc = _review(clone, base, output="No vulnerabilities found.\n", status=0)
    assert proc.returncode == 0, proc.stderr
    assert "  golang.org/x/net@v0.7.0\n  golang.org/x/text@v0.14.0\n" in proc.stdout


def test_a_govulncheck_error_fails_the_review(tmp_path: Path) -> None:
    clone, base = _change(tmp_path, BASE_SUM, BASE_SUM + ADDED)
    proc = _review(clone, base, output="govulncheck: loading packages: no Go files\n", status=1)
    assert proc.returncode == 1
    assert proc.stdout.endswith("govulncheck: loading packages: no Go files\n")


@pytest.mark.parametrize("base", ["", "$CI_MERGE_REQUEST_DIFF_BASE_SHA"], ids=["push", "gitlab-unset"])
def test_outside_a_change_request_nothing_is_reviewed(tmp_path: Path, base: str) -> None:
    clone, _ = _change(tmp_path, BASE_SUM, BASE_SUM + ADDED)
    proc = _review(clone, base, status=99)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "dependency review: not a pull or merge request, nothing to review\n"


def _govulncheck_sarif() -> dict[str, Any]:
    """SARIF as govulncheck's -format sarif writes it (golang.org/x/vuln internal/sarif/handler.go):
    each result on go.mod line 1, its stack's last frame the vulnerable module@version."""
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "govulncheck",
                        "semanticVersion": "v1.1.4",
                        "informationUri": "https://pkg.go.dev/golang.org/x/vuln/cmd/govulncheck",
                        "rules": [
                            {
                                "id": "GO-2023-1988",
                                "shortDescription": {"text": "[GO-2023-1988] Improper rendering of text nodes"},
                                "helpUri": "https://pkg.go.dev/vuln/GO-2023-1988",
                                "properties": {"tags": ["CVE-2023-3978", "GHSA-2wrh-6pvc-2jm9"]},
                            }
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": "GO-2023-1988",
                        "level": "error",
                        "message": {
                            "text": "Your code calls vulnerable functions in 1 package (golang.org/x/net/html)."
                        },
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "go.mod", "uriBaseId": "%SRCROOT%"},
                                    "region": {"startLine": 1},
                                },
                                "message": {"text": "Findings for vulnerability GO-2023-1988"},
                            }
                        ],
                        "stacks": [
                            {
                                "message": {
                                    "text": "A call stack for vulnerable function golang.org/x/net/html.Render"
                                },
                                "frames": [
                                    {"module": "example.com/app@", "location": {"message": {"text": "main.main"}}},
                                    {
                                        "module": "golang.org/x/net@v0.7.0",
                                        "location": {"message": {"text": "golang.org/x/net/html.Render"}},
                                    },
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def test_govulncheck_sarif_converts_to_a_dependency_scanning_report() -> None:
    sarif = _govulncheck_sarif()
    assert [f"{list(e.absolute_path)}: {e.message}" for e in SARIF_SCHEMA.iter_errors(sarif)] == []
    report = sarif_gitlab.convert(sarif, "dependency_scanning", now="2026-01-02T03:04:05")
    assert list(GITLAB_SCHEMA.iter_errors(report)) == []
    (vulnerability,) = report["vulnerabilities"]
    assert vulnerability["location"] == {
        "file": "go.mod",
        "dependency": {"package": {"name": "golang.org/x/net"}, "version": "v0.7.0"},
    }
    assert vulnerability["severity"] == "High"  # no severity word or score: the SARIF level
    assert vulnerability["identifiers"][0]["value"] == "GO-2023-1988"


def test_the_review_runs_on_change_requests_with_the_base_and_full_history() -> None:
    result = render_case(CASES / "code-scan-defaults")
    assert result.pipeline is not None
    review = result.pipeline.job("code-scan-dependency-review")
    assert review.full_history
    assert dict(review.env)["CHANGE_BASE"] is not None
    assert "code-scan-dependency-review" in from_ir.plan(result.pipeline, EVENTS["pr"]).jobs
    push = from_ir.plan(result.pipeline, EVENTS["push:main"]).jobs
    assert "code-scan-dependency-review" not in push
    assert "code-scan-dependencies" in push
    assert plans_differ(result) == []
