"""Lower ``triggers.paths``, ``paths-ignore`` and ``paths-on``: the pipeline's path filter.

A pattern goes to two glob dialects: GitHub's filter patterns
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet)
and GitLab's ``rules:changes``, which is Ruby's ``File.fnmatch`` with ``FNM_PATHNAME``,
``FNM_DOTMATCH`` and ``FNM_EXTGLOB`` (https://docs.gitlab.com/ci/yaml/#ruleschanges,
https://docs.ruby-lang.org/en/master/File.html#method-c-fnmatch). Only the subset both read the
same way is accepted: literal letters, digits and ``. _ - /``, ``*`` (any characters but ``/``
on both), ``**/`` as a whole segment (any number of directories, none too, on both) and
``[...]`` lists of letters, digits and ranges (one character on both). Everything else is a
positioned error that says how the two platforms read it (docs/equivalence.md, path-glob-dialect).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from ciforge import ir
from ciforge.globs import bracket_problem

if TYPE_CHECKING:
    from ciforge.lower import Lowering

# GitLab: "a maximum of 50 patterns or file paths" per rules:changes.
# https://docs.gitlab.com/ci/yaml/#ruleschanges
GITLAB_CHANGES_LIMIT: Final = 50
EVENTS: Final = {"pr": ir.Event.CHANGE_REQUEST, "push": ir.Event.PUSH_BRANCH}

_TOKEN: Final = re.compile(r"(?P<stars>\*+)|(?P<bracket>\[[^\]/]*\]?)|(?P<literal>[A-Za-z0-9._/-])|(?P<other>.)")
# What a character outside the common subset means on each platform.
_READ_DIFFERENTLY: Final = {
    "?": "GitHub reads ? as zero or one of the preceding character, GitLab as any one character",
    "+": "GitHub reads + as one or more of the preceding character, GitLab as a literal +",
    "{": "GitLab reads {a,b} as alternatives (FNM_EXTGLOB), GitHub as literal braces",
    "}": "GitLab reads {a,b} as alternatives (FNM_EXTGLOB), GitHub as literal braces",
    "\\": "an escape; write the path without special characters",
    "!": "GitHub reads a leading ! as a negation, and a ! in [...] negates on GitLab only",
}
_DOUBLE_STAR: Final = (
    "** is read differently unless it is a whole path segment followed by /: GitHub matches any "
    "characters across directories, GitLab (File.fnmatch with FNM_PATHNAME) reads it as * within one "
    "directory; write dir/**/* for every file under dir, **/*.go for every .go file"
)


def pattern_problem(pattern: str) -> str | None:
    """Why a path pattern would not mean the same on GitHub and GitLab, or matches no changed
    file on either (None when it is fine)."""
    if pattern.startswith("!"):
        return "a leading ! is GitHub's negation: list the pattern under paths-ignore instead"
    if pattern.startswith(("./", "/")):
        return "changed files are named from the repository root without ./ or /, so this never matches"
    if pattern.endswith("/"):
        return (
            "changed files are files, so a pattern ending in / never matches: write dir/**/* for every file under dir"
        )
    if any(segment in ("", ".", "..") for segment in pattern.split("/")):
        return "an empty, . or .. path segment never matches a changed file"
    for token in _TOKEN.finditer(pattern):
        kind, text, start = token.lastgroup, token.group(), token.start()
        if kind == "other":
            return f"{text!r}: {_READ_DIFFERENTLY.get(text, 'only letters, digits and . _ - / are literal characters')}"
        if kind == "bracket":
            if not re.fullmatch(r"\[[A-Za-z0-9-]+\]", text):
                return f"{text}: a [...] list holds letters, digits and ranges such as a-z"
            problem = bracket_problem(text)
            if problem is not None:
                return problem
        if kind == "stars" and len(text) > 1:
            whole_segment = (start == 0 or pattern[start - 1] == "/") and pattern[token.end() : token.end() + 1] == "/"
            if len(text) > 2 or not whole_segment:
                return _DOUBLE_STAR
    return None


def path_filter(lowering: Lowering) -> ir.PathFilter | None:
    """The pipeline's path filter, or None without one; each problem is a positioned error."""
    t = lowering.m.triggers
    for key, patterns in (("paths", t.paths), ("paths-ignore", t.paths_ignore)):
        for index, pattern in enumerate(patterns):
            problem = pattern_problem(pattern)
            if problem is not None:
                lowering.error("paths", f"{pattern!r}: {problem}", ("triggers", key, index))
    if len(t.paths) > GITLAB_CHANGES_LIMIT:
        lowering.error(
            "paths",
            f"{len(t.paths)} patterns: GitLab allows at most {GITLAB_CHANGES_LIMIT} in one rules:changes",
            ("triggers", "paths", GITLAB_CHANGES_LIMIT),
        )
    if not (t.paths or t.paths_ignore):
        if t.paths_on is not None:
            lowering.error("paths", "paths-on needs paths or paths-ignore to filter by", ("triggers", "paths-on"))
        return None
    runs = {"pr": t.pull_requests, "push": bool(t.branches)}
    what = {"pr": "triggers.pull-requests is false", "push": "triggers.branches is empty"}
    if t.paths_on is not None:
        for index, name in enumerate(t.paths_on):
            if not runs[name]:
                lowering.error(
                    "paths",
                    f"paths-on lists {name}, but {what[name]}: nothing to filter",
                    ("triggers", "paths-on", index),
                )
    events = frozenset(EVENTS[name] for name in (t.paths_on or ("pr", "push")) if runs[name])
    if not events:
        if t.paths_on is None:
            lowering.error(
                "paths",
                "the path filter applies to pull requests and branch pushes, and the pipeline runs on neither",
                ("triggers", "paths" if t.paths else "paths-ignore"),
            )
        return None
    return ir.PathFilter(paths=t.paths, ignore=t.paths_ignore, events=events)
