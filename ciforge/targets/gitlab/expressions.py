"""A small evaluator for GitLab ``rules:if`` expressions, as the GitLab lifter needs them.

Covers ``$VAR``, quoted strings (no escapes), ``null``, ``/regex/flags`` (flags ``i``, ``m``,
``s``), ``==``, ``!=``, ``=~``, ``!~`` (the right side a pattern, or a variable holding one),
``&&`` (binding tighter than ``||``), parentheses and bare ``$VAR`` (true when set and not
empty). Anything else raises :class:`RuleError`, so the lifter reports it instead of guessing
(``${VAR}`` too: rules:if reads only ``$VAR``).
https://docs.gitlab.com/ci/jobs/job_rules/#cicd-variable-expressions
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ciforge.targets.gitlab.lexing import tokenize

_TOKEN = re.compile(
    r"\s*(?:(?P<var>\$[A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_{])|(?P<str>\"[^\"]*\"|'[^']*')"
    r"|(?P<re>/(?:[^/\\]|\\.)*/[a-z]*)|(?P<op>&&|\|\||==|!=|=~|!~|[()])|(?P<null>null))"
)


class RuleError(ValueError):
    """The expression is outside what the lifter understands."""


def _tokens(text: str) -> list[tuple[str, str]]:
    return tokenize(_TOKEN, text, RuleError, "rule")


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


def _regex(literal: str) -> re.Pattern[str]:
    match = re.fullmatch(r"/(.*)/([a-z]*)", literal, re.DOTALL)
    if match is None:
        raise RuleError(f"not a /pattern/: {literal!r}")
    unknown = set(match[2]) - set(_FLAGS)
    if unknown:
        raise RuleError(f"regex flag(s) {''.join(sorted(unknown))!r} in {literal!r}")
    flags = 0
    for flag in match[2]:
        flags |= _FLAGS[flag]
    source = match[1].replace("\\/", "/")
    try:
        return re.compile(source if flags & re.MULTILINE else _end_of_text(source), flags)
    except re.error as exc:
        raise RuleError(f"cannot read the pattern {literal!r}: {exc}") from exc


# One piece of a regex: an escape, a [...] class (a "]" right after "[" or "[^" is literal), a char.
_REGEX_PIECE = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|.", re.DOTALL)


def _end_of_text(pattern: str) -> str:
    """GitLab matches with RE2, where ``$`` without the m flag is the end of the text; Python's
    ``$`` also matches before a final line break, so it becomes ``\\Z`` (outside ``[...]``)."""
    return "".join("\\Z" if piece == "$" else piece for piece in _REGEX_PIECE.findall(pattern))


class _Parser:
    def __init__(self, text: str, variables: Mapping[str, str]) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.variables = variables

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def parse(self) -> bool:
        value = bool(self.or_())
        if self.i != len(self.tokens):
            raise RuleError(f"unexpected {self.peek()!r}")
        return value

    def or_(self) -> bool:
        value = self.and_()
        while self.peek() == "||":
            self.i += 1
            right = self.and_()
            value = value or right
        return value

    def and_(self) -> bool:
        value = self.term()
        while self.peek() == "&&":
            self.i += 1
            right = self.term()
            value = value and right
        return value

    def term(self) -> bool:
        if self.peek() == "(":
            self.i += 1
            value = self.or_()
            if self.peek() != ")":
                raise RuleError("missing )")
            self.i += 1
            return bool(value)
        left = self.operand()
        op = self.peek()
        if op in ("==", "!=", "=~", "!~"):
            self.i += 1
            kind, raw = self.take()
            if op in ("=~", "!~"):
                if kind not in ("re", "var"):
                    raise RuleError(f"the right side of {op} must be a /pattern/ or a variable holding one")
                source = raw if kind == "re" else self.value(kind, raw)
                pattern = None if source is None else _regex(source)
                hit = left is not None and pattern is not None and pattern.search(str(left)) is not None
                return hit if op == "=~" else not hit
            right = self.value(kind, raw)
            return bool(left == right) if op == "==" else bool(left != right)
        return left not in (None, "")

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise RuleError("the expression ends too early")
        self.i += 1
        return self.tokens[self.i - 1]

    def operand(self) -> Any:
        return self.value(*self.take())

    def value(self, kind: str, raw: str) -> Any:
        if kind == "var":
            return self.variables.get(raw[1:])
        if kind == "str":
            return raw[1:-1]
        if kind == "null":
            return None
        raise RuleError(f"unexpected {raw!r}")


def evaluate(text: str, variables: Mapping[str, str]) -> bool:
    """Evaluate a ``rules:if`` expression against the pipeline's variables."""
    return _Parser(text, variables).parse()


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Expand ``$VAR`` and ``${VAR}`` (unknown variables stay as written)."""
    return re.sub(
        r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
        lambda m: variables.get(m[1], m[0]),
        text,
    )
