"""``ciforge explain``: the effective manifest (preset merged, defaults filled in), where each value
comes from, and which jobs run on which event.

Origins, for every leaf value (a list counts as one value: lists replace, they never merge):

* ``ciforge.yml:LINE`` — written in the manifest;
* ``preset NAME`` — taken from the preset (presets/NAME.yml);
* ``go.mod`` — read from the Go version file at render time;
* ``default`` — ciforge's documented default (docs/manifest.md), or a value derived from other
  settings (the binary from the name, golangci-lint from the Go version).
"""

from __future__ import annotations

import json
from typing import Any, Final

import attrs

from ciforge import compiler, dockerfile_gen, ir, presets, source, yamlout
from ciforge.convert import structure, unstructure
from ciforge.model import GENERATE
from ciforge.plan import PlanEvent, from_ir, show
from ciforge.yamldata import Commented, Yaml

JsonPath = tuple[str | int, ...]
MAX_COLUMN: Final = 40  # longer values overflow their column rather than widen it
PLATFORM_DEFAULT: Final = "default: ghcr.io/<owner>/<repo> on GitHub, $CI_REGISTRY_IMAGE on GitLab"


@attrs.frozen
class Value:
    """One effective setting."""

    path: JsonPath
    value: Any
    origin: str

    @property
    def key(self) -> str:
        """``build.matrix.goos``."""
        return ".".join(str(p) for p in self.path)


def _has(data: Any, path: JsonPath) -> bool:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def _leaves(data: Any, path: JsonPath = ()) -> list[tuple[JsonPath, Any]]:
    if isinstance(data, dict) and data:
        return [leaf for key, value in data.items() for leaf in _leaves(value, (*path, key))]
    return [(path, data)]


def _plain(value: Any) -> Any:
    """Tuples as lists, floats that are whole numbers as ints (80.0 -> 80), unset keys dropped."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def events(pipeline: ir.Pipeline) -> list[PlanEvent]:
    """The standard events, with the manifest's first branch as the default branch, and each
    scheduled run (on the default branch)."""
    first = pipeline.triggers.branches[0] if pipeline.triggers.branches else "main"
    branch = first if "*" not in first else "main"
    return [
        PlanEvent("push:feature", "push_branch", "feature/login"),
        PlanEvent(f"push:{branch}", "push_branch", branch),
        PlanEvent("tag", "push_tag", "v1.2.3"),
        PlanEvent("pr", "change_request", "feature/login", base=branch),
        PlanEvent("manual", "manual", branch),
        *(PlanEvent(f"schedule:{cron}", "schedule", branch, schedule=cron) for cron in pipeline.triggers.schedules),
    ]


def _derived(pipeline: ir.Pipeline, effective: dict[str, Any], version_file: str | None) -> dict[JsonPath, Value]:
    """Values ciforge works out at render time, for settings left unset."""
    out: dict[JsonPath, Value] = {}
    go = next((j.go for j in pipeline.jobs if j.go), None)
    if version_file and go:
        out[("go", "version")] = Value(("go", "version"), go, f"{version_file} (its toolchain or go directive)")
    lint = next((j for j in pipeline.jobs if j.id == "lint"), None)
    if effective["lint"].get("golangci-lint") is None and lint is not None:
        names = [s.name for s in lint.steps if isinstance(s, ir.Run) and s.id == "golangci-lint"]
        if names:
            version = names[0].split()[-1]
            out[("lint", "golangci-lint")] = Value(
                ("lint", "golangci-lint"), version, f"default: the newest release that builds with Go {go}"
            )
    build = effective.get("build")
    if isinstance(build, dict) and build.get("binary") is None and build.get("binaries") is None:
        out[("build", "binary")] = Value(("build", "binary"), effective["name"], "default: the name")
    paths = pipeline.triggers.paths
    if paths is not None and effective["triggers"].get("paths-on") is None:
        on = [
            name
            for name, event in (("pr", ir.Event.CHANGE_REQUEST), ("push", ir.Event.PUSH_BRANCH))
            if event in paths.events
        ]
        out[("triggers", "paths-on")] = Value(
            ("triggers", "paths-on"), on, "default: pr and push, those the pipeline runs on"
        )
    image = effective.get("image")
    if isinstance(image, dict) and image.get("repository") is None:
        out[("image", "repository")] = Value(("image", "repository"), "(per platform)", PLATFORM_DEFAULT)
    if isinstance(image, dict) and image.get("dockerfile") == GENERATE and image.get("base") is None:
        base = dockerfile_gen.default_base(tuple(image.get("platforms", ())), pipeline)
        why = "default: debian, as the image needs CGO" if base == "debian" else "default: distroless, CGO off"
        out[("image", "base")] = Value(("image", "base"), base, why)
    return out


def values(doc: source.SourceDoc, pipeline: ir.Pipeline) -> list[Value]:
    """Every effective setting with its origin, in manifest order."""
    merged = compiler.prepare(doc).data
    preset_name = doc.data.get("preset") if isinstance(doc.data, dict) else None
    preset = presets.load(preset_name) if preset_name in presets.PRESETS else {}
    full = unstructure(structure(merged))
    derived = _derived(pipeline, _plain(full), full["go"].get("version-file"))
    out = []
    for path, value in _leaves(full):
        if path in derived:
            out.append(derived.pop(path))
            continue
        if value is None:
            continue
        if _has(doc.data, path):
            line, _ = doc.source_map.locate(path)
            origin = f"{doc.path}:{line}"
        elif _has(preset, path):
            origin = f"preset {preset_name}"
        else:
            origin = "default"
        out.append(Value(path, _plain(value), origin))
    return out + list(derived.values())


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": "))


def modules(pipeline: ir.Pipeline) -> list[dict[str, Any]]:
    """The modules the pipeline lints and tests (``modules:``), each with its jobs, its coverage
    gate and the directories whose change runs it on a pull or merge request (empty: always)."""
    out: dict[str, dict[str, Any]] = {}
    for job in pipeline.jobs:
        if job.module is None:
            continue
        entry = out.setdefault(
            job.module.directory,
            {
                "directory": job.module.directory,
                "jobs": [],
                "coverage": None,
                "affected_by": list(job.module.affected_by),
            },
        )
        entry["jobs"].append(job.id)
        for gate in job.gates:
            if gate.kind == "coverage":
                entry["coverage"] = dict(gate.detail).get("min_pct")
    return list(out.values())


def _modules_text(pipeline: ir.Pipeline) -> list[str]:
    found = modules(pipeline)
    if not found:
        return []
    rows = [
        (
            m["directory"],
            ", ".join(m["jobs"]),
            "-" if m["coverage"] is None else f"{m['coverage']}%",
            " ".join(m["affected_by"]) or "always",
        )
        for m in found
    ]
    head = ("directory", "jobs", "gate", "on a pull/merge request, runs for a change in")
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(3)]
    lines = ["", "Modules (go.work, go.work.sum and the manifest run every module):", ""]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3] for r in (head, *rows)]
    return lines


def _jobs_table(pipeline: ir.Pipeline) -> str:
    return show.table([from_ir.plan(pipeline, event) for event in events(pipeline)])


def text(doc: source.SourceDoc, pipeline: ir.Pipeline) -> str:
    """A table of settings (key, value, origin), then the jobs per event."""
    rows = [(v.key, _cell(v.value), v.origin) for v in values(doc, pipeline)]
    widths = [max(len(r[i]) for r in rows if len(r[i]) <= MAX_COLUMN) for i in range(2)]
    lines = [f"Effective manifest of {doc.path} (setting, value, where it comes from):", ""]
    lines += [f"{k.ljust(widths[0])}  {v.ljust(widths[1])}  {o}".rstrip() for k, v, o in rows]
    lines += _modules_text(pipeline)
    return "\n".join([*lines, "", "Jobs per event:", ""]) + "\n" + _jobs_table(pipeline)


def _nest(rows: list[Value]) -> dict[str, Yaml]:
    root: dict[str, Yaml] = {}
    for row in rows:
        node = root
        for part in row.path[:-1]:
            child = node.setdefault(str(part), {})
            assert isinstance(child, dict)
            node = child
        value = row.value
        if isinstance(value, list) and value and isinstance(value[0], str | int | float | bool):
            value = [Commented(value[0], row.origin), *value[1:]]
        elif isinstance(value, str | int | float | bool):
            value = Commented(value, row.origin)
        node[str(row.path[-1])] = value
    return root


def yaml(doc: source.SourceDoc, pipeline: ir.Pipeline) -> str:
    """The effective manifest as YAML, each value's origin as its comment, the jobs per event as a
    trailing comment."""
    header = (f"Effective manifest of {doc.path}: every value, with where it comes from.",)
    footer = ("", "Jobs per event:", *_jobs_table(pipeline).rstrip("\n").splitlines())
    return yamlout.dump(_nest(values(doc, pipeline)), header, footer)


def as_json(doc: source.SourceDoc, pipeline: ir.Pipeline) -> str:
    """``{"manifest": ..., "origins": {key: origin}, "events": {event: [jobs]}}``."""
    rows = values(doc, pipeline)
    manifest: dict[str, Any] = {}
    for row in rows:
        node = manifest
        for part in row.path[:-1]:
            child = node.setdefault(str(part), {})
            assert isinstance(child, dict)
            node = child
        node[str(row.path[-1])] = row.value
    jobs = {}
    path_filters = {}
    for event in events(pipeline):
        plan = from_ir.plan(pipeline, event)
        jobs[plan.event] = sorted({job.logical_id for job in plan.jobs.values()})
        if plan.path_filter is not None:
            path_filters[plan.event] = {
                "paths": list(plan.path_filter.paths),
                "ignore": list(plan.path_filter.ignore or ()),
            }
    document = {
        "manifest": manifest,
        "origins": {row.key: row.origin for row in rows},
        "modules": modules(pipeline),
        "events": jobs,
        # per filtered event: GitHub applies both lists, GitLab the paths only (paths-ignore-gitlab)
        "path_filters": path_filters,
    }
    return json.dumps(document, indent=2) + "\n"


FORMATS: Final = {"text": text, "yaml": yaml, "json": as_json}
