"""test.coverage.new-code (issue 17): the new-code gate on pull and merge requests. The block runs
for real here, with git and the pinned Go, on a base commit and a head commit: a covered change
passes, an uncovered one fails naming its lines, a change of no executable line passes, and any
other event passes with a reason; the test job clones full history and the plans record the gate
on both platforms."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ciforge import ir
from ciforge.compiler import compile_pipeline
from ciforge.plan import EVENTS, from_ir
from ciforge.scripts_coverage import UNCOVERED_FILE, coverage_new_code
from ciforge.targets.github import lifter as lift_github, scripts as github_scripts
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, needs_go, render_case, run_with_go
from tests.test_equivalence import plans_differ

CASE = CASES / "coverage-new-code"
GIT = ("git", "-c", "user.email=ci@example.com", "-c", "user.name=ci")
SUB = "\n// Sub subtracts.\nfunc Sub(a, b int) int {\n\tif a < 0 {\n\t\treturn -1\n\t}\n\treturn a - b\n}\n"
SUB_TEST = "\nfunc TestSub(t *testing.T) {\n\tif Sub(3, 1) != 2 || Sub(-1, 0) != -1 {\n\t\tt.Fatal()\n\t}\n}\n"
SUB_TEST_HALF = "\nfunc TestSub(t *testing.T) {\n\tif Sub(3, 1) != 2 {\n\t\tt.Fatal()\n\t}\n}\n"


def _repo(root: Path, directory: str = ".") -> tuple[Path, str]:
    """A git repository with a Go module in ``directory`` and one commit; returns the module
    directory and the base commit."""
    module = root / directory
    module.mkdir(parents=True, exist_ok=True)
    (module / "go.mod").write_text("module example.com/calc\n\ngo 1.23\n")
    (module / "calc.go").write_text("package calc\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n")
    (module / "calc_test.go").write_text(
        'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal()\n\t}\n}\n'
    )
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "base"], check=True)
    base = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    return module, base.stdout.strip()


def _change(root: Path, module: Path, code: str, test: str) -> None:
    with (module / "calc.go").open("a") as handle:
        handle.write(code)
    with (module / "calc_test.go").open("a") as handle:
        handle.write(test)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "head"], check=True)


def _gate(module: Path, base: str, threshold: str = "90") -> subprocess.CompletedProcess[str]:
    profile = run_with_go("go test -coverprofile=coverage.out ./... && cp coverage.out coverage.filtered.out", module)
    assert profile.returncode == 0, profile.stdout + profile.stderr
    return run_with_go(coverage_new_code(threshold), module, {"CHANGE_BASE": base})


@needs_go
def test_a_covered_change_passes(tmp_path: Path) -> None:
    module, base = _repo(tmp_path)
    _change(tmp_path, module, SUB, SUB_TEST)
    gate = _gate(module, base)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert f"new code since {base}: 5 of 5 executable lines covered" in gate.stdout
    assert "new-code coverage gate passed: 100.0% of changed lines covered, meets 90%" in gate.stdout
    assert (module / UNCOVERED_FILE).read_text() == ""


@needs_go
def test_an_uncovered_change_fails_naming_its_lines(tmp_path: Path) -> None:
    module, base = _repo(tmp_path, "services/calc")  # a module below the top: lines as repository paths
    _change(tmp_path, module, SUB, SUB_TEST_HALF)
    gate = _gate(module, base)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert "3 of 5 executable lines covered" in gate.stdout
    assert "uncovered changed lines:\n  services/calc/calc.go:9\n  services/calc/calc.go:10\n" in gate.stdout
    assert "new-code coverage gate failed: 60.0% of changed lines covered, below 90%" in gate.stdout
    assert (module / UNCOVERED_FILE).read_text() == "services/calc/calc.go:9\nservices/calc/calc.go:10\n"
    assert _gate(module, base, threshold="60").returncode == 0  # the same change meets a lower bar


@needs_go
def test_a_change_of_no_executable_line_passes_and_other_events_pass_with_a_reason(tmp_path: Path) -> None:
    module, base = _repo(tmp_path)
    _change(tmp_path, module, "\n// Answer is a constant.\nconst Answer = 42\n", "")
    gate = _gate(module, base)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert f"new-code coverage gate passed: no executable line changed since {base}" in gate.stdout
    for not_a_change_request in ("", "$CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        other = _gate(module, not_a_change_request)
        assert other.returncode == 0
        assert "not a pull or merge request, nothing to check" in other.stdout


def test_the_test_job_clones_history_and_gates_on_both_platforms() -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    job = result.pipeline.job("test")
    assert job.full_history
    assert dict(job.env)["CHANGE_BASE"] == ir.PlatformValue("change_base")
    assert "fetch-depth: 0" in result.files[GITHUB]
    assert "GIT_DEPTH: '0'" in result.files[GITLAB] or 'GIT_DEPTH: "0"' in result.files[GITLAB]
    expected = from_ir.plan(result.pipeline, EVENTS["pr"]).jobs["test"].gates
    assert [g.kind for g in expected] == ["coverage", "new-code-coverage"]
    for lift, rel in ((lift_github, GITHUB), (lift_gitlab, GITLAB)):
        planned = lift.lift(lift.load(result.files[rel]), EVENTS["pr"]).jobs["test"]
        assert planned.gates == expected, rel
    assert UNCOVERED_FILE in {p for a in job.produces for p in a.paths}


def test_a_tampered_threshold_or_a_dropped_gate_is_a_difference() -> None:
    result = render_case(CASE)
    github, gitlab = result.files[GITHUB], result.files[GITLAB]
    assert "export COVERAGE_NEW_CODE='90'" in github
    for tampered in (
        {"github": github.replace("export COVERAGE_NEW_CODE='90'", "export COVERAGE_NEW_CODE='10'")},
        {"gitlab": gitlab.replace("export COVERAGE_NEW_CODE='90'", "export COVERAGE_NEW_CODE='0'")},
    ):
        assert any("gates" in d for d in plans_differ(result, **tampered)), tampered


def test_github_annotates_each_uncovered_line(tmp_path: Path) -> None:
    (tmp_path / UNCOVERED_FILE).write_text("services/calc/calc.go:9\n")
    proc = subprocess.run(
        ["bash", "-c", github_scripts.new_code_report()], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout == (
        "::warning file=services/calc/calc.go,line=9,title=Not covered by tests::changed line not covered by tests\n"
    )
    (tmp_path / UNCOVERED_FILE).write_text("")
    assert subprocess.run(["bash", "-c", github_scripts.new_code_report()], cwd=tmp_path, check=False).returncode == 0


def test_a_module_can_set_its_own_new_code_gate(tmp_path: Path) -> None:
    for directory in (tmp_path, tmp_path / "client"):
        directory.mkdir(exist_ok=True)
        (directory / "go.mod").write_text(f"module example.com/{directory.name}\n\ngo 1.25\n")
    manifest = (
        'version: 1\nname: mono\ngo:\n  version: "1.25"\nbuild: false\ntest:\n  coverage:\n    new-code: 80\n'
        "modules:\n  - .\n  - path: ./client\n    coverage:\n      new-code: 95\n"
    )
    pipeline, diagnostics = compile_pipeline(manifest.encode(), file="ciforge.yml", base_dir=tmp_path, label="x")
    assert pipeline is not None, diagnostics
    gates = {
        job.id: dict(gate.detail)["min_pct"]
        for job in pipeline.jobs
        for gate in job.gates
        if gate.kind == "new_code_coverage"
    }
    assert gates == {"test": "80", "test-client": "95"}
    assert all(list(dict(job.env)).count("CHANGE_BASE") <= 1 for job in pipeline.jobs)
