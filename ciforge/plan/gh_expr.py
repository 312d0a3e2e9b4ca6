"""A small evaluator for GitHub Actions expressions, as the GitHub lifter needs them.

Covers literals, property access (``github.event_name``, ``needs.x.result``), ``!``, ``==``,
``!=``, ``<``, ``>``, ``<=``, ``>=``, ``&&``, ``||``, parentheses, and the functions
``startsWith``, ``endsWith``, ``contains``, ``format`` and the status functions. String
comparison ignores case, as GitHub's does.
https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ciforge.plan.lexing import tokenize

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>&&|\|\||==|!=|<=|>=|[!<>(),\[\]])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_*][A-Za-z0-9_-]*)*))"
)


class ExpressionError(ValueError):
    """The expression is outside what the lifter understands."""


def _tokens(text: str) -> list[tuple[str, str]]:
    return tokenize(_TOKEN, text, ExpressionError, "expression")


def truthy(value: Any) -> bool:
    """GitHub truthiness: false, 0, '', null are falsy."""
    return value not in (False, 0, "", None)


def _loose(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.context = context
        self.functions = functions

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, value: str) -> None:
        if self.peek() != value:
            raise ExpressionError(f"expected {value!r}")
        self.i += 1

    def parse(self) -> Any:
        value = self.or_()
        if self.i != len(self.tokens):
            raise ExpressionError(f"unexpected {self.peek()!r}")
        return value

    def or_(self) -> Any:
        left = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            left = left if truthy(left) else right
        return left

    def and_(self) -> Any:
        left = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            left = right if truthy(left) else left
        return left

    def compare(self) -> Any:
        left = self.unary()
        while self.peek() in ("==", "!=", "<", ">", "<=", ">="):
            op = self.take()[1]
            right = self.unary()
            a, b = _loose(left), _loose(right)
            left = {
                "==": a == b,
                "!=": a != b,
                "<": a < b,
                ">": a > b,
                "<=": a <= b,
                ">=": a >= b,
            }[op]
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if value == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return float(value)
        if kind == "name":
            if value in ("true", "false"):
                return value == "true"
            if value == "null":
                return None
            if self.peek() == "(":
                return self.call(value)
            return self.lookup(value)
        raise ExpressionError(f"unexpected {value!r}")

    def call(self, name: str) -> Any:
        self.expect("(")
        args = []
        while self.peek() != ")":
            args.append(self.or_())
            if self.peek() == ",":
                self.take()
        self.expect(")")
        function = {k.lower(): v for k, v in self.functions.items()}.get(name.lower())
        if function is None:
            raise ExpressionError(f"unknown function {name}")
        return function(*args)

    def lookup(self, dotted: str) -> Any:
        value: Any = self.context
        for part in dotted.split("."):
            if not isinstance(value, Mapping):
                return None
            lowered = {str(k).lower(): v for k, v in value.items()}
            value = lowered.get(part.lower())
        return value


def _format(template: str, *args: Any) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m[1])]), template)


STRING_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "startsWith": lambda a, b: str(a or "").lower().startswith(str(b or "").lower()),
    "endsWith": lambda a, b: str(a or "").lower().endswith(str(b or "").lower()),
    "contains": lambda a, b: (str(b).lower() in str(a).lower()) if isinstance(a, str) else b in (a or []),
    "format": _format,
}


def evaluate(text: str, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """Evaluate an expression (with or without its ``${{ }}`` wrapper)."""
    stripped = text.strip()
    if stripped.startswith("${{") and stripped.endswith("}}") and stripped.count("${{") == 1:
        stripped = stripped[3:-2]
    return _Parser(stripped, context, {**STRING_FUNCTIONS, **(functions or {})}).parse()


def has_status_function(text: str) -> bool:
    """Whether a job condition names a status function (else success() is implied)."""
    return re.search(r"\b(success|always|failure|cancelled)\s*\(", text) is not None


def substitute(text: str, resolve: Callable[[str], str]) -> str:
    """Replace each ``${{ expr }}`` in a string with ``resolve(expr)``."""
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: resolve(m[1]), text)
