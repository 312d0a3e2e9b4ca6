"""test.flags and test.coverpkg: extra go test flags and the coverage packages, written into the
test block on both platforms, validated (no shell syntax, none of the flags ciforge sets itself or
that would run or write something else), and run for real with the Go toolchain."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciforge import ir
from ciforge.compiler import compile_pipeline
from ciforge.lower_test import FORBIDDEN_TEST_FLAG_PREFIXES, FORBIDDEN_TEST_FLAGS
from tests.helpers import CASES, GITHUB, GITLAB, needs_go, render_case, run_with_go
from tests.test_equivalence import plans_differ

HEAD = 'version: 1\nname: lib\ngo:\n  version: "1.23"\nbuild: false\n'


def _test_block(result_files: dict[str, str], platform: str) -> str:
    text = result_files[GITHUB if platform == "github" else GITLAB]
    return next(line.strip() for line in text.splitlines() if line.strip().startswith("go test "))


def test_flags_and_coverpkg_are_the_same_words_in_both_outputs() -> None:
    result = render_case(CASES / "go-library")
    assert result.pipeline is not None
    expected = (
        'go test -race -covermode=atomic -coverprofile=coverage.out -coverpkg=./... -short -count=1 "$GO_PACKAGES"'
    )
    assert _test_block(result.files, "github") == _test_block(result.files, "gitlab") == expected
    assert plans_differ(result) == []


@pytest.mark.parametrize("flag", [f"-{name}" for name in FORBIDDEN_TEST_FLAGS] + ["-coverprofile=x", "-cover"])
def test_a_flag_ciforge_sets_or_that_runs_something_else_is_refused(flag: str) -> None:
    manifest = HEAD + f"test:\n  flags: [-short, {flag}]\n"
    pipeline, diagnostics = compile_pipeline(manifest.encode(), file="ciforge.yml", base_dir=Path("."), label="x")
    assert pipeline is None
    name = flag.partition("=")[0].lstrip("-")
    reason = FORBIDDEN_TEST_FLAGS.get(name) or dict(FORBIDDEN_TEST_FLAG_PREFIXES)["cover"]
    assert [(d.code, d.path, d.line, d.col, d.message) for d in diagnostics] == [
        ("test-flags", ("test", "flags", 1), 7, 19, f"test.flags: {flag} is not allowed: {reason}")
    ]


def test_every_refused_flag_is_reported_at_once() -> None:
    manifest = HEAD + "test:\n  flags:\n    - -race\n    - -short\n    - -o=bin\n"
    _, diagnostics = compile_pipeline(manifest.encode(), file="ciforge.yml", base_dir=Path("."), label="x")
    assert [(d.code, d.line) for d in diagnostics] == [("test-flags", 8), ("test-flags", 10)]


@needs_go
def test_the_rendered_test_block_runs_with_go(tmp_path: Path) -> None:
    """The block as rendered, run by bash with the pinned Go: -coverpkg=./... counts the library
    code that only another package's test exercises, and -short and -count=1 are accepted."""
    (tmp_path / "go.mod").write_text("module example.com/lib\n\ngo 1.23\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "lib.go").write_text("package lib\n\nfunc Double(n int) int { return 2 * n }\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app_test.go").write_text(
        'package app\n\nimport (\n\t"testing"\n\n\t"example.com/lib/lib"\n)\n\n'
        "func TestDouble(t *testing.T) {\n\tif lib.Double(2) != 4 {\n\t\tt.Fatal()\n\t}\n}\n"
    )
    manifest = HEAD + 'test:\n  race: false\n  covermode: set\n  flags: ["-short", "-count=1"]\n  coverpkg: ["./..."]\n'
    pipeline, diagnostics = compile_pipeline(manifest.encode(), file="ciforge.yml", base_dir=tmp_path, label="x")
    assert pipeline is not None, diagnostics
    block = next(s.script for s in pipeline.job("test").steps if isinstance(s, ir.Run) and s.id == "go-test")
    run = run_with_go(block, tmp_path, {"GO_PACKAGES": "./..."})
    assert run.returncode == 0, run.stdout + run.stderr
    profile = (tmp_path / "coverage.out").read_text()
    assert "example.com/lib/lib/lib.go" in profile  # covered from app's test, only with -coverpkg
