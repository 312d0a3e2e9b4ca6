"""Presets: each one is checked by the manifest schema, compiles, and gives equivalent outputs;
the merge rules (mappings merge deeply, lists and scalars replace) hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ciforge import ir, presets, yamlout
from ciforge.compiler import compile_pipeline, emit
from ciforge.plan import EVENTS, differences, from_ir
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, render_case


def compile_text(text: str) -> tuple[Any, list[Any]]:
    return compile_pipeline(text.encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")


@pytest.mark.parametrize("name", presets.PRESETS)
def test_preset_compiles_and_is_equivalent(name: str) -> None:
    """A minimal manifest naming the preset validates against the schema and renders two
    equivalent pipelines."""
    pipeline, diagnostics = compile_text(f'version: 1\nname: demo\npreset: {name}\ngo:\n  version: "1.26"\n')
    assert pipeline is not None, diagnostics
    files = emit(pipeline, ("github", "gitlab"))
    for event in EVENTS.values():
        expected = from_ir.plan(pipeline, event)
        assert differences(expected, lift_github.lift(files[GITHUB], event)) == []
        assert differences(expected, lift_gitlab.lift(files[GITLAB], event)) == []


def test_presets_shape_the_pipeline() -> None:
    """go-service has an image and releases; go-cli releases signed binaries without an image;
    go-library tests a Go matrix and builds nothing."""
    jobs = {}
    for name in presets.PRESETS:
        pipeline, _ = compile_text(f'version: 1\nname: demo\npreset: {name}\ngo:\n  version: "1.26"\n')
        jobs[name] = {j.id for j in pipeline.jobs}
    assert {"image-publish", "sign", "verify", "release"} <= jobs["go-service"]
    assert "image-publish" not in jobs["go-cli"]
    assert {"sbom", "release-assets", "release", "build"} <= jobs["go-cli"]
    assert jobs["go-library"] == {"lint", "test"}


def test_merge_rules() -> None:
    """Mappings merge key by key; lists and scalars replace; the manifest wins."""
    base = {"a": {"x": 1, "y": [1, 2], "z": {"k": "v"}}, "b": [1], "c": "keep"}
    over = {"a": {"y": [3], "z": {"k2": "v2"}}, "b": [], "d": False}
    assert presets.merge(base, over) == {
        "a": {"x": 1, "y": [3], "z": {"k": "v", "k2": "v2"}},
        "b": [],
        "c": "keep",
        "d": False,
    }


def test_overrides_in_a_real_manifest() -> None:
    """The preset-go-service golden case: threshold overridden, exclude kept, goos list replaced,
    the verify gate dropped."""
    result = render_case(CASES / "preset-go-service")
    assert result.pipeline is not None
    test = result.pipeline.job("test")
    gates = {g.kind: dict(g.detail) for g in test.gates}
    assert gates["coverage"]["min_pct"] == "90"
    scripts = {s.id: s.script for s in test.steps if isinstance(s, ir.Run)}
    assert "export COVERAGE_THRESHOLD='90'\n" in scripts["coverage-gate"]
    assert "export COVERAGE_EXCLUDE=" in scripts["coverage-total"]
    assert {dict(leg.variables)["GOOS"] for leg in result.pipeline.job("build").legs} == {"linux"}
    assert "verify" not in {j.id for j in result.pipeline.jobs}


def test_unknown_preset_is_a_positioned_error() -> None:
    """A misspelt preset name is an enum error at its line, with a hint."""
    pipeline, diagnostics = compile_text('version: 1\nname: demo\npreset: go-servce\ngo:\n  version: "1.26"\n')
    assert pipeline is None
    assert [(d.code, d.line) for d in diagnostics] == [("enum", 3)]
    assert "did you mean 'go-service'" in diagnostics[0].message


@pytest.mark.parametrize("name", presets.PRESETS)
def test_preset_files_are_manifest_fragments(name: str) -> None:
    """Every key in a preset file is a manifest key (the file plus the required keys validates)."""
    data = presets.load(name)
    text = yamlout.dump({"version": 1, "name": "demo", "go": {"version": "1.26"}, **data})
    pipeline, diagnostics = compile_text(text)
    assert pipeline is not None, diagnostics
