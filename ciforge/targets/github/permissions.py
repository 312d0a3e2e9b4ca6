"""The GITHUB_TOKEN scopes of a job, from what it does (:class:`ciforge.ir.Access`, its steps and
its OIDC need), least privilege first.
https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idpermissions"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ciforge import ir
from ciforge.targets.github.values import own_registry

# scope -> level per access; "write" wins over "read" for the same scope.
ACCESS_SCOPES: Final[Mapping[ir.Access, tuple[str, str]]] = {
    ir.Access.READ_SOURCE: ("contents", "read"),
    ir.Access.WRITE_RELEASES: ("contents", "write"),
    ir.Access.READ_IMAGES: ("packages", "read"),
    ir.Access.WRITE_IMAGES: ("packages", "write"),
}
SCOPE_ORDER: Final = ("contents", "packages", "attestations", "security-events", "id-token")


def _registry_host(job: ir.Job) -> str:
    for name, value in job.env:
        if name == "REGISTRY_PASSWORD" and isinstance(value, ir.PlatformValue):
            return value.arg
    return ""


def scopes(job: ir.Job) -> tuple[str, ...]:
    """``scope:level`` entries in a fixed order: the packages scope only for GitHub's own
    registry (another registry takes CI secrets), security-events for the SARIF upload of a
    scan report, attestations for actions/attest, id-token for Sigstore keyless signing."""
    levels: dict[str, str] = {}
    for access in sorted(job.access, key=lambda a: a.value):
        scope, level = ACCESS_SCOPES[access]
        if scope == "packages" and not own_registry(_registry_host(job)):
            continue
        if levels.get(scope) != "write":
            levels[scope] = level
    if job.has(ir.ScanReport):
        levels["security-events"] = "write"
    if job.oidc:
        levels["id-token"] = "write"
    if job.has(ir.AttestProvenance):  # actions/attest signs with the job's OIDC token, always keyless
        levels["attestations"] = "write"
        levels["id-token"] = "write"
    return tuple(f"{scope}:{levels[scope]}" for scope in SCOPE_ORDER if scope in levels)


def environment(job: ir.Job) -> str | None:
    """The deployment environment a job runs in on GitHub: its own (protected secrets), else the
    manual environment whose required reviewers hold a manual job (docs/equivalence.md,
    manual-approval)."""
    return job.environment or (ir.MANUAL_ENVIRONMENT if job.manual else None)
