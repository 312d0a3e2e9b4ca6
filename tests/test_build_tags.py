"""Build tags (issue 13): go.tags for vet, golangci-lint, go generate, govulncheck, the tests and
the builds; lint.tags, test.tags and build.tags replace them for one stage; a matrix leg's include
tags are joined to its stage's. The same GO_TAGS on both platforms, in the plans, and read by the
real go command."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ciforge import ir
from ciforge.compiler import compile_pipeline
from tests.helpers import CASES, GITLAB, needs_go, render_case, run_with_go
from tests.test_equivalence import plans_differ

HEAD = 'version: 1\nname: lib\ngo:\n  version: "1.24"\n'


def _compile(text: str, base_dir: Path = Path(".")) -> ir.Pipeline:
    pipeline, diagnostics = compile_pipeline(text.encode(), file="ciforge.yml", base_dir=base_dir, label="x")
    assert pipeline is not None, diagnostics
    return pipeline


def _tags(job: ir.Job) -> str | None:
    value = dict(job.env).get("GO_TAGS")
    assert value is None or isinstance(value, str)
    return value


def _leg_tags(job: ir.Job) -> dict[str, str | None]:
    return {leg.key: dict(leg.variables).get("GO_TAGS") for leg in job.legs}


def _script(job: ir.Job, step: str) -> str:
    return next(s.script for s in job.steps if isinstance(s, ir.Run) and s.id == step)


def test_each_stage_reads_its_tags_joined_with_its_legs() -> None:
    result = render_case(CASES / "build-tags")
    pipeline = result.pipeline
    assert pipeline is not None
    lint = pipeline.job("lint")
    assert _tags(lint) == "integration,sqlite_omit_load_extension"
    for step, words in (
        ("go-vet", 'go vet -tags "${GO_TAGS:-}" "$GO_PACKAGES"'),
        ("go-generate", 'go generate -tags "${GO_TAGS:-}" "$GO_PACKAGES"'),
        ("govulncheck", '-tags "${GO_TAGS:-}" "$GO_PACKAGES"'),
        ("golangci-lint", 'run --build-tags "${GO_TAGS:-}" "$GO_PACKAGES"'),
    ):
        assert words in _script(lint, step), step
    tests = [job for job in pipeline.jobs if job.id.startswith("test")]
    # test.tags replaces go.tags; the race-free include leg adds its own e2e
    assert sorted(((_tags(job), tuple(_leg_tags(job).values())) for job in tests), key=str) == [
        ("integration", ()),
        (None, ("integration,e2e",)),
    ]
    assert all('-tags "${GO_TAGS:-}"' in _script(job, "go-test") for job in tests)
    # build inherits go.tags; the netgo leg joins its own tag after them
    assert _leg_tags(pipeline.job("build")) == {
        "linux-amd64": "integration,sqlite_omit_load_extension",
        "linux-arm64-netgo": "integration,sqlite_omit_load_extension,netgo",
    }


def test_the_plans_of_a_tagged_pipeline_are_equal_and_see_a_changed_tag() -> None:
    """The tags are part of the plans: equal as rendered, and a GitLab build leg with another tag
    is a difference that verify reports."""
    result = render_case(CASES / "build-tags")
    assert plans_differ(result) == []
    gitlab = result.files[GITLAB]
    needle = "GO_TAGS: integration,sqlite_omit_load_extension,netgo"
    assert gitlab.count(needle) == 1
    tampered = gitlab.replace(needle, "GO_TAGS: integration,sqlite_omit_load_extension,netgo,debug")
    assert any("GO_TAGS" in line for line in plans_differ(result, gitlab=tampered))


def test_an_empty_stage_list_means_no_tags_for_that_stage() -> None:
    pipeline = _compile(HEAD + "  tags: [integration]\ntest:\n  tags: []\nbuild: false\n")
    assert _tags(pipeline.job("lint")) == "integration"
    assert 'go vet -tags "${GO_TAGS:-}"' in _script(pipeline.job("lint"), "go-vet")
    test = pipeline.job("test")
    assert _tags(test) is None
    assert "-tags" not in _script(test, "go-test")


def test_without_tags_the_blocks_are_unchanged() -> None:
    pipeline = _compile(HEAD + "build: false\n")
    assert _script(pipeline.job("lint"), "go-vet").endswith('go vet "$GO_PACKAGES"\n')
    assert "--build-tags" not in _script(pipeline.job("lint"), "golangci-lint")
    assert "-tags" not in _script(pipeline.job("test"), "go-test")


def test_a_tag_with_shell_characters_is_a_positioned_error() -> None:
    text = HEAD + "  tags: [integration, 'a b']\nlint:\n  tags: [ok, $x]\n"
    pipeline, diagnostics = compile_pipeline(text.encode(), file="ciforge.yml", base_dir=Path("."), label="x")
    assert pipeline is None
    assert [(d.code, d.line, d.col) for d in diagnostics] == [("pattern", 5, 25), ("pattern", 7, 14)]
    assert "letters, digits, '_' and '.'" in diagnostics[0].message


def _run(block: str, job: ir.Job, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A rendered block run by bash with the pinned Go and the job's own variables."""
    return run_with_go(block, cwd, {name: value for name, value in job.env if isinstance(value, str)})


def _tagged_project(root: Path) -> None:
    """A package whose integration-tagged file has a vet finding and a test of its own."""
    (root / "go.mod").write_text("module example.com/lib\n\ngo 1.23\n")
    (root / "lib.go").write_text("package lib\n\nfunc Double(n int) int { return 2 * n }\n")
    (root / "lib_test.go").write_text(
        'package lib\n\nimport "testing"\n\nfunc TestDouble(t *testing.T) {\n\tif Double(2) != 4 {\n\t\tt.Fatal()\n\t}\n}\n'
    )
    # a self-assignment: a vet finding (assign) that go test's own vet subset does not check
    (root / "store.go").write_text(
        '//go:build integration\n\npackage lib\n\nfunc Store() string {\n\tname := "s"\n\tname = name\n\treturn name\n}\n'
    )
    (root / "store_test.go").write_text(
        '//go:build integration\n\npackage lib\n\nimport "testing"\n\n'
        'func TestStore(t *testing.T) {\n\tif Store() == "" {\n\t\tt.Fatal()\n\t}\n}\n'
    )


@needs_go
def test_the_rendered_blocks_give_go_the_tags(tmp_path: Path) -> None:
    """go vet sees the integration-tagged file (and its finding) only through go.tags; go test,
    with test.tags, compiles and covers it; lint.tags: [] leaves it out of vet again."""
    _tagged_project(tmp_path)
    tagged = _compile(HEAD + "  tags: [integration]\ntest:\n  race: false\n  covermode: set\nbuild: false\n", tmp_path)
    vet = _run(_script(tagged.job("lint"), "go-vet"), tagged.job("lint"), tmp_path)
    assert vet.returncode != 0
    assert "store.go:7:2: self-assignment of name to name" in vet.stderr, vet.stderr
    test = _run(_script(tagged.job("test"), "go-test"), tagged.job("test"), tmp_path)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "example.com/lib/store.go" in (tmp_path / "coverage.out").read_text()

    untagged = _compile(HEAD + "  tags: [integration]\nlint:\n  tags: []\nbuild: false\n", tmp_path)
    vet = _run(_script(untagged.job("lint"), "go-vet"), untagged.job("lint"), tmp_path)
    assert vet.returncode == 0, vet.stderr
