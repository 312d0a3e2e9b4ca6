"""The pipeline as a GitLab CI/CD component: a ``spec:inputs`` header and a body that reads them.
https://docs.gitlab.com/ci/components/"""

from __future__ import annotations

from ciforge import ir
from ciforge.scripts import quoted
from ciforge.targets.gitlab.emitter import emit
from ciforge.yamldata import Script, Yaml


def _coverage_threshold(pipeline: ir.Pipeline) -> str | None:
    for job in pipeline.jobs:
        for gate in job.gates:
            threshold = dict(gate.detail).get("min_pct") if gate.kind == "coverage" else None
            if isinstance(threshold, str):
                return threshold
    return None


def component_inputs(pipeline: ir.Pipeline) -> dict[str, dict[str, Yaml]]:
    """The ``spec:inputs`` of the pipeline as a CI/CD component: the settings a central project
    lets its includers change. https://docs.gitlab.com/ci/inputs/"""
    go = next((j.go for j in pipeline.jobs if j.go and j.go != ir.MATRIX_GO), None)
    threshold = _coverage_threshold(pipeline)
    inputs: dict[str, dict[str, Yaml]] = {}
    if go is not None:
        inputs["go-version"] = {
            "description": "The Go release of the Go jobs (the golang image tag).",
            "default": go,
            "regex": r"^1\.[0-9]+(\.[0-9]+)?$",
        }
    if threshold is not None:
        inputs["coverage-threshold"] = {
            "description": "Minimum total statement coverage in percent; the test job fails below it.",
            "default": threshold,
            "regex": r"^[0-9]+(\.[0-9]+)?$",
        }
    return inputs


def _documents(pipeline: ir.Pipeline) -> tuple[dict[str, Yaml], dict[str, Yaml]]:
    """The pipeline as a component: a ``spec:inputs`` header and a body that reads them."""
    inputs = component_inputs(pipeline)
    header: dict[str, Yaml] = {"spec": {"inputs": dict[str, Yaml](inputs)}}
    body = emit(pipeline)
    for job in pipeline.jobs:
        data = body[job.id]
        assert isinstance(data, dict)
        if "go-version" in inputs and data.get("image") == f"golang:{job.go}":
            data["image"] = "golang:$[[ inputs.go-version ]]"
        blocks = data.get("script")
        if "coverage-threshold" in inputs and isinstance(blocks, list):
            # the gate's own assignment (scripts.pinned) takes the input; its regex admits digits only
            pinned = f"export COVERAGE_THRESHOLD={quoted(str(_coverage_threshold(pipeline)))}\n"
            data["script"] = [
                Script(str(b).replace(pinned, "export COVERAGE_THRESHOLD='$[[ inputs.coverage-threshold ]]'\n"))
                for b in blocks
            ]
    return header, body


def as_component(pipeline: ir.Pipeline) -> tuple[str, list[dict[str, Yaml]]]:
    """Where the component is written (templates/<name>.yml) and its two documents."""
    header, body = _documents(pipeline)
    return f"templates/{pipeline.name}.yml", [header, body]
