"""GitLab CI: the IR as one pipeline, ``.gitlab-ci.yml``.

A table of small pure functions; each returns YAML-shaped data. Every job states its ``needs``
(``[]`` for roots), so stage order adds no hidden edges and the DAG equals GitHub's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ciforge import ir
from ciforge.globs import ref_filter_rules
from ciforge.ir import unsupported
from ciforge.scripts import block, quoted
from ciforge.scripts_codescan import GITLAB_REPORTS
from ciforge.scripts_modules import guarded
from ciforge.scripts_report import JUNIT_FILE
from ciforge.targets.gitlab import buildx, images, runners, scripts, signing, values
from ciforge.yamldata import Script, Yaml, drop_none

# Creation-time job rules per abstract event.
# https://docs.gitlab.com/ci/jobs/job_rules/#ci_pipeline_source-predefined-variable
EVENT_RULES: Final[Mapping[ir.Event, str]] = {
    ir.Event.PUSH_BRANCH: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH',
    ir.Event.PUSH_TAG: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_TAG',
    ir.Event.CHANGE_REQUEST: '$CI_PIPELINE_SOURCE == "merge_request_event"',
    ir.Event.MANUAL: '$CI_PIPELINE_SOURCE == "web"',
    ir.Event.SCHEDULE: '$CI_PIPELINE_SOURCE == "schedule"',
}

# GitLab caches must live inside the project directory.
# https://docs.gitlab.com/ci/caching/#cache-go-dependencies
CACHE_VARIABLES: Final = (
    ("GOMODCACHE", "${CI_PROJECT_DIR}/.go/pkg/mod"),
    ("GOCACHE", "${CI_PROJECT_DIR}/.cache/go-build"),
)
CACHE_PATHS: Final = (".go/pkg/mod/", ".cache/go-build/")
CACHE_PREFIX: Final = "go-$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG-$CI_JOB_NAME_SLUG"


# GitHub does not start push or pull_request runs for these head-commit messages; GitLab itself
# honours only [skip ci] and [ci skip] (and variants), so the others become rules.
# https://docs.github.com/en/actions/how-tos/manage-workflow-runs/skip-workflow-runs
# https://docs.gitlab.com/ci/pipelines/#skip-a-pipeline
SKIP_MESSAGES: Final = (
    r"\[(?:skip ci|ci skip|no ci|skip actions|actions skip)\]",
    r"\n\n(?:[A-Za-z0-9-]+: ?[^\n]*\n)*skip-checks: ?true\s*$",
)


def skip_rules(t: ir.Triggers) -> list[dict[str, Yaml]]:
    """No pipeline for a push or merge request whose head commit message asks GitHub to skip."""
    if not (t.branches or t.tags or t.change_requests):
        return []
    sources = '($CI_PIPELINE_SOURCE == "push" || $CI_PIPELINE_SOURCE == "merge_request_event")'
    return [{"if": f"{sources} && $CI_COMMIT_MESSAGE =~ /{regex}/", "when": "never"} for regex in SKIP_MESSAGES]


def regex_literal(regex: str) -> str:
    """A regex as a GitLab ``rules:if`` literal: ``/.../`` with ``/`` escaped.

    https://docs.gitlab.com/ci/jobs/job_rules/#compare-a-variable-to-a-regular-expression
    """
    return "/" + regex.replace("/", "\\/") + "/"


def workflow_rules(t: ir.Triggers) -> list[dict[str, Yaml]]:
    """``workflow:rules``: which pipelines exist at all; the same events as GitHub's ``on:``."""
    rules: list[dict[str, Yaml]] = skip_rules(t)
    if t.change_requests:
        rules.append({"if": EVENT_RULES[ir.Event.CHANGE_REQUEST], **changes(t.paths, ir.Event.CHANGE_REQUEST)})
    for variable_name, patterns in (("CI_COMMIT_BRANCH", t.branches), ("CI_COMMIT_TAG", t.tags)):
        for regex, include in ref_filter_rules(patterns):
            rule: dict[str, Yaml] = {
                "if": f'$CI_PIPELINE_SOURCE == "push" && ${variable_name} =~ {regex_literal(regex)}'
            }
            if not include:
                rule["when"] = "never"
            elif variable_name == "CI_COMMIT_BRANCH":
                # every including rule carries the same changes, an excluding one none: a push
                # whose changes do not match falls through to rules that never create a pipeline
                rule.update(changes(t.paths, ir.Event.PUSH_BRANCH))
            rules.append(rule)
    if t.manual:
        rules.append({"if": EVENT_RULES[ir.Event.MANUAL]})
    # A pipeline schedule lives outside this file; it is one of the manifest's when it sets the
    # schedule variable to an entry's cron, as `ciforge schedules` prints it.
    rules += [{"if": schedule_rule((cron,))} for cron in t.schedules]
    return rules


def changes(paths: ir.PathFilter | None, event: ir.Event) -> dict[str, Yaml]:
    """``rules:changes`` of a merge request or branch push rule: the path filter's ``paths``
    only. GitLab's changes cannot exclude, so ``paths-ignore`` is left out (the register's
    paths-ignore-gitlab: GitLab runs at least whenever GitHub does). No ``compare_to``: merge
    request pipelines compare with the target branch, branch pipelines with the previous push;
    a compare_to of the default branch would never match a push to the default branch itself.
    Tag, web and schedule rules never get changes (GitLab reads them as true there).
    https://docs.gitlab.com/ci/yaml/#ruleschanges"""
    if paths is None or event not in paths.events or not paths.paths:
        return {}
    return {"changes": list(paths.paths)}


def schedule_rule(crons: tuple[str, ...]) -> str:
    """A scheduled pipeline of one of these crons. The pipeline source says only "schedule"; the
    schedule's own variable says which one fired.
    https://docs.gitlab.com/ci/pipelines/schedules/#add-a-pipeline-schedule"""
    which = " || ".join(f'${ir.SCHEDULE_VARIABLE} == "{cron}"' for cron in crons)
    return f"{EVENT_RULES[ir.Event.SCHEDULE]} && " + (f"({which})" if len(crons) > 1 else which)


def variable(value: str) -> Yaml:
    """A variable value. GitLab expands ``$NAME`` in values, GitHub never does, so a literal
    ``$`` is written with ``expand: false`` (https://docs.gitlab.com/ci/yaml/#variablesexpand)."""
    return {"value": value, "expand": False} if "$" in value else value


def job_rules(job: ir.Job, triggers: ir.Triggers) -> list[Yaml]:
    """Every job has rules: without them a job is left out of merge request pipelines. Without
    schedules no scheduled pipeline is created, so a job need not be kept from one."""
    events = job.events if triggers.schedules else job.events | {ir.Event.SCHEDULE}
    every_schedule = set(job.schedules) == set(triggers.schedules)
    rules: list[Yaml] = []
    if events - {ir.Event.SCHEDULE} == ir.ALL_EVENTS - {ir.Event.SCHEDULE}:
        if triggers.schedules and not (every_schedule and job.schedules):
            rules += [{"if": schedule_rule(job.schedules)}] if job.schedules else []
            rules.append({"if": EVENT_RULES[ir.Event.SCHEDULE], "when": "never"})
        return [*rules, {"when": "on_success"}]
    for event in ir.Event:
        if event is ir.Event.SCHEDULE and job.schedules:
            rules.append({"if": EVENT_RULES[event] if every_schedule else schedule_rule(job.schedules)})
        elif event in job.events and event is not ir.Event.SCHEDULE:
            rules.append({"if": EVENT_RULES[event]})
    return rules


def manual_rules(job: ir.Job, rules: list[Yaml]) -> list[Yaml]:
    """A manual job: each rule that adds it adds it as manual. Without allow_failure it blocks the
    pipeline, and the jobs that need it, until someone plays it, as GitHub's environment approval
    holds the run. https://docs.gitlab.com/ci/jobs/job_control/#create-a-job-that-must-be-run-manually"""
    if not job.manual:
        return rules
    return [
        r
        if isinstance(r, dict) and r.get("when") == "never"
        else {**(r if isinstance(r, dict) else {}), "when": "manual"}
        for r in rules
    ]


def needs(job: ir.Job) -> list[Yaml]:
    """Explicit needs; artifacts are fetched only from the jobs this one consumes."""
    consumed = {c.producer for c in job.consumes} | {i.producer for i in job.inputs}
    return [{"job": n, "artifacts": n in consumed} for n in job.needs]


def parallel(job: ir.Job) -> Yaml:
    """One single-valued hash per leg, so GitLab's per-hash product is exactly the leg list.
    https://docs.gitlab.com/ci/yaml/#parallelmatrix"""
    if not job.legs:
        return None
    return {"matrix": [dict(leg.variables) for leg in job.legs]}


def variables(job: ir.Job) -> Yaml:
    out: dict[str, Yaml] = {}
    for name, value in job.env:
        resolved = values.env_value(name, value)
        if resolved is not None:
            out[name] = resolved if isinstance(value, ir.PlatformValue) else variable(resolved)
    if images.dind(job):
        out.update(images.DIND_VARIABLES)
    if job.services:
        # Services reach each other by name only on a network of the job's own.
        # https://docs.gitlab.com/runner/configuration/feature-flags/
        out["FF_NETWORK_PER_BUILD"] = "true"
    if job.cache is not None:
        out.update(CACHE_VARIABLES)
    if job.full_history:
        # a full clone: the change check and the new-code gate diff against the merge request's merge base
        # https://docs.gitlab.com/ci/runners/configure_runners/#shallow-cloning
        out["GIT_DEPTH"] = "0"
    if any(isinstance(step, ir.AttestProvenance) and step.subject == "checksums" for step in job.steps):
        # The runner writes SLSA provenance metadata of the job's artifacts beside them
        # (provenance-native). https://docs.gitlab.com/ci/runners/configure_runners/#artifact-provenance-metadata
        out["RUNNER_GENERATE_ARTIFACTS_METADATA"] = "true"
    if not any(isinstance(step, ir.Checkout) for step in job.steps):
        # No clone for a job that works only on artifacts: committed files cannot reach it.
        # https://docs.gitlab.com/ci/runners/configure_runners/#git-strategy
        out["GIT_STRATEGY"] = "none"
    return out or None


def cache(job: ir.Job) -> Yaml:
    if job.cache is None:
        return None
    return {
        # One cache per job, and per matrix leg (the slug carries the leg's values), so parallel
        # legs do not overwrite each other's build cache; a batch of legs run one after another
        # (build.jobs) shares its job's. Scoped like GitHub's caches: per ref,
        # and never shared between protected and unprotected refs (a fork's merge request from
        # its own "main" is unprotected); a tag ref is its own scope, so a tag pipeline, like
        # GitHub's, restores no cache that another ref wrote.
        "key": {"files": list(job.cache.key_files), "prefix": CACHE_PREFIX},
        "paths": list(CACHE_PATHS),
    }


def _platform_block(job: ir.Job, script: str) -> list[Yaml]:
    """A block only GitLab runs; in a module job with a change check it ends, like every block,
    when the check skipped the module (docs/modules.md)."""
    if job.module is not None and job.module.affected_by:
        script = guarded(script)
    return [Script(script)]


def _module_directory(job: ir.Job) -> str:
    return job.module.directory if job.module is not None else "."


# Each IR step as script items. Checkout is implicit (GIT_STRATEGY, in variables); Go and the
# supply-chain tools come with the job's image, except buildx in the docker jobs.
STEPS: Final[Mapping[type, Callable[..., list[Yaml]]]] = {
    ir.Checkout: lambda step, job: [],
    ir.SetupGo: lambda step, job: [],
    ir.SetupTool: lambda step, job: (
        [Script(buildx.install_buildx(step.version))] if job.runtime == ir.Runtime.DOCKER else []
    ),
    ir.SetupEmulation: lambda step, job: [Script(buildx.setup_emulation(step))],
    ir.BuildImage: lambda step, job: [Script(buildx.build_image_script(step))],
    ir.Run: lambda step, job: [Script(step.script)],
    ir.CoverageReport: lambda step, job: _platform_block(job, scripts.coverage_cobertura(_module_directory(job))),
    # the go test block wrote junit.xml; the report is an artifact (artifacts below)
    ir.TestReport: lambda step, job: [],
    # the Cobertura report marks uncovered lines in the merge request diff
    ir.NewCodeReport: lambda step, job: [],
    ir.ScanReport: lambda step, job: _platform_block(job, scripts.scan_report(step.target, step.scanners)),
    ir.CodeScanReport: lambda step, job: _platform_block(job, scripts.code_scan_report(step)),
    # GitLab's SAST template, included at the top instead of the job (native_sast below)
    ir.NativeSast: lambda step, job: [],
    ir.PublishRelease: lambda step, job: _platform_block(
        job, scripts.publish_release(notes=step.notes, draft=step.draft, assets=step.assets)
    ),
    # the runner's artifact provenance: a variable of the job (variables below), no command
    ir.AttestProvenance: lambda step, job: [],
}


def emit_step(step: ir.Step, job: ir.Job) -> list[Yaml]:
    """One IR step as script items; a step type the table lacks is an error, never dropped."""
    emitter = STEPS.get(type(step))
    if emitter is None:
        raise unsupported("gitlab", step)
    return emitter(step, job)


def script(job: ir.Job, pipeline: ir.Pipeline) -> list[Yaml]:
    identity = signing.signing_identity(job)
    out: list[Yaml] = [Script(identity)] if identity else []
    if job.runtime == ir.Runtime.GO and not runners.docker(job):
        out.append(Script(runners.install_go(job)))
    if job.docker and job.runtime != ir.Runtime.DOCKER:
        out.append(Script(block(*images.INSTALL_DOCKER_CLI)))
    if _module_directory(job) != ".":
        # The script lines of a job run in one shell: this one sets the directory of all after it.
        out.append(f"cd -- {quoted(_module_directory(job))} || exit 1")
    for step in job.steps:
        out += emit_step(step, job)
    return out


def _leg(template: str, job: ir.Job) -> str:
    return template.replace(ir.LEG_TOKEN, "$" + job.leg_variable)


def artifacts(job: ir.Job) -> Yaml:
    out: dict[str, Yaml] = {}
    if job.produces:
        # one archive per job: several artifacts (a batch of build legs, each its own on
        # GitHub) are kept as one named after the job (register: artifact-archive)
        out["name"] = _leg(job.produces[0].name, job) if len(job.produces) == 1 else job.id
        out["paths"] = [_leg(p, job) for a in job.produces for p in a.paths]
        out["when"] = "always" if any(a.when == "always" for a in job.produces) else "on_success"
        out["expire_in"] = f"{max(a.retention_days for a in job.produces)} days"
    reports: dict[str, Yaml] = {}
    coverage = job.has(ir.CoverageReport)
    scan = job.has(ir.ScanReport) or job.has(ir.CodeScanReport)
    if coverage:
        # relative to the project directory, where the artifacts are collected
        # https://docs.gitlab.com/ci/yaml/artifacts_reports/#artifactsreportscoverage_report
        directory = _module_directory(job)
        path = scripts.COBERTURA_FILE if directory == "." else f"{directory}/{scripts.COBERTURA_FILE}"
        reports["coverage_report"] = {"coverage_format": "cobertura", "path": path}
    if job.has(ir.TestReport):
        # https://docs.gitlab.com/ci/yaml/artifacts_reports/#artifactsreportsjunit
        directory = _module_directory(job)
        reports["junit"] = JUNIT_FILE if directory == "." else f"{directory}/{JUNIT_FILE}"
    if job.outputs:
        # Job outputs reach the jobs that need this one as variables.
        # https://docs.gitlab.com/ci/yaml/artifacts_reports/#artifactsreportsdotenv
        reports["dotenv"] = "outputs.env"
    # https://docs.gitlab.com/ci/yaml/artifacts_reports/
    if job.cyclonedx_sbom is not None:
        reports["cyclonedx"] = [job.cyclonedx_sbom]
    if job.has(ir.ScanReport):
        reports["container_scanning"] = scripts.CONTAINER_SCANNING_FILE
    for step in job.steps:
        if isinstance(step, ir.CodeScanReport):  # the security report of a code scan (docs/code-scan.md)
            reports[step.report] = GITLAB_REPORTS[step.report]
    if reports:
        out["reports"] = reports
        # Keep reports of a failed gate (coverage, vulnerabilities): that is when they matter.
        out.setdefault("when", "always" if coverage or scan else "on_success")
    return out or None


def environment(job: ir.Job) -> Yaml:
    """The deployment environment: its protected variables reach only this job. Jobs that only
    prepare a release (publish by digest, SBOM, scan, sign, verify, assets) do not count as
    deployments; promote (the tags) and release do.
    https://docs.gitlab.com/ci/yaml/#environmentaction"""
    if job.environment is None:
        return None
    if job.id in ("promote", "release"):
        return {"name": job.environment}
    return {"name": job.environment, "action": "prepare"}


def emit_job(job: ir.Job, pipeline: ir.Pipeline) -> dict[str, Yaml]:
    job = ir.in_sequence(job)  # a batch of legs is one job, no parallel:matrix (docs/cost.md, build layouts)
    return drop_none(
        {
            "stage": job.stage,
            "image": images.image(job, dict(pipeline.tools)) if runners.docker(job) else runners.vm_image(job),
            "tags": runners.tags(job),
            "services": images.services(job),
            "needs": needs(job),
            "rules": manual_rules(job, job_rules(job, pipeline.triggers)),
            "variables": variables(job),
            "parallel": parallel(job),
            "timeout": f"{job.timeout_minutes} minutes",
            # A failure shows as a warning; the pipeline and the jobs that need it go on.
            # https://docs.gitlab.com/ci/yaml/#allow_failure
            "allow_failure": True if job.allow_failure else None,
            "interruptible": job.cancellable,
            "environment": environment(job),
            "cache": cache(job),
            "id_tokens": signing.id_tokens(job),
            "script": script(job, pipeline),
            # Records the total from the job log; the gate itself is a script block.
            "coverage": scripts.COVERAGE_REGEX if job.has(ir.CoverageReport) else None,
            "artifacts": artifacts(job),
        }
    )


def emit(pipeline: ir.Pipeline) -> dict[str, Yaml]:
    """The whole pipeline document."""
    doc: dict[str, Yaml] = {
        "workflow": {
            "name": pipeline.name,
            "rules": list[Yaml](workflow_rules(pipeline.triggers)),
            "auto_cancel": {"on_new_commit": "interruptible"},
        },
        "stages": list(pipeline.stages),
        "variables": {name: variable(value) for name, value in pipeline.env if isinstance(value, str)},
    }
    for job in pipeline.jobs:
        if job.native:
            doc.update(native_sast(job))
        else:
            doc[job.id] = emit_job(job, pipeline)
    return doc


# GitLab's SAST template and the job its analyzers extend (code-scan.sast: native; named exception
# sast-native): the template's jobs run in the stage of the job named sast, "test" unless it is set.
# https://docs.gitlab.com/user/application_security/sast/#configure-sast-in-your-cicd-yaml
SAST_TEMPLATE: Final = "Jobs/SAST.gitlab-ci.yml"


def native_sast(job: ir.Job) -> dict[str, Yaml]:
    """The include of GitLab's SAST template, its analyzers in the native job's stage."""
    return {"include": [{"template": SAST_TEMPLATE}], "sast": {"stage": job.stage}}
