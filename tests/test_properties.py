"""Property tests: for generated manifests, the GitHub plan, the GitLab plan and the IR plan are
equal on every event; rendering is deterministic; the cattrs model round-trips; and the generator
really reaches every feature (so the equality is not vacuously about trivial pipelines).

Profiles (tests/conftest.py): "fast" by default, CIFORGE_HYPOTHESIS=thorough for many more examples.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis_jsonschema import from_schema

from ciforge import yamlout
from ciforge.compiler import compile_pipeline, emit
from ciforge.convert import structure, unstructure
from ciforge.plan import differences, from_ir, probes
from ciforge.schema import schema
from ciforge.targets import registry
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import GITHUB, GITLAB
from tests.strategies import commit_messages, manifests

CHECKED: dict[str, int] = {"manifests": 0, "events": 0}


def compile_dict(manifest: dict[str, Any]) -> tuple[Any, list[Any]]:
    raw = yamlout.dump(manifest).encode()
    return compile_pipeline(raw, file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")


def assert_equivalent(manifest: dict[str, Any], messages: tuple[str, ...] = ()) -> bool:
    """The three plans agree on all five events, the manifest's probe events (refs drawn from
    its own patterns) and the events with the given head-commit messages; False when the manifest
    does not compile."""
    pipeline, diagnostics = compile_dict(manifest)
    if pipeline is None:
        note(f"rejected: {[d.code for d in diagnostics]}")
        return False
    # `ciforge render` refuses, with positioned [limit] errors, what a platform would refuse
    limits = [
        limit.message for name in registry.NAMES for limit in registry.platform(name).exceeded_limits(pipeline, None)
    ]
    if limits:
        note(f"refused by a platform's limits: {limits}")
        return False
    files = emit(pipeline, ("github", "gitlab"))
    gh_doc = lift_github.load(files[GITHUB])
    gl_doc = lift_gitlab.load(files[GITLAB])
    for event in probes.events_for(pipeline, messages=messages, refs=False):
        expected = from_ir.plan(pipeline, event)
        found = differences(expected, lift_github.lift(gh_doc, event), names=("ir", "github"))
        found += differences(expected, lift_gitlab.lift(gl_doc, event), names=("ir", "gitlab"))
        assert found == [], "\n".join(found)
        CHECKED["events"] += 1
    for event in probes.ref_probes(pipeline.triggers):
        # which pipelines exist is all a ref name can change (job conditions depend on the kind of
        # event only, and the standard events compare whole plans)
        gitlab_runs = lift_gitlab.pipeline_created(gl_doc, lift_gitlab.ci_variables(event))
        assert (
            lift_github.triggered(gh_doc["on"], event) == gitlab_runs == from_ir.triggered(pipeline.triggers, event)
        ), event
        CHECKED["events"] += 1
    CHECKED["manifests"] += 1
    return True


@given(manifests(), commit_messages())
def test_equivalent_targets_from_model_strategy(manifest: dict[str, Any], message: str) -> None:
    """plan(GitHub) == plan(GitLab) == plan(IR) for every event, for generated manifests and
    head-commit messages (with and without skip markers).
    (assume: if no generated manifest compiled, Hypothesis fails the test as unsatisfiable.)"""
    assume(assert_equivalent(manifest, (message,)))


@settings(suppress_health_check=(HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large))
@given(from_schema(json.loads(json.dumps(schema()))))
def test_equivalent_targets_from_json_schema(manifest: dict[str, Any]) -> None:
    """The same property, with manifests drawn straight from the JSON Schema."""
    assume(assert_equivalent(manifest))


@given(manifests())
def test_render_is_deterministic(manifest: dict[str, Any]) -> None:
    """The same manifest always renders to the same bytes."""
    first, _ = compile_dict(manifest)
    second, _ = compile_dict(manifest)
    if first is None:
        assert second is None
        return
    assert emit(first, ("github", "gitlab")) == emit(second, ("github", "gitlab"))


@given(manifests())
def test_roundtrip_converter(manifest: dict[str, Any]) -> None:
    """structure(unstructure(m)) == m for every model cattrs builds."""
    model = structure(json.loads(json.dumps(manifest)))
    assert structure(unstructure(model)) == model


JOB_FEATURES: dict[str, Callable[[dict[str, Any], dict[str, Any]], bool]] = {
    "custom job with needs": lambda job, _: bool(job.get("needs")),
    "custom job needing a custom job": lambda job, jobs: any(need in jobs for need in job.get("needs", [])),
    "custom job in its own container": lambda job, _: "container" in job,
    "custom job allowed to fail": lambda job, _: bool(job.get("allow-failure")),
    "custom job on another runner": lambda job, _: "runner" in job,
    "custom job with secrets": lambda job, _: "secrets" in job,
    "custom job downloading the build": lambda job, _: "from" in job.get("artifacts", {}),
    "custom job with services": lambda job, _: "services" in job,
    "custom job in a container with services": lambda job, _: "services" in job and "container" in job,
    "custom job with a multi-port service": lambda job, _: any(
        len(s["ports"]) > 1 for s in job.get("services", {}).values()
    ),
    "custom job with docker": lambda job, _: bool(job.get("docker")),
    "manual custom job": lambda job, _: job.get("when") == "manual",
    "custom job needing a manual job": lambda job, jobs: any(
        jobs.get(n, {}).get("when") == "manual" for n in job.get("needs", [])
    ),
}


def _features(manifest: dict[str, Any]) -> set[str]:
    found = set()
    matrix = manifest.get("build", {}).get("matrix", {})
    if matrix.get("include"):
        found.add("matrix include")
    if matrix.get("exclude"):
        found.add("matrix exclude")
    triggers = manifest.get("triggers", {})
    for key in ("branches", "tags"):
        if triggers.get(key):
            found.add(f"trigger {key}")
    for key in ("pull-requests", "manual"):
        if triggers.get(key):
            found.add(f"trigger {key}")
    found |= {f"stage {s}" for s in ("image", "sbom", "scan", "sign", "release") if s in manifest}
    if manifest["go"].get("tags"):
        found.add("go.tags")
    if any(isinstance(manifest.get(s), dict) and "tags" in manifest[s] for s in ("lint", "test", "build")):
        found.add("stage tags")
    found |= {f"setup.{key}" for key in manifest.get("setup", {})}
    found |= {"test.report"} if "report" in manifest["test"] else set()
    found |= {"test.coverage.new-code"} if "new-code" in manifest["test"]["coverage"] else set()
    found |= {"test.coverage.merge"} if manifest["test"]["coverage"].get("merge") else set()
    scan = manifest.get("scan", {})
    found |= {f"scan.target {scan['target']}"} if "target" in scan else set()
    found |= {"scan.licenses"} if "licenses" in scan else set()
    found |= {"smoke image"} if manifest.get("smoke", {}).get("image") else set()
    build = manifest.get("build") or {}
    found |= {"build.ldflags placeholders"} if "{" in build.get("ldflags", "") else set()
    found |= {"build.buildvcs"} if build.get("buildvcs") else set()
    found |= {"build.binaries"} if "binaries" in build else set()
    jobs_layout = build.get("jobs", "per-leg")  # build.jobs (issue 18)
    found |= {f"build.jobs {'N' if isinstance(jobs_layout, int) else jobs_layout}"} - {"build.jobs per-leg"}
    found |= {"release.archives"} if "archives" in manifest.get("release", {}) else set()
    found |= {f"smoke {'run' if 'run' in manifest['smoke'] else 'probes'}"} if "smoke" in manifest else set()
    found |= {"image.tags"} if "tags" in manifest.get("image", {}) else set()
    found |= {"several image repositories"} if isinstance(manifest.get("image", {}).get("repository"), list) else set()
    found |= {"build variant leg"} if any("goarm" in e or "goamd64" in e for e in matrix.get("include", [])) else set()
    image = manifest.get("image", {})
    if image.get("dockerfile") == "generate":
        found |= {"generated Dockerfile"} | {f"generated Dockerfile with {k}" for k in ("base", "ports") if k in image}
    jobs = manifest.get("jobs", {})
    found |= {name for name, has in JOB_FEATURES.items() if any(has(job, jobs) for job in jobs.values())}
    return found | _schedule_features(triggers.get("schedule", []), jobs) | _path_features(triggers)


def _path_features(triggers: dict[str, Any]) -> set[str]:
    found = set()
    if triggers.get("paths"):
        found.add("path filter")
    if triggers.get("paths-ignore"):
        found.add("path filter with paths-ignore" if triggers.get("paths") else "paths-ignore alone")
    if triggers.get("paths-on") == ["pr"]:
        found.add("path filter on pull requests only")
    return found


def _schedule_features(entries: list[dict[str, Any]], jobs: dict[str, Any]) -> set[str]:
    found = set()
    if len(entries) > 1:
        found.add("several schedules")
    if any(name in jobs for entry in entries for name in entry.get("jobs", [])):
        found.add("schedule naming a custom job")
    if any(name in ("lint", "test", "build") for entry in entries for name in entry.get("jobs", [])):
        found.add("schedule naming a built-in family")
    if any("jobs" not in entry for entry in entries):
        found.add("schedule of the jobs listing schedule")
    return found


ALL_FEATURES = {
    "matrix include",
    "matrix exclude",
    "trigger branches",
    "trigger tags",
    "trigger pull-requests",
    "trigger manual",
    "stage image",
    "stage sbom",
    "stage scan",
    "stage sign",
    "stage release",
    "release fan-in over 50 legs",
    "build.jobs single",
    "build.jobs N",
    "custom job with needs",
    "custom job needing a custom job",
    "custom job downloading the build",
    "go.tags",
    "stage tags",
    "setup.apt",
    "setup.run",
    "test.report",
    "test.coverage.new-code",
    "test.coverage.merge",
    "scan.target sbom",
    "scan.target fs",
    "scan.licenses",
    "smoke image",
    "build.ldflags placeholders",
    "build.buildvcs",
    "build.binaries",
    "build variant leg",
    "release.archives",
    "smoke run",
    "smoke probes",
    "image.tags",
    "several image repositories",
    "generated Dockerfile",
    "generated Dockerfile with base",
    "generated Dockerfile with ports",
    "custom job in its own container",
    "custom job allowed to fail",
    "custom job on another runner",
    "custom job with secrets",
    "custom job with services",
    "custom job in a container with services",
    "custom job with a multi-port service",
    "custom job with docker",
    "manual custom job",
    "custom job needing a manual job",
    "several schedules",
    "path filter",
    "path filter with paths-ignore",
    "paths-ignore alone",
    "path filter on pull requests only",
    "schedule naming a custom job",
    "schedule naming a built-in family",
    "schedule of the jobs listing schedule",
}


def test_generator_reaches_every_feature() -> None:
    """find_any-style: within a bounded number of draws, compiling manifests use every feature."""
    seen: set[str] = set()

    @settings(max_examples=500, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(manifests())
    def collect(manifest: dict[str, Any]) -> None:
        pipeline = compile_dict(manifest)[0]
        if pipeline is not None:
            seen.update(_features(manifest))
            if any(job.id.startswith("collect-") for job in pipeline.jobs):
                seen.add("release fan-in over 50 legs")  # GitLab's 50-needs limit (issue 10)

    collect()
    assert seen == ALL_FEATURES
