"""The security posture, the part of the execution plan that is each platform's own: what a job
may do beyond its commands (token scopes, environment, OIDC tokens, secrets, shells, hooks,
cancellation) and what the file adds around the jobs (triggers, includes, defaults).

The expectation comes from the IR (:func:`expected`); the lifters read the emitted files
(:mod:`ciforge.plan.posture_lift`). ``ciforge verify`` reports every difference, so a hand edit
that widens a permission, adds a trigger or a hook, persists credentials or unpins an action is
caught even when every command is unchanged. Caches per event and whether a job has the source
are in the platform-neutral plan (:class:`ciforge.plan.model.PlanJob`).

A posture maps a job id (``*`` for the whole file) to a set of facts, each a short string.
"""

from __future__ import annotations

from typing import Final

from ciforge import ir

Posture = dict[str, frozenset[str]]
WHOLE_FILE: Final = "*"
# GitHub: the expression that cancels in-progress runs for pull requests only.
CANCEL_PULL_REQUESTS: Final = "cancels in-progress runs on: pr"


def _github_secrets(job: ir.Job) -> list[str]:
    """The repository or environment secrets a GitHub job reads."""
    out = []
    for _, value in job.env:
        if not isinstance(value, ir.PlatformValue):
            continue
        ghcr = value.arg in ("", "ghcr.io")
        if value.name == "secret":
            out.append(value.arg)
        elif value.name == "registry_user" and not ghcr:
            out.append("REGISTRY_USER")
        elif value.name == "registry_password":
            out.append("GITHUB_TOKEN" if ghcr else "REGISTRY_PASSWORD")
        elif value.name == "github_token":
            out.append("GITHUB_TOKEN")
    return sorted(set(out))


def _github(pipeline: ir.Pipeline) -> Posture:
    t = pipeline.triggers
    events = (["push"] if t.branches or t.tags else []) + (["pull_request"] if t.change_requests else [])
    events += ["workflow_dispatch"] if t.manual else []
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
                "permissions: " + ", ".join(sorted(job.permissions)),
                f"environment: {job.environment or '-'}",
                "secrets: " + (", ".join(_github_secrets(job)) or "-"),
            }
        )
    return posture


def _gitlab_id_tokens(job: ir.Job) -> str:
    """A signing job's Sigstore token; a job that verifies a keyless signature reads the signing
    identity from a token of its own audience (docs/equivalence.md)."""
    if job.oidc:
        return "SIGSTORE_ID_TOKEN (aud sigstore)"
    if any(isinstance(v, ir.PlatformValue) and v.name == "signing_issuer" for _, v in job.env):
        return "IDENTITY_ID_TOKEN (aud ciforge-signing-identity)"
    return "-"


def _gitlab(pipeline: ir.Pipeline) -> Posture:
    posture: Posture = {WHOLE_FILE: frozenset({"auto_cancel: interruptible"})}
    for job in pipeline.jobs:
        facts = {
            f"environment: {job.environment or '-'}",
            "id_tokens: " + _gitlab_id_tokens(job),
            f"interruptible: {str(job.interruptible).lower()}",
        }
        if job.runtime == ir.Runtime.DOCKER:
            facts.add("services: docker:dind")
        posture[job.id] = frozenset(facts)
    return posture


def expected(pipeline: ir.Pipeline, platform: str) -> Posture:
    """The posture the manifest means on ``platform`` (github or gitlab)."""
    return _github(pipeline) if platform == "github" else _gitlab(pipeline)


def differences(want: Posture, found: Posture) -> list[str]:
    """Human-readable differences (empty when the postures are equal)."""
    out = []
    for key in sorted(want.keys() | found.keys()):
        where = "the file" if key == WHOLE_FILE else f"job {key}"
        missing = sorted(want.get(key, frozenset()) - found.get(key, frozenset()))
        extra = sorted(found.get(key, frozenset()) - want.get(key, frozenset()))
        if key not in found:
            out.append(f"security posture: {where} is missing")
            continue
        if key not in want:
            out.append(f"security posture: {where} is not one the manifest defines")
            continue
        for fact in extra:
            out.append(f"security posture: {where}: found {fact!r}, which the manifest does not mean")
        for fact in missing:
            out.append(f"security posture: {where}: expected {fact!r}")
    return out
