"""GitHub Actions expressions, as the GitHub lifter (and so ``ciforge verify``) judges job ``if:``.

The whole documented grammar: literals (``null``, booleans, numbers in any JavaScript form,
``'strings'`` with ``''`` for a quote), contexts with ``.name``, ``['key']``, ``[0]`` and ``.*``
filters, ``!``, ``< <= > >=`` (binding tighter than) ``== !=``, then ``&&``, then ``||`` (both
returning an operand, not a boolean), parentheses, and the functions ``contains``,
``startsWith``, ``endsWith``, ``format``, ``join``, ``toJSON``, ``fromJSON``, ``case`` and the
status functions (names ignore case). Values and coercions are in :mod:`ciforge.targets.github.expression_values`.
https://docs.github.com/en/actions/reference/workflows-and-actions/expressions

``if:`` is read as GitHub reads it (:func:`if_condition`): with or without the ``${{ }}``
wrapper; text around ``${{ }}`` makes the condition a ``format(...)`` string; a condition without
a status function means ``success() && (condition)``. Anything outside the grammar raises
:class:`ExpressionError` with the reason, so the lifter reports it instead of guessing.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from ciforge.targets.github import expression_values
from ciforge.targets.github.expression_values import ExpressionError, truthy

__all__ = ["ExpressionError", "evaluate", "has_status_function", "if_condition", "substitute", "truthy"]

STATUS_FUNCTIONS: Final = ("success", "failure", "cancelled", "always")
_BOUNDARY: Final = set("()[],.!><=&|" + expression_values.JS_SPACE)
# Status functions take no arguments (always, cancelled) or job names (success, failure).
_STATUS_ARITY: Final = {"success": (0, 2**31), "failure": (0, 2**31), "always": (0, 0), "cancelled": (0, 0)}
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_KEYWORDS: Final[dict[str, Any]] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
}


@attrs.frozen
class _Token:
    kind: str  # op, num, str, lit (true/false/null/NaN/Infinity), name
    text: str
    value: Any = None


def _word_end(text: str, i: int, *, dot: bool) -> int:
    while i < len(text) and (text[i] not in _BOUNDARY or (dot and text[i] == ".")):
        i += 1
    return i


def _string(text: str, i: int) -> _Token:
    """The quoted string starting at ``text[i]`` (a doubled quote stands for one)."""
    end = i + 1
    while end < len(text) and (text[end] != "'" or text.startswith("''", end)):
        end += 2 if text.startswith("''", end) else 1
    if end >= len(text):
        raise ExpressionError(f"unterminated string at {text[i:]!r}")
    return _Token("str", text[i : end + 1], text[i + 1 : end].replace("''", "'"))


def _word(text: str, i: int, previous: _Token | None) -> _Token:
    """The number, keyword or identifier starting at ``text[i]``."""
    c = text[i]
    if c in "+-." or (c.isascii() and c.isdigit()):
        word = text[i : _word_end(text, i + 1, dot=True)]
        value = expression_values.string_number(word)
        if math.isnan(value):
            raise ExpressionError(f"unexpected symbol {word!r}")
        return _Token("num", word, value)
    word = text[i : _word_end(text, i + 1, dot=False)]
    if word in _KEYWORDS and not (previous is not None and previous.text == "."):
        return _Token("lit", word, _KEYWORDS[word])
    if not _IDENTIFIER.fullmatch(word):
        raise ExpressionError(f"unexpected symbol {word!r}")
    return _Token("name", word)


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        previous = tokens[-1] if tokens else None
        after_value = previous is not None and (previous.kind == "name" or previous.text in (")", "]", "*"))
        if c in " \t\r\n":
            i += 1
            continue
        if text.startswith(("==", "!=", "<=", ">=", "&&", "||"), i):
            token = _Token("op", text[i : i + 2])
        elif c in "()[],!<>*" or (c == "." and after_value):
            token = _Token("op", c)
        elif c == "'":
            token = _string(text, i)
        else:
            token = _word(text, i, previous)
        tokens.append(token)
        i += len(token.text)
    return tokens


# -- syntax tree --------------------------------------------------------------------------------
# Nodes are tuples: ("lit", value) ("ctx", name) ("index", node, key-node | "*") ("not", node)
# ("cmp", op, left, right) ("and"/"or", [nodes]) ("call", name, [nodes]) ("group", node)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str, contexts: set[str], functions: Mapping[str, tuple[int, int]]) -> None:
        self.tokens = _lex(text)
        self.i = 0
        self.contexts = contexts
        self.functions = functions

    def peek(self) -> str | None:
        return self.tokens[self.i].text if self.i < len(self.tokens) else None

    def take(self, *texts: str) -> bool:
        if self.i < len(self.tokens) and self.tokens[self.i].kind == "op" and self.tokens[self.i].text in texts:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            raise ExpressionError(f"expected {text!r}, found {self.peek() or 'the end'}")

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("an expression was expected")
        node = self.logical("||", self.and_)
        if self.i != len(self.tokens):
            raise ExpressionError(f"unexpected {self.peek()!r}")
        return node

    def and_(self) -> Node:
        return self.logical("&&", self.equality)

    def logical(self, op: str, operand: Callable[[], Node]) -> Node:
        first = operand()
        if self.peek() != op:
            return first
        args = [first]
        while self.take(op):
            args.append(operand())
        return ("or" if op == "||" else "and", args)

    def equality(self) -> Node:
        node = self.comparison()
        while self.peek() in ("==", "!="):
            op = self.tokens[self.i].text
            self.i += 1
            node = ("cmp", op, node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.unary()
        while self.peek() in ("<", "<=", ">", ">="):
            op = self.tokens[self.i].text
            self.i += 1
            node = ("cmp", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.take("!"):
            return ("not", self.unary())
        return self.index()

    def index(self) -> Node:
        node = self.call()
        if node[0] not in ("group", "call", "ctx"):
            return node
        while True:
            if self.take("["):
                key: Any = STAR if self.take("*") else self.logical("||", self.and_)
                self.expect("]")
                node = ("index", node, key)
            elif self.take("."):
                token = self.tokens[self.i] if self.i < len(self.tokens) else None
                if token is not None and token.kind == "name":
                    node = ("index", node, ("lit", token.text))
                elif token is None or token.text != "*":
                    raise ExpressionError(f"unexpected {token.text if token else 'end'!r} after '.'")
                else:
                    node = ("index", node, STAR)
                self.i += 1
            else:
                return node

    def call(self) -> Node:
        token = self.tokens[self.i] if self.i < len(self.tokens) else None
        if token is None or token.kind != "name":
            return self.primary()
        self.i += 1
        if not self.take("("):
            if token.text.lower() not in self.contexts:
                raise ExpressionError(f"unrecognized named-value {token.text!r}")
            return ("ctx", token.text)
        args: list[Node] = []
        while not self.take(")"):
            args.append(self.logical("||", self.and_))
            if self.peek() != ")":
                self.expect(",")
        name = token.text.lower()
        if name not in self.functions:
            raise ExpressionError(f"unrecognized function {token.text!r}")
        low, high = self.functions[name]
        if not low <= len(args) <= high or (name == "case" and len(args) % 2 == 0):
            raise ExpressionError(f"wrong number of arguments to {token.text}: {len(args)}")
        return ("call", name, args)

    def primary(self) -> Node:
        if self.i >= len(self.tokens):
            raise ExpressionError("unexpected end of expression")
        token = self.tokens[self.i]
        self.i += 1
        if token.kind in ("lit", "num", "str"):
            return ("lit", token.value)
        if token.text == "(":
            node = self.logical("||", self.and_)
            self.expect(")")
            return ("group", node)
        raise ExpressionError(f"unexpected {token.text!r}")


class _Filtered(list[Any]):
    """The result of a ``*`` filter: indexing it indexes every element."""


_MISSING: Final = object()
STAR: Final = "*"  # the index of a ``.*`` or ``[*]`` filter (an index node is never a bare str)


def _entry(container: Any, key: Any) -> Any:
    """``container[key]``, or _MISSING: object keys ignore case, array indexes are numbers."""
    if isinstance(container, Mapping):
        if not expression_values.primitive(key):
            return _MISSING
        wanted = expression_values.to_string(key).lower()
        return next((v for k, v in container.items() if str(k).lower() == wanted), _MISSING)
    if isinstance(container, list):
        index = expression_values.number(key)
        if math.isfinite(index) and 0 <= index < len(container):
            return container[int(index)]
    return _MISSING


def _index(container: Any, key: Any) -> Any:
    """GitHub's property dereference, with ``*`` filters mapping over arrays."""
    if isinstance(container, _Filtered):
        out = _Filtered()
        for item in container:
            if isinstance(item, Mapping | list):
                if key is STAR:
                    out += item.values() if isinstance(item, Mapping) else item
                elif (value := _entry(item, key)) is not _MISSING:
                    out.append(value)
        return out
    if key is STAR:
        if isinstance(container, Mapping):
            return _Filtered(container.values())
        return _Filtered(container if isinstance(container, list) else [])
    value = _entry(container, key)
    return None if value is _MISSING else value


class _Evaluator:
    def __init__(self, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]) -> None:
        self.context = context
        self.functions = functions

    def eval(self, node: Node) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "group":
            return self.eval(node[1])
        if kind == "ctx":
            value = _entry(self.context, node[1])
            return None if value is _MISSING else value
        if kind == "not":
            return not truthy(self.eval(node[1]))
        if kind in ("and", "or"):
            result = None
            for arg in node[1]:
                result = self.eval(arg)
                if truthy(result) == (kind == "or"):
                    break
            return result
        if kind == "cmp":
            return _compare(node[1], self.eval(node[2]), self.eval(node[3]))
        if kind == "index":
            key = STAR if node[2] is STAR else self.eval(node[2])
            return _index(self.eval(node[1]), key)
        args = [self.eval(arg) for arg in node[2]]
        return self.functions[node[1]](*args)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return expression_values.equals(left, right)
    if op == "!=":
        return not expression_values.equals(left, right)
    if op == "<":
        return expression_values.less(left, right)
    if op == ">":
        return expression_values.greater(left, right)
    if op == "<=":
        return expression_values.equals(left, right) or expression_values.less(left, right)
    return expression_values.equals(left, right) or expression_values.greater(left, right)


def _parse(text: str, contexts: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]) -> Node:
    names = tuple(sorted({name.lower() for name in functions}))
    return _parsed(text, frozenset(str(k).lower() for k in contexts), names)


@functools.lru_cache(maxsize=4096)
def _parsed(text: str, contexts: frozenset[str], functions: tuple[str, ...]) -> Node:
    """The syntax tree of ``text`` with these context and function names: the lifters judge the
    same conditions on every event, so each is parsed once (a tree is never changed)."""
    arity = {name: (low, high) for name, (_, low, high) in expression_values.FUNCTIONS.items()}
    arity |= {name: _STATUS_ARITY.get(name, (0, 2**31)) for name in functions}
    return _Parser(text, set(contexts), arity).parse()


def evaluate(text: str, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """Evaluate one expression (with or without its ``${{ }}`` wrapper) against named contexts;
    ``functions`` adds functions such as the status functions (names ignore case)."""
    stripped = text.strip()
    if stripped.startswith("${{") and stripped.endswith("}}") and stripped.count("${{") == 1:
        stripped = stripped[3:-2]
    extra = {name.lower(): function for name, function in (functions or {}).items()}
    builtins = {name: function for name, (function, _, _) in expression_values.FUNCTIONS.items()}
    try:
        node = _parse(stripped, context, extra)
        return _Evaluator(context, {**builtins, **extra}).eval(node)
    except RecursionError as exc:
        raise ExpressionError(f"the expression nests too deeply: {stripped[:60]!r}...") from exc


def _segments(value: str) -> list[tuple[str, str]]:
    """A template string as (literal | expression, text) segments, split as GitHub's template
    reader splits it (a ``}}`` inside a quoted string does not close the expression)."""
    out: list[tuple[str, str]] = []
    i, start = 0, value.find("${{")
    while i < len(value):
        if i == start:
            j, in_string, end = i + 3, False, -1
            while j < len(value):
                if value[j] == "'":
                    in_string = not in_string
                elif not in_string and value[j] == "}" and value[j - 1] == "}":
                    end = j
                    break
                j += 1
            if end < 0:
                raise ExpressionError("the expression is not closed: ${{ without }}")
            inner = value[start + 3 : end - 1].strip()
            if not inner:
                raise ExpressionError("an expression was expected inside ${{ }}")
            out.append(("expression", inner))
            i, start = end + 1, value.find("${{", end + 1)
        elif start > i:
            out.append(("literal", value[i:start]))
            i = start
        else:
            out.append(("literal", value[i:]))
            break
    return out


def if_condition(value: str) -> str:
    """The expression GitHub evaluates for a job's ``if:`` value (before the implied success())."""
    if "${{" in value:
        segments = _segments(value)
        if len(segments) > 1:
            return _format_call(segments)
        inner = segments[0][1]
        literal = re.fullmatch(r"'((?:[^']|'')*)'", inner)  # ${{ 'text' }} is the plain string text
        value = literal[1].replace("''", "'") if literal else inner
    return value.strip() or "success()"


def _format_call(segments: list[tuple[str, str]]) -> str:
    parts: list[str] = []
    args: list[str] = []
    for kind, text in segments:
        if kind == "literal":
            parts.append(text.replace("'", "''").replace("{", "{{").replace("}", "}}"))
        else:
            parts.append(f"{{{len(args)}}}")
            args.append(text)
    return "format('" + "".join(parts) + "'" + "".join(", " + a for a in args) + ")"


def has_status_function(expression: str, contexts: Mapping[str, Any] | None = None) -> bool:
    """Whether an expression calls a status function anywhere (else GitHub implies success()).
    An expression that does not parse has none (GitHub then reports the parse error)."""
    try:
        node = _parse(expression, contexts or {}, dict.fromkeys(STATUS_FUNCTIONS, truthy))
    except ExpressionError:
        return False
    return _calls_status(node)


def _calls_status(node: Any) -> bool:
    if isinstance(node, list):
        return any(_calls_status(n) for n in node)
    if not isinstance(node, tuple):
        return False
    if node[0] == "call" and node[1] in STATUS_FUNCTIONS:
        return True
    return any(_calls_status(part) for part in node[1:])


def substitute(text: str, resolve: Callable[[str], str]) -> str:
    """Replace each ``${{ expr }}`` in a string with ``resolve(expr)``."""
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: resolve(m[1]), text)
