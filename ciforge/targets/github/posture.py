"""The security posture of a GitHub workflow (:mod:`ciforge.plan.posture`): what the manifest
means (:func:`expected`, from the IR) and what a workflow file holds (:func:`lift`, from the YAML
alone; it shares no code with the emitter)."""

from __future__ import annotations

import re
from typing import Any, Final

from ciforge import ir, pins
from ciforge.plan.model import EVENTS
from ciforge.plan.posture import WHOLE_FILE, Posture, environment_fact
from ciforge.targets.github import expressions
from ciforge.targets.github.lifter import github_context
from ciforge.targets.github.permissions import environment, scopes

# The expression that cancels in-progress runs for pull requests only.
CANCEL_PULL_REQUESTS: Final = "cancels in-progress runs on: pr"
_SECRET: Final = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")


def _github_secrets(job: ir.Job) -> list[str]:
    """The repository or environment secrets a GitHub job reads."""
    out = []
    for _, value in job.env:
        if not isinstance(value, ir.PlatformValue):
            continue
        if value.name == "secret":
            out.append(value.arg)
        elif value.name in ("registry_user", "registry_password"):
            host, secret = ir.registry_credential("USER" if value.name == "registry_user" else "PASSWORD", value.arg)
            ghcr = host in ("", "ghcr.io")
            if not ghcr or value.name == "registry_password":
                out.append("GITHUB_TOKEN" if ghcr else secret)
    if job.has(ir.PublishRelease):
        out.append("GITHUB_TOKEN")  # gh creates the release with the job token
    return sorted(set(out))


def expected(pipeline: ir.Pipeline) -> Posture:
    """The posture the manifest means on GitHub."""
    t = pipeline.triggers
    events = (["push"] if t.branches or t.tags else []) + (["pull_request"] if t.change_requests else [])
    events += ["workflow_dispatch"] if t.manual else []
    events += ["schedule"] if t.schedules else []
    posture: Posture = {
        WHOLE_FILE: frozenset(
            {
                "permissions: {}",
                "shell: bash",
                "on: " + ", ".join(sorted(events)),
                CANCEL_PULL_REQUESTS,
            }
        )
    }
    for job in pipeline.jobs:
        posture[job.id] = frozenset(
            {
                "permissions: " + ", ".join(sorted(scopes(job))),
                f"environment: {environment(job) or '-'}",
                "secrets: " + (", ".join(_github_secrets(job)) or "-"),
                *(f"service {s.name} health: {s.health}" for s in job.services if s.health),
            }
        )
    return posture


# The parts of container: and services: the execution plan compares (PlanJob.container,
# PlanJob.services); everything else there is posture.
_PLANNED_CONTAINER: Final = frozenset({"image"})
_PLANNED_SERVICE: Final = frozenset({"image", "env", "ports"})
_HEALTH: Final = re.compile(
    r'--health-cmd "(?P<cmd>[^"\\]+)" --health-interval 5s --health-timeout 5s --health-retries 24'
)


def _container_facts(job: dict[str, Any]) -> set[str]:
    """Facts for what the plan does not compare: a container's options, volumes or credentials,
    a service's options other than ciforge's health check, an allowed failure that is decided
    at run time (an expression)."""
    facts = set()
    container = job.get("container")
    if isinstance(container, dict):
        facts |= {f"job container {k}: {v}" for k, v in container.items() if k not in _PLANNED_CONTAINER}
    for name, service in (job.get("services") or {}).items():
        spec = service if isinstance(service, dict) else {"image": service}
        for key, value in spec.items():
            health = _HEALTH.fullmatch(str(value)) if key == "options" else None
            if health:
                facts.add(f"service {name} health: {health['cmd']}")
            elif key not in _PLANNED_SERVICE:
                facts.add(f"service {name} {key}: {value}")
    if "continue-on-error" in job and not isinstance(job["continue-on-error"], bool):
        facts.add(f"job continue-on-error: {job['continue-on-error']}")
    return facts


def _scopes(permissions: Any) -> str:
    if permissions is None:
        return "permissions: <inherited>"
    if isinstance(permissions, str):
        return f"permissions: {permissions}"
    return "permissions: " + ", ".join(sorted(f"{scope}:{level}" for scope, level in permissions.items()))


def _pin_facts(uses: str) -> list[str]:
    """A fact for a ``uses:`` that is not the lockfile's commit for that action."""
    name, _, ref = uses.partition("@")
    try:
        pinned = pins.action(name).sha
    except KeyError:
        return [f"uses: {uses} (not in the lockfile)"]
    return [] if ref == pinned else [f"uses: {uses} (not the pinned commit)"]


def _cancels(workflow: dict[str, Any]) -> str:
    value = (workflow.get("concurrency") or {}).get("cancel-in-progress", False)
    events = []
    for name, event in EVENTS.items():
        text = str(value).strip()
        inner = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
        on = (
            expressions.truthy(expressions.evaluate(inner[1], {"github": github_context(event)}))
            if inner
            else value is True
        )
        if on:
            events.append(name)
    return "cancels in-progress runs on: " + (", ".join(events) or "-")


def lift(workflow: dict[str, Any]) -> Posture:
    """The posture of a GitHub workflow."""
    on = workflow.get("on") or {}
    events = [on] if isinstance(on, str) else list(on)
    shell = ((workflow.get("defaults") or {}).get("run") or {}).get("shell", "<runner default>")
    posture: Posture = {
        WHOLE_FILE: frozenset(
            {
                "permissions: {}" if workflow.get("permissions") == {} else _scopes(workflow.get("permissions")),
                f"shell: {shell}",
                "on: " + ", ".join(sorted(str(e) for e in events)),
                _cancels(workflow),
            }
        )
    }
    for job_id, job in workflow["jobs"].items():
        facts = {
            _scopes(job.get("permissions")),
            f"environment: {environment_fact(job.get('environment'))}",
            "secrets: " + (", ".join(sorted(set(_SECRET.findall(str(job))))) or "-"),
        }
        for key in ("uses", "secrets"):
            if key in job:
                facts.add(f"job {key}: {job[key]}")
        facts |= _container_facts(job)
        # the working directory is part of the execution plan (workdir); a shell is posture
        run_defaults = {
            k: v for k, v in ((job.get("defaults") or {}).get("run") or {}).items() if k != "working-directory"
        }
        if run_defaults:
            facts.add(f"job defaults: {run_defaults}")
        for step in job.get("steps", []):
            uses = str(step.get("uses", ""))
            if uses:
                facts.update(_pin_facts(uses))
            if (
                uses.startswith("actions/checkout@")
                and (step.get("with") or {}).get("persist-credentials") is not False
            ):
                facts.add("checkout: persists credentials")
            for key in ("shell", "continue-on-error", "working-directory"):
                if key in step:
                    facts.add(f"step {step.get('name', '?')}: {key}: {step[key]}")
        posture[job_id] = frozenset(facts)
    return posture
