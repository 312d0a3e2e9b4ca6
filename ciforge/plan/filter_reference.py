"""A deliberately simple reference matcher for GitHub's branch and tag filter patterns, for the
IR planner. It shares no code with the GitLab emitter's regex translation (ciforge/globs.py) nor
with the GitHub lifter: it walks the pattern and the name directly, by backtracking, with no
regular expressions, straight from the documented rules
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

RANGES = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")


def _one_char(pattern: str, p: int) -> tuple[Callable[[str], bool], int]:
    """The single-character test at ``pattern[p]`` (a literal, ``\\x`` or ``[...]``) and where
    it ends."""
    if pattern[p] == "\\":
        literal = pattern[p + 1]
        return (lambda c: c == literal), p + 2
    if pattern[p] == "[":
        end = pattern.index("]", p)
        body = pattern[p + 1 : end]
        allowed: set[str] = set()
        i = 0
        while i < len(body):
            if i + 2 < len(body) and body[i + 1] == "-":
                allowed |= {c for chars in RANGES for c in chars if body[i] <= c <= body[i + 2] and body[i] in chars}
                i += 3
            else:
                allowed.add(body[i])
                i += 1
        return (lambda c: c in allowed), end + 1
    literal = pattern[p]
    return (lambda c: c == literal), p + 1


def matches(pattern: str, name: str) -> bool:
    """Whether one pattern (without a leading ``!``) matches the whole name."""

    @cache
    def at(p: int, n: int) -> bool:
        if p == len(pattern):
            return n == len(name)
        if pattern.startswith("**/", p):
            # any number of directories, including none: "" or "<one or more chars>/"
            if at(p + 3, n):
                return True
            return any(name[k - 1] == "/" and at(p + 3, k) for k in range(n + 2, len(name) + 1))
        if pattern.startswith("**", p):
            return any(at(p + 2, k) for k in range(n, len(name) + 1))
        if pattern[p] == "*":
            k = n
            while True:
                if at(p + 1, k):
                    return True
                if k == len(name) or name[k] == "/":
                    return False
                k += 1
        test, after = _one_char(pattern, p)
        quantifier = pattern[after] if after < len(pattern) and pattern[after] in "?+" else ""
        if quantifier == "?":
            return at(after + 1, n) or (n < len(name) and test(name[n]) and at(after + 1, n + 1))
        if quantifier == "+":
            k = n
            while k < len(name) and test(name[k]):
                k += 1
                if at(after + 1, k):
                    return True
            return False
        return n < len(name) and test(name[n]) and at(after, n + 1)

    return at(0, 0)


def filters_match(patterns: tuple[str, ...], name: str) -> bool:
    """GitHub's ordered filter: the last pattern that matches decides; ``!`` excludes."""
    decision = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if matches(pattern[1:], name):
                decision = False
        elif matches(pattern, name):
            decision = True
    return decision
