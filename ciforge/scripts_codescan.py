"""The blocks of the code-scan jobs (``code-scan:``), the same on both platforms (docs/code-scan.md):
the gates over the checkout, and the command lines that write each scanner's SARIF, which each
platform's report step (:class:`ciforge.ir.CodeScanReport`) runs and shows its own way.

gosec: https://github.com/securego/gosec#usage (-fmt sarif -out FILE, -no-fail, -severity,
-confidence); Trivy's secret scanner: https://trivy.dev/latest/docs/scanner/secret/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ciforge import gosec, govulncheck
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


def govulncheck_sarif(version: str) -> str:
    """Every known vulnerability of the packages' modules as SARIF (govulncheck exits 0 with
    -format sarif whatever it finds: https://pkg.go.dev/golang.org/x/vuln/cmd/govulncheck#hdr-Exit_codes)."""
    return f'go run {govulncheck.PACKAGE}@{version} -format sarif "$GO_PACKAGES" > {SARIF_FILES["govulncheck"]}'


# The command line that writes each scanner's SARIF, by tool, from its release.
SARIF_COMMANDS: Final[dict[str, Callable[[str], str]]] = {
    "gosec": gosec_sarif,
    "trivy": secrets_sarif,
    "govulncheck": govulncheck_sarif,
}


def dependency_review(version: str) -> str:
    """On a pull or merge request (CHANGE_BASE: its base commit), the modules go.sum adds since the
    base (a module line, not a /go.mod line, new in the head), then govulncheck's module scan
    (``-scan module``: every required module, called or not); a known vulnerability in an added
    module fails the review, each listed. Outside a change request it reviews nothing. govulncheck
    exits 3 when it finds vulnerabilities and prints each as ``Found in: module@version``
    (golang.org/x/vuln internal/scan/text.go)."""
    return block(
        'base="${CHANGE_BASE:-}"',
        # GitLab keeps an unset variable's reference as the value (gitlab-org/gitlab#350747)
        'case "$base" in *[!0-9a-f]*) base="" ;; esac',
        'if [ -z "$base" ]; then',
        '  echo "dependency review: not a pull or merge request, nothing to review"',
        "  exit 0",
        "fi",
        'if ! git cat-file -e "${base}^{commit}" 2>/dev/null; then',
        '  git fetch --quiet --no-tags origin "$base"',
        "fi",
        'work="$(mktemp -d)"',
        "modules() { awk '$2 !~ /\\/go\\.mod$/ { print $1 \"@\" $2 }' | LC_ALL=C sort -u; }",
        'if git cat-file -e "${base}:go.sum" 2>/dev/null; then git show "${base}:go.sum" | modules > "$work/base"; '
        'else : > "$work/base"; fi',
        'if [ -f go.sum ]; then modules < go.sum > "$work/head"; else : > "$work/head"; fi',
        'LC_ALL=C comm -13 "$work/base" "$work/head" > "$work/added"',
        'if [ ! -s "$work/added" ]; then',
        '  echo "dependency review: go.sum adds no module since ${base}"',
        "  exit 0",
        "fi",
        'echo "modules go.sum adds since ${base}:"',
        'sed "s/^/  /" "$work/added"',
        "status=0",
        f'go run {govulncheck.PACKAGE}@{version} -scan module "$GO_PACKAGES" > "$work/scan" || status=$?',
        'if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then cat "$work/scan"; exit "$status"; fi',
        'sed -n "s/^ *Found in: *//p" "$work/scan" | LC_ALL=C sort -u > "$work/vulnerable"',
        'LC_ALL=C comm -12 "$work/added" "$work/vulnerable" > "$work/bad"',
        'if [ -s "$work/bad" ]; then',
        '  echo "dependency review failed: added modules with known vulnerabilities:"',
        '  sed "s/^/  /" "$work/bad"',
        '  cat "$work/scan"',
        "  exit 1",
        "fi",
        'echo "dependency review passed: $(wc -l < "$work/added") added module(s), none with a known vulnerability"',
    )
