"""A small evaluator for GitLab ``rules:if`` expressions, as the GitLab lifter needs them.

Covers ``$VAR``/``${VAR}``, quoted strings, ``null``, ``/regex/flags``, ``==``, ``!=``, ``=~``,
``!~``, ``&&`` (binding tighter than ``||``), parentheses and bare ``$VAR`` (true when set and
not empty). https://docs.gitlab.com/ci/jobs/job_rules/#cicd-variable-expressions
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ciforge.plan.lexing import tokenize

_TOKEN = re.compile(
    r"\s*(?:(?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)|(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<re>/(?:[^/\\]|\\.)*/[a-z]*)|(?P<op>&&|\|\||==|!=|=~|!~|[()])|(?P<null>null))"
)


class RuleError(ValueError):
    """The expression is outside what the lifter understands."""


def _tokens(text: str) -> list[tuple[str, str]]:
    return tokenize(_TOKEN, text, RuleError, "rule")


def _regex(literal: str) -> re.Pattern[str]:
    body, _, flags = literal[1:].rpartition("/")
    return re.compile(body.replace("\\/", "/"), re.IGNORECASE if "i" in flags else 0)


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
            kind, raw = self.tokens[self.i]
            self.i += 1
            if op in ("=~", "!~"):
                pattern = _regex(raw) if kind == "re" else _regex(str(self.value(kind, raw)))
                hit = left is not None and pattern.search(str(left)) is not None
                return hit if op == "=~" else not hit
            right = self.value(kind, raw)
            return bool(left == right) if op == "==" else bool(left != right)
        return left not in (None, "")

    def operand(self) -> Any:
        kind, raw = self.tokens[self.i]
        self.i += 1
        return self.value(kind, raw)

    def value(self, kind: str, raw: str) -> Any:
        if kind == "var":
            return self.variables.get(raw.strip("${}"))
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
