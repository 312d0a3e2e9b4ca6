"""GitHub Actions: the IR as one workflow, ``.github/workflows/ciforge.yml``.

A table of small pure functions; each returns YAML-shaped data. Platform quirks carry links to
the GitHub documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ciforge import ir, pins
from ciforge.yamldata import Pinned, Script, Yaml, drop_none

NAME: Final = "github"
OUTPUT_PATH: Final = ".github/workflows/ciforge.yml"
RUNNER: Final = "ubuntu-24.04"
LEG_EXPRESSION: Final = "${{ matrix." + ir.LEG_VARIABLE + " }}"

# Job-level `if:` per abstract event. Only the github context is available there.
# https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#context-availability
EVENT_CONDITIONS: Final[Mapping[ir.Event, str]] = {
    ir.Event.PUSH_BRANCH: "github.event_name == 'push' && github.ref_type == 'branch'",
    ir.Event.PUSH_TAG: "github.event_name == 'push' && github.ref_type == 'tag'",
    ir.Event.CHANGE_REQUEST: "github.event_name == 'pull_request'",
    ir.Event.MANUAL: "github.event_name == 'workflow_dispatch'",
}


def uses(action: str) -> Pinned:
    """A lockfile pin: full commit SHA, release tag as the comment."""
    pin = pins.action(action)
    return Pinned(ref=pin.ref, version=pin.version)


def on_events(t: ir.Triggers) -> dict[str, Yaml]:
    """``on:``. Pushes are filtered to the listed branches and tags, so a push to a feature
    branch with an open pull request runs once, as the pull request."""
    out: dict[str, Yaml] = {}
    push = drop_none({"branches": list(t.branches) or None, "tags": list(t.tags) or None})
    if push:
        out["push"] = push
    if t.change_requests:
        out["pull_request"] = {"types": ["opened", "synchronize", "reopened"]}
    if t.manual:
        out["workflow_dispatch"] = {}
    return out


def job_condition(job: ir.Job) -> str | None:
    """``if:`` for a job limited to some events (None when it runs on every event)."""
    if job.events == ir.ALL_EVENTS:
        return None
    parts = [f"({EVENT_CONDITIONS[e]})" for e in ir.Event if e in job.events]
    return " || ".join(parts)


def permissions(job: ir.Job) -> dict[str, Yaml]:
    """Least-privilege token scopes, e.g. ``contents:read`` -> ``{contents: read}``."""
    return dict(scope.split(":", 1) for scope in job.permissions)


def matrix_strategy(job: ir.Job) -> dict[str, Yaml] | None:
    """Include-only matrix of the legs ciforge expanded; no fail-fast, so every leg reports.
    https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations"""
    if not job.legs:
        return None
    return {"fail-fast": False, "matrix": {"include": [dict(leg.variables) for leg in job.legs]}}


def job_env(job: ir.Job) -> dict[str, Yaml] | None:
    """Job env plus each matrix variable (matrix values are not env vars on GitHub)."""
    env: dict[str, Yaml] = dict(job.env)
    seen: list[str] = []
    for leg in job.legs:
        seen += [name for name, _ in leg.variables if name not in seen]
    for name in seen:
        env[name] = "${{ matrix." + name + " }}"
    return env or None


def _leg(template: str) -> str:
    return template.replace(ir.LEG_TOKEN, LEG_EXPRESSION)


def step_checkout(step: ir.Checkout, job: ir.Job, pipeline: ir.Pipeline) -> Yaml:
    return {"name": "Check out", "uses": uses("actions/checkout"), "with": {"persist-credentials": False}}


# Runs on a tag ref (a tag push, or a manual run on a tag) never restore a cache that a branch
# or pull request run could have written: release artifacts are built from clean caches.
# https://docs.zizmor.sh/audits/#cache-poisoning
NO_CACHE_ON_TAGS: Final = "${{ !startsWith(github.ref, 'refs/tags/') }}"


def step_setup_go(step: ir.SetupGo, job: ir.Job, pipeline: ir.Pipeline) -> Yaml:
    # setup-go caches GOMODCACHE and GOCACHE keyed on go.mod (v6.3+); go.sum may not exist.
    cached: Yaml = NO_CACHE_ON_TAGS if job.cache is not None else False
    if any(glob.startswith("release") for glob in pipeline.triggers.branches):
        # Release branches publish too, and no expression can tell them apart reliably for every
        # glob, so such pipelines build without the Go cache on GitHub (zizmor cache-poisoning).
        cached = False
    with_: dict[str, Yaml] = {"go-version": step.version, "cache": cached}
    if job.cache is not None:
        with_["cache-dependency-path"] = job.cache.key_files[0]
    return {"name": "Set up Go", "uses": uses("actions/setup-go"), "with": with_}


def step_run(step: ir.Run, job: ir.Job, pipeline: ir.Pipeline) -> Yaml:
    if NAME not in step.platforms:
        return None
    return drop_none(
        {
            "name": step.name,
            "id": step.id,
            "if": "${{ !cancelled() }}" if step.always else None,
            "run": Script(step.script),
        }
    )


STEPS: Final[Mapping[type, Callable[..., Yaml]]] = {
    ir.Checkout: step_checkout,
    ir.SetupGo: step_setup_go,
    ir.Run: step_run,
}


def download(item: ir.ArtifactInput) -> Yaml:
    with_: dict[str, Yaml] = (
        {"pattern": item.name.replace(ir.LEG_TOKEN, "*"), "merge-multiple": True}
        if item.all_legs
        else {"name": item.name}
    )
    return {
        "name": f"Download {item.name.replace(ir.LEG_TOKEN, 'legs')}",
        "uses": uses("actions/download-artifact"),
        "with": with_,
    }


def upload(artifact: ir.Artifact) -> Yaml:
    always = artifact.when == "always"
    return drop_none(
        {
            "name": f"Upload {artifact.name.replace(ir.LEG_TOKEN, 'leg')}",
            "if": "${{ !cancelled() }}" if always else None,
            "uses": uses("actions/upload-artifact"),
            "with": {
                "name": _leg(artifact.name),
                "path": "\n".join(_leg(p) for p in artifact.paths),
                "if-no-files-found": "warn" if always else "error",
                "retention-days": artifact.retention_days,
            },
        }
    )


def steps(job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    """Checkout and toolchain, then downloads, then the blocks, then uploads."""
    setup = [s for s in job.steps if not isinstance(s, ir.Run)]
    runs = [s for s in job.steps if isinstance(s, ir.Run)]
    out = [STEPS[type(s)](s, job, pipeline) for s in setup]
    out += [download(c) for c in job.consumes]
    out += [STEPS[type(s)](s, job, pipeline) for s in runs]
    out += [upload(a) for a in job.produces]
    return [s for s in out if s is not None]


def emit_job(job: ir.Job, pipeline: ir.Pipeline) -> dict[str, Yaml]:
    name = f"{job.name} ({LEG_EXPRESSION})" if job.legs else job.name
    return drop_none(
        {
            "name": name,
            "needs": list(job.needs) or None,
            "if": job_condition(job),
            "runs-on": RUNNER,
            "timeout-minutes": job.timeout_minutes,
            "permissions": permissions(job),
            "strategy": matrix_strategy(job),
            "env": job_env(job),
            "steps": steps(job, pipeline),
        }
    )


def emit(pipeline: ir.Pipeline) -> dict[str, Yaml]:
    """The whole workflow document."""
    return {
        "name": pipeline.name,
        "on": on_events(pipeline.triggers),
        # No token scopes by default; each job asks for what it needs.
        # https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#permissions
        "permissions": {},
        # A newer run on the same pull request or ref supersedes the older one.
        "concurrency": {
            "group": "${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}",
            "cancel-in-progress": True,
        },
        "env": dict(pipeline.env),
        # bash -eo pipefail for every run step (the default shell has no pipefail).
        "defaults": {"run": {"shell": "bash"}},
        "jobs": {job.id: emit_job(job, pipeline) for job in pipeline.jobs},
    }
