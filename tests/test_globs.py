"""ciforge/globs.py beyond the filter-pattern property (tests/test_filter_patterns.py): the
validation of ``[...]`` lists, the shape of the GitLab rules, and the coverage-exclude globs run
through the awk line the generated test job runs (ciforge/scripts.py)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ciforge import globs
from ciforge.targets.gitlab import emitter as gitlab_emitter

# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet
# "[CB]at", "[1-2]00", "[a-z]": characters or ranges within a-z, A-Z, 0-9.
VALID_LISTS = ["v[0-9]", "[CB]at", "[A-Z]", "[A-F0-9]", "[a-a]", "[a-zA-Z0-9]x", "[b-y]"]
INVALID_LISTS = [
    ("v[9-0]", "9-0"),  # out of order
    ("v[a-Z]", "a-Z"),  # across classes
    ("v[A-z]", "A-z"),  # across classes, in code point order
    ("v[0-z]", "0-z"),
    ("v[a-]", "'-'"),  # a dash with nothing after it
    ("v[-a]", "'-'"),
]


@pytest.mark.parametrize("pattern", VALID_LISTS)
def test_valid_lists_are_accepted(pattern: str) -> None:
    assert globs.bracket_problem(pattern) is None


@pytest.mark.parametrize(("pattern", "named"), INVALID_LISTS)
def test_invalid_lists_are_refused_with_the_range_named(pattern: str, named: str) -> None:
    problem = globs.bracket_problem(pattern)
    assert problem is not None
    assert named in problem


def test_escaped_bracket_is_not_a_list() -> None:
    """``\\[9-0\\]`` is the literal text "[9-0]", not a list with a bad range."""
    assert globs.bracket_problem("v\\[9-0\\]") is None


def test_consecutive_patterns_of_one_kind_share_one_rule() -> None:
    """GitLab's rules: one rule per run of including (or ``!``-excluding) patterns, the last run
    first, so the first rule that matches decides as the last pattern would on GitHub."""
    rules = globs.ref_filter_rules(("main", "release/*", "!release/x", "!release/y", "release/y"))
    assert rules == [
        ("^(?:release/y)$", True),
        ("^(?:release/x|release/y)$", False),
        ("^(?:main|release/[^/]*)$", True),
    ]


def test_gitlab_regex_literal_escapes_slashes() -> None:
    """https://docs.gitlab.com/ci/jobs/job_rules/#compare-a-variable-to-a-regular-expression"""
    assert gitlab_emitter.regex_literal("^(?:release/.*)$") == "/^(?:release\\/.*)$/"


# Coverage excludes: globs over the file part of Go coverage-profile lines (import-path form).
# (globs, lines kept, lines dropped); "**/" is any number of directories, none included.
PROFILE_CASES = [
    (("**/mocks/**",), ["example.com/app/cmd/main.go"], ["example.com/app/internal/mocks/x.go", "mocks/y.go"]),
    (
        ("example.com/app/internal/**/mocks/*",),
        ["example.com/app/internal/a/mocks/sub/x.go", "example.com/app/internal/mocksx/y.go"],
        ["example.com/app/internal/mocks/x.go", "example.com/app/internal/a/b/mocks/x.go"],
    ),
    (("*.pb.go",), ["example.com/app/x.pb.go", "apb.go"], ["x.pb.go"]),
    (("**.pb.go",), ["example.com/app/x_pb.go"], ["x.pb.go", "example.com/app/api/x.pb.go"]),
    (
        ("example.com/app/gen/*",),
        ["example.com/app/gen/a/b.go", "example.com/app/genx/b.go"],
        ["example.com/app/gen/b.go"],
    ),
    (("a/**", "b.go"), ["c/a/x.go", "xb.go", "c/b.go"], ["a/x.go", "a/y/z.go", "b.go"]),
]


def _profile(files: list[str]) -> str:
    return "".join(f"{name}:12.2,14.3 2 1\n" for name in files)


@pytest.mark.parametrize(("exclude", "kept", "dropped"), PROFILE_CASES, ids=[c[0][0] for c in PROFILE_CASES])
def test_coverage_exclude_drops_exactly_the_matching_files(
    exclude: tuple[str, ...], kept: list[str], dropped: list[str]
) -> None:
    """The generated awk line (NR == 1 || $0 !~ ENVIRON["COVERAGE_EXCLUDE"]) keeps the mode
    header and the files no glob matches; Python's re agrees with awk on the same regex."""
    regex = globs.coverage_exclude_regex(exclude)
    profile = "mode: atomic\n" + _profile(kept + dropped)
    awk = shutil.which("awk")
    assert awk is not None
    filtered = subprocess.run(
        [awk, 'NR == 1 || $0 !~ ENVIRON["COVERAGE_EXCLUDE"]'],
        input=profile,
        capture_output=True,
        text=True,
        check=True,
        env={"COVERAGE_EXCLUDE": regex},
    ).stdout
    assert filtered == "mode: atomic\n" + _profile(kept)
    assert [line for line in profile.splitlines()[1:] if not re.search(regex, line)] == _profile(kept).splitlines()
