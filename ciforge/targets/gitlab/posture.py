"""The security posture of a GitLab pipeline (:mod:`ciforge.plan.posture`): what the manifest
means (:func:`expected`, from the IR) and what a pipeline file holds (:func:`lift`, from the YAML
alone; it shares no code with the emitter)."""

from __future__ import annotations

from typing import Any, Final

from ciforge import ir
from ciforge.plan.posture import WHOLE_FILE, Posture, environment_fact
from ciforge.targets.gitlab.lifter import DIND_IMAGE, SAST_INCLUDE

# GitLab keywords that run code or pull configuration around every job.
# https://docs.gitlab.com/ci/yaml/#default
_GITLAB_GLOBAL: Final = ("include", "default", "before_script", "after_script", "image", "services", "cache")
_GITLAB_JOB_HOOKS: Final = ("before_script", "after_script", "hooks", "extends", "inherit", "trigger")


def _gitlab_id_tokens(job: ir.Job) -> str:
    """A signing job's Sigstore token; a job that verifies a keyless signature reads the signing
    identity from a token of its own audience (docs/equivalence.md)."""
    if job.oidc:
        return "SIGSTORE_ID_TOKEN (aud sigstore)"
    if any(isinstance(v, ir.PlatformValue) and v.name == "signing_issuer" for _, v in job.env):
        return "IDENTITY_ID_TOKEN (aud ciforge-signing-identity)"
    return "-"


def expected(pipeline: ir.Pipeline) -> Posture:
    """The posture the manifest means on GitLab."""
    posture: Posture = {WHOLE_FILE: frozenset({"auto_cancel: interruptible"})}
    for job in pipeline.jobs:
        if job.native:  # GitLab's SAST template, its analyzers in the stage of the job sast
            posture[WHOLE_FILE] |= {f"top-level include: {SAST_INCLUDE}"}
            posture["sast"] = frozenset({"environment: -", "id_tokens: -", "interruptible: false"})
            continue
        facts = {
            f"environment: {job.environment or '-'}",
            "id_tokens: " + _gitlab_id_tokens(job),
            f"interruptible: {str(job.cancellable).lower()}",
        }
        if job.runtime == ir.Runtime.DOCKER or job.docker:
            facts.add("services: docker:dind")
        posture[job.id] = frozenset(facts)
    return posture


def _id_tokens(value: Any) -> str:
    if not value:
        return "id_tokens: -"
    return "id_tokens: " + ", ".join(
        f"{name} (aud {spec.get('aud') if isinstance(spec, dict) else spec})" for name, spec in sorted(value.items())
    )


def lift(doc: dict[str, Any]) -> Posture:
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
            f"environment: {environment_fact(job.get('environment'))}",
            _id_tokens(job.get("id_tokens")),
            f"interruptible: {str(job.get('interruptible', False)).lower()}",
        }
        # Other service containers are part of the plan (PlanJob.services).
        if any(DIND_IMAGE.fullmatch(str(s)) for s in job.get("services") or []):
            job_facts.add("services: docker:dind")
        job_facts.update(f"{key}: {job[key]}" for key in _GITLAB_JOB_HOOKS if key in job)
        # allow_failure: true is in the plan; exit codes (allowed to fail with those only) are not
        if isinstance(job.get("allow_failure"), dict):
            job_facts.add(f"allow_failure: {job['allow_failure']}")
        posture[name] = frozenset(job_facts)
    return posture
