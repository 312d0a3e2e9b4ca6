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


def _writes_own_registry(job: ir.Job) -> bool:
    """Whether the job's registries include GitHub's own (a job without registry credentials
    reaches only GitHub's own registry)."""
    hosts = [
        ir.registry_credential("PASSWORD", value.arg)[0]
        for _, value in job.env
        if isinstance(value, ir.PlatformValue) and value.name == "registry_password"
    ]
    return not hosts or any(own_registry(host) for host in hosts)


def scopes(job: ir.Job) -> tuple[str, ...]:
    """``scope:level`` entries in a fixed order: the packages scope only for GitHub's own
    registry (another registry takes CI secrets), security-events for the SARIF upload of a
    scan report, attestations for actions/attest, id-token for Sigstore keyless signing."""
    levels: dict[str, str] = {}
    for access in sorted(job.access, key=lambda a: a.value):
        scope, level = ACCESS_SCOPES[access]
        if scope == "packages" and not _writes_own_registry(job):
            continue
        if levels.get(scope) != "write":
            levels[scope] = level
    if job.has(ir.ScanReport) or job.has(ir.CodeScanReport) or job.native:
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
