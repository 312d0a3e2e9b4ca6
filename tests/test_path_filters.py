"""triggers.paths, paths-ignore and paths-on: the same path filter on both platforms where both
can say it (GitHub on.<event>.paths / paths-ignore, GitLab workflow rules:changes), the plans of
the IR and of both files agree on it per event, verify sees it changed on either side, every
mistake is a positioned error, and what cannot be the same is a named exception with a check
(run by tests/test_equivalence.py::test_named_exception).

No platform evaluates a filter here (no hosted runner): Ruby's own File.fnmatch, which GitLab's
rules:changes calls, stands in for GitLab's matching, and ciforge's reference matcher of GitHub's
filter-pattern cheat sheet (ciforge/plan/filter_reference.py) for GitHub's."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciforge import ir
from ciforge.cli import main
from ciforge.compiler import Result, compile_pipeline, emit
from ciforge.diagnostics import Diagnostic, format_text
from ciforge.lower_paths import pattern_problem
from ciforge.plan import EVENTS, differences, from_ir, probes, show
from ciforge.plan.filter_reference import matches as github_matches
from ciforge.plan.model import PathFilter, PlanEvent
from ciforge.targets.github import lift_paths, lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.conftest import oracle
from tests.helpers import CASES, GITHUB, GITLAB, render_case
from tests.test_verify_holes import render, verify

CASE = CASES / "path-filters"
PATHS = ["**/*.go", "go.mod", "go.sum", "cmd/*/testdata/**/*", ".golangci.yml"]
IGNORE = ["docs/**/*", "examples/**/*"]
HEAD = 'version: 1\nname: shop\ngo:\n  version: "1.25"\n'


def _compile(text: str) -> tuple[ir.Pipeline | None, list[Diagnostic]]:
    return compile_pipeline((HEAD + text).encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")


def _errors(text: str) -> list[str]:
    return [format_text(d) for d in _compile(text)[1] if d.severity == "error"]


def _docs(result: Result) -> tuple[dict[str, Any], dict[str, Any]]:
    return lift_github.load(result.files[GITHUB]), lift_gitlab.load(result.files[GITLAB])


def _workflow_rules(gl: dict[str, Any]) -> list[dict[str, Any]]:
    rules = gl["workflow"]["rules"]
    assert isinstance(rules, list)
    return rules


def _agree(result: Result) -> None:
    """IR, GitHub and GitLab plans agree on every standard and probe event."""
    assert result.pipeline is not None
    gh, gl = _docs(result)
    for event in probes.events_for(result.pipeline):
        expected = from_ir.plan(result.pipeline, event)
        assert differences(expected, lift_github.lift(gh, event)) == [], event.name
        assert differences(expected, lift_gitlab.lift(gl, event)) == [], event.name


# -- what each platform gets ------------------------------------------------------------------


def test_golden_case_filters_pushes_and_pull_requests_on_both() -> None:
    """GitHub: paths, then the ignore patterns as ! negations, last (GitHub refuses paths and
    paths-ignore on one event). GitLab: the merge request rule and every including branch rule
    carry the paths as changes; the excluding branch rule, tags, web and schedules none; no
    compare_to anywhere."""
    result = render_case(CASE)
    gh, gl = _docs(result)
    expected = [*PATHS, *(f"!{p}" for p in IGNORE)]
    assert gh["on"]["push"]["paths"] == expected
    assert gh["on"]["pull_request"]["paths"] == expected
    assert "paths-ignore" not in gh["on"]["push"]
    assert "paths-ignore" not in gh["on"]["pull_request"]
    with_changes = [r["if"] for r in _workflow_rules(gl) if "changes" in r]
    assert with_changes == [
        '$CI_PIPELINE_SOURCE == "merge_request_event"',
        '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH =~ /^(?:main|release\\/.*)$/',
    ]
    assert all(r["changes"] == PATHS for r in _workflow_rules(gl) if "changes" in r)
    assert all(r.get("when") != "never" for r in _workflow_rules(gl) if "changes" in r)
    assert "compare_to" not in result.files[GITLAB]
    _agree(result)


def test_plans_record_the_filter_per_event() -> None:
    """The filter applies to pushes of branches and to change requests; tags, manual and
    scheduled runs are not filtered, and a push the branch filters refuse has no pipeline at all."""
    result = render_case(CASE)
    assert result.pipeline is not None
    gh, gl = _docs(result)
    want = PathFilter(paths=tuple(PATHS), ignore=tuple(IGNORE))
    for name in ("push:main", "pr"):
        assert from_ir.plan(result.pipeline, EVENTS[name]).path_filter == want
        assert lift_github.lift(gh, EVENTS[name]).path_filter == want
        assert lift_gitlab.lift(gl, EVENTS[name]).path_filter == PathFilter(paths=tuple(PATHS), ignore=None)
    for name in ("tag", "manual"):
        assert from_ir.plan(result.pipeline, EVENTS[name]).path_filter is None
        assert lift_github.lift(gh, EVENTS[name]).path_filter is None
        assert lift_gitlab.lift(gl, EVENTS[name]).path_filter is None
    old = PlanEvent("push:release/old", "push_branch", "release/old")
    assert lift_gitlab.lift(gl, old).jobs == {}
    assert lift_github.lift(gh, old).jobs == {}


def test_pull_requests_only() -> None:
    """paths-on: [pr]: the default branch runs on every push, pull requests are filtered."""
    pipeline_text = "triggers:\n  paths: ['**/*.go']\n  paths-on: [pr]\n"
    result = _render(pipeline_text)
    gh, gl = _docs(result)
    assert "paths" not in gh["on"]["push"]
    assert gh["on"]["pull_request"]["paths"] == ["**/*.go"]
    assert [r["if"] for r in _workflow_rules(gl) if "changes" in r] == ['$CI_PIPELINE_SOURCE == "merge_request_event"']
    assert result.pipeline is not None
    assert from_ir.plan(result.pipeline, EVENTS["push:main"]).path_filter is None
    _agree(result)


def test_paths_ignore_alone() -> None:
    """Only paths-ignore: GitHub's paths-ignore key, and no changes condition on GitLab
    (paths-ignore-gitlab); the plans still agree through the register."""
    result = _render("triggers:\n  paths-ignore: ['docs/**/*', '**/*.md']\n")
    gh, gl = _docs(result)
    assert gh["on"]["push"]["paths-ignore"] == ["docs/**/*", "**/*.md"]
    assert gh["on"]["pull_request"]["paths-ignore"] == ["docs/**/*", "**/*.md"]
    assert "changes" not in json.dumps(gl["workflow"])
    _agree(result)
    assert result.pipeline is not None
    table = show.table([from_ir.plan(result.pipeline, EVENTS["pr"])])
    assert (
        "pr: runs unless every changed file matches docs/**/*, **/*.md (GitLab: always, paths-ignore-gitlab)" in table
    )


def _render(text: str) -> Result:
    pipeline, diagnostics = _compile(text)
    assert pipeline is not None, [format_text(d) for d in diagnostics]
    return Result(files=emit(pipeline, ("github", "gitlab")), diagnostics=tuple(diagnostics), pipeline=pipeline)


# -- mistakes are positioned errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("!docs/**/*", "list the pattern under paths-ignore"),
        ("./cmd/*.go", "without ./ or /"),
        ("/go.mod", "without ./ or /"),
        ("docs/", "ending in /"),
        ("docs/**", "GitLab (File.fnmatch with FNM_PATHNAME) reads it as *"),
        ("**.go", "whole path segment"),
        ("a/***/b", "whole path segment"),
        ("x**/y", "whole path segment"),
        ("ma?n.go", "GitLab as any one character"),
        ("c++/*.h", "GitLab as a literal +"),
        ("{cmd,pkg}/*.go", "GitLab reads {a,b} as alternatives"),
        ("a\\*b", "an escape"),
        ("[!a]*.go", "a [...] list holds letters"),
        ("[z-a].go", "is not within a-z"),
        ("a b.go", "only letters, digits"),
        ("a//b", "an empty, . or .. path segment"),
        ("a/../b", "an empty, . or .. path segment"),
    ],
)
def test_refused_patterns(pattern: str, says: str) -> None:
    errors = _errors(f"triggers:\n  paths: [go.mod, '{pattern}']\n")
    assert len(errors) == 1, errors
    assert errors[0].startswith("ciforge.yml:6:19: error: ")
    assert says in errors[0]
    assert errors[0].endswith("[paths]")
    ignored = _errors(f"triggers:\n  paths-ignore:\n    - '{pattern}'\n")
    assert len(ignored) == 1
    assert ignored[0].startswith("ciforge.yml:7:7: error: ")


@pytest.mark.parametrize(
    "pattern", ["**/*.go", "go.mod", "cmd/*/main.go", "a/**/b/*_test.go", "[a-z0-9]*.yml", ".github/**/*"]
)
def test_accepted_patterns(pattern: str) -> None:
    assert pattern_problem(pattern) is None


def test_more_than_fifty_patterns() -> None:
    """GitLab's limit of 50 patterns in one changes: the 51st is the error's position."""
    patterns = "".join(f"\n    - f{n}.go" for n in range(51))
    assert _errors(f"triggers:\n  paths:{patterns}\n") == [
        "ciforge.yml:57:7: error: 51 patterns: GitLab allows at most 50 in one rules:changes "
        "(at $.triggers.paths[50]) [paths]"
    ]
    assert _errors(f"triggers:\n  paths:{patterns.rsplit(chr(10), 1)[0]}\n") == []


def test_paths_on_mistakes() -> None:
    assert _errors("triggers:\n  paths-on: [pr]\n") == [
        "ciforge.yml:6:3: error: paths-on needs paths or paths-ignore to filter by (at $.triggers.paths-on) [paths]"
    ]
    assert _errors("triggers:\n  pull-requests: false\n  paths: [go.mod]\n  paths-on: [push, pr]\n") == [
        "ciforge.yml:8:20: error: paths-on lists pr, but triggers.pull-requests is false: nothing to filter "
        "(at $.triggers.paths-on[1]) [paths]"
    ]
    assert _errors("triggers:\n  pull-requests: false\n  branches: []\n  paths: [go.mod]\n") == [
        "ciforge.yml:8:3: error: the path filter applies to pull requests and branch pushes, and the pipeline "
        "runs on neither (at $.triggers.paths) [paths]"
    ]
    # schema: only pr and push
    assert any("paths-on" in e for e in _errors("triggers:\n  paths: [go.mod]\n  paths-on: [tag]\n"))


# -- verify sees a changed filter on either side ------------------------------------------------


MANIFEST = HEAD + "triggers:\n  paths: ['**/*.go', go.mod]\n  paths-ignore: ['docs/**/*']\n"


@pytest.mark.parametrize(
    ("path", "old", "new", "says"),
    [
        (GITHUB, "      - '!docs/**/*'\n", "", "path filter differs"),  # an ignore dropped
        (GITHUB, "- go.mod\n", "- go.sum\n", "path filter differs"),
        (
            GITHUB,
            "      - '**/*.go'\n      - go.mod\n      - '!docs/**/*'\n",
            "      - '!docs/**/*'\n      - '**/*.go'\n      - go.mod\n",
            "follows a ! negation",
        ),
        (GITLAB, "        - go.mod\n", "", "path filter differs"),
        (GITLAB, "        - go.mod\n", "        - go.mod\n        - docs/**/*\n", "path filter differs"),
    ],
)
def test_verify_sees_a_changed_filter(  # noqa: PLR0917 (the parameters of one case)
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, old: str, new: str, says: str
) -> None:
    root = render(tmp_path, MANIFEST)
    target = root / path
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    assert says in verify(root, capsys)


def test_verify_sees_a_dropped_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole filter gone from one side, or GitLab's changes moved to a compare_to the
    lifter does not model, or onto a job rule."""
    root = render(tmp_path, MANIFEST)
    gitlab = root / GITLAB
    original = gitlab.read_text()
    gitlab.write_text(original.replace("      changes:\n        - '**/*.go'\n        - go.mod\n", "", 1))
    assert "pr: path filter differs" in verify(root, capsys)
    gitlab.write_text(
        original.replace("      changes:\n", "      changes:\n        compare_to: main\n        paths:\n", 1).replace(
            "        - '**/*.go'\n        - go.mod\n", "          - '**/*.go'\n          - go.mod\n", 1
        )
    )
    assert "changes with ['compare_to'] is not generated by ciforge" in verify(root, capsys)
    gitlab.write_text(original.replace("    - when: on_success\n", "    - changes: [go.mod]\n", 1))
    assert "job rules with changes or exists are not generated by ciforge" in verify(root, capsys)
    gitlab.write_text(original)
    github = root / ".github/workflows/ciforge.yml"
    text = github.read_text()
    github.write_text(text.replace("    paths:\n", "    paths-ignore: [x]\n    paths:\n", 1))
    assert "GitHub refuses paths and paths-ignore on one event" in verify(root, capsys)


def test_actionlint_refuses_what_the_github_lifter_refuses(tmp_path: Path) -> None:
    """GitHub refuses paths and paths-ignore on one event (actionlint, which checks the
    workflow syntax as GitHub does, says so); the emitted form, negations last, passes."""
    root = render(tmp_path, MANIFEST)
    workflow = root / GITHUB

    def actionlint() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [oracle("actionlint"), "-no-color", str(workflow)], capture_output=True, text=True, check=False, timeout=120
        )

    assert actionlint().returncode == 0
    workflow.write_text(workflow.read_text().replace("    paths:\n", "    paths-ignore: [x]\n    paths:\n", 1))
    refused = actionlint()
    assert refused.returncode == 1
    assert 'both "paths" and "paths-ignore" filters cannot be used for the same event' in refused.stdout
    with pytest.raises(lift_paths.RefusedPathFilterError):
        lift_github.lift(lift_github.load(workflow.read_text()), EVENTS["push:main"])


def test_explain_shows_the_filter(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["explain", "-m", str(CASE / "ciforge.yml"), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["path_filters"] == {name: {"paths": PATHS, "ignore": IGNORE} for name in ("push:main", "pr")}
    assert document["manifest"]["triggers"]["paths-on"] == ["pr", "push"]
    assert document["origins"]["triggers.paths-on"].startswith("default: pr and push")
    assert main(["explain", "-m", str(CASE / "ciforge.yml")]) == 0
    text = capsys.readouterr().out
    assert "pr: runs only when a changed file matches **/*.go, go.mod" in text
    assert "and not docs/**/*, examples/**/* (GitLab: not excluded, paths-ignore-gitlab)" in text


# -- the two glob dialects ----------------------------------------------------------------------

SAMPLE_FILES = [
    "main.go",
    "cmd/api/main.go",
    "cmd/api/testdata/x/y.json",
    "cmd/api/testdata/y.json",
    "internal/a/b/c.go",
    "go.mod",
    "docs/guide.md",
    "docs/deep/er/guide.go",
    ".golangci.yml",
    ".github/workflows/ci.yml",
    "a.yml",
    "ma.in.go",
    "man.go",
    "main.go.orig",
]


def ruby_fnmatch(pairs: list[tuple[str, str]]) -> list[bool]:
    """GitLab's matcher: Ruby's File.fnmatch? with the flags rules:changes passes."""
    ruby = oracle("ruby")  # fails, never skips, when the oracle is missing (tests/conftest.py)
    script = (
        'require "json"; f = File::FNM_PATHNAME | File::FNM_DOTMATCH | File::FNM_EXTGLOB; '
        "puts JSON.generate(JSON.parse(STDIN.read).map { |p, s| File.fnmatch?(p, s, f) })"
    )
    proc = subprocess.run(
        [ruby, "-e", script], input=json.dumps(pairs), capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(proc.stdout)
    assert isinstance(result, list)
    return [bool(x) for x in result]


ACCEPTED = [
    "**/*.go",
    "go.mod",
    "cmd/*/testdata/**/*",
    "[a-z]*.yml",
    ".github/**/*",
    "*.yml",
    "docs/**/*",
    "m[a-z]n.go",
]
REFUSED_DIALECT = ["docs/**", "**.go", "ma?n.go", "{cmd,docs}/**/*", "ma+n.go"]


def test_accepted_patterns_match_the_same_files_on_both() -> None:
    """For every accepted pattern and sample file, ciforge's reference matcher of GitHub's cheat
    sheet and Ruby's fnmatch (GitLab) agree; each refused pattern has a file they disagree on.
    (Dot files: the reference matcher's reading, which GitHub does not document; path-glob-dialect.)"""
    assert all(pattern_problem(p) is None for p in ACCEPTED)
    pairs = [(p, f) for p in ACCEPTED + REFUSED_DIALECT for f in SAMPLE_FILES]
    gitlab = dict(zip(pairs, ruby_fnmatch(pairs), strict=True))
    for pattern in ACCEPTED:
        for name in SAMPLE_FILES:
            assert github_matches(pattern, name) == gitlab[pattern, name], (pattern, name)
    for pattern in REFUSED_DIALECT:
        assert pattern_problem(pattern) is not None
        assert any(github_matches(pattern, f) != gitlab[pattern, f] for f in SAMPLE_FILES), pattern


# -- the register's path exceptions (run by tests/test_equivalence.py::test_named_exception) ----


def _runs_github(path_filter: PathFilter | None, changed: list[str]) -> bool:
    """GitHub: some changed file matches paths (any, without) and none of the negations."""
    if path_filter is None:
        return True
    ignore = path_filter.ignore or ()
    return any(
        (not path_filter.paths or any(github_matches(p, f) for p in path_filter.paths))
        and not any(github_matches(i, f) for i in ignore)
        for f in changed
    )


def _runs_gitlab(path_filter: PathFilter | None, changed: list[str]) -> bool:
    """GitLab: no changes condition, or some changed file matches one of its patterns."""
    if path_filter is None or not path_filter.paths:
        return True
    pairs = [(p, f) for p in path_filter.paths for f in changed]
    return any(ruby_fnmatch(pairs))


def check_paths_ignore_gitlab(result: Result) -> None:
    """GitLab keeps exactly the paths (no more, no less) and no ignore; so a change touching
    only an ignored Go file runs on GitLab and not on GitHub, and GitLab runs whenever GitHub
    does on the sample changes."""
    gh, gl = _docs(render_case(CASE))
    pr = EVENTS["pr"]
    github, gitlab = lift_github.lift(gh, pr).path_filter, lift_gitlab.lift(gl, pr).path_filter
    assert github == PathFilter(paths=tuple(PATHS), ignore=tuple(IGNORE))
    assert gitlab == PathFilter(paths=tuple(PATHS), ignore=None)
    only_ignored = ["docs/deep/er/guide.go"]
    assert not _runs_github(github, only_ignored)
    assert _runs_gitlab(gitlab, only_ignored)
    for changed in (["main.go"], ["docs/guide.md"], ["go.mod", "docs/guide.md"], [".golangci.yml"]):
        assert _runs_github(github, changed) <= _runs_gitlab(gitlab, changed), changed


def check_paths_new_branch(result: Result) -> None:
    """GitLab's branch rules compare with the previous push (no compare_to: a new branch's first
    push always runs there); GitHub filters the same pushes by its own diff."""
    gh, gl = _docs(render_case(CASE))
    push_rules = [r for r in _workflow_rules(gl) if "changes" in r and "CI_COMMIT_BRANCH" in r["if"]]
    assert push_rules
    assert all(isinstance(r["changes"], list) for r in push_rules)  # the list form: no compare_to
    assert gh["on"]["push"]["paths"][: len(PATHS)] == PATHS


def check_paths_diff_limits(result: Result) -> None:
    """GitHub's 300-file and 1,000-commit limits apply wherever GitHub filters by path: both
    filtered events of the golden case, and neither where the manifest has no filter."""
    gh, _ = _docs(render_case(CASE))
    assert "paths" in gh["on"]["push"]
    assert "paths" in gh["on"]["pull_request"]
    plain, _ = _docs(result)
    assert "paths" not in json.dumps(plain["on"])


def check_path_glob_dialect(result: Result) -> None:
    """Every pattern of the golden case is in the common subset; the dot-file difference is
    real on GitLab's side (FNM_DOTMATCH: * matches .golangci.yml)."""
    assert all(pattern_problem(p) is None for p in PATHS + IGNORE)
    assert ruby_fnmatch([("*.yml", ".golangci.yml"), ("**/*.go", ".hidden/x.go")]) == [True, True]


PATH_CHECKS: dict[str, Callable[[Result], None]] = {
    "paths-ignore-gitlab": check_paths_ignore_gitlab,
    "paths-new-branch": check_paths_new_branch,
    "paths-diff-limits": check_paths_diff_limits,
    "path-glob-dialect": check_path_glob_dialect,
}
