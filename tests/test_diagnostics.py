"""Diagnostic formats, byte for byte: the text convention, GitHub workflow-command annotations
(with GitHub's escaping) and the JSON document, plus ordering and JSON paths."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from ciforge.diagnostics import (
    CODES,
    FORMATTERS,
    Diagnostic,
    DiagnosticCode,
    format_github,
    format_json,
    format_text,
    sort_key,
    workflow_command,
)

POSITIONED = Diagnostic(
    code="type",
    message="expected a string",
    path=("build", "matrix", "goos", 1),
    file="ciforge.yml",
    line=12,
    col=5,
)
UNPOSITIONED = Diagnostic(code="yaml-empty", message="the file holds no manifest", severity="warning")


def test_json_path_notation() -> None:
    assert Diagnostic(code="type", message="m").json_path == "$"
    assert Diagnostic(code="type", message="m", path=("go",)).json_path == "$.go"
    assert POSITIONED.json_path == "$.build.matrix.goos[1]"
    assert Diagnostic(code="type", message="m", path=(0, "a", 2, 3)).json_path == "$[0].a[2][3]"


def test_text_format() -> None:
    assert format_text(POSITIONED) == "ciforge.yml:12:5: error: expected a string (at $.build.matrix.goos[1]) [type]"
    assert format_text(UNPOSITIONED) == "<manifest>: warning: the file holds no manifest [yaml-empty]"
    unlocated = Diagnostic(code="io-error", message="cannot read", file="x.yml")
    assert format_text(unlocated) == "x.yml: error: cannot read [io-error]"


def test_github_annotation_format() -> None:
    assert format_github(POSITIONED) == (
        "::error file=ciforge.yml,line=12,col=5,title=ciforge type::expected a string (at $.build.matrix.goos[1])"
    )
    assert format_github(UNPOSITIONED) == "::warning file=,title=ciforge yaml-empty::the file holds no manifest"


@pytest.mark.parametrize(
    ("field", "raw", "escaped"),
    [
        # https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
        # data: % CR LF; properties: also : and ,
        ("message", "100%", "100%25"),
        ("message", "a\r\nb", "a%0D%0Ab"),
        ("message", "a:b,c", "a:b,c"),
        ("message", "%0A", "%250A"),
        ("file", "dir,x/a:b.yml", "dir%2Cx/a%3Ab.yml"),
        ("file", "100%\n", "100%25%0A"),
    ],
)
def test_github_annotation_escaping(field: str, raw: str, escaped: str) -> None:
    d = Diagnostic(code="pattern", message=raw if field == "message" else "m", file=raw if field == "file" else "f")
    line = format_github(d)
    if field == "message":
        assert line == f"::error file=f,title=ciforge pattern::{escaped}"
    else:
        assert line == f"::error file={escaped},title=ciforge pattern::m"
    assert "\n" not in line
    assert "\r" not in line


def test_json_format_is_one_document_with_every_field() -> None:
    text = format_json([POSITIONED, UNPOSITIONED])
    assert json.loads(text) == {
        "diagnostics": [
            {
                "code": "type",
                "col": 5,
                "file": "ciforge.yml",
                "line": 12,
                "message": "expected a string",
                "path": "$.build.matrix.goos[1]",
                "severity": "error",
            },
            {
                "code": "yaml-empty",
                "col": 0,
                "file": "",
                "line": 0,
                "message": "the file holds no manifest",
                "path": "$",
                "severity": "warning",
            },
        ]
    }
    assert text.startswith('{\n  "diagnostics": [\n    {\n      "code": "type",\n      "col": 5,\n')
    assert format_json([]) == '{\n  "diagnostics": []\n}'


def test_order_is_file_then_position_then_code() -> None:
    a = Diagnostic(code="type", message="m", file="a.yml", line=2, col=1)
    b = Diagnostic(code="enum", message="m", file="a.yml", line=2, col=1)
    c = Diagnostic(code="enum", message="m", file="a.yml", line=1, col=9)
    d = Diagnostic(code="enum", message="m", file="a.yml", line=2, col=0)
    e = Diagnostic(code="enum", message="z", file="a.yml", line=2, col=1)
    f = Diagnostic(code="enum", message="m", file="0.yml", line=9, col=9)
    assert sorted([a, b, c, d, e, f], key=sort_key) == [f, c, d, b, e, a]


def test_formatters_and_codes() -> None:
    assert {"text": format_text, "github": format_github} == FORMATTERS
    assert all(code == code.strip() and text and not text.endswith(".") for code, text in CODES.items())
    assert {"yaml-syntax", "unknown-key", "type", "limit", "glob"} <= set(CODES)


def test_workflow_command_without_properties() -> None:
    """GitHub's syntax without parameters is ``::notice::message``, no space before the ``::``.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands"""
    assert workflow_command("notice", [], "done: 50%") == "::notice::done: 50%25"


def test_json_path_brackets_keys_that_would_break_the_notation_or_the_line() -> None:
    """A key with a newline (found by the CLI fuzzer: ``? "\\n"``) must not split the diagnostic
    line; keys with dots, brackets, quotes or spaces would misread as path syntax."""
    cases = {
        ("build", "matrix", "goos", 1): "$.build.matrix.goos[1]",
        ("runners", "linux/arm64"): "$.runners.linux/arm64",
        ("\n",): '$["\\n"]',
        ("a.b", 0, "c d"): '$["a.b"][0]["c d"]',
        ("",): '$[""]',
        ('q"', "x]"): '$["q\\""]["x]"]',
    }
    for path, expected in cases.items():
        assert Diagnostic(code="schema", message="m", path=path).json_path == expected
    line = format_text(Diagnostic(code="schema", message="m", path=("\n",), file="ciforge.yml", line=1, col=3))
    assert "\n" not in line


def test_every_code_the_compiler_reports_is_documented() -> None:
    """Every literal code passed to an error/warn call or a Diagnostic in ciforge/ is in CODES
    (a new check without its documented code would fail the JSON format's contract)."""
    call = re.compile(r"""(?:\.(?:error|warn)\(|Diagnostic\(\s*code=)\s*["']([a-z][a-z0-9-]*)["']""")
    used: dict[str, str] = {}
    for path in sorted((Path(__file__).resolve().parents[1] / "ciforge").rglob("*.py")):
        for code in call.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, path.name)
    assert len(used) >= 20, used  # the pattern still finds the calls
    assert {code: where for code, where in used.items() if code not in CODES} == {}


def test_the_code_type_is_the_documented_codes() -> None:
    """DiagnosticCode, the Literal mypy checks every ``Diagnostic(code=...)`` against, names exactly
    the codes CODES documents: a code cannot be typed without its documentation, nor the reverse."""
    members = typing.get_args(DiagnosticCode)
    assert len(members) == len(set(members))
    assert sorted(members) == sorted(CODES)
