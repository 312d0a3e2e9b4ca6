"""The merged coverage gate (docs/coverage.md, merged) for real on both runners: a race leg and an
integration leg (a build tag, without -race) each run other tests of a change, so neither covers
all of it; the test-coverage job finds both legs' profiles where the runner put them, merges them,
and the total and the new-code gates pass on both with the same figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.execution.conftest import change_request_runs
from tests.execution.harness import ActHost, GitLabHost, RunnerRun, commit_all, job_said, report, small_manifest

pytestmark = pytest.mark.oracle

MANIFEST = small_manifest(
    "lint:\n  golangci-lint: false\ntest:\n  race: true\n  matrix:\n    include:\n"
    "      - {race: false, tags: integration}\n"
    "  coverage:\n    threshold: 50\n    new-code: 100\n    merge: true\nbuild: false\n"
)
CODE = (
    'package orders\n\nimport "errors"\n\n// Discount takes pct percent off a price in cents.\n'
    "func Discount(cents, pct int) (int, error) {\n\tif pct < 0 || pct > 100 {\n"
    '\t\treturn 0, errors.New("pct out of range")\n\t}\n\treturn cents - cents*pct/100, nil\n}\n'
)
UNIT_TEST = (
    '//go:build !integration\n\npackage orders\n\nimport "testing"\n\nfunc TestDiscount(t *testing.T) {\n'
    "\tif got, err := Discount(1000, 10); err != nil || got != 900 {\n\t\tt.Fatal(got, err)\n\t}\n}\n"
)
INTEGRATION_TEST = (
    '//go:build integration\n\npackage orders\n\nimport "testing"\n\nfunc TestDiscountRange(t *testing.T) {\n'
    '\tif _, err := Discount(1000, 101); err == nil {\n\t\tt.Fatal("no error")\n\t}\n}\n'
)
MERGING = re.compile(r"merging 2 test legs' profiles:\n\s+(dist/coverage-profile\S*)\n\s+(dist/coverage-profile\S*)")
LEG_TOTAL = re.compile(r"total:\s+\(statements\)\s+([0-9.]+)%")
TOTAL = re.compile(r"coverage gate passed: total coverage ([0-9.]+)% meets the required 50%")
NEW_CODE = "new-code coverage gate passed: 100.0% of changed lines covered, meets 100%"


def _change(project: Path) -> None:
    orders = project / "internal" / "orders"
    (orders / "discount.go").write_text(CODE)
    (orders / "discount_test.go").write_text(UNIT_TEST)
    (orders / "discount_integration_test.go").write_text(INTEGRATION_TEST)
    commit_all(project, "orders: Discount, tested by two legs")


@pytest.fixture(scope="module")
def merged_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return change_request_runs(
        (act_host, gitlab_host),
        execution_base,
        "coverage-merge",
        (("ciforge.yml", MANIFEST),),
        jobs=("test-coverage", ["test", "test-norace", "test-coverage"]),
        change=_change,
    )


def test_both_runners_merge_the_same_profiles_and_pass(merged_runs: tuple[RunnerRun, RunnerRun]) -> None:
    figures = []
    for run in merged_runs:
        keys = sorted((key for key in run.jobs if key[0] in ("test", "test-norace")), key=str)
        assert [name for name, _ in keys] == ["test", "test-norace"], f"{run.runner}: {keys}"
        own = []
        for name, leg in keys:
            ran = run.job(name, leg)
            output = "\n".join(ran.output)
            assert ran.result == "success", f"{run.runner}: {name}\n{output}"
            assert "gate passed" not in output, f"{run.runner}: {name} gated\n{output}"
            assert "gate failed" not in output, f"{run.runner}: {name} gated\n{output}"
            total = LEG_TOTAL.search(output)
            assert total is not None, f"{run.runner}: {name} reported no total\n{output}"
            own.append(total[1])
        output = job_said(run, "test-coverage", "success", (NEW_CODE,))
        merging = MERGING.search(output)
        total = TOTAL.search(output)
        assert merging is not None, f"{run.runner}\n{output}"
        assert total is not None, f"{run.runner}\n{output}"
        figures.append((merging.groups(), tuple(own), total[1]))
    assert figures[0] == figures[1], figures
    profiles, legs, merged = figures[0]  # legs: each leg's own total
    assert re.fullmatch(r"dist/coverage-profile-norace-go[0-9.]+-integration/coverage\.out", profiles[0]), profiles
    assert profiles[1] == "dist/coverage-profile/coverage.out"
    assert all(float(merged) > float(leg) for leg in legs), figures
    report(
        f"merged coverage: the race leg {legs[0]}% and the integration leg {legs[1]}% alone, merged {merged}% on both "
        "runners; new-code 100.0% on the merged profile"
    )
