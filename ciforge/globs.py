"""Translate the manifest's globs into regular expressions, exactly.

* Branch/tag filters follow GitHub's filter-pattern syntax
  (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet):
  ``*`` any characters but ``/``; ``**`` any characters; ``**/`` any number of directories,
  including none (``**/main`` matches ``main``); ``?`` zero or one and ``+`` one or more of the
  preceding character; ``[...]`` one character from a list or ``a-z``/``A-Z``/``0-9`` ranges;
  ``\\`` escapes a special character; a leading ``!`` excludes what earlier patterns matched.
  They become anchored RE2 regexes for GitLab ``rules:if`` (``=~ /.../``), where ``/`` is escaped.
* Coverage excludes: path globs over coverage-profile file names become POSIX EREs for awk.
"""

from __future__ import annotations

import re
from typing import Final

# One token of a filter pattern; the schema (``$defs.refGlob``) admits nothing else.
_FILTER_TOKEN: Final = re.compile(
    r"(?P<anydirs>\*\*/)|(?P<any>\*\*)|(?P<segment>\*)|(?P<quantifier>[?+])"
    r"|(?P<bracket>\[[A-Za-z0-9-]+\])|(?P<escaped>\\.)|(?P<literal>.)"
)
_RANGE: Final = re.compile(r"(.)-(.)")
_CLASSES: Final = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")


def bracket_problem(pattern: str) -> str | None:
    """Why a ``[...]`` list of a filter pattern is invalid on GitHub, or None.

    Ranges may only be ``a-z``, ``A-Z`` or ``0-9`` (or parts of them, in order)."""
    for token in _FILTER_TOKEN.finditer(pattern):
        if token.lastgroup != "bracket":
            continue
        body = token.group()[1:-1]
        if not re.fullmatch(r"(?:[A-Za-z0-9](?:-[A-Za-z0-9])?)+", body):
            return f"[{body}] has a '-' that is not between two characters"
        for low, high in _RANGE.findall(body):
            if not any(low in chars and high in chars for chars in _CLASSES) or low > high:
                return f"the range {low}-{high} in [{body}] is not within a-z, A-Z or 0-9 in order"
    return None


def filter_regex(pattern: str) -> str:
    """The regex (unanchored body) of one filter pattern, without its leading ``!``."""
    out: list[str] = []
    for token in _FILTER_TOKEN.finditer(pattern):
        kind, text = token.lastgroup, token.group()
        if kind == "anydirs":
            out.append("(?:.+/)?")
        elif kind == "any":
            out.append(".*")
        elif kind == "segment":
            out.append("[^/]*")
        elif kind in ("quantifier", "bracket"):
            out.append(text)  # the schema only lets ? and + follow a character or a [...] list
        elif kind == "escaped":
            out.append(_literal(text[1]))
        else:
            out.append(_literal(text))
    return "".join(out)


def _literal(char: str) -> str:
    return char if char.isalnum() or char in "/_-" else "\\" + char


def ref_filter_rules(patterns: tuple[str, ...]) -> list[tuple[str, bool]]:
    """GitHub's ordered include/``!``-exclude filter as first-match rules: (anchored regex,
    include?) pairs, the last group of patterns first. The first rule that matches decides, which
    is exactly the last pattern that matches deciding on GitHub; no match means excluded."""
    groups: list[tuple[bool, list[str]]] = []
    for pattern in patterns:
        include = not pattern.startswith("!")
        body = filter_regex(pattern if include else pattern[1:])
        if groups and groups[-1][0] == include:
            groups[-1][1].append(body)
        else:
            groups.append((include, [body]))
    return [(f"^(?:{'|'.join(bodies)})$", include) for include, bodies in reversed(groups)]


def _path_glob(glob: str) -> str:
    # coverage excludes: [A-Za-z0-9._/*-] only; "**/" also matches zero directories, as in gitignore
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append("\\." if glob[i] == "." else glob[i])
            i += 1
    return "".join(out)


def coverage_exclude_regex(globs: tuple[str, ...]) -> str:
    """An ERE matching a coverage-profile line whose file matches any glob.

    Profile lines look like ``example.com/app/internal/mocks/x.go:12.2,14.3 2 1``; the file part
    ends at the first ``:``. ``**/`` also matches zero directories, as in gitignore.
    """
    alternatives = "|".join(_path_glob(g) for g in globs)
    return f"^({alternatives}):"
