"""The blocks of the code-scan jobs (``code-scan:``), the same on both platforms (docs/code-scan.md):
the gates over the checkout, and the command lines that write each scanner's SARIF, which each
platform's report step (:class:`ciforge.ir.CodeScanReport`) runs and shows its own way.

gosec: https://github.com/securego/gosec#usage (-fmt sarif -out FILE, -no-fail, -severity,
-confidence); Trivy's secret scanner: https://trivy.dev/latest/docs/scanner/secret/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ciforge import gosec
from ciforge.scripts import block, pinned
from ciforge.scripts_scan import trivy

# The SARIF each scanner writes, and the GitLab security report made of it.
SARIF_FILES: Final = {"gosec": "gosec.sarif", "trivy": "secret-scan.sarif", "govulncheck": "govulncheck.sarif"}
GITLAB_REPORTS: Final = {
    "sast": "gl-sast-report.json",
    "secret_detection": "gl-secret-detection-report.json",
    "dependency_scanning": "gl-dependency-scanning-report.json",
}
# The levels, lowest first; gosec has no CRITICAL (its highest is HIGH).
LEVELS: Final = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
EVERY_SEVERITY: Final = "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL"


def gosec_threshold(severity: tuple[str, ...]) -> str:
    """gosec's -severity for a list that holds a level and every level above it: the lowest."""
    lowest = min(severity, key=LEVELS.index)
    return "high" if lowest == "CRITICAL" else lowest.lower()


def gosec_run(version: str, *flags: str) -> str:
    """gosec at the pinned release over every package, built by the go command (GOTOOLCHAIN=local,
    the download checked against the checksum database)."""
    return " ".join((f"go run {gosec.PACKAGE}@{version}", *flags, "./..."))


def gosec_sarif(version: str) -> str:
    """Every gosec finding as SARIF; it never fails."""
    return gosec_run(version, f"-no-fail -fmt sarif -out {SARIF_FILES['gosec']}")


def gosec_gate(version: str, threshold: str) -> str:
    """gosec's gate: it exits 1 on a finding at ``threshold`` or above, of any confidence."""
    return block(
        *pinned(("GOSEC_SEVERITY", threshold)),
        gosec_run(version, '-severity "$GOSEC_SEVERITY" -confidence low -fmt text'),
    )


def secrets_sarif(_version: str = "") -> str:
    """Every secret Trivy finds in the checkout as SARIF; it never fails (the version is the
    Trivy that the job's image or setup step pinned)."""
    return trivy(
        "fs",
        f"--scanners secret --severity {EVERY_SEVERITY} --exit-code 0",
        f"--format sarif --output {SARIF_FILES['trivy']}",
    )


def secrets_gate(severity: str) -> str:
    """Trivy's secret gate: it exits 1 on a secret at ``severity`` (comma-separated)."""
    return block(
        *pinned(("SECRETS_SEVERITY", severity)),
        trivy("fs", '--scanners secret --severity "$SECRETS_SEVERITY" --exit-code 1 --format table'),
    )


# The command line that writes each scanner's SARIF, by tool, from its release.
SARIF_COMMANDS: Final[dict[str, Callable[[str], str]]] = {"gosec": gosec_sarif, "trivy": secrets_sarif}
