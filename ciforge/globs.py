"""Translate the manifest's glob subset into regular expressions, exactly.

Only ``*`` (within one ``/`` segment) and ``**`` (across segments) are wildcards; every other
allowed character is literal. The schema limits patterns to ``[A-Za-z0-9._/*-]``, so GitHub's
``?``, ``+``, ``[]`` and ``!`` — whose GitHub meanings have no GitLab twin — never reach here.

* Branch/tag filters: GitHub filter patterns
  (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet)
  become anchored RE2 regexes for GitLab ``rules:if`` (``=~ /.../``), where ``/`` must be escaped.
* Coverage excludes: path globs over coverage-profile file names become POSIX EREs for awk.
"""

from __future__ import annotations


def _translate(glob: str, *, any_depth_prefix: bool) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i) and any_depth_prefix:
            out.append("(.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            # the schema allows only [A-Za-z0-9._/-] here: "." is the one regex metacharacter
            out.append("\\." if glob[i] == "." else glob[i])
            i += 1
    return "".join(out)


def ref_regex(globs: tuple[str, ...]) -> str:
    """One anchored regex matching any of the ref globs (GitHub filter semantics)."""
    alternatives = "|".join(_translate(g, any_depth_prefix=False) for g in globs)
    return f"^(?:{alternatives})$"


def gitlab_regex_literal(regex: str) -> str:
    """A regex as a GitLab ``rules:if`` literal: ``/.../`` with ``/`` escaped.

    https://docs.gitlab.com/ci/jobs/job_rules/#compare-a-variable-to-a-regular-expression
    """
    return "/" + regex.replace("/", "\\/") + "/"


def coverage_exclude_regex(globs: tuple[str, ...]) -> str:
    """An ERE matching a coverage-profile line whose file matches any glob.

    Profile lines look like ``example.com/app/internal/mocks/x.go:12.2,14.3 2 1``; the file part
    ends at the first ``:``. ``**/`` also matches zero directories, as in gitignore.
    """
    alternatives = "|".join(_translate(g, any_depth_prefix=True) for g in globs)
    return f"^({alternatives}):"
