"""Golden cases: tests/cases/<case>/ciforge.yml with the expected outputs at their real paths (the
pipelines, and with image.dockerfile: generate the Dockerfile and the context's .dockerignore) and
an IR dump. Found automatically; rewritten only with `pytest --update-goldens`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciforge import ir_dump
from tests.helpers import GITHUB, GITLAB, case_dirs, generated_image_files, render_case

CASES = case_dirs()


def _check(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"missing golden {path}; run pytest --update-goldens"
    assert path.read_text(encoding="utf-8") == actual, f"{path} differs; review, then pytest --update-goldens"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_outputs(case: Path, update_goldens: bool) -> None:
    """Each target's file and the IR dump match the goldens byte for byte."""
    result = render_case(case)
    assert result.ok, result.diagnostics
    assert result.pipeline is not None
    assert set(result.files) == {GITHUB, GITLAB, *generated_image_files(case)}
    for rel, text in result.files.items():
        _check(case / rel, text, update_goldens)
    _check(case / "ir.json", ir_dump.dump(result.pipeline), update_goldens)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_render_is_deterministic(case: Path) -> None:
    """Rendering twice gives the same bytes (black's assert_stable)."""
    first, second = render_case(case), render_case(case)
    assert first.files == second.files
    assert all(text.endswith("\n") and not text.endswith("\n\n") for text in first.files.values())


def test_there_are_cases() -> None:
    """The discovery found the golden cases (a glob typo must not make the suite vacuous)."""
    assert len(CASES) >= 5
