"""Negative manifests: each expected diagnostic is a comment at the line it must be reported on.

``# E: code[: text]`` expects an error on that line; ``# E@N: code[: text]`` on line N; ``# W:``
and ``# W@N:`` expect a warning. Every diagnostic, errors and warnings alike, must be expected
and every expectation met, so nothing extra slips through.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ciforge.compiler import compile_file
from tests.helpers import ERRORS

EXPECT = re.compile(r"#\s*(?P<kind>[EW])(?:@(?P<line>\d+))?:\s*(?P<code>[a-z0-9-]+)(?::\s*(?P<text>.*?))?\s*$")
SEVERITY = {"E": "error", "W": "warning"}
FILES = sorted(ERRORS.glob("*.yml"))


def expectations(path: Path) -> list[tuple[int, str, str, str]]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            at = int(match["line"]) if match["line"] else number
            out.append((at, SEVERITY[match["kind"]], match["code"], match["text"] or ""))
    return out


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_negative_manifest(path: Path, tmp_path: Path) -> None:
    """The manifest yields exactly the expected diagnostics, at the expected lines."""
    expected = expectations(path)
    assert expected, f"{path.name} has no # E: expectations"
    result = compile_file(path, out_dir=tmp_path, targets=("github", "gitlab"), display=path.name)
    assert not result.ok
    assert result.files == {}
    remaining = list(result.diagnostics)
    for line, severity, code, text in expected:
        match = next(
            (
                d
                for d in remaining
                if (d.line, d.severity, d.code) == (line, severity, code) and text.lower() in d.message.lower()
            ),
            None,
        )
        assert match is not None, f"expected {severity} {code} at line {line} ({text!r}); got {result.diagnostics}"
        remaining.remove(match)
        assert match.col >= 1
        assert match.file == path.name
    assert not remaining, f"unexpected diagnostics: {remaining}"
    assert list(tmp_path.iterdir()) == []


def test_there_are_negative_cases() -> None:
    """The discovery found the negative manifests."""
    assert len(FILES) >= 10
