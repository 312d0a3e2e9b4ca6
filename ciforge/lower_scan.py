"""Lowering of ``scan:``: one Trivy job with the severity gate and, with ``scan.licenses``, the
licence gate, over its target (docs/scan.md):

* ``image``: the pushed digest, after image-publish, on the publish events;
* ``sbom``: the sbom job's artifact, after it, on its events: no registry pull;
* ``fs``: the checkout, on every event, needing nothing.

Whatever ships waits for the scan: promote (through sign, or directly) and, for the sbom and fs
targets, the release assets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ciforge import ir, scripts_scan
from ciforge.model import Scan

if TYPE_CHECKING:
    from ciforge.lower_supply import SupplyChain


def check(chain: SupplyChain) -> None:
    """The target exists, and each scanner is one Trivy has for it."""
    m = chain.m
    scan = m.scan
    if scan is None:
        return
    if scan.target == "image" and m.image is None:
        chain.error(
            "conflict", "scan.target image scans the pushed image: add an image section, or scan sbom or fs", ("scan",)
        )
    if scan.target == "sbom" and m.sbom is None:
        chain.error("conflict", "scan.target sbom scans the SBOM: add an sbom section", ("scan", "target"))
    if scan.target != "sbom" and (scan.licenses is not None or "license" in scan.scanners):
        chain.warn(
            "conflict",
            f"trivy {scan.target} sees the licences of OS packages and files only: a Go binary and a checkout "
            "without its module cache hold no Go module licences; scan.target sbom has syft fetch them",
            ("scan", "licenses") if scan.licenses is not None else ("scan", "scanners"),
        )
    allowed = scripts_scan.SCANNERS[scan.target]
    for i, scanner in enumerate(scan.scanners):
        if scanner not in allowed:
            chain.error(
                "conflict",
                f"trivy {scan.target} has no {scanner} scanner (it has {', '.join(allowed)})",
                ("scan", "scanners", i),
            )


def events(chain: SupplyChain, scan: Scan) -> frozenset[ir.Event]:
    """The events the scan job runs on: those of what it scans."""
    if scan.target == "fs" or (scan.target == "sbom" and chain.m.image is None):
        return ir.ALL_EVENTS
    return chain.publish_events


def job(chain: SupplyChain) -> ir.Job:
    scan = chain.m.scan
    assert scan is not None
    severity = ",".join(scan.severity)
    scanners = ",".join(scan.scanners)
    target = scan.target
    image = target == "image"
    steps: list[ir.Step] = [
        *((ir.Checkout(),) if target == "fs" else ()),
        chain.tool("trivy"),
        ir.ScanReport(target=target, scanners=scanners),
        ir.Run(
            id="scan-gate",
            name="Trivy gate",
            script=scripts_scan.scan_gate(
                target=target, scanners=scanners, severity=severity, ignore_unfixed=scan.ignore_unfixed
            ),
        ),
    ]
    gates = [
        ir.Gate(
            kind="vulnerabilities",
            block="scan-gate",
            detail=(
                ("severity", severity),
                ("ignore_unfixed", str(scan.ignore_unfixed).lower()),
                ("target", target),
                ("scanners", scanners),
            ),
        )
    ]
    produces: tuple[ir.Artifact, ...] = ()
    if scan.licenses is not None:
        deny, failing = " ".join(scan.licenses.deny), ",".join(scan.licenses.severity)
        steps.append(
            ir.Run(
                id="license-gate",
                name="Licence gate",
                script=scripts_scan.license_gate(target=target, deny=deny, severity=failing),
            )
        )
        gates.append(ir.Gate(kind="licenses", block="license-gate", detail=(("deny", deny), ("severity", failing))))
        produces = (ir.Artifact(name="licenses", paths=(scripts_scan.LICENSES_FILE,), when="always"),)
    of_sbom = target == "sbom"
    return ir.Job(
        id="scan",
        name="Vulnerability scan" if scan.scanners == ("vuln",) else "Trivy scan",
        stage="verify",
        needs=("image-publish",) if image else ("sbom",) if of_sbom else (),
        events=events(chain, scan),
        runtime=ir.Runtime.TRIVY,
        env=chain.registry_env() if image else ((("SBOM_FILE", chain.sbom_file()[0]),) if of_sbom else ()),
        steps=tuple(steps),
        inputs=(chain.image_input(),) if image else (),
        consumes=(ir.ArtifactInput(producer="sbom", name="sbom"),) if of_sbom else (),
        produces=produces,
        access=chain.access(ir.Access.READ_IMAGES) if image else chain.access(),
        timeout_minutes=20,
        cancellable=not image,
        environment=chain.environment if image else None,
        gates=tuple(gates),
    )
