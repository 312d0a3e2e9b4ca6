"""The new-code coverage gate (docs/coverage.md) for real on both runners: a pull/merge request that
adds a fully tested function passes on both with the same percentage, and one that adds a function
whose error branch no test runs fails both, with the same percentage and the same uncovered lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.execution.conftest import change_request_runs
from tests.execution.harness import (
    ActHost,
    GitLabHost,
    RunnerRun,
    commit_all,
    report,
    small_manifest,
)

pytestmark = pytest.mark.oracle

MANIFEST = small_manifest(
    "lint:\n  golangci-lint: false\ntest:\n  race: false\n  coverage:\n    threshold: 50\n    new-code: 80\nbuild: false\n"
)
CODE = (
    'package orders\n\nimport "errors"\n\n// Discount takes pct percent off a price in cents.\n'
    "func Discount(cents, pct int) (int, error) {\n\tif pct < 0 || pct > 100 {\n"
    '\t\treturn 0, errors.New("pct out of range")\n\t}\n\treturn cents - cents*pct/100, nil\n}\n'
)
FULL_TEST = (
    'package orders\n\nimport "testing"\n\nfunc TestDiscount(t *testing.T) {\n'
    "\tif got, err := Discount(1000, 10); err != nil || got != 900 {\n\t\tt.Fatal(got, err)\n\t}\n"
    '\tif _, err := Discount(1000, 101); err == nil {\n\t\tt.Fatal("no error")\n\t}\n}\n'
)
HALF_TEST = (
    'package orders\n\nimport "testing"\n\nfunc TestDiscount(t *testing.T) {\n'
    "\tif got, err := Discount(1000, 10); err != nil || got != 900 {\n\t\tt.Fatal(got, err)\n\t}\n}\n"
)
VERDICT = re.compile(r"new-code coverage gate (passed|failed): ([0-9.]+)% of changed lines covered")
UNCOVERED = re.compile(r"^\s*(internal/orders/discount\.go:\d+)$", re.MULTILINE)


def _change(project: Path, test: str) -> None:
    (project / "internal" / "orders" / "discount.go").write_text(CODE)
    (project / "internal" / "orders" / "discount_test.go").write_text(test)
    commit_all(project, "orders: Discount")


def _runs(act_host: ActHost, gitlab_host: GitLabHost, base: Path, name: str, test: str) -> tuple[RunnerRun, RunnerRun]:
    return change_request_runs(
        (act_host, gitlab_host),
        base,
        name,
        (("ciforge.yml", MANIFEST),),
        jobs=("test", ["test"]),
        change=lambda project: _change(project, test),
    )


@pytest.fixture(scope="module")
def covered_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return _runs(act_host, gitlab_host, execution_base, "new-code-covered", FULL_TEST)


@pytest.fixture(scope="module")
def uncovered_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return _runs(act_host, gitlab_host, execution_base, "new-code-uncovered", HALF_TEST)


def _verdict(run: RunnerRun) -> tuple[str, str, list[str]]:
    output = "\n".join(run.output_of("test"))
    verdict = VERDICT.search(output)
    assert verdict is not None, f"{run.runner}\n{output}"
    return verdict[1], verdict[2], UNCOVERED.findall(output)


def test_a_covered_change_passes_both_with_the_same_percentage(covered_runs: tuple[RunnerRun, RunnerRun]) -> None:
    verdicts = [_verdict(run) for run in covered_runs]
    for run in covered_runs:
        assert run.job("test").result == "success", f"{run.runner}\n{run.tail()}"
    assert verdicts[0] == verdicts[1] == ("passed", "100.0", [])
    report("new-code gate, covered change: passed at 100.0% on both runners")


def test_an_uncovered_change_fails_both_with_the_same_lines(uncovered_runs: tuple[RunnerRun, RunnerRun]) -> None:
    verdicts = [_verdict(run) for run in uncovered_runs]
    for run in uncovered_runs:
        assert run.job("test").result == "failure", f"{run.runner}\n{run.tail()}"
    assert verdicts[0] == verdicts[1], verdicts
    state, pct, lines = verdicts[0]
    assert state == "failed"
    assert float(pct) < 80
    assert lines == ["internal/orders/discount.go:8", "internal/orders/discount.go:9"], lines
    for run in uncovered_runs:
        output = "\n".join(run.output_of("test"))
        for line in _readme_lines():
            pattern = re.escape(line).replace(re.escape("<base commit>"), "[0-9a-f]{40}")
            assert re.search(pattern, output), f"{run.runner}: README line {line!r} not printed\n{output}"
    report(f"new-code gate, uncovered change: failed at {pct}% on both runners, uncovered {', '.join(lines)}")


def _readme_lines() -> list[str]:
    """The gate's output as the README shows it (the fenced block after its marker)."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- new-code gate output:", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    lines = block.rstrip("\n").split("\n")
    assert len(lines) == 5, lines
    return lines
