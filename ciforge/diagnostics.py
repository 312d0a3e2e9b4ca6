"""Diagnostics: every problem ciforge reports, with a stable code and a source position.

A diagnostic is created with the JSON path of the offending manifest value; the source map
from :mod:`ciforge.source` turns that path into ``line:col`` when it is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Final, Literal

import attrs

JsonPath = tuple[str | int, ...]
Severity = Literal["error", "warning"]

# Stable, documented codes (mypy's errorcodes style). Tests pin them.
CODES: Final[dict[str, str]] = {
    "yaml-syntax": "the file is not well-formed YAML",
    "yaml-duplicate-key": "a mapping repeats a key",
    "yaml-tag": "a custom YAML tag is not allowed",
    "yaml-alias-bomb": "anchors and aliases expand past the size limit",
    "yaml-encoding": "the file is not UTF-8 text",
    "yaml-empty": "the file holds no manifest",
    "invisible-character": "a value holds an invisible or control character",
    "unsafe-flag": "a flag would make the build run a program the manifest names",
    "io-error": "the file cannot be read or written",
    "unknown-key": "the key is not part of the manifest",
    "missing-key": "a required key is missing",
    "type": "the value has the wrong type",
    "enum": "the value is not one of the allowed choices",
    "pattern": "the string does not have the required form",
    "range": "the number is out of range",
    "length": "the list or string is too short or too long",
    "unique": "the list repeats an item",
    "schema": "the value breaks another schema rule",
    "conflict": "two settings cannot be used together",
    "matrix-key": "an include or exclude entry uses a key the matrix does not have",
    "matrix-empty": "the build matrix has no legs",
    "matrix-limit": "the build matrix is larger than a platform allows",
    "glob": "the pattern uses a glob feature ciforge cannot translate exactly",
    "go-version-file": "the Go version file cannot be read",
    "go-version": "the Go release is not in ciforge's Go release table",
    "golangci-lint": "no golangci-lint release supports the job's Go",
    "go-ports": "the Go release cannot build this GOOS/GOARCH pair",
    "limit": "the output exceeds a platform limit",
    "expression-syntax": "a value holds a platform's expression or interpolation syntax (${{ or $[[)",
}


@attrs.frozen(kw_only=True)
class Diagnostic:
    """One problem, located by JSON path (and by line/col once resolved)."""

    code: str
    message: str
    path: JsonPath = ()
    severity: Severity = "error"
    file: str = ""
    line: int = 0  # 1-based; 0 = unknown
    col: int = 0  # 1-based; 0 = unknown

    @property
    def json_path(self) -> str:
        """The path in JSONPath notation, e.g. ``$.build.matrix.goos[1]``."""
        out = "$"
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out


class CiforgeError(Exception):
    """Raised by the library when it cannot go on; carries every diagnostic found so far."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) found")
        self.diagnostics = tuple(diagnostics)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    """Order diagnostics by file, then position, then code."""
    return (d.file, d.line, d.col, d.code, d.message)


def format_text(d: Diagnostic) -> str:
    """``path:line:col: error: message [code]`` (the compiler convention)."""
    where = d.file or "<manifest>"
    if d.line:
        where += f":{d.line}:{d.col}"
    suffix = f" (at {d.json_path})" if d.path else ""
    return f"{where}: {d.severity}: {d.message}{suffix} [{d.code}]"


def _escape_github(value: str, *, prop: bool) -> str:
    # https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
    out = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        out = out.replace(":", "%3A").replace(",", "%2C")
    return out


def workflow_command(command: str, properties: Sequence[tuple[str, object]], message: str) -> str:
    """``::command k=v,...::message`` with every property and the message escaped, so no value
    (a path, a manifest string) can end the command early or start another one."""
    props = ",".join(f"{key}={_escape_github(str(value), prop=True)}" for key, value in properties)
    return f"::{command}{' ' if props else ''}{props}::{_escape_github(message, prop=False)}"


def format_github(d: Diagnostic) -> str:
    """A GitHub workflow command, so the problem shows as an annotation on the file."""
    props: list[tuple[str, object]] = [("file", d.file)]
    if d.line:
        props += [("line", d.line), ("col", d.col)]
    props.append(("title", "ciforge " + d.code))
    message = d.message + (f" (at {d.json_path})" if d.path else "")
    return workflow_command(d.severity, props, message)


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    """All diagnostics as one JSON document."""
    rows = [
        {
            "file": d.file,
            "line": d.line,
            "col": d.col,
            "severity": d.severity,
            "code": d.code,
            "message": d.message,
            "path": d.json_path,
        }
        for d in diagnostics
    ]
    return json.dumps({"diagnostics": rows}, indent=2, sort_keys=True)


FORMATTERS: Final = {"text": format_text, "github": format_github}
