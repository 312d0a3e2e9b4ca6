"""Lift the security posture (:mod:`ciforge.plan.posture`) from an emitted file. It reads only
the YAML; it shares no code with the emitters. Anything security-relevant the lifter does not
expect becomes a fact of its own, so it shows up as a difference."""

from __future__ import annotations

import re
from typing import Any, Final

from ciforge import pins
from ciforge.plan import gh_expr
from ciforge.plan.lift_github import github_context
from ciforge.plan.model import EVENTS
from ciforge.plan.posture import WHOLE_FILE, Posture

_SECRET: Final = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")
# GitLab keywords that run code or pull configuration around every job.
# https://docs.gitlab.com/ci/yaml/#default
_GITLAB_GLOBAL: Final = ("include", "default", "before_script", "after_script", "image", "services", "cache")
_GITLAB_JOB_HOOKS: Final = ("before_script", "after_script", "hooks", "extends", "inherit", "trigger")


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
        on = gh_expr.truthy(gh_expr.evaluate(inner[1], {"github": github_context(event)})) if inner else value is True
        if on:
            events.append(name)
    return "cancels in-progress runs on: " + (", ".join(events) or "-")


def github(workflow: dict[str, Any]) -> Posture:
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
            f"environment: {_environment(job.get('environment'))}",
            "secrets: " + (", ".join(sorted(set(_SECRET.findall(str(job))))) or "-"),
        }
        for key in ("container", "services", "continue-on-error", "uses", "secrets"):
            if key in job:
                facts.add(f"job {key}: {job[key]}")
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


def _environment(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name", "-"))
    return "-" if value is None else str(value)


def _id_tokens(value: Any) -> str:
    if not value:
        return "id_tokens: -"
    return "id_tokens: " + ", ".join(
        f"{name} (aud {spec.get('aud') if isinstance(spec, dict) else spec})" for name, spec in sorted(value.items())
    )


def gitlab(doc: dict[str, Any]) -> Posture:
    """The posture of a GitLab pipeline."""
    auto_cancel = ((doc.get("workflow") or {}).get("auto_cancel") or {}).get("on_new_commit", "conservative")
    facts = {f"auto_cancel: {auto_cancel}"}
    facts.update(f"top-level {key}: {doc[key]}" for key in _GITLAB_GLOBAL if key in doc)
    posture: Posture = {WHOLE_FILE: frozenset(facts)}
    for name, job in doc.items():
        if name in ("workflow", "stages", "variables", "spec", *_GITLAB_GLOBAL) or not isinstance(job, dict):
            continue
        if name.startswith("."):
            posture[WHOLE_FILE] |= {f"hidden job {name}"}
            continue
        job_facts = {
            f"environment: {_environment(job.get('environment'))}",
            _id_tokens(job.get("id_tokens")),
            f"interruptible: {str(job.get('interruptible', False)).lower()}",
        }
        if job.get("services"):
            dind = all(re.fullmatch(r"docker:[0-9.]+-dind", str(s)) for s in job["services"])
            job_facts.add("services: docker:dind" if dind else f"services: {job['services']}")
        job_facts.update(f"{key}: {job[key]}" for key in _GITLAB_JOB_HOOKS if key in job)
        if job.get("allow_failure"):
            job_facts.add(f"allow_failure: {job['allow_failure']}")
        posture[name] = frozenset(job_facts)
    return posture
