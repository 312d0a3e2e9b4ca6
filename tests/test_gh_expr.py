"""ciforge's GitHub expression evaluator (the judge of job ``if:`` in the lifter and ``verify``):
tables from GitHub's documentation, and a property against GitHub's own engine
(@actions/expressions, tests/oracles/expressions-eval.mjs) over the documented grammar."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, strategies as st

from ciforge.targets.github import expressions as gh_expr
from ciforge.targets.github.expressions import ExpressionError
from tests.conftest import oracle
from tests.yaml_readers import ORACLE_DIR, LineOracle

STATUS = {"success": lambda *a: True, "failure": lambda *a: False, "always": lambda: True, "cancelled": lambda: False}
CONTEXT: dict[str, Any] = {
    "github": {
        "event_name": "push",
        "ref": "refs/heads/Main",
        "run_number": 12,
        "event": {
            "number": 7,
            "draft": False,
            "before": None,
            "ratio": 0.25,
            "labels": [{"name": "bug"}, {"name": "Help Wanted"}],
            "commits": [{"message": "fix: x", "id": "1"}, {"message": "docs", "id": "2"}],
            "large": 2**53 + 1,  # GitHub's numbers are doubles: this one is held as 2**53
        },
    },
    "vars": {
        "EMPTY": "",
        "ZERO": "0",
        "HEX": "0x10",
        "SPACED": " 12 ",
        "TEXT": "Mona",
        "TRUE": "true",
        "NUM": "1.50",
        "E": "1e3",
        "NEG": "-7",
        "DOTLESS": "ı",
        "SHARP": "straße",
        "BRACES": "{0}",
        "FS": "\x1c1",  # JavaScript's Number() does not strip U+001C, Python's strip() would
        "FS_ONLY": "\x1c",  # not white space to JavaScript (nor to JSON), white space to Python
        "JSON": '{"a": [1, 2.5, null, true], "B": "x"}',
    },
    "needs": {"build": {"result": "success", "outputs": {"v": "1.2.3"}}, "test": {"result": "skipped"}},
}


def ev(expression: str, context: Mapping[str, Any] = CONTEXT) -> Any:
    return gh_expr.evaluate(expression, context, STATUS)


# -- tables from the documentation --------------------------------------------------------------
# https://docs.github.com/en/actions/reference/workflows-and-actions/expressions

LITERALS = [
    ("null", None),
    ("false", False),
    ("true", True),
    ("711", 711),
    ("-9.2", -9.2),
    ("0x2A", 42),
    ("-2.99e-2", -0.0299),
    ("'Mona the Octocat'", "Mona the Octocat"),
    ("'It''s open source!'", "It's open source!"),
]

# "GitHub performs loose equality comparisons": a type mismatch coerces both sides to numbers
# (null 0, true 1, false 0, strings as JSON numbers, '' 0, anything else NaN); NaN is never
# equal, greater or smaller; strings compare ignoring case; objects and arrays are equal only
# to the same instance.
COMPARISONS = [
    ("1 == '1'", True),
    ("'' == 0", True),
    ("'abc' == 0", False),
    ("null == 0", True),
    ("null == false", True),
    ("true == 1", True),
    ("true == '1'", True),
    ("false == ''", True),
    ("'0x10' == 16", True),
    ("' 12 ' == 12", True),
    ("NaN == NaN", False),
    ("NaN != NaN", True),
    ("NaN < 1", False),
    ("NaN >= NaN", False),
    ("'Mona' == 'MONA'", True),
    ("'Mona' != 'mona'", False),
    ("'a' < 'B'", True),
    ("'b' <= 'B'", True),
    ("'b' > 'A'", True),
    ("'a' >= 'B'", False),
    ("1 < 2", True),
    ("2 <= 2", True),
    ("3 > 2", True),
    ("2 >= 3", False),
    ("-1 < 0", True),
    ("true > false", True),
    ("false < true", True),
    ("'2' > 10", False),
    ("github.event == github.event", True),
    ("github.event == github['event']", True),
    ("fromJSON('{}') == fromJSON('{}')", False),
    ("fromJSON('[]') == fromJSON('[]')", False),
    ("github.event.labels == 0", False),
    ("1 == 1 < 2", True),  # < binds tighter than ==: 1 == (1 < 2) == (1 == true)
    ("'ı' == 'I'", False),  # the dotless i is kept as itself when case is ignored
]

LOGIC = [
    ("true && 'x'", "x"),
    ("0 && 'x'", 0),
    ("'' || 'default'", "default"),
    ("'set' || 'default'", "set"),
    ("null || 0", 0),
    ("!0", True),
    ("!''", True),
    ("!NaN", True),
    ("!-0", True),
    ("!'0'", False),
    ("!github.event.labels", False),
    ("!fromJSON('{}')", False),
    ("!!github.event.before", False),
    ("true || false && false", True),
    ("(true || false) && false", False),
    ("!true == false", True),
]

FUNCTIONS = [
    ("contains('Hello world', 'llo')", True),
    ("contains('Hello world', 'LLO')", True),
    ("contains(github.event.labels.*.name, 'bug')", True),
    ("contains(github.event.labels.*.name, 'help WANTED')", True),
    ("contains(github.event.labels.*.name, 'Help')", False),
    ("contains(fromJSON('[1, 2]'), '2')", True),
    ("contains(12, 1)", True),
    ("contains(github.event, 'x')", False),
    ("startsWith('Hello world', 'he')", True),
    ("startsWith(github.event.labels, 'b')", False),
    ("startsWith(github.event.labels, 'arr')", False),  # an array is not its text 'Array'
    ("endsWith('an Object', github.event)", False),  # nor an object 'Object'
    ("endsWith('Hello world', 'LD')", True),
    ("endsWith(1.50, '5')", True),
    ("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", "Hello Mona the Octocat"),
    ("format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')", "{Hello Mona the Octocat!}"),
    ("format('{0}-{0}', 1.50)", "1.5-1.5"),
    ("format('{0}', null)", ""),
    ("format('{0}{1}', true, github.event)", "trueObject"),
    ("format('{0}', 0.1 )", "0.1"),
    ("format('{0}', 1e21)", "1e+21"),
    ("format('{0}', 123456789.123456789)", "123456789.12345679"),
    ("join(github.event.labels.*.name, ', ')", "bug, Help Wanted"),
    ("join(github.event.labels.*.name)", "bug,Help Wanted"),
    ("join('single')", "single"),
    ("join(fromJSON('[1, true, null]'), '')", "1true"),
    ("toJSON('x')", '"x"'),
    ("toJSON(1.0)", "1"),
    ("toJSON(fromJSON('{\"a\": [1, null]}'))", '{\n  "a": [\n    1,\n    null\n  ]\n}'),
    ("fromJSON('true')", True),
    ("fromJSON(' 3 ')", 3),
    ("fromJSON(vars.JSON).a[1]", 2.5),
    ("fromJSON(vars.JSON).b", "x"),
    ("case(github.event_name == 'push', 'push', 'other')", "push"),
    ("case(false, 1, true, 2, 3)", 2),
    ("case(false, 1, false, 2, 3)", 3),
    ("format('{0}', false || 'x')", "x"),  # any expression as an argument
    ("success()", True),
    ("Success()", True),
    ("always() && failure()", False),
]

# Numbers as strings (format, join) and toJSON, as JavaScript prints them (Number.prototype.toString,
# JSON.stringify with two-space indentation; non-finite numbers are null): checked against GitHub's engine.
TEXT_CONVERSIONS = [
    ("format('{0}', Infinity)", "Infinity"),
    ("format('{0}', -Infinity)", "-Infinity"),
    ("format('{0}', NaN)", "NaN"),
    ("format('{0}', 0)", "0"),
    ("format('{0}', -0)", "0"),
    ("format('{0}', -1.5)", "-1.5"),
    ("format('{0}', 100)", "100"),
    ("format('{0}', 1e20)", "100000000000000000000"),
    ("format('{0}', 1.5e20)", "150000000000000000000"),
    ("format('{0}', 123e19)", "1.23e+21"),
    ("format('{0}', -2e22)", "-2e+22"),
    ("format('{0}', 0.000001)", "0.000001"),
    ("format('{0}', 0.0000015)", "0.0000015"),
    ("format('{0}', 0.0000001)", "1e-7"),
    ("format('{0}', -1.5e-7)", "-1.5e-7"),
    ("format('{0}', 1.25e-10)", "1.25e-10"),
    ("toJSON(fromJSON('[]'))", "[]"),
    ("toJSON(fromJSON('{}'))", "{}"),
    ('toJSON(fromJSON(\'{"é": ["ü", {}], "b": []}\'))', '{\n  "é": [\n    "ü",\n    {}\n  ],\n  "b": []\n}'),
    ("toJSON(fromJSON('[1e400, -1e400]'))", "[\n  null,\n  null\n]"),
    ("toJSON(-0.5)", "-0.5"),
    ("toJSON('é')", '"é"'),
    ("toJSON(NaN)", "null"),
    ("join(fromJSON('[1, 2]'), fromJSON('[0]'))", "1,2"),
    ("join(github.event)", ""),
    ('join(fromJSON(\'["a", "b"]\'), 0)', "a0b"),
]

# Ordering of equal values and of kinds that do not order (null, objects, a string against an
# object), booleans, and numbers read from JSON as doubles: checked against GitHub's engine.
EDGES = [
    ("1 > 1", False),
    ("1 < 1", False),
    ("'a' > 'A'", False),
    ("'a' < 'A'", False),
    ("'b' > 'a'", True),
    ("true > true", False),
    ("false > false", False),
    ("false < true", True),
    ("true < false", False),
    ("true > false", True),
    ("null > null", False),
    ("null < null", False),
    ("github.event > github.event", False),
    ("'a' > github.event", False),
    ("github.event < 'a'", False),
    ("contains('an Object', github.event)", False),
    ("contains('an Array', github.event.labels)", False),
    ("fromJSON('[12345678901234567890]')[0] == 12345678901234567891", True),
]

# Indexes at the end of an array, objects as keys, nested filters, case folding around the dotless i
# and characters between Z and a, JavaScript's white space and radix prefixes: checked against GitHub's engine.
MORE_EDGES = [
    ("github.event.labels[2]", None),
    ("fromJSON('{\"Object\": 1}')[github.event]", None),
    ("github.event.labels.*.*", ["bug", "Help Wanted"]),
    ("fromJSON('[[1, 2], [3], 4]').*.*", [1.0, 2.0, 3.0]),
    ("'a' > '_'", False),
    ("'_' < 'a'", False),
    ("'ı' > 'z'", True),
    ("'ı' == 'i'", False),
    ("'ı' == 'I'", False),
    ("'ı' == 'ı'", True),
    ("vars.FS == 1", False),
    ("'0xg1' == 0", False),
    ("' 0x1F ' == 31", True),
]

# "<=" and ">=" are "less than or equal" and "greater than or equal": both halves of each, with
# the coercions above: checked against GitHub's engine.
INCLUSIVE_ORDER = [
    ("1 <= 2", True),
    ("-2 <= -1", True),
    ("2 <= 1", False),
    ("'A' <= 'b'", True),
    ("3 >= 2", True),
    ("2 >= 2", True),
    ("-1 >= -1", True),
    ("1 >= 2", False),
    ("'b' >= 'A'", True),
    ("null >= 0", True),
    ("true >= '1'", True),
]

# Arrays and objects as strings ('Array', 'Object'), nested arrays in toJSON, and '*' filters on
# values that are neither arrays nor objects: checked against GitHub's engine.
CONTAINERS = [
    ("format('{0}', github.event.labels)", "Array"),
    ("format('{0}|{1}', fromJSON('[]'), fromJSON('{}'))", "Array|Object"),
    ("join(fromJSON('[[1], {}]'), ' ')", "Array Object"),
    ("toJSON(fromJSON('[[1], {\"a\": [true]}]'))", '[\n  [\n    1\n  ],\n  {\n    "a": [\n      true\n    ]\n  }\n]'),
    ("github.event_name.*", []),
    ("github.event.number.*", []),
    ("github.event.missing.*", []),
    ("github.event.before[*]", []),
]

# Numbers are JavaScript doubles: an integer in a context is the nearest double (JSON numbers as
# JavaScript reads them): checked against GitHub's engine.
DOUBLES = [
    ("github.event.large == 9007199254740992", True),
    ("github.event.large > 9007199254740992", False),
    ("github.event.large <= 9007199254740992", True),
    ("github.event.large != 9007199254740992", False),
    ("format('{0}', github.event.large)", "9007199254740992"),
]

INDEXING = [
    ("github.event.labels[0].name", "bug"),
    ("github.event.labels[1.7].name", "Help Wanted"),
    ("github.event.labels[false || 1].name", "Help Wanted"),  # any expression as an index
    ("github.event.labels['0']", {"name": "bug"}),
    ("github.event.labels[5]", None),
    ("github.event.labels[-1]", None),
    ("github.EVENT.Number", 7),
    ("github.event.missing", None),
    ("github.event.missing.deeper", None),
    ("github.event_name.length", None),
    ("github.event.commits.*.message", ["fix: x", "docs"]),
    ("github.event.labels.*.missing", []),
    ("needs.*.result", ["success", "skipped"]),
    ("(github.event).number", 7),
    ("github.event['NUMBER']", 7),
    ("github[null]", None),
    ("fromJSON('{\"Xy\": 1}').XY", 1),  # a property name may start with any letter
    ('fromJSON(\'{"true": 1, "NaN": 2}\').true', 1),  # after '.', a keyword is a property name
    ('fromJSON(\'{"true": 1, "NaN": 2}\').NaN', 2),
]

ERRORS = [
    "",
    "1 ==",
    "github.",
    "unknown.context",
    "(true",
    "true)",
    "'open",
    "1 = 1",
    "a & b",
    "nosuchfunction()",
    "contains('a')",
    "always(1)",
    "case(true, 1)",
    "case(true, 1, false, 2)",  # a predicate without its value
    "format('{0}')",
    "format('{x}', 1)",
    "format('}', 1)",
    "fromJSON('')",
    "fromJSON('nope')",
    "fromJSON('NaN')",
    "case(1, 2, 3)",
    "'x'[0]",
    "1.2.3",
    "- 1",
    "github.123",
]


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and math.isclose(actual, expected, rel_tol=1e-15)
    return bool(actual == expected)


VALUES: list[tuple[str, Any]] = [
    *LITERALS,
    *COMPARISONS,
    *LOGIC,
    *FUNCTIONS,
    *TEXT_CONVERSIONS,
    *EDGES,
    *MORE_EDGES,
    *INCLUSIVE_ORDER,
    *CONTAINERS,
    *DOUBLES,
    *INDEXING,
]


@pytest.mark.parametrize(("expression", "expected"), VALUES)
def test_documented_value(expression: str, expected: Any) -> None:
    assert _same(ev(expression), expected), (expression, ev(expression))


@pytest.mark.parametrize("expression", ERRORS)
def test_invalid_expression_is_an_error_never_a_value(expression: str) -> None:
    with pytest.raises(ExpressionError):
        ev(expression)


# -- if: as GitHub reads it ---------------------------------------------------------------------

IF_CONDITIONS = [
    ("github.event_name != 'push'", "github.event_name != 'push'"),
    ("${{ github.event_name != 'push' }}", "github.event_name != 'push'"),
    ("${{github.ref == 'x'}}", "github.ref == 'x'"),
    (" ${{ github.ref == 'x' }}", "format(' {0}', github.ref == 'x')"),  # text around: a string
    ("${{ 'a }} b' == 'x' }}", "'a }} b' == 'x'"),
    ("${{'}}' == 'x'}}", "'}}' == 'x'"),  # a quote right after ${{ opens a string
    ("${{ 'success()' }}", "success()"),
    ("", "success()"),
    ("   ", "success()"),
    ("x ${{ github.ref }} {y}'s", "format('x {0} {{y}}''s', github.ref)"),
    ("${{ a }} && ${{ b }}", "format('{0} && {1}', a, b)"),
    ("${{ a }}${{ b }}", "format('{0}{1}', a, b)"),  # adjacent expressions
    ("${{ a }}-${{ b }}-${{ c }}", "format('{0}-{1}-{2}', a, b, c)"),
    ("${{ 'github.actor == ''x''' }}", "github.actor == 'x'"),  # '' in the string is one quote
]


@pytest.mark.parametrize(("value", "expression"), IF_CONDITIONS)
def test_if_value_becomes_the_expression_github_evaluates(value: str, expression: str) -> None:
    assert gh_expr.if_condition(value) == expression


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("${{ github.ref", "the expression is not closed: ${{ without }}"),
        ("${{ }}", "an expression was expected inside ${{ }}"),
        ("${{ 'unclosed }}", "the expression is not closed: ${{ without }}"),
        ("a ${{ }} b", "an expression was expected inside ${{ }}"),
    ],
)
def test_unreadable_if_value_is_an_error(value: str, reason: str) -> None:
    """verify reports the reason ("cannot judge if: ...: <reason>"), never a verdict."""
    with pytest.raises(ExpressionError) as caught:
        gh_expr.if_condition(value)
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("github.huge == Infinity", True),
        ("github.huge > 1e308", True),
        ("-1e308 > github.negative", True),
        ("!github.huge", False),
        ("format('{0}', github.huge)", "Infinity"),
        ("toJSON(github.huge)", "null"),
        ("contains(github.negative, '-Inf')", True),
    ],
)
def test_integer_past_the_largest_double_is_an_infinity(expression: str, expected: Any) -> None:
    """JavaScript reads a JSON number past the largest double as an infinity (JSON.parse('1e400')
    is Infinity); Python keeps the integer, which must neither crash nor compare exactly. The
    oracle cannot check these: its JSON transport turns an infinity into null."""
    context = {"github": {"huge": 10**400, "negative": -(10**400)}}
    assert _same(ev(expression, context), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${{github.event.number}}", 7),
        ("  ${{ github.event.number == 7 }} ", True),
        ("'${{ x' == 'y'", False),  # ${{ inside a string is text
    ],
)
def test_evaluate_reads_an_expression_with_or_without_its_wrapper(text: str, expected: Any) -> None:
    """As GitHub reads if: (the wrapper is not part of the expression grammar, so GitHub's
    engine is not asked)."""
    assert _same(ev(text), expected)


@pytest.mark.parametrize("text", ["${{ 1 == 1 ab", "${{ 1 }} == ${{ 1 }}"])
def test_evaluate_refuses_text_around_or_between_wrappers(text: str) -> None:
    with pytest.raises(ExpressionError):
        ev(text)


def test_an_added_function_takes_any_number_of_arguments() -> None:
    """evaluate's ``functions`` beyond the status functions (their names ignore case) accept
    from none to any number of arguments; the status functions keep their own arity."""
    functions = {"Count": lambda *args: len(args)}
    assert gh_expr.evaluate("count()", CONTEXT, functions) == 0
    assert gh_expr.evaluate(f"COUNT({', '.join(['1'] * 100)})", CONTEXT, functions) == 100
    with pytest.raises(ExpressionError):
        gh_expr.evaluate("always(1)", CONTEXT, {"always": lambda: True})


def test_too_deep_nesting_is_an_error_with_the_start_of_the_expression() -> None:
    text = "(" * 5000 + "1" + ")" * 5000
    with pytest.raises(ExpressionError) as caught:
        ev(text)
    assert str(caught.value) == f"the expression nests too deeply: {'(' * 60!r}..."


def test_case_refuses_a_predicate_that_is_not_a_boolean() -> None:
    with pytest.raises(ExpressionError) as caught:
        ev("case(1, 'a', 'b')")
    assert str(caught.value) == "case: a predicate must be a boolean"


def test_substitute_replaces_every_expression_in_a_value() -> None:
    """The lifter's view of a ``${{ }}`` inside an env value or an action input."""
    seen: list[str] = []

    def resolve(expression: str) -> str:
        seen.append(expression)
        return f"<{expression}>"

    text = "go-${{ matrix.goos }}/${{matrix.goarch}}.tar"
    assert gh_expr.substitute(text, resolve) == "go-<matrix.goos>/<matrix.goarch>.tar"
    assert seen == ["matrix.goos", "matrix.goarch"]
    assert gh_expr.substitute("no expressions", resolve) == "no expressions"


@pytest.mark.parametrize(
    ("expression", "has"),
    [
        ("success()", True),
        ("ALWAYS()", True),
        ("!cancelled() && github.ref", True),
        ("contains(format('{0}', failure()), 'x')", True),
        ("fromJSON('[1]')[always()]", True),
        ("contains('always()', github.ref)", False),
        ("github.success", False),
        ("github.ref == 'x'", False),
        ("(((", False),
    ],
)
def test_status_function_is_found_in_the_syntax_tree_not_the_text(expression: str, has: bool) -> None:
    assert gh_expr.has_status_function(expression, {"github": {}}) is has


# -- against GitHub's engine --------------------------------------------------------------------


@pytest.fixture(scope="session")
def github_expressions() -> Iterator[LineOracle]:
    engine = LineOracle([oracle("node22"), "--import", "./json-hook.mjs", str(ORACLE_DIR / "expressions-eval.mjs")])
    yield engine
    engine.close()


def typed(value: Any) -> Any:
    """ciforge's value in the oracle's typed form."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return {
            "!number": value
            if math.isfinite(value)
            else {math.inf: "Infinity", -math.inf: "-Infinity"}.get(value, "NaN")
        }
    if isinstance(value, Mapping):
        return {"!map": [[k, typed(v)] for k, v in value.items()]}
    return [typed(v) for v in value]


def ours(expression: str) -> Any:
    try:
        return {"value": typed(ev(expression))}
    except ExpressionError:
        return {"error": True}


def theirs(engine: LineOracle, expression: str) -> Any:
    answer = engine.ask({"expression": expression, "context": CONTEXT})
    return {"error": True} if "error" in answer else answer


@pytest.mark.oracle
@pytest.mark.parametrize(("expression", "expected"), [*VALUES, *((e, None) for e in ERRORS)])
def test_documented_table_agrees_with_githubs_engine(
    expression: str, expected: Any, github_expressions: LineOracle
) -> None:
    """The tables above are facts from the docs; GitHub's engine must say the same."""
    assert ours(expression) == theirs(github_expressions, expression)


NUMBERS = ["0", "-0", "1", "711", "-9.2", "0x2A", "0x1f", "-2.99e-2", "1e3", ".5", "+3", "007", "1.", "NaN", "Infinity"]
PATHS = [
    "github.event_name",
    "github.ref",
    "github.run_number",
    "github.event.number",
    "github.event.draft",
    "github.event.before",
    "github.event.ratio",
    "github.event.labels",
    "github.event.labels.*.name",
    "github.event.labels[0].name",
    "github.event['number']",
    "github.event.missing",
    "github.EVENT.Number",
    "github.event.commits.*.message",
    "needs.build.result",
    "needs.*.result",
    "needs.build.outputs.v",
    *(f"vars.{name}" for name in CONTEXT["vars"]),
]
# At most one '' per literal: @actions/expressions un-doubles only the first '' of a string
# (JavaScript's String.replace), where GitHub's runner un-doubles every one, as ciforge does.
STRING_TEXT = st.text(alphabet="abAB ı{}0-_.:ß", max_size=6)
STRINGS = st.one_of(STRING_TEXT, st.tuples(STRING_TEXT, STRING_TEXT).map("'".join), st.sampled_from(NUMBERS)).map(
    lambda text: "'" + text.replace("'", "''") + "'"
)
LEAVES = st.one_of(st.sampled_from(["null", "true", "false", *NUMBERS]), STRINGS, st.sampled_from(PATHS))
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "&&", "||"]


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda e: f"!{e}"),
        inner.map(lambda e: f"({e})"),
        st.tuples(st.sampled_from(["contains", "startsWith", "endsWith"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.tuples(st.sampled_from(["'{0}'", "'{1}-{0}'", "'{{{0}}}'", "'{0:x}'", "'{}'"]), inner, inner).map(
            lambda t: f"format({t[0]}, {t[1]}, {t[2]})"
        ),
        st.tuples(inner, st.one_of(st.none(), inner)).map(
            lambda t: f"join({t[0]}{'' if t[1] is None else ', ' + t[1]})"
        ),
        inner.map(lambda e: f"toJSON({e})"),
        inner.map(lambda e: f"fromJSON({e})"),
        st.tuples(inner, inner, inner).map(lambda t: f"case({t[0]}, {t[1]}, {t[2]})"),
        inner.map(lambda e: f"({e})[0]"),
        st.sampled_from(["success()", "always()", "failure()", "cancelled()"]),
    )


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=8)


@pytest.mark.oracle
@given(expressions=st.lists(EXPRESSIONS, min_size=1, max_size=8))
def test_evaluator_agrees_with_githubs_engine(expressions: list[str], github_expressions: LineOracle) -> None:
    """Same value (or both an error) for generated expressions over the documented grammar."""
    for expression in expressions:
        assert ours(expression) == theirs(github_expressions, expression), expression


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("format('{0}')", "the format string references more arguments than were supplied: {0}"),
        ("format('{x}', 1)", "the format string is invalid: {x}"),
        ("format('a}', 1)", "the format string is invalid: a}"),
        ("fromJSON(' ')", "fromJSON: empty input"),
        ("fromJSON('NaN')", "fromJSON: not JSON: NaN"),
        ("fromJSON(vars.FS_ONLY)", "fromJSON: not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("(true", "expected ')', found the end"),
        ("(true false", "expected ')', found false"),
        ("contains('a' 'b')", "expected ',', found 'b'"),
        ("1 ==", "unexpected end of expression"),
        ("1.2.3", "unexpected symbol '1.2.3'"),
        ("", "an expression was expected"),
        ("true)", "unexpected ')'"),
        ("contains('a')", "wrong number of arguments to contains: 1"),
        ("github.", "unexpected 'end' after '.'"),
        ("github.123", "unexpected '123' after '.'"),
        ("github.é", "unexpected symbol 'é'"),
        ("'open", 'unterminated string at "\'open"'),
    ],
)
def test_function_refusal_names_the_reason(expression: str, reason: str) -> None:
    """The reason verify reports for a condition GitHub would fail on."""
    with pytest.raises(ExpressionError) as caught:
        ev(expression)
    assert str(caught.value) == reason
