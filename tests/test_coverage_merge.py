"""test.coverage.merge (issue 17, part 5): the coverage gates applied once to the test legs' merged
profile. The merge block runs for real here (bash and awk, and with the pinned Go a real two-leg
build-tag split); the legs report without gating, the test-coverage job gates, and the plans and
downloads agree on both platforms."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ciforge import scripts
from ciforge.compiler import compile_file
from ciforge.plan import EVENTS, from_ir
from ciforge.scripts_coverage import PROFILE_DIRECTORY, coverage_merge, keep_profile
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, TARGET_NAMES, needs_go, render_case, run_with_go
from tests.test_equivalence import plans_differ

CASE = CASES / "coverage-merge"
TEST_JOBS = ("test-linux-amd64", "test-linux-amd64-norace", "test-darwin-arm64")


def _profiles(root: Path, profiles: dict[str, str]) -> None:
    for leg, text in profiles.items():
        directory = root / f"{PROFILE_DIRECTORY}-{leg}"
        directory.mkdir(parents=True)
        (directory / "coverage.out").write_text(text)


def _merge(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", coverage_merge()], cwd=root, capture_output=True, text=True, check=False)


def test_counts_are_summed_and_the_blocks_sorted(tmp_path: Path) -> None:
    _profiles(
        tmp_path,
        {
            "b": "mode: atomic\nx.com/m/b.go:3.1,4.2 1 0\nx.com/m/a.go:1.1,2.2 2 5\n",
            "a": "mode: atomic\nx.com/m/a.go:1.1,2.2 2 1\nx.com/m/c.go:9.1,9.9 1 0\n",
        },
    )
    proc = _merge(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "merging 2 test legs' profiles:\n"
        "  dist/coverage-profile-a/coverage.out\n"
        "  dist/coverage-profile-b/coverage.out\n"
    )
    assert (tmp_path / "coverage.out").read_text() == (
        "mode: atomic\nx.com/m/a.go:1.1,2.2 2 6\nx.com/m/b.go:3.1,4.2 1 0\nx.com/m/c.go:9.1,9.9 1 0\n"
    )
    assert not (tmp_path / "coverage.blocks").exists()


def test_set_mode_blocks_are_ored(tmp_path: Path) -> None:
    _profiles(
        tmp_path,
        {
            "a": "mode: set\nx.com/m/a.go:1.1,2.2 2 1\nx.com/m/a.go:3.1,4.2 1 0\nx.com/m/a.go:5.1,6.2 1 0\n",
            "b": "mode: set\nx.com/m/a.go:1.1,2.2 2 1\nx.com/m/a.go:3.1,4.2 1 1\nx.com/m/a.go:5.1,6.2 1 0\n",
        },
    )
    assert _merge(tmp_path).returncode == 0
    assert (tmp_path / "coverage.out").read_text() == (
        "mode: set\nx.com/m/a.go:1.1,2.2 2 1\nx.com/m/a.go:3.1,4.2 1 1\nx.com/m/a.go:5.1,6.2 1 0\n"
    )


def test_profiles_of_different_modes_are_refused(tmp_path: Path) -> None:
    _profiles(tmp_path, {"a": "mode: set\nx.com/m/a.go:1.1,2.2 2 1\n", "b": "mode: count\nx.com/m/a.go:1.1,2.2 2 3\n"})
    proc = _merge(tmp_path)
    assert proc.returncode != 0
    assert proc.stderr == (
        "coverage merge: dist/coverage-profile-b/coverage.out has mode: count, the first profile mode: set\n"
    )


def test_no_profile_at_all_fails(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    proc = _merge(tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == (
        "coverage merge: no test leg's profile was downloaded (dist/coverage-profile*/coverage.out)\n"
    )


LIB = "package calc\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n\n// Sub subtracts.\nfunc Sub(a, b int) int { return a - b }\n"
UNIT = '//go:build !integration\n\npackage calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal()\n\t}\n}\n'
INTEGRATION = (
    '//go:build integration\n\npackage calc\n\nimport "testing"\n\n'
    "func TestSub(t *testing.T) {\n\tif Sub(3, 1) != 2 {\n\t\tt.Fatal()\n\t}\n}\n"
)


@needs_go
def test_the_merged_gate_passes_where_each_leg_alone_would_fail(tmp_path: Path) -> None:
    """Two legs, one with the integration tag, each running other tests: each covers one of the
    two functions (50%); merged,
    both are covered (100%), and the gate at 90% passes on the merged total only."""
    module = tmp_path / "calc"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/calc\n\ngo 1.23\n")
    (module / "calc.go").write_text(LIB)
    (module / "calc_test.go").write_text(UNIT)
    (module / "integration_test.go").write_text(INTEGRATION)
    for leg, tags in (("unit", ""), ("integration", "-tags integration")):
        proc = run_with_go(
            f"go test -covermode=atomic -coverprofile=coverage.out {tags} ./...\n"
            + scripts.coverage_total(exclude="")
            + keep_profile(f"{PROFILE_DIRECTORY}-${{TEST_LEG}}"),
            module,
            {"TEST_LEG": leg},
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.splitlines()[-1].split() == ["total:", "(statements)", "50.0%"]
    merged = run_with_go(coverage_merge() + scripts.coverage_total(exclude="") + scripts.coverage_gate("90"), module)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    lines = merged.stdout.splitlines()
    assert lines[0] == "merging 2 test legs' profiles:"
    assert lines[-2].split() == ["total:", "(statements)", "100.0%"]
    assert lines[-1] == "coverage gate passed: total coverage 100.0% meets the required 90%"


def test_the_legs_report_and_the_merged_job_gates_once() -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    for job_id in TEST_JOBS:
        job = result.pipeline.job(job_id)
        assert [g.kind for g in job.gates] == ["exit_code"], job_id
        assert "coverage-total" in [getattr(s, "id", None) for s in job.steps], job_id
        assert not job.full_history, job_id
    merged = result.pipeline.job("test-coverage")
    assert merged.needs == TEST_JOBS
    assert [(c.producer, c.all_legs) for c in merged.consumes] == [(j, True) for j in TEST_JOBS]
    assert [(g.kind, g.detail) for g in merged.gates] == [
        ("exit_code", ()),
        ("coverage", (("min_pct", "85"),)),
        ("new_code_coverage", (("min_pct", "90"),)),
    ]
    assert merged.full_history
    assert result.pipeline.job("build").needs == ()  # it starts with the tests: nothing here ships
    expected = from_ir.plan(result.pipeline, EVENTS["pr"]).jobs["test-coverage"]
    assert [g.kind for g in expected.gates] == ["coverage", "new-code-coverage"]
    for lift, rel in ((lift_github, GITHUB), (lift_gitlab, GITLAB)):
        planned = lift.lift(lift.load(result.files[rel]), EVENTS["pr"]).jobs["test-coverage"]
        assert planned.gates == expected.gates, rel
        assert planned.consumes == frozenset(TEST_JOBS), rel


def test_github_downloads_each_legs_artifact_by_its_name() -> None:
    """A pattern would fetch every artifact of the run it matches (coverage-linux-amd64-* also
    matches the norace job's); each leg's artifact is named, and lands in the directory it was
    uploaded from, as GitLab restores it."""
    result = render_case(CASE)
    assert result.pipeline is not None
    workflow = lift_github.load(result.files[GITHUB])
    downloads = [
        step["with"]
        for step in workflow["jobs"]["test-coverage"]["steps"]
        if str(step.get("uses", "")).startswith("actions/download-artifact@")
    ]
    names = [
        f"coverage-{job.removeprefix('test-')}-{leg.key}" for job in TEST_JOBS for leg in result.pipeline.job(job).legs
    ]
    assert downloads == [{"name": name, "path": "."} for name in names]
    assert len(names) == 5


def test_a_download_pattern_that_fetches_other_artifacts_is_a_difference() -> None:
    result = render_case(CASE)
    github = result.files[GITHUB]
    lines = [line for line in github.splitlines() if "name: coverage-darwin-arm64-go1.24" in line]
    assert len(lines) == 1
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    tampered = github.replace(lines[0], indent + "pattern: coverage-*")
    differences = plans_differ(result, github=tampered)
    assert any("job test-coverage: consumes differs" in d and "'test-coverage'" in d for d in differences), differences


def test_gitlab_fetches_the_test_jobs_artifacts_where_they_were_kept() -> None:
    result = render_case(CASE)
    gitlab = lift_gitlab.load(result.files[GITLAB])
    job = gitlab["test-coverage"]
    assert job["needs"] == [{"job": j, "artifacts": True} for j in TEST_JOBS]
    assert gitlab["test-linux-amd64"]["artifacts"]["paths"][-1] == f"{PROFILE_DIRECTORY}-linux-amd64-$TEST_LEG/"
    assert gitlab["test-linux-amd64"]["script"][-1].endswith(
        f'mkdir -p "{PROFILE_DIRECTORY}-linux-amd64-${{TEST_LEG}}"\n'
        f'cp coverage.out "{PROFILE_DIRECTORY}-linux-amd64-${{TEST_LEG}}/coverage.out"\n'
    )


def test_dropping_the_merged_gate_is_a_difference() -> None:
    result = render_case(CASE)
    for target, text in (("github", result.files[GITHUB]), ("gitlab", result.files[GITLAB])):
        assert text.count("export COVERAGE_THRESHOLD='85'") >= 1
        tampered = text.replace("export COVERAGE_THRESHOLD='85'", "export COVERAGE_THRESHOLD='1'")
        assert any("gates" in d for d in plans_differ(result, **{target: tampered})), target


def test_each_module_merges_its_own_legs(tmp_path: Path) -> None:
    for directory, name in ((tmp_path, "app"), (tmp_path / "sdk", "sdk")):
        directory.mkdir(exist_ok=True)
        (directory / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.24\n")
    (tmp_path / "ciforge.yml").write_text(
        "version: 1\nname: app\ngo:\n  version: '1.24'\nmodules: [., ./sdk]\n"
        "test:\n  go-versions: ['1.23', '1.24']\n  coverage:\n    merge: true\n"
    )
    result = compile_file(tmp_path / "ciforge.yml", out_dir=tmp_path, targets=TARGET_NAMES, display="ciforge.yml")
    assert result.pipeline is not None, result.diagnostics
    sdk = result.pipeline.job("test-sdk-coverage")
    assert sdk.needs == ("test-sdk",)
    assert [(c.producer, c.name) for c in sdk.consumes] == [("test-sdk", "coverage-sdk-{leg}")]
    assert sdk.produces[0].name == "coverage-sdk-merged"
    assert sdk.produces[0].paths[0] == "sdk/coverage.out"
    root = result.pipeline.job("test-coverage")
    assert root.needs == ("test",)
    assert not plans_differ(result)
    workflow = lift_github.load(result.files[GITHUB])
    downloads = [s["with"] for s in workflow["jobs"]["test-sdk-coverage"]["steps"] if "download" in s.get("uses", "")]
    assert [d["path"] for d in downloads] == ["sdk/", "sdk/"]
