"""The YAML writer: what it writes reads back as the same data under YAML 1.2 (GitHub) and
YAML 1.1 (GitLab's Psych), for golden outputs and for generated data with hostile strings."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, strategies as st
from ruamel.yaml import YAML

from ciforge import yamlout
from ciforge.compiler import emit
from ciforge.targets import registry
from ciforge.yamldata import Commented, Pinned, Script
from tests import yaml_strategies
from tests.helpers import as_yaml, case_dirs, render_case
from tests.yaml_readers import load_yaml11, typed


def plain(value: Any) -> Any:
    """Emitter data with the markers replaced by what a reader sees."""
    if isinstance(value, Pinned):
        return value.ref
    if isinstance(value, Commented):
        return value.value
    if isinstance(value, Script):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def load(text: str, version: str = "1.2") -> Any:
    return YAML(typ="safe", pure=True).load(f"%YAML {version}\n---\n{text}")


def test_golden_outputs_read_back_as_the_emitted_data() -> None:
    """Every golden file parses (1.2 and 1.1) to exactly the data the emitter returned."""
    for case in case_dirs():
        result = render_case(case)
        assert result.pipeline is not None
        for name, target in zip(registry.NAMES, registry.platforms(), strict=True):
            data = plain(target.emit(result.pipeline))
            text = emit(result.pipeline, (name,))[target.OUTPUT_PATH]
            assert load(text) == data
            assert load(text, "1.1") == data


STRINGS = st.one_of(
    st.sampled_from(
        [
            "on",
            "yes",
            "No",
            "1.20",
            "012",
            "1:30",
            "null",
            "~",
            "-",
            "- x",
            "a: b",
            "a #b",
            "#x",
            "*x",
            "&y",
            "!t",
            "'q'",
            '"d"',
            "@a",
            "`b`",
            "|",
            ">",
            "%p",
            "[x]",
            "{y}",
            ",",
            "?",
            ":",
            "x:",
            " lead",
            "trail ",
            "",
            "1e3",
            ".inf",
            "0x1F",
            "2026-11-28",
            "<<",
            "=",
            "${{ matrix.X }}",
            "$CI_VAR",
            "tab\there",
            "é ü 中",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
SCALARS = st.one_of(STRINGS, yaml_strategies.scalars())
KEYS = st.one_of(STRINGS.filter(lambda s: s != "<<"), st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,10}", fullmatch=True))
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


@given(st.dictionaries(KEYS, DATA, max_size=5))
def test_any_data_reads_back(data: dict[str, Any]) -> None:
    """Arbitrary nested data with hostile strings round-trips under both YAML versions."""
    text = yamlout.dump(as_yaml(data))
    assert load(text) == data
    assert load(text, "1.1") == data
    assert load_yaml11(text) == typed(data)  # PyYAML: YAML 1.1 resolvers, types compared too


@given(st.text(alphabet=st.characters(codec="utf-8", blacklist_characters="\r"), min_size=1, max_size=60))
def test_scripts_read_back(script: str) -> None:
    """Multi-line strings and scripts survive as literal blocks (or quoted when they must be)."""
    data = {"script": [Script(script)], "run": script}
    text = yamlout.dump(as_yaml(data))
    assert load(text) == {"script": [script], "run": script}


def test_deterministic_and_newline_terminated() -> None:
    """Same data, same bytes; one trailing newline; comments two spaces after the value."""
    data = {"uses": Pinned("a/b@" + "0" * 40, "v1.2.3"), "p": {"contents": Commented("read", "why")}}
    first, second = yamlout.dump(as_yaml(data), ("hdr",)), yamlout.dump(as_yaml(data), ("hdr",))
    assert first == second
    assert first == f"# hdr\nuses: a/b@{'0' * 40}  # v1.2.3\np:\n  contents: read  # why\n"


@given(yaml_strategies.multi_line())
def test_edge_scripts_read_back_under_both_versions(script: str) -> None:
    """Blank and space-only lines, leading spaces, any number of trailing newlines."""
    data = {"script": [Script(script)], "run": script}
    text = yamlout.dump(as_yaml(data))
    expected = {"script": [script], "run": script}
    assert load(text) == expected
    assert load(text, "1.1") == expected
    assert load_yaml11(text) == typed(expected)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a\n\nb\n", "k: |\n  a\n\n  b\n"),  # an empty line inside a literal block
        ("  x\ny\n", "k: |2\n    x\n  y\n"),  # indentation indicator for a leading space
        ("\n  x\n", "k: |2\n\n    x\n"),  # ... also after leading empty lines
        ("\n\t0", "k: |2-\n\n  \t0\n"),  # ... and for a leading tab (libyaml refuses it otherwise)
        ("a\nb", "k: |-\n  a\n  b\n"),  # strip chomping: no final newline
        ("a\nb\n\n", "k: |+\n  a\n  b\n\n"),  # keep chomping: every trailing newline
        ("a\n \nb", 'k: "a\\n \\nb"\n'),  # a space-only line: quoted, not a fragile block
        ("0o17", "k: '0o17'\n"),
        ("0b101", "k: '0b101'\n"),
        (".nan", "k: '.nan'\n"),
        ("]", "k: ']'\n"),
        ("}", "k: '}'\n"),
        ("\ufffe", 'k: "\\ufffe"\n'),
        ("\uffff", 'k: "\\uffff"\n'),
        (1e20, "k: 1.0e+20\n"),
        (float("inf"), "k: .inf\n"),
        (float("-inf"), "k: -.inf\n"),
        (None, "k: null\n"),
        (True, "k: true\n"),
        (False, "k: false\n"),
        ("-Xmx1g", "k: -Xmx1g\n"),  # "-" or "?" before a non-space starts a plain scalar
        ("-x", "k: -x\n"),
        ("?x", "k: ?x\n"),
        # double-quoted (a character YAML cannot carry raw): backslash, quote and tab escaped
        ('say "hi"\x07', 'k: "say \\"hi\\"\\u0007"\n'),
        ("C:\\dir\x1b", 'k: "C:\\\\dir\\u001b"\n'),
        ("a\tb\x01", 'k: "a\\tb\\u0001"\n'),
    ],
)
def test_edge_scalar_is_written_exactly(value: Any, text: str) -> None:
    data = {"k": Script(value) if isinstance(value, str) and "\n" in value and value.strip() else value}
    assert yamlout.dump(as_yaml(data)) == text
    assert load(text) == {"k": value}
    assert load_yaml11(text) == typed({"k": value})


def test_key_with_a_newline_is_one_double_quoted_line() -> None:
    text = yamlout.dump({"a\nb": 1, "c:\n": "d"})
    assert text == '"a\\nb": 1\n"c:\\n": d\n'
    assert load(text, "1.1") == {"a\nb": 1, "c:\n": "d"}


def test_documents_are_separated_and_the_header_leads() -> None:
    """A GitLab component: the header comments, the spec document, ``---``, the body; every
    document reads back as itself (empty ones too), the header is not repeated."""
    documents: list[dict[str, Any]] = [{"spec": {"inputs": {}}}, {"job": {"script": ["x"]}}, {}]
    text = yamlout.dump_documents(documents, ("hdr",))
    assert text == "# hdr\nspec:\n  inputs: {}\n---\njob:\n  script:\n    - x\n---\n{}\n"
    assert list(YAML(typ="safe", pure=True).load_all(text)) == documents


def test_nan_is_written_as_yaml_nan() -> None:
    text = yamlout.dump({"k": float("nan")})
    assert text == "k: .nan\n"
    assert math.isnan(load(text)["k"])
    assert math.isnan(load(text, "1.1")["k"])
    assert load_yaml11(text) == typed({"k": float("nan")})


def test_multi_line_values_are_literal_blocks_in_mappings_and_sequences() -> None:
    """Any multi-line string is a literal block, a script in a list too (GitLab's ``script:``);
    a one-line Script is a block as well, so every script reads the same way."""
    data = {"run": "a\nb", "script": [Script("x\ny\n"), Script("z")]}
    text = yamlout.dump(as_yaml(data))
    assert text == "run: |-\n  a\n  b\nscript:\n  - |\n    x\n    y\n  - |-\n    z\n"
    assert load(text) == {"run": "a\nb", "script": ["x\ny\n", "z"]}


def test_commented_values_in_a_sequence_and_nested_sequences() -> None:
    data = {"k": [Commented("v", "why"), ["a", "b"], "c"]}
    text = yamlout.dump(as_yaml(data))
    assert text == "k:\n  - v  # why\n  -\n    - a\n    - b\n  - c\n"
    assert load(text) == {"k": ["v", ["a", "b"], "c"]}


def test_empty_header_lines_are_bare_comment_marks() -> None:
    """No trailing space on an empty comment line (yamllint's trailing-spaces rule)."""
    assert yamlout.dump({"a": 1}, ("x", "", "y"), ("",)) == "# x\n#\n# y\na: 1\n#\n"


def test_writing_imports_no_yaml_library() -> None:
    """The module docstring's claim: yamlout (and the data types it writes) import no YAML library."""
    code = (
        "import sys, ciforge.yamlout; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ruamel', 'yaml', '_ruamel_yaml')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
