"""modules: lint and test jobs per Go module, each in its own directory with its own coverage gate,
and on a change request only for the modules a change touches (the same change check on both
platforms); discovery, dependencies, positioned errors, the plan, and tampering that verify sees."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ciforge import golayout, gomodules, goversion, ir, scripts_modules
from ciforge.cli import main
from ciforge.compiler import compile_file, compile_pipeline
from ciforge.diagnostics import Diagnostic, format_text
from ciforge.plan import EVENTS, from_ir
from ciforge.plan.model import change_check
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, render_case
from tests.test_equivalence import plans_differ

MONOREPO = CASES / "modules"
WORKSPACE = CASES / "modules-workspace"


def _load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


# -- go.mod, go.work and discovery -----------------------------------------------------------


def test_gomod_directives_blocks_comments_and_local_replacements() -> None:
    text = (
        "// header comment\nmodule example.com/x/sdk // import comment\n\ngo 1.24.0\n\n"
        "require (\n\texample.com/x v1.0.0 // indirect\n\tgolang.org/x/sync v0.8.0\n)\n"
        "require example.com/y v0.1.0\n"
        "replace example.com/x => ../\n"
        "replace (\n\texample.com/y v0.1.0 => ../y\n\tgolang.org/x/sync => golang.org/x/sync v0.9.0\n)\n"
    )
    module = gomodules.parse_gomod("sdk", text)
    assert module.path == "example.com/x/sdk"
    assert module.go == "1.24.0"
    assert module.requires == ("example.com/x", "golang.org/x/sync", "example.com/y")
    # ../ from sdk is the root; ../y from sdk is y; a module-path replacement is not local
    assert module.local_replaces == (".", "y")


def test_gomod_without_module_directive_is_refused() -> None:
    with pytest.raises(gomodules.ModuleError, match="no module directive"):
        gomodules.parse_gomod(".", "go 1.24\n")


def test_workspace_use_list_single_and_block() -> None:
    text = "go 1.24\n\nuse ./api\nuse (\n\t./worker // consumer\n\t./lib/\n)\nreplace x => ./y\n"
    assert gomodules.workspace_uses(text) == ["api", "worker", "lib"]


def test_discover_skips_vendor_testdata_hidden_and_underscore(tmp_path: Path) -> None:
    for d in (".", "a", "a/b", "vendor/v", "c/testdata/t", ".hidden", "_old", "z"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        (tmp_path / d / "go.mod").write_text("module m\n")
    assert gomodules.discover(tmp_path) == [".", "a", "a/b", "z"]


def test_owner_is_the_deepest_module_directory() -> None:
    dirs = (".", "sdk", "sdk/metric", "tools")
    assert gomodules.owner("sdk/metric/x.go", dirs) == "sdk/metric"
    assert gomodules.owner("sdk/x.go", dirs) == "sdk"
    assert gomodules.owner("sdkx/y.go", dirs) == "."
    assert gomodules.owner("README.md", dirs) == "."
    assert gomodules.owner("README.md", ("sdk", "tools")) is None


def test_local_dependencies_replace_workspace_and_transitive() -> None:
    root = gomodules.GoModule(".", "example.com/x")
    sdk = gomodules.GoModule("sdk", "example.com/x/sdk", requires=("example.com/x",), local_replaces=(".",))
    otlp = gomodules.GoModule("exp/otlp", "example.com/x/exp/otlp", requires=("example.com/x/sdk",))
    tools = gomodules.GoModule("tools", "example.com/x/tools", requires=("example.com/x/sdk",))
    modules = [root, sdk, otlp, tools]
    # without a workspace, a requirement alone means a published version: only replacements count
    assert gomodules.local_dependencies(modules, workspace=False) == {
        ".": (),
        "sdk": (".",),
        "exp/otlp": (),
        "tools": (),
    }
    # in a workspace, requirements of workspace modules resolve to their directories, transitively
    assert gomodules.local_dependencies(modules, workspace=True)["exp/otlp"] == (".", "sdk")


# -- the jobs ------------------------------------------------------------------------------


def test_each_module_has_its_jobs_directory_cache_gate_and_artifacts() -> None:
    result = render_case(MONOREPO)
    assert result.pipeline is not None
    jobs = {j.id: j for j in result.pipeline.jobs}
    checks = ["lint", "test", "lint-sdk", "test-sdk", "lint-exporters-otlp", "test-exporters-otlp", "lint-tools"]
    assert [j.id for j in result.pipeline.jobs if j.stage == "check"] == checks  # tools: test: false
    assert jobs["build"].needs == ()  # it starts with the checks: nothing here ships
    assert jobs["test-exporters-otlp"].module == ir.ModuleScope(
        directory="exporters/otlp", affected_by=(".", "exporters/otlp", "sdk")
    )
    assert jobs["lint-tools"].module == ir.ModuleScope(directory="tools", affected_by=("tools",))
    assert jobs["test-sdk"].cache == ir.GoCache(key_files=("sdk/go.mod", "sdk/go.sum"))
    assert jobs["test-exporters-otlp"].produces[0].name == "coverage-exporters-otlp"
    assert jobs["test-exporters-otlp"].produces[0].paths[0] == "exporters/otlp/coverage.out"
    gh = _load(result.files[GITHUB])["jobs"]
    gl = _load(result.files[GITLAB])
    assert gh["test-sdk"]["defaults"] == {"run": {"working-directory": "sdk"}}
    assert "defaults" not in gh["test"]
    assert gh["test-sdk"]["steps"][0]["with"]["fetch-depth"] == 0
    assert gh["test-sdk"]["env"]["CHANGE_BASE"] == "${{ github.event.pull_request.base.sha }}"
    assert gl["test-sdk"]["script"][0] == "cd -- 'sdk' || exit 1"
    assert gl["test-sdk"]["variables"]["GIT_DEPTH"] == "0"
    assert gl["test-sdk"]["variables"]["CHANGE_BASE"] == "$CI_MERGE_REQUEST_DIFF_BASE_SHA"
    assert gl["test-exporters-otlp"]["artifacts"]["reports"]["coverage_report"]["path"] == "exporters/otlp/coverage.xml"
    # each module's own gate: 60 for the exporter, test.coverage's 75 for the others
    gates = {j: next(s for s in gh[j]["steps"] if s.get("id") == "coverage-gate")["run"] for j in ("test", "test-sdk")}
    assert all("export COVERAGE_THRESHOLD='75'" in run for run in gates.values())
    otlp = next(s for s in gh["test-exporters-otlp"]["steps"] if s.get("id") == "coverage-gate")["run"]
    assert "export COVERAGE_THRESHOLD='60'" in otlp
    cobertura = next(s for s in gl["test-sdk"]["script"] if "coverage.xml" in s)
    assert '-v source="$CI_PROJECT_DIR/sdk"' in cobertura


def test_every_work_block_after_the_check_starts_with_the_guard() -> None:
    result = render_case(MONOREPO)
    gh = _load(result.files[GITHUB])["jobs"]["test-sdk"]["steps"]
    runs = [s for s in gh if "run" in s]
    assert runs[0]["id"] == "affected"
    assert len(runs) == 5
    assert all(s["run"].startswith("set -euo pipefail\n" + scripts_modules.GUARD + "\n") for s in runs[1:])


def test_workspace_use_list_is_the_module_list() -> None:
    result = render_case(WORKSPACE)
    assert result.pipeline is not None
    ids = [j.id for j in result.pipeline.jobs]
    assert ids == [
        "lint-api",
        "test-api-linux-amd64",
        "test-api-linux-arm64",
        "lint-worker",
        "test-worker-linux-amd64",
        "test-worker-linux-arm64",
    ]
    worker = result.pipeline.job("test-worker-linux-arm64")
    assert worker.module == ir.ModuleScope(directory="worker", affected_by=("api", "worker"))
    assert worker.name == "Test (worker, linux-arm64)"


def _compile_in(root: Path, manifest: str) -> tuple[ir.Pipeline | None, list[Diagnostic]]:
    return compile_pipeline(manifest.encode(), file="ciforge.yml", base_dir=root, label="ciforge.yml")


def _tree(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


HEAD = 'version: 1\nname: app\ngo:\n  version: "1.24"\nbuild: false\n'


def test_the_root_alone_renders_exactly_as_without_modules(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"go.mod": "module example.com/app\n\ngo 1.24\n"})
    (root / "ciforge.yml").write_text(HEAD)
    plain = compile_file(root / "ciforge.yml", out_dir=root, targets=("github", "gitlab"))
    (root / "ciforge.yml").write_text(HEAD + "modules: [.]\n")
    listed = compile_file(root / "ciforge.yml", out_dir=root, targets=("github", "gitlab"))
    assert plain.ok
    assert listed.ok
    assert plain.files == listed.files


def _errors(diagnostics: list[Diagnostic]) -> list[str]:
    return [format_text(d) for d in diagnostics]


def test_module_problems_are_reported_together_at_their_items(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "go.mod": "module example.com/app\n\ngo 1.24\n",
            "a-b/go.mod": "module example.com/app/a-b\n\ngo 1.24\n",
            "a/b/go.mod": "module example.com/app/a/b\n\ngo 1.24\n",
            "new/go.mod": "module example.com/app/new\n\ngo 1.25\n",
        },
    )
    manifest = HEAD + (
        "modules:\n"
        "  - .\n"  # line 7
        "  - ./missing\n"
        "  - ./\n"
        "  - ./a-b\n"
        "  - path: ./a/b\n"
        "  - ./new\n"
        "  - ./..\n"
    )
    pipeline, diagnostics = _compile_in(root, manifest)
    assert pipeline is None or any(d.severity == "error" for d in diagnostics)
    assert _errors(diagnostics) == [
        "ciforge.yml:8:5: error: module ./missing: cannot read missing/go.mod: no go.mod there (at $.modules[1]) [module]",
        "ciforge.yml:9:5: error: module ./ is listed twice (at $.modules[2]) [unique]",
        "ciforge.yml:11:5: error: modules ./a-b and ./a/b would both name their jobs *-a-b (at $.modules[4]) [unique]",
        "ciforge.yml:12:5: error: module new's go.mod requires go 1.25, newer than the pipeline's Go "
        "1.24.13; raise go.version (or go.version-file) to at least that release (at $.modules[5]) [go-version]",
        "ciforge.yml:13:5: error: module ./..: '..' is not a plain relative directory "
        "(letters, digits, . _ - and /) (at $.modules[6]) [module]",
    ]


def test_every_module_switched_off_is_an_error(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"go.mod": "module example.com/app\n\ngo 1.24\n"})
    _, diagnostics = _compile_in(root, HEAD + "modules:\n  - {path: ., lint: false, test: false}\n")
    assert _errors(diagnostics) == [
        "ciforge.yml:6:1: error: no module is linted or tested: each has lint: false and test: false (at $.modules) [modules]"
    ]


def test_auto_without_any_go_mod_is_an_error(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"README.md": "no Go here\n"})
    _, diagnostics = _compile_in(root, HEAD + "modules: auto\n")
    assert [d.code for d in diagnostics if d.severity == "error"] == ["module"]
    assert "found no go.mod" in diagnostics[0].message


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        (
            "[sdk]",
            "ciforge.yml:6:11: error: invalid value \"sdk\": 's' at character 1 is not allowed there; allowed: a "
            "directory of the repository written from its root: '.' or './' followed by names of letters, digits, "
            "'.', '_' and '-' separated by '/' (./cmd/api) (at $.modules[0]) [pattern]",
        ),
        (
            "sdk",
            'ciforge.yml:6:10: error: modules must be auto or a list of module directories like "./sdk", got '
            '"sdk" (at $.modules) [type]',
        ),
        (
            "[{path: ./sdk, lint: 1}]",
            "ciforge.yml:6:31: error: expected true or false, got a number (1) (at $.modules[0].lint) [type]",
        ),
        ("[{lint: false}]", "ciforge.yml:6:11: error: missing required key 'path' (at $.modules[0]) [missing-key]"),
    ],
)
def test_schema_errors_name_the_item_and_the_rule(tmp_path: Path, modules: str, expected: str) -> None:
    root = _tree(tmp_path, {"go.mod": "module example.com/app\n\ngo 1.24\n", "sdk/go.mod": "module s\n"})
    _, diagnostics = _compile_in(root, HEAD + f"modules: {modules}\n")
    assert _errors(diagnostics) == [expected]


# -- the plan ------------------------------------------------------------------------------


def test_the_plan_skips_only_on_change_requests_and_both_lifters_agree() -> None:
    result = render_case(MONOREPO)
    assert result.pipeline is not None
    assert plans_differ(result) == []
    gh_doc, gl_doc = lift_github.load(result.files[GITHUB]), lift_gitlab.load(result.files[GITLAB])
    for event, expected in ((EVENTS["pr"], (".", "sdk")), (EVENTS["push:main"], ()), (EVENTS["tag"], ())):
        for plan in (
            from_ir.plan(result.pipeline, event),
            lift_github.lift(gh_doc, event),
            lift_gitlab.lift(gl_doc, event),
        ):
            assert plan.jobs["test-sdk"].affected_by == expected, (event.name, plan)
            assert plan.jobs["test-sdk"].workdir == "sdk"
            assert plan.jobs["test"].workdir == "."
            # the build does not depend on which modules a change touches
            assert all(job.affected_by == () for key, job in plan.jobs.items() if key.startswith("build"))


def _tampered(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) >= count, old
    return text.replace(old, new, count)


def test_verify_sees_a_github_block_without_the_guard() -> None:
    result = render_case(MONOREPO)
    guard = "\n          " + scripts_modules.GUARD
    # the first guarded block of the first module job (lint: go vet) loses its guard
    github = _tampered(result.files[GITHUB], guard, "")
    diffs = plans_differ(result, github=github)
    assert any("job lint: affected_by differs" in d and "runs anyway" in d for d in diffs), diffs


def test_verify_sees_a_gitlab_job_in_another_directory() -> None:
    result = render_case(MONOREPO)
    gitlab = _tampered(result.files[GITLAB], "- cd -- 'sdk' || exit 1", "- cd -- 'tools' || exit 1")
    diffs = plans_differ(result, gitlab=gitlab)
    assert any("job lint-sdk: workdir differs: ir='sdk' gitlab='tools'" in d for d in diffs), diffs


def test_verify_sees_a_github_job_in_another_directory_and_refuses_step_directories() -> None:
    result = render_case(MONOREPO)
    github = _tampered(result.files[GITHUB], "working-directory: sdk\n", "working-directory: tools\n")
    assert any("workdir differs: ir='sdk' github='tools'" in d for d in plans_differ(result, github=github))
    doc = lift_github.load(result.files[GITHUB])
    doc["jobs"]["test-sdk"]["steps"][3]["working-directory"] = "tools"
    with pytest.raises(lift_github.LiftError, match="own working-directory"):
        lift_github.lift(doc, EVENTS["pr"])


def test_verify_sees_a_gitlab_change_base_that_is_not_the_merge_base() -> None:
    result = render_case(MONOREPO)
    gitlab = _tampered(result.files[GITLAB], "$CI_MERGE_REQUEST_DIFF_BASE_SHA", "$CI_COMMIT_BEFORE_SHA", 3)
    diffs = plans_differ(result, gitlab=gitlab)
    assert any("affected_by differs" in d for d in diffs), diffs


def test_change_check_reads_only_a_commit_sha_as_the_base() -> None:
    check = scripts_modules.affected_check(module="sdk", affected_by=(".", "sdk"), modules=(".", "sdk"), always=())
    work = "set -euo pipefail\n" + scripts_modules.GUARD + "\ngo vet ./...\n"
    assert change_check((check, work), base="ba5e" * 10, shared_shell=False) == (".", "sdk")
    assert change_check((check, work), base="$CI_MERGE_REQUEST_DIFF_BASE_SHA", shared_shell=True) == ()
    assert change_check((check, "go vet ./...\n"), base="ba5e" * 10, shared_shell=False) == (
        ".",
        "sdk",
        "!block 2 runs anyway",
    )
    assert change_check((check, "go vet ./...\n"), base="ba5e" * 10, shared_shell=True) == (".", "sdk")


# -- the change check, run -----------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=True)
    return proc.stdout.strip()


def _stub(bin_dir: Path, name: str, log: Path, status: int) -> None:
    path = bin_dir / name
    path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexit {status}\n')
    path.chmod(0o755)


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """The modules case as a git repository: main, and a feature branch to change."""
    repo = tmp_path / "repo"
    for source in MONOREPO.rglob("go.mod"):
        target = repo / source.relative_to(MONOREPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    (repo / "ciforge.yml").write_text((MONOREPO / "ciforge.yml").read_text())
    _git(repo.parent, "init", "-q", "-b", "main", str(repo))
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "base")
    _git(repo, "checkout", "-q", "-b", "feature")
    return repo


def _change(repo: Path, rel: str) -> None:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text("changed\n")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", f"change {rel}")


def _run_lint_sdk(repo: Path, tmp_path: Path, base: str) -> dict[str, tuple[int, str, str]]:
    """The lint-sdk job of both files, run as each platform runs it: GitHub one shell per step in
    the job's working directory, GitLab one shell for the whole script from the checkout. ``go``
    and ``curl`` are stubs that log their calls (curl fails: there is no network)."""
    result = render_case(MONOREPO)
    out: dict[str, tuple[int, str, str]] = {}
    for platform in ("github", "gitlab"):
        bin_dir, log = tmp_path / f"bin-{platform}", tmp_path / f"{platform}.log"
        bin_dir.mkdir(exist_ok=True)
        log.write_text("")
        _stub(bin_dir, "go", log, 0)
        _stub(bin_dir, "curl", log, 1)
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CHANGE_BASE": base, "GO_PACKAGES": "./..."}
        env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
        status, printed = 0, ""
        if platform == "github":
            job = _load(result.files[GITHUB])["jobs"]["lint-sdk"]
            cwd = repo / job["defaults"]["run"]["working-directory"]
            for step in (s for s in job["steps"] if "run" in s):
                proc = subprocess.run(
                    ["bash", "-c", step["run"]], cwd=cwd, env=env, check=False, capture_output=True, text=True
                )
                status, printed = proc.returncode, printed + proc.stdout
                if status:
                    break
        else:
            script = "\n".join(str(s) for s in _load(result.files[GITLAB])["lint-sdk"]["script"])
            proc = subprocess.run(
                ["bash", "-c", script], cwd=repo, env=env, check=False, capture_output=True, text=True
            )
            status, printed = proc.returncode, proc.stdout
        out[platform] = (status, log.read_text(), printed)
    return out


@pytest.mark.parametrize(
    ("changed", "runs"),
    [
        ("exporters/otlp/exporter.go", False),  # another module, which sdk does not build with
        ("tools/gen.go", False),
        ("sdk/metric.go", True),
        ("trace.go", True),  # the root module, which sdk builds with (replace directive)
        ("go.work", True),  # the workspace
        ("ciforge.yml", True),  # the manifest
    ],
)
def test_a_change_runs_the_module_only_when_it_touches_it(
    monorepo: Path, tmp_path: Path, changed: str, runs: bool
) -> None:
    base = _git(monorepo, "rev-parse", "main")
    _change(monorepo, changed)
    outcome = _run_lint_sdk(monorepo, tmp_path, base)
    for platform, (status, log, printed) in outcome.items():
        if runs:  # go vet runs; golangci-lint's download fails at the curl stub
            assert "go vet ./..." in log, platform
            assert status != 0, platform
            assert f"module sdk runs: changed since {base}:\n{changed}\n" in printed, platform
        else:
            assert (status, log) == (0, ""), platform
            assert "no change since" in printed, platform
    assert not (monorepo / "sdk" / scripts_modules.MARKER).exists() or not runs


@pytest.mark.parametrize(
    ("base", "reason"),
    [
        ("", "not a pull or merge request"),
        # GitLab outside a merge request: the variable's own reference (no commit SHA)
        ("$CI_MERGE_REQUEST_DIFF_BASE_SHA", "not a pull or merge request"),
        ("0" * 40, "the base commit 0000000000000000000000000000000000000000 cannot be read"),
    ],
)
def test_outside_a_change_request_or_without_a_base_everything_runs(
    monorepo: Path, tmp_path: Path, base: str, reason: str
) -> None:
    _change(monorepo, "tools/gen.go")
    for platform, (_, log, printed) in _run_lint_sdk(monorepo, tmp_path, base).items():
        assert "go vet ./..." in log, platform
        assert f"{reason}: module sdk runs" in printed, platform


def test_explain_lists_each_module_with_its_jobs_gate_and_what_runs_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "-m", str(MONOREPO / "ciforge.yml")]) == 0
    out = capsys.readouterr().out
    table = out[out.index("Modules (") : out.index("Jobs per event:")].strip().splitlines()
    assert table[2:] == [
        "directory       jobs                                      gate  on a pull/merge request, runs for a change in",
        ".               lint, test                                75%   .",
        "sdk             lint-sdk, test-sdk                        75%   . sdk",
        "exporters/otlp  lint-exporters-otlp, test-exporters-otlp  60%   . exporters/otlp sdk",
        "tools           lint-tools                                -     tools",
    ]
    assert main(["explain", "-m", str(MONOREPO / "ciforge.yml"), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["modules"]
    assert listed[3] == {"directory": "tools", "jobs": ["lint-tools"], "coverage": None, "affected_by": ["tools"]}


def test_many_modules_are_gathered_for_gitlabs_needs_limit(tmp_path: Path) -> None:
    """30 modules make 60 check jobs: the release needs them and the build through two gathering
    jobs of at most 50 instead (GitLab refuses a job that needs more than 50), the same jobs on
    both platforms; the build itself starts with the checks."""
    files = {"go.mod": "module example.com/big\n\ngo 1.24\n"}
    files |= {f"m{i:02}/go.mod": f"module example.com/big/m{i:02}\n\ngo 1.24\n" for i in range(1, 30)}
    root = _tree(tmp_path, files)
    release = "build:\n  main: .\nrelease:\n  on-tags: true\ntriggers:\n  tags: ['v*']\n"
    (root / "ciforge.yml").write_text(HEAD.replace("build: false\n", release) + "modules: auto\n")
    result = compile_file(root / "ciforge.yml", out_dir=root, targets=("github", "gitlab"))
    assert result.ok, result.diagnostics
    assert result.pipeline is not None
    checks = [j.id for j in result.pipeline.jobs if j.stage == "check" and not j.id.startswith("checks-")]
    first, second = result.pipeline.job("checks-1"), result.pipeline.job("checks-2")
    assert (len(checks), len(first.needs), len(second.needs)) == (60, 50, 11)
    assert first.needs + second.needs == (*checks, "build")
    assert result.pipeline.job("build").needs == ()
    assert result.pipeline.job("release-assets").needs == ("checks-1", "checks-2", "build")
    assert plans_differ(result) == []
    gl = _load(result.files[GITLAB])
    assert all(len(job.get("needs", [])) <= 50 for name, job in gl.items() if isinstance(job, dict))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("module example.com/m\n\ngo 1.25.0\n", ("example.com/m", "1.25.0", None)),
        ("module example.com/m\ngo 1.24.0\ntoolchain go1.25.5\n", ("example.com/m", "1.24.0", "1.25.5")),
        ("module example.com/m\ngo 1.23\ntoolchain default\n", ("example.com/m", "1.23", None)),
        # comments, a quoted module path, and directives inside a block are read as the go command does
        ('module "example.com/q" // the module\ngo 1.24 // language\n', ("example.com/q", "1.24", None)),
        ("module example.com/m\nrequire (\n\tgo 1.2\n)\ngo 1.22\n", ("example.com/m", "1.22", None)),
        ("module example.com/m\ngo 1.22rc1\n", ("example.com/m", None, None)),
        ("go 1.22\n", (None, "1.22", None)),
    ],
)
def test_go_directives(text: str, expected: tuple[str | None, str | None, str | None]) -> None:
    """One go.mod directive parser serves the version file (goversion), init (golayout) and modules."""
    found = gomodules.go_directives(text)
    assert (found.module, found.go, found.toolchain) == expected


def test_version_file_and_init_read_go_mod_alike(tmp_path: Path) -> None:
    """goversion (go.version-file: go.mod) and golayout (ciforge init) agree on what a go.mod declares,
    also with a comment on the go line (init refused that go.mod before: its regex wanted nothing after it)."""
    text = "module example.com/m // comment\n\ngo 1.24.0 // the language version\n\ntoolchain go1.25.5 // pinned\n"
    (tmp_path / "go.mod").write_text(text)
    declared = goversion.parse("go.mod", text)
    layout = golayout.read_gomod(tmp_path)
    assert (declared.minimum, declared.version) == (layout.go, layout.toolchain) == ("1.24.0", "1.25.5")
    assert layout.path == "example.com/m"
