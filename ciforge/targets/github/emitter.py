"""GitHub Actions: the IR as one workflow, ``.github/workflows/ciforge.yml``.

A table of small pure functions; each returns YAML-shaped data. Platform quirks carry links to
the GitHub documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ciforge import ir
from ciforge.ir import unsupported
from ciforge.scripts_modules import guarded
from ciforge.targets.github import scripts
from ciforge.targets.github.actions import (
    attest_provenance,
    build_image,
    native_sast,
    report_steps,
    setup_emulation,
    setup_tool,
    uses,
)
from ciforge.targets.github.outputs import export_outputs, input_env, job_outputs
from ciforge.targets.github.permissions import environment, scopes
from ciforge.targets.github.runners import HOSTED_RUNNERS
from ciforge.targets.github.values import env_value
from ciforge.yamldata import Commented, FlowMap, Script, Yaml, drop_none


def leg_expression(job: ir.Job) -> str:
    """This job's matrix leg key, as an expression."""
    return "${{ matrix." + job.leg_variable + " }}"


# Job-level `if:` per abstract event. Only the github context is available there.
# https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#context-availability
EVENT_CONDITIONS: Final[Mapping[ir.Event, str]] = {
    ir.Event.PUSH_BRANCH: "github.event_name == 'push' && github.ref_type == 'branch'",
    ir.Event.PUSH_TAG: "github.event_name == 'push' && github.ref_type == 'tag'",
    ir.Event.CHANGE_REQUEST: "github.event_name == 'pull_request'",
    ir.Event.MANUAL: "github.event_name == 'workflow_dispatch'",
    ir.Event.SCHEDULE: "github.event_name == 'schedule'",
}
EVENT_CONDITIONS_PUSH: Final = "github.event_name == 'push'"  # a branch or a tag push
NOT_SCHEDULED: Final = "github.event_name != 'schedule'"


def on_events(t: ir.Triggers) -> dict[str, Yaml]:
    """``on:``. Pushes are filtered to the listed branches and tags, so a push to a feature
    branch with an open pull request runs once, as the pull request."""
    out: dict[str, Yaml] = {}
    push = drop_none({"branches": list(t.branches) or None, "tags": list(t.tags) or None})
    if push:
        out["push"] = {**push, **path_filter(t.paths, ir.Event.PUSH_BRANCH)}
    if t.change_requests:
        out["pull_request"] = {
            "types": ["opened", "synchronize", "reopened"],
            **path_filter(t.paths, ir.Event.CHANGE_REQUEST),
        }
    if t.schedules:
        # UTC, on the default branch only (the register's schedule-* exceptions)
        # https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule
        out["schedule"] = [{"cron": cron} for cron in t.schedules]
    if t.manual:
        out["workflow_dispatch"] = {}
    return out


def path_filter(paths: ir.PathFilter | None, event: ir.Event) -> dict[str, Yaml]:
    """``paths`` or ``paths-ignore`` of one event. GitHub refuses both on one event: with both,
    the ignore patterns follow as ``!`` negations, last, because the last matching pattern decides.
    Tag pushes are never filtered (GitHub does not evaluate path filters for them).
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onpushpull_requestpull_request_targetpathspaths-ignore"""
    if paths is None or event not in paths.events:
        return {}
    if paths.paths:
        return {"paths": [*paths.paths, *(f"!{pattern}" for pattern in paths.ignore)]}
    return {"paths-ignore": list(paths.ignore)}


def _literal(text: str) -> str:
    """A string literal of GitHub's expression syntax (a quote is doubled)."""
    return "'" + text.replace("'", "''") + "'"


def schedule_condition(job: ir.Job, triggers: ir.Triggers) -> str:
    """The scheduled runs of the job: every one, or those whose cron the run carries
    (``github.event.schedule`` is the cron as the workflow writes it)."""
    if set(job.schedules) == set(triggers.schedules):
        return EVENT_CONDITIONS[ir.Event.SCHEDULE]
    crons = " || ".join(f"github.event.schedule == {_literal(cron)}" for cron in job.schedules)
    return f"{EVENT_CONDITIONS[ir.Event.SCHEDULE]} && " + (f"({crons})" if len(job.schedules) > 1 else crons)


def job_condition(job: ir.Job, triggers: ir.Triggers) -> str | None:
    """``if:`` for a job limited to some events (None when it runs on every event). Without
    schedules no scheduled run happens, so a job need not be kept from one."""
    events = job.events if triggers.schedules else job.events | {ir.Event.SCHEDULE}
    every_schedule = set(job.schedules) == set(triggers.schedules)
    if events - {ir.Event.SCHEDULE} == ir.ALL_EVENTS - {ir.Event.SCHEDULE}:
        if not triggers.schedules or (every_schedule and job.schedules):
            return None
        crons = [f"github.event.schedule == {_literal(cron)}" for cron in job.schedules]
        return " || ".join([NOT_SCHEDULED, *crons])
    conditions = {
        e: schedule_condition(job, triggers) if e is ir.Event.SCHEDULE else EVENT_CONDITIONS[e]
        for e in ir.Event
        if e in events and (e is not ir.Event.SCHEDULE or triggers.schedules)
    }
    if {ir.Event.PUSH_BRANCH, ir.Event.PUSH_TAG} <= conditions.keys():
        # a branch or a tag push is every push: one clause says both
        conditions[ir.Event.PUSH_BRANCH] = EVENT_CONDITIONS_PUSH
        del conditions[ir.Event.PUSH_TAG]
    return " || ".join(f"({condition})" for condition in conditions.values())


# Why each GITHUB_TOKEN scope is granted; written beside it (zizmor undocumented-permissions).
PERMISSION_REASONS: Final[Mapping[str, str]] = {
    "contents:read": "read the repository",
    "contents:write": "create the release",
    "packages:read": "pull the image from the registry",
    "packages:write": "push the image, its signature and attestation",
    "attestations:write": "record the build provenance in the repository's attestations",
    "security-events:write": "upload SARIF to code scanning",
    "id-token:write": "Sigstore keyless signing with the job's OIDC token",
}


def permissions(job: ir.Job) -> dict[str, Yaml]:
    """Least-privilege token scopes, e.g. ``contents:read`` -> ``{contents: read}``, each with
    the reason it is needed."""
    out: dict[str, Yaml] = {}
    for entry in scopes(job):
        scope, level = entry.split(":", 1)
        out[scope] = Commented(level, PERMISSION_REASONS[entry])
    return out


def matrix_strategy(job: ir.Job) -> dict[str, Yaml] | None:
    """Include-only matrix of the legs ciforge expanded; no fail-fast, so every leg reports.
    https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations"""
    if not job.legs:
        return None
    # one line per leg (yamlout.FlowMap): the matrix is most of a big workflow's bytes
    return {"fail-fast": False, "matrix": {"include": [FlowMap(leg.variables) for leg in job.legs]}}


def job_env(job: ir.Job) -> dict[str, Yaml] | None:
    """Job env (platform values spelt as expressions), the outputs it reads from its needs, and
    each matrix variable (matrix values are not env vars on GitHub)."""
    env: dict[str, Yaml] = {}
    for name, value in job.env:
        resolved = env_value(value)
        if resolved is not None:
            env[name] = resolved
    if job.has(ir.PublishRelease):
        env["GH_TOKEN"] = "${{ secrets.GITHUB_TOKEN }}"  # for gh; platform-env in docs/equivalence.md
    env.update(input_env(job))
    seen: list[str] = []
    for leg in job.legs:
        seen += [name for name, _ in leg.variables if name not in seen]
    for name in seen:
        env[name] = "${{ matrix." + name + " }}"
    return env or None


def runs_on(job: ir.Job) -> Yaml:
    """The manifest's runner labels for the job's platform, else the documented hosted runner."""
    labels = job.runner.labels_for("github")
    if not labels:
        return HOSTED_RUNNERS[job.runner.platform]
    return labels[0] if len(labels) == 1 else list(labels)


def _leg(template: str, job: ir.Job) -> str:
    return template.replace(ir.LEG_TOKEN, leg_expression(job))


def services(job: ir.Job) -> Yaml:
    """Service containers, each port published on the same port of the runner (a container job
    reaches them by name, so publishes none); a health command becomes Docker's health check,
    which GitHub waits for before the job's steps.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idservices"""
    if not job.services:
        return None
    out: dict[str, Yaml] = {}
    for s in job.services:
        health = (
            f'--health-cmd "{s.health}" --health-interval 5s --health-timeout 5s --health-retries 24'
            if s.health
            else None
        )
        out[s.name] = drop_none(
            {
                "image": s.image,
                "env": dict(s.env) or None,
                "ports": None if job.container else [f"{p}:{p}" for p in s.ports],
                "options": health,
            }
        )
    return out


def step_checkout(step: ir.Checkout, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    with_: dict[str, Yaml] = {"persist-credentials": False}
    if job.full_history:
        with_["fetch-depth"] = 0  # the change check and the new-code gate diff against the base commit
    return [{"name": "Check out", "uses": uses("actions/checkout"), "with": with_}]


def defaults(job: ir.Job) -> Yaml:
    """The module's directory as the working directory of every run step (not of actions).
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_iddefaultsrun"""
    if job.module is None or job.module.directory == ".":
        return None
    return {"run": {"working-directory": job.module.directory}}


# Runs on a tag ref (a tag push, or a manual run on a tag) never restore a cache that a branch
# or pull request run could have written: release artifacts are built from clean caches.
# lookup-only checks for the entry without downloading it. zizmor's cache-poisoning audit knows
# this expression as "off on tag pushes"; `github.ref_type == 'tag'` it reads as "may enable
# caching". https://docs.zizmor.sh/audits/#cache-poisoning
LOOKUP_ONLY_ON_TAGS: Final = "${{ startsWith(github.ref, 'refs/tags/') }}"
# Where the go command keeps its module and build caches on each runner OS.
# https://github.com/actions/cache/blob/main/examples.md#go---modules
GO_CACHE_PATHS: Final = {
    "linux": ("~/.cache/go-build", "~/go/pkg/mod"),
    "darwin": ("~/Library/Caches/go-build", "~/go/pkg/mod"),
    "windows": ("~\\AppData\\Local\\go-build", "~\\go\\pkg\\mod"),
}


def step_setup_go(step: ir.SetupGo, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    # setup-go's own cache is keyed by OS, arch, Go version and go.sum only, so every job and
    # leg would restore the first one saved; the cache step after it is keyed per job and leg.
    version = "${{ matrix.GO_VERSION }}" if step.version == ir.MATRIX_GO else step.version
    setup: Yaml = {
        "name": "Set up Go",
        "uses": uses("actions/setup-go"),
        "with": {"go-version": version, "cache": False},
    }
    return [setup] if job.cache is None else [setup, _go_cache(job.cache, job, version)]


def _go_cache(cache: ir.GoCache, job: ir.Job, version: str) -> Yaml:
    """The job's own Go module and build cache, one per job and matrix leg (as GitLab's
    $CI_JOB_NAME_SLUG key; a batch of legs run one after another shares its job's), falling back
    only to the same leg's older entries: a cache built for another target would not be reused.
    https://github.com/actions/cache#inputs"""
    leg = f"-${{{{ matrix.{job.leg_variable} }}}}" if job.legs else ""
    # the job and the leg name the runner's OS and arch too: every build leg runs on the
    # linux/amd64 runner, each test platform is a job of its own (docs/cost.md)
    prefix = f"go-{job.id}{leg}-{version}-"
    files = ", ".join(f"'{name}'" for name in cache.key_files)
    return {
        "name": "Go cache",
        "uses": uses("actions/cache"),
        "with": {
            "path": "\n".join(GO_CACHE_PATHS[job.runner.platform.split("/")[0]]),
            "key": f"{prefix}${{{{ hashFiles({files}) }}}}",
            "restore-keys": prefix,
            "lookup-only": LOOKUP_ONLY_ON_TAGS,
        },
    }


def step_run(step: ir.Run, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return [{"name": step.name, "id": step.id, "run": Script(step.script)}]


def _platform_block(job: ir.Job, *, name: str, id: str, script: str, condition: str | None = None) -> list[Yaml]:
    """A block only GitHub runs, under ``condition`` when given; in a module job with a change
    check it ends, like every block, when the check skipped the module (docs/modules.md)."""
    if job.module is not None and job.module.affected_by:
        script = guarded(script)
    return [drop_none({"name": name, "id": id, "if": condition, "run": Script(script)})]


# After the block that wrote the report, also when that block failed: that is when it matters.
AFTER_FAILURE: Final = "${{ !cancelled() }}"


def step_coverage_report(step: ir.CoverageReport, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return _platform_block(
        job, name="Coverage summary", id="coverage-summary", script=scripts.coverage_summary(step.threshold)
    )


def step_test_report(step: ir.TestReport, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return _platform_block(
        job, name="Test report", id="test-report", script=scripts.test_report(), condition=AFTER_FAILURE
    )


def step_new_code_report(step: ir.NewCodeReport, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return _platform_block(
        job, name="Uncovered new code", id="new-code-report", script=scripts.new_code_report(), condition=AFTER_FAILURE
    )


def step_scan_report(step: ir.ScanReport, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    # uploaded to code scanning after the job's blocks (actions.report_steps)
    return _platform_block(
        job, name="Trivy report (SARIF)", id="scan-report-sarif", script=scripts.scan_report(step.target, step.scanners)
    )


def step_publish_release(step: ir.PublishRelease, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return _platform_block(
        job,
        name="Publish the release",
        id="release-github",
        script=scripts.publish_release(notes=step.notes, draft=step.draft, assets=step.assets),
    )


def step_attest_provenance(step: ir.AttestProvenance, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return attest_provenance(step)


def step_setup_tool(step: ir.SetupTool, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return setup_tool(step)


def step_setup_emulation(step: ir.SetupEmulation, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return setup_emulation(step)


def step_build_image(step: ir.BuildImage, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    return build_image(step)


STEPS: Final[Mapping[type, Callable[..., list[Yaml]]]] = {
    ir.Checkout: step_checkout,
    ir.SetupGo: step_setup_go,
    ir.SetupTool: step_setup_tool,
    ir.SetupEmulation: step_setup_emulation,
    ir.BuildImage: step_build_image,
    ir.Run: step_run,
    ir.CoverageReport: step_coverage_report,
    ir.TestReport: step_test_report,
    ir.NewCodeReport: step_new_code_report,
    ir.ScanReport: step_scan_report,
    ir.CodeScanReport: lambda step, job, pipeline: _platform_block(
        job, name=f"{step.tool} report (SARIF)", id="code-scan-sarif", script=scripts.code_scan_report(step)
    ),
    ir.NativeSast: lambda step, job, pipeline: native_sast(job),
    ir.PublishRelease: step_publish_release,
    ir.AttestProvenance: step_attest_provenance,
}


def emit_step(step: ir.Step, job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    """One IR step as GitHub steps; a step type the table lacks is an error, never dropped."""
    emitter = STEPS.get(type(step))
    if emitter is None:
        raise unsupported("github", step)
    return emitter(step, job, pipeline)


def _upload_root(paths: tuple[str, ...]) -> str:
    """The directory upload-artifact stores an artifact's files relative to: a single directory
    itself, a single file's directory, else the paths' least common ancestor (by components).
    https://github.com/actions/upload-artifact#upload-using-multiple-paths-and-exclusions"""
    if len(paths) == 1:
        path = paths[0]
        return path if path.endswith("/") else (path.rpartition("/")[0] + "/" if "/" in path else ".")
    parts = [p.rstrip("/").split("/") for p in paths]
    common: list[str] = []
    for names in zip(*parts, strict=False):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return "/".join(common) + "/" if common else "."


def download(item: ir.ArtifactInput, pipeline: ir.Pipeline) -> list[Yaml]:
    """Download steps that land an artifact's files where the producer uploaded them from, as
    GitLab restores them. All legs' artifacts, each one directory (``dist/build-<leg>/``): one
    pattern, each artifact in a directory of its name under the parent.
    All legs' artifacts stored under one root (several paths): each leg's by its exact name into
    that root, since a pattern would also fetch any other artifact of the run it matches.
    https://github.com/actions/download-artifact#inputs"""
    producer = pipeline.job(item.producer)
    artifact = next(a for a in producer.produces if a.name == item.name)
    root = _upload_root(artifact.paths)
    label = item.name.replace(ir.LEG_TOKEN, "legs")
    if not item.all_legs:
        return [_download_step(f"Download {label}", {"name": item.name, "path": root})]
    if ir.LEG_TOKEN not in root:
        return [
            _download_step(f"Download {item.name.replace(ir.LEG_TOKEN, leg.key)}", {"name": name, "path": root})
            for leg in producer.legs
            for name in [item.name.replace(ir.LEG_TOKEN, leg.key)]
        ]
    # each in <parent>/<artifact name>/: GitLab's dist/build-<leg>/, or, for a collected shard's
    # build-<n>-<leg>, a directory the collect block renames (scripts_supply.collect_builds)
    parent = root.rstrip("/").rpartition("/")[0]
    if item.legs:  # only these legs' artifacts, each by its name into its directory
        return [
            _download_step(f"Download {name}", {"name": name, "path": f"{parent}/{name}/"})
            for leg in item.legs
            for name in [item.name.replace(ir.LEG_TOKEN, leg)]
        ]
    with_: dict[str, Yaml] = {"pattern": item.name.replace(ir.LEG_TOKEN, "*"), "merge-multiple": False}
    return [_download_step(f"Download {label}", {**with_, "path": f"{parent}/"})]


def _download_step(name: str, with_: dict[str, Yaml]) -> Yaml:
    return {"name": name, "uses": uses("actions/download-artifact"), "with": with_}


def upload(artifact: ir.Artifact, job: ir.Job) -> Yaml:
    always = artifact.when == "always"
    return drop_none(
        {
            "name": f"Upload {artifact.name.replace(ir.LEG_TOKEN, 'leg')}",
            "if": AFTER_FAILURE if always else None,
            "uses": uses("actions/upload-artifact"),
            "with": {
                "name": _leg(artifact.name, job),
                "path": "\n".join(_leg(p, job) for p in artifact.paths),
                "if-no-files-found": "warn" if always else "error",
                "retention-days": artifact.retention_days,
            },
        }
    )


def steps(job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    """Checkout and toolchain, then downloads, then the blocks, then uploads."""
    setup = [s for s in job.steps if isinstance(s, ir.Checkout | ir.SetupGo | ir.SetupTool)]
    work = [s for s in job.steps if not isinstance(s, ir.Checkout | ir.SetupGo | ir.SetupTool)]
    out: list[Yaml] = [y for s in setup for y in emit_step(s, job, pipeline)]
    downloads = [step for c in job.consumes for step in download(c, pipeline)]
    # batches of build legs (build-1, build-2, ...) keep their artifacts under the same pattern:
    # one download fetches them all
    out += [step for i, step in enumerate(downloads) if step not in downloads[:i]]
    out += [y for s in work for y in emit_step(s, job, pipeline)]
    out += export_outputs(job)
    out += report_steps(job)
    out += [upload(a, job) for a in job.produces]
    return out


def emit_job(job: ir.Job, pipeline: ir.Pipeline) -> dict[str, Yaml]:
    job = ir.in_sequence(job)  # a batch of legs is one job, no matrix (docs/cost.md, build layouts)
    name = f"{job.name} ({leg_expression(job)})" if job.legs else job.name
    return drop_none(
        {
            "name": name,
            "needs": list(job.needs) or None,
            "if": job_condition(job, pipeline.triggers),
            "runs-on": runs_on(job),
            # The job's steps run in this image on the runner.
            # https://docs.github.com/en/actions/how-tos/write-workflows/choose-where-workflows-run/run-jobs-in-a-container
            "container": job.container,
            "services": services(job),
            "outputs": job_outputs(job),
            "timeout-minutes": job.timeout_minutes,
            # A failure fails neither the run nor the jobs that need it.
            # https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idcontinue-on-error
            "continue-on-error": True if job.allow_failure else None,
            # Protected secrets and approvals of the deployment environment apply to this job.
            # https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments
            # A manual job waits for the required reviewers of its environment (docs/equivalence.md,
            # manual-approval).
            "environment": environment(job),
            "permissions": permissions(job),
            "strategy": matrix_strategy(job),
            "env": job_env(job),
            "defaults": defaults(job),
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
        # A newer run on the same pull request supersedes the older one; a push run is never
        # cancelled, so publishing, signing and tagging cannot stop halfway.
        "concurrency": {
            "group": "${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}",
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        "env": {name: env_value(value) for name, value in pipeline.env},
        # bash -eo pipefail for every run step (the default shell has no pipefail).
        "defaults": {"run": {"shell": "bash"}},
        "jobs": {job.id: emit_job(job, pipeline) for job in pipeline.jobs},
    }


def as_component(pipeline: ir.Pipeline) -> None:
    """GitHub's counterpart of a component, a reusable workflow, is not written by ciforge."""
    return


def schedule_setup(pipeline: ir.Pipeline, ref: str, form: str) -> None:
    """Nothing to create: GitHub reads the schedules from the workflow's ``on.schedule``."""
    return
