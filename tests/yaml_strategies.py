"""Hypothesis strategies for the YAML writer's edges: strings some reader resolves to a non-string
(in any case, with commas, as symbols), numbers, floats, indicators, blank lines, leading spaces,
trailing newlines and the characters YAML cannot carry raw."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Words a YAML 1.1 or 1.2 reader, or Psych, resolves to a boolean, null or number.
WORDS = ["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", ".inf", "-.inf", "+.inf", ".nan"]


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from(sorted({c.lower(), c.upper()})) for c in word]).map("".join)


MIXED_CASE_WORDS = st.sampled_from(WORDS).flatmap(_any_case)
NUMBER_LIKE = st.one_of(
    st.integers(-(10**9), 10**9).map(lambda n: f"{n:,}"),  # 1,000 (Psych: an integer)
    st.integers(0, 4095)
    .map(lambda n: st.sampled_from([f"0o{n:o}", f"0{n:o}", f"0b{n:b}", f"0x{n:X}", f"{n}_0"]))
    .flatmap(lambda s: s),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:e}"),
    st.from_regex(r"[-+]?[0-9]{1,3}(:[0-5][0-9]){1,2}(\.[0-9]{0,2})?", fullmatch=True),  # sexagesimal
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2}Z?)?", fullmatch=True),
    st.from_regex(r"[-+]?[0-9]{0,3}\.[0-9]{0,3}([eE][-+]?[0-9]{1,2})?", fullmatch=True),
)
SYMBOL_LIKE = st.text(alphabet="abc.:_-/ '\"", max_size=8).map(lambda s: ":" + s)
FIXED = [
    "1,000",
    ":sum.golang.org",
    "oN",
    "yEs",
    "NuLl",
    "0o17",
    "0b101",
    ".nan",
    ".NaN",
    "]",
    "}",
    "a]",
    "{a",
    "\ufffe",
    "\uffff",
    "a\ufffeb",
    "-",
    "?",
    ":",
    "- a",
    "? a",
    ": a",
    "<<",
    "=",
    "a\nb",
    "\n",
    "#",
    "a #b",
    "a: b",
    "a:",
    ".",
    "-.",
    "._",
    "1.",
    "+",
    'a"b\x01',  # double-quoted: a quote, a backslash or a tab next to a control character
    "c:\\d\x02",
    "\t\x03",
    "x\n\\y",
    "-Xmx1g",
    "?x",
]
INDICATOR_EDGES = st.tuples(st.sampled_from(list("-?:,[]{}#&*!|>'\"%@`")), st.text(alphabet="ab :#", max_size=3)).map(
    "".join
)
ONE_LINE = st.one_of(
    st.sampled_from(FIXED),
    MIXED_CASE_WORDS,
    NUMBER_LIKE,
    SYMBOL_LIKE,
    INDICATOR_EDGES,
    st.text(alphabet=st.characters(codec="utf-8", blacklist_characters="\r"), max_size=12),
)


@st.composite
def multi_line(draw: st.DrawFn) -> str:
    """Scripts: leading spaces, blank and space-only lines, any number of trailing newlines."""
    line = st.one_of(
        st.just(""),
        st.sampled_from(["  indented", " x", "echo 1", "#c", "- a", "\t tab"]),
        st.text(alphabet="ab $#:-' ", max_size=8),
    )
    lines = draw(st.lists(line, min_size=1, max_size=5))
    return draw(st.sampled_from(["", " ", "  "])) + "\n".join(lines) + "\n" * draw(st.integers(0, 3))


STRINGS = st.one_of(ONE_LINE, multi_line())


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        STRINGS,
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=False, width=64),
        st.booleans(),
        st.none(),
    )
