"""Lowering of ``code-scan:`` (docs/code-scan.md): one job per scanner over the checkout, on the
events the manifest names, each with its full report in the platform's own view
(:class:`ciforge.ir.CodeScanReport`) and its gate, the same block on both platforms:

* ``code-scan-sast``: gosec at a pinned release (``sast: gosec``), or each platform's own
  analysis (``sast: native``: :class:`ciforge.ir.NativeSast`, in no plan);
* ``code-scan-secrets``: Trivy's secret scanner (``secrets: true``);
* ``code-scan-dependencies``: govulncheck (``dependencies: true``; the release of
  ``lint.govulncheck``, else the newest the pipeline's Go builds), and on pull and merge requests
  ``code-scan-dependency-review``: the modules go.sum adds since the base, against govulncheck's
  module scan.

The jobs need nothing and nothing waits for them; they read the source only (GitHub adds the
security-events scope for the SARIF upload) and get no secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ciforge import gosec, govulncheck, ir, lower_jobs, pins, scripts, scripts_codescan as s

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
    scan: CodeScan,
    *,
    kind: str,
    name: str,
    runtime: ir.Runtime,
    go: str | None,
    steps: list[ir.Step],
    gate: ir.Gate | None,
) -> ir.Job:
    """A scan job over the checkout; a Go job sets up the pipeline's Go first."""
    setup: list[ir.Step] = [ir.Checkout(), *((ir.SetupGo(version=go),) if go is not None else ())]
    return ir.Job(
        id=f"code-scan-{kind}",
        name=name,
        stage="check",
        events=frozenset(lower_jobs.EVENTS[event] for event in scan.events),
        go=go,
        runtime=runtime,
        steps=(*setup, *steps),
        timeout_minutes=20,
        gates=(gate,) if gate is not None else (),
    )


_KINDS = {"sast": "sast", "dependency_scanning": "dependencies"}


def _go_scanner(
    scan: CodeScan, go: str, report: ir.CodeScanReport, gate: ir.Run, detail: tuple[tuple[str, str], ...] = ()
) -> ir.Job:
    """A Go tool's job: its report, then its gate block (a typed gate with ``detail``, else the
    block's exit code)."""
    return _job(
        scan,
        kind=_KINDS[report.report],
        name=f"{report.tool} {report.version}",
        runtime=ir.Runtime.GO,
        go=go,
        steps=[report, gate],
        gate=ir.Gate(kind="findings" if detail else "exit_code", block=gate.id, detail=detail),
    )


def sast_job(low: Lowering, scan: CodeScan, go: str) -> ir.Job | None:
    """gosec: its SARIF report, then its gate at the severity threshold; or each platform's own
    engine and rules (``native``, named exception sast-native: no shared gate)."""
    if go == low.unresolved:
        return None
    if scan.sast == "native":
        return _job(
            scan,
            kind="sast",
            name="Static analysis (native)",
            runtime=ir.Runtime.GO,
            go=go,
            steps=[ir.NativeSast()],
            gate=None,
        )
    try:
        version = gosec.choose(go)
    except gosec.NoReleaseError as exc:
        low.error("conflict", str(exc), ("code-scan", "sast"))
        return None
    threshold = s.gosec_threshold(scan.severity)
    return _go_scanner(
        scan,
        go,
        ir.CodeScanReport(tool="gosec", version=version, report="sast"),
        ir.Run(id="sast-gate", name="gosec gate", script=s.gosec_gate(version, threshold)),
        detail=(("tool", "gosec"), ("severity", threshold), ("confidence", "low")),
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


def dependency_jobs(low: Lowering, scan: CodeScan, go: str) -> list[ir.Job]:
    """govulncheck's SARIF report and its gate (the lint job's block: a vulnerability reached from
    the code fails), and the review of added modules on change requests."""
    if go == low.unresolved:
        return []
    asked = low.m.lint.govulncheck
    try:
        version = asked if isinstance(asked, str) else govulncheck.choose(go)
    except govulncheck.NoReleaseError as exc:
        low.error("govulncheck", str(exc), ("code-scan", "dependencies"))
        return []
    packages: ir.Env = (("GO_PACKAGES", low.m.go.packages),)
    scan_job = _go_scanner(
        scan,
        go,
        ir.CodeScanReport(tool="govulncheck", version=version, report="dependency_scanning"),
        ir.Run(id="dependencies-gate", name="govulncheck gate", script=scripts.govulncheck(version)),
    )
    out = [attrs.evolve(scan_job, env=packages)]
    if "pr" in scan.events:
        review = _job(
            scan,
            kind="dependency-review",
            name="Dependency review",
            runtime=ir.Runtime.GO,
            go=go,
            steps=[
                ir.Run(id="dependency-review", name="Review added modules", script=s.dependency_review(version)),
            ],
            gate=ir.Gate(kind="exit_code", block="dependency-review"),
        )
        out.append(
            attrs.evolve(
                review,
                events=frozenset({ir.Event.CHANGE_REQUEST}),
                env=(*packages, ("CHANGE_BASE", ir.PlatformValue("change_base"))),
                full_history=True,
            )
        )
    return out


def jobs(low: Lowering, go: str) -> list[ir.Job]:
    """The code-scan jobs the manifest asks for."""
    scan = low.m.code_scan
    if scan is None or not check(low, scan):
        return []
    out: list[ir.Job] = []
    if scan.sast and (job := sast_job(low, scan, go)) is not None:
        out.append(job)
    if scan.secrets:
        out.append(secrets_job(scan))
    if scan.dependencies:
        out += dependency_jobs(low, scan, go)
    return out
