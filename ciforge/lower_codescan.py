"""Lowering of ``code-scan:`` (docs/code-scan.md): one job per scanner over the checkout, on the
events the manifest names, each with its full report in the platform's own view
(:class:`ciforge.ir.CodeScanReport`) and its gate, the same block on both platforms:

* ``code-scan-sast``: gosec at a pinned release (``sast: gosec``);
* ``code-scan-secrets``: Trivy's secret scanner (``secrets: true``).

The jobs need nothing and nothing waits for them; they read the source only (GitHub adds the
security-events scope for the SARIF upload) and get no secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ciforge import gosec, ir, lower_jobs, pins
from ciforge import scripts_codescan as s

if TYPE_CHECKING:
    from ciforge.lower import Lowering
    from ciforge.model import CodeScan


def check(low: Lowering, scan: CodeScan) -> bool:
    """The severity list is a level and every level above it; some scanner is on."""
    ok = True
    if not (scan.sast or scan.secrets or scan.dependencies):
        low.error("conflict", "code-scan turns every scanner off: enable sast, secrets or dependencies", ("code-scan",))
        ok = False
    lowest = min(s.LEVELS.index(level) for level in scan.severity)
    missing = [level for level in s.LEVELS[lowest:] if level not in scan.severity]
    if missing:
        low.error(
            "conflict",
            f"code-scan.severity lists {scan.severity[0] if len(scan.severity) == 1 else ', '.join(scan.severity)} "
            f"but not {', '.join(missing)}: gosec gates at a threshold, so list a level and every level above it",
            ("code-scan", "severity"),
        )
        ok = False
    if scan.sast == "gosec" and scan.severity == ("CRITICAL",):
        low.error(
            "conflict",
            "gosec has no CRITICAL level (its highest is HIGH): list HIGH and CRITICAL",
            ("code-scan", "severity"),
        )
        ok = False
    return ok


def _job(
    scan: CodeScan, *, kind: str, name: str, runtime: ir.Runtime, go: str | None, steps: list[ir.Step], gate: ir.Gate
) -> ir.Job:
    return ir.Job(
        id=f"code-scan-{kind}",
        name=name,
        stage="check",
        events=frozenset(lower_jobs.EVENTS[event] for event in scan.events),
        go=go,
        runtime=runtime,
        steps=tuple(steps),
        timeout_minutes=20,
        gates=(gate,),
    )


def sast_job(low: Lowering, scan: CodeScan, go: str) -> ir.Job | None:
    """gosec: its SARIF report, then its gate at the severity threshold."""
    if go == low.unresolved:
        return None
    try:
        version = gosec.choose(go)
    except gosec.NoReleaseError as exc:
        low.error("conflict", str(exc), ("code-scan", "sast"))
        return None
    threshold = s.gosec_threshold(scan.severity)
    return _job(
        scan,
        kind="sast",
        name=f"gosec {version}",
        runtime=ir.Runtime.GO,
        go=go,
        steps=[
            ir.Checkout(),
            ir.SetupGo(version=go),
            ir.CodeScanReport(tool="gosec", version=version, report="sast"),
            ir.Run(id="sast-gate", name="gosec gate", script=s.gosec_gate(version, threshold)),
        ],
        gate=ir.Gate(
            kind="findings",
            block="sast-gate",
            detail=(("tool", "gosec"), ("severity", threshold), ("confidence", "low")),
        ),
    )


def secrets_job(scan: CodeScan) -> ir.Job:
    """Trivy's secret scanner: its SARIF report, then its gate at the severities."""
    severity = ",".join(level for level in s.LEVELS if level in scan.severity)
    return _job(
        scan,
        kind="secrets",
        name="Secret scan",
        runtime=ir.Runtime.TRIVY,
        go=None,
        steps=[
            ir.Checkout(),
            ir.SetupTool(tool="trivy", version=pins.tool_version("trivy")),
            ir.CodeScanReport(tool="trivy", version=pins.tool_version("trivy"), report="secret_detection"),
            ir.Run(id="secrets-gate", name="Secret gate", script=s.secrets_gate(severity)),
        ],
        gate=ir.Gate(
            kind="vulnerabilities",
            block="secrets-gate",
            detail=(("severity", severity), ("ignore_unfixed", "false"), ("target", "fs"), ("scanners", "secret")),
        ),
    )


def jobs(low: Lowering, go: str) -> list[ir.Job]:
    """The code-scan jobs the manifest asks for."""
    scan = low.m.code_scan
    if scan is None or not check(low, scan):
        return []
    out: list[ir.Job] = []
    if scan.sast == "gosec" and (job := sast_job(low, scan, go)) is not None:
        out.append(job)
    if scan.secrets:
        out.append(secrets_job(scan))
    if scan.dependencies:
        low.warn("conflict", "code-scan.dependencies is not lowered yet: no job scans the modules", ("code-scan",))
    if scan.sast == "native":
        low.warn("conflict", "code-scan.sast native is not lowered yet: no job runs static analysis", ("code-scan",))
    return out
