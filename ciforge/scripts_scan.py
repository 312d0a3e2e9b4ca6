"""The Trivy blocks of the scan job (``scan:``), the same on both platforms (docs/scan.md): the
severity gate over the target (the pushed image digest, the SBOM artifact or the repository) and
the licence gate. Each platform's own report of the same scan is in its target's scripts.

https://trivy.dev/latest/docs/target/container_image/, .../target/sbom/, .../target/filesystem/
"""

from __future__ import annotations

from typing import Final

from ciforge.scripts import block, pinned
from ciforge.scripts_supply import IMAGE_REF

LICENSES_FILE: Final = "licenses.tsv"

# What each target scans, after the flags: the digest pulled straight from the registry (no
# Docker daemon), the SBOM file the sbom job made, or the checkout.
_TARGETS: Final = {
    "image": ("trivy image --image-src remote", IMAGE_REF),
    "sbom": ("trivy sbom", '"$SBOM_FILE"'),
    "fs": ("trivy fs", "."),
}
# Trivy's scanners per target: `trivy sbom` has no secret or misconfiguration scanner (its
# `--scanners` accepts vuln and license only).
SCANNERS: Final = {
    "image": ("vuln", "secret", "misconfig", "license"),
    "sbom": ("vuln", "license"),
    "fs": ("vuln", "secret", "misconfig", "license"),
}

# One line per package licence: package, licence, Trivy's classification and its severity.
# https://trivy.dev/latest/docs/configuration/reporting/#template
_LICENSE_TEMPLATE: Final = (
    '{{- range . }}{{- range .Licenses }}{{ .PkgName }}{{ "\\t" }}{{ .Name }}{{ "\\t" }}'
    '{{ .Category }}{{ "\\t" }}{{ .Severity }}{{ "\\n" }}{{- end }}{{- end }}'
)


def trivy(target: str, *flags: str) -> str:
    """A Trivy command line over ``target`` with ``flags``; a registry pull logs in first."""
    command, subject = _TARGETS[target]
    return " ".join((command, *flags, subject))


def registry_login(target: str) -> list[str]:
    """Trivy's registry credentials, for the image target only (the others pull nothing)."""
    return ['export TRIVY_USERNAME="$REGISTRY_USER" TRIVY_PASSWORD="$REGISTRY_PASSWORD"'] if target == "image" else []


def scan_gate(*, target: str, scanners: str, severity: str, ignore_unfixed: bool) -> str:
    """The gate: fails on findings of ``scanners`` at ``severity``, honouring ignore-unfixed."""
    flags = ['--scanners "$SCAN_SCANNERS"', '--severity "$SCAN_SEVERITY"'] + (
        ["--ignore-unfixed"] if ignore_unfixed else []
    )
    return block(
        *pinned(("SCAN_SCANNERS", scanners), ("SCAN_SEVERITY", severity)),
        *registry_login(target),
        trivy(target, *flags, "--exit-code 1 --format table"),
    )


# Reads licenses.tsv; a licence matches a denied identifier exactly or with its -only,
# -or-later or + suffix. Every failing package is listed before the verdict.
_LICENSE_VERDICT: Final = r"""awk -F '\t' -v deny="$LICENSE_DENY" -v severity="$LICENSE_SEVERITY" '
BEGIN {
  n = split(deny, list, " "); for (i = 1; i <= n; i++) denied[list[i]] = 1
  n = split(severity, list, ","); for (i = 1; i <= n; i++) failing[list[i]] = 1
}
NF >= 4 {
  checked++
  base = $2; sub(/(-only|-or-later|\+)$/, "", base)
  if (($2 in denied) || (base in denied)) { printf "licence gate: %s is under %s, which is denied\n", $1, $2; bad++ }
  else if ($4 in failing) { printf "licence gate: %s is under %s (%s, %s)\n", $1, $2, $3, $4; bad++ }
}
END {
  if (bad) { printf "licence gate failed: %d of %d package licences are not allowed\n", bad, checked; exit 1 }
  printf "licence gate passed: %d package licences checked\n", checked
}' """


def license_gate(*, target: str, deny: str, severity: str) -> str:
    """List every package licence of ``target`` (kept as licenses.tsv, printed sorted), then fail
    on a denied identifier (space-separated) or a classification at ``severity`` (comma-separated)."""
    return block(
        *pinned(("LICENSE_DENY", deny), ("LICENSE_SEVERITY", severity)),
        *registry_login(target),
        trivy(
            target,
            "--scanners license --severity UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL --exit-code 0",
            f"--format template --template '{_LICENSE_TEMPLATE}' --output {LICENSES_FILE}",
        ),
        f"LC_ALL=C sort -o {LICENSES_FILE} {LICENSES_FILE}",
        f'echo "package licences ($(wc -l < {LICENSES_FILE})):"',
        f"awk -F '\\t' '{{ printf \"  %s  %s  %s  %s\\n\", $1, $2, $3, $4 }}' {LICENSES_FILE}",
        _LICENSE_VERDICT + LICENSES_FILE,
    )
