"""The plan the IR means: what both emitted files must be lifted back to."""

from __future__ import annotations

import string
from typing import Final

from ciforge import ir
from ciforge.plan import gates, register
from ciforge.plan.filter_reference import filters_match
from ciforge.plan.model import (
    Artifact,
    Gate,
    PathFilter,
    Plan,
    PlanEvent,
    PlanJob,
    build_arg_word,
    emulation_command,
    image_build_command,
    job_key,
    required_secrets,
    service_entry,
)

PLATFORM_TOKENS: Final = {
    "registry": "@REGISTRY",
    "image_repository": "@IMAGE_REPOSITORY",
    "ref_name": "@REF_NAME",
    "commit_sha": "@COMMIT_SHA",
    "change_head": "@CHANGE_HEAD",
    "tag_name": "@TAG_NAME",
    "default_branch": "@DEFAULT_BRANCH",
    "change_base": "@CHANGE_BASE",
    "registry_user": "@credential",
    "registry_password": "@credential",
    "signing_identity": "@signing-identity",
    "signing_issuer": "@signing-issuer",
    "server_url": "@SERVER_URL",
    "project_path": "@PROJECT_PATH",
    "run_url": "@RUN_URL",
    "docker_publish_host": register.DOCKER_PUBLISH_TOKEN,
}


# GitHub's documented skip instructions, which both outputs honour for pushes and pull requests.
# https://docs.github.com/en/actions/how-tos/manage-workflow-runs/skip-workflow-runs
SKIP_MARKERS: Final = ("[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]")
TRAILER_KEY: Final = frozenset(string.ascii_letters + string.digits + "-")


def _skip_trailer(message: str) -> bool:
    """The message ends with a trailer block (``Key: value`` lines after a blank line) whose last
    line is ``skip-checks:true`` or ``skip-checks: true``."""
    _, blank, block = message.rstrip().rpartition("\n\n")
    lines = block.split("\n")

    def is_trailer(line: str) -> bool:
        key, colon, _ = line.partition(":")
        return bool(colon and key) and all(c in TRAILER_KEY for c in key)

    return bool(blank) and lines[-1] in ("skip-checks:true", "skip-checks: true") and all(map(is_trailer, lines))


def triggered(triggers: ir.Triggers, event: PlanEvent) -> bool:
    """Whether the event creates a pipeline at all. Skip markers are for pushes and change
    requests only; a schedule is one of the manifest's when its cron is."""
    if event.kind is ir.Event.SCHEDULE:
        return event.schedule in triggers.schedules
    if event.kind is not ir.Event.MANUAL and (
        any(m in event.message for m in SKIP_MARKERS) or _skip_trailer(event.message)
    ):
        return False
    if event.kind is ir.Event.PUSH_BRANCH:
        return filters_match(triggers.branches, event.ref_name)
    if event.kind is ir.Event.PUSH_TAG:
        return filters_match(triggers.tags, event.ref_name)
    if event.kind is ir.Event.CHANGE_REQUEST:
        return triggers.change_requests
    return triggers.manual


def _value(value: ir.EnvValue) -> str:
    if isinstance(value, str):
        return value
    if value.name in ("secret", "variable"):
        return f"@setting({value.arg})"
    if value.name == "service_host":
        return value.arg  # the service's name (register: service-host)
    return PLATFORM_TOKENS[value.name]


def _env(pipeline: ir.Pipeline, job: ir.Job, leg: ir.Leg | None) -> dict[str, str]:
    env = {name: _value(value) for name, value in (*pipeline.env, *job.env)}
    if leg is not None:
        env.update(dict(leg.variables))
    for item in job.inputs:
        env.update({name: f"@output({item.producer}.{name})" for name in item.names})
    return env


def _commands(job: ir.Job) -> tuple[str, ...]:
    """The blocks every platform runs, as text; the platforms' own reporting and release steps
    (ir.PLATFORM_REPORTS, each a named exception) are not compared as commands."""
    out: list[str] = []
    for step in job.steps:
        if isinstance(step, ir.Run):
            out.append(step.script)
        elif isinstance(step, ir.SetupEmulation):
            out.append(emulation_command(image=step.image, architectures=",".join(step.architectures)))
        elif isinstance(step, ir.BuildImage):
            out.append(
                image_build_command(
                    context=step.context,
                    dockerfile=step.dockerfile,
                    platforms=",".join(step.platforms),
                    push=step.push,
                    cache=step.cache,
                    tags=False,
                    labels=",".join(
                        (
                            *step.label_args,
                            *(build_arg_word(name, variable) for name, variable in step.user_args),
                        )
                    ),
                    names=f"${step.names}" if step.push else "",
                    logins=",".join("$" + ir.registry_variables(s)[0] for s in step.registries) if step.push else "",
                )
            )
    return tuple(out)


def _gates(job: ir.Job, env: dict[str, str]) -> tuple[Gate, ...]:
    """The job's gates in block order: ciforge's own typed gates, and the gates of the blocks the
    manifest wrote, recognised by what they run (as the lifters recognise every block's)."""
    out: list[Gate] = []
    for step in job.steps:
        if not isinstance(step, ir.Run):
            continue
        if step.written_by == "manifest":
            out += gates.gates_of((step.script,), env)
            continue
        out += [g for gate in job.gates if gate.block == step.id and (g := gates.typed(gate)) is not None]
    return tuple(out)


def _tools(job: ir.Job, leg: ir.Leg | None) -> tuple[tuple[str, str], ...]:
    tools = [(s.tool, s.version) for s in job.steps if isinstance(s, ir.SetupTool)]
    if job.go is not None and any(isinstance(s, ir.SetupGo) for s in job.steps):
        go = dict(leg.variables)["GO_VERSION"] if job.go == ir.MATRIX_GO and leg is not None else job.go
        tools.append(("go", go))
    return tuple(sorted(tools))


def _caches(job: ir.Job, event: PlanEvent) -> tuple[str, ...]:
    """The caches a job restores on this event (a tag ref restores no Go cache)."""
    out = []
    if job.cache is not None and event.kind is not ir.Event.PUSH_TAG:
        out.append("go")
    if any(isinstance(step, ir.BuildImage) and step.cache for step in job.steps):
        out.append("image")
    return tuple(out)


def plan(pipeline: ir.Pipeline, event: PlanEvent) -> Plan:
    """The execution plan of the IR for one event."""
    if not triggered(pipeline.triggers, event):
        return Plan(event=event.name, jobs={})
    paths = pipeline.triggers.paths
    path_filter = (
        PathFilter(paths=paths.paths, ignore=paths.ignore) if paths is not None and event.kind in paths.events else None
    )
    kind = event.kind
    # a batch of legs run one after another is one job (docs/cost.md, build layouts)
    running = [
        ir.in_sequence(j)
        for j in pipeline.jobs
        # the platform's own static analysis is in no plan (named exception sast-native)
        if kind in j.events and (kind is not ir.Event.SCHEDULE or event.schedule in j.schedules) and not j.native
    ]
    keys = {j.id: [job_key(j.id, leg.variables) for leg in j.legs] or [j.id] for j in running}
    jobs: dict[str, PlanJob] = {}
    for job in running:
        for leg in job.legs or (None,):
            env = _env(pipeline, job, leg)
            commands = _commands(job)
            leg_key = leg.key if leg is not None else ""
            key = job_key(job.id, leg.variables if leg is not None else ())
            jobs[key] = PlanJob(
                key=key,
                logical_id=job.id,
                platform=job.runner.platform,
                needs=frozenset(k for need in job.needs for k in keys[need]),
                source=any(isinstance(step, ir.Checkout) for step in job.steps),
                commands=commands,
                env=register.normalize_env(env),
                tools=_tools(job, leg),
                consumes=frozenset(c.producer for c in job.consumes) | frozenset(i.producer for i in job.inputs),
                produces=tuple(
                    Artifact(
                        name=a.name.replace(ir.LEG_TOKEN, leg_key),
                        paths=tuple(p.replace(ir.LEG_TOKEN, leg_key) for p in a.paths),
                        when=a.when,
                    )
                    for a in job.produces
                ),
                outputs=tuple(sorted(job.outputs)),
                gates=_gates(job, env),
                timeout_minutes=job.timeout_minutes,
                caches=_caches(job, event),
                workdir=job.module.directory if job.module is not None else ".",
                # the change check skips work only on change requests (CHANGE_BASE is empty otherwise)
                affected_by=job.module.affected_by
                if job.module is not None and kind == ir.Event.CHANGE_REQUEST
                else (),
                container=job.container or "",
                allow_failure=job.allow_failure,
                secrets=required_secrets(commands),
                services=tuple(sorted(service_entry(s.name, s.image, dict(s.env)) for s in job.services)),
                manual=job.manual,
            )
    return Plan(event=event.name, jobs=jobs, path_filter=path_filter)
