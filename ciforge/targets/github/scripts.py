"""The blocks only GitHub runs: the platform's own spelling of the reporting and release contracts
(:class:`ciforge.ir.CoverageReport`, :class:`ciforge.ir.TestReport`, :class:`ciforge.ir.ScanReport`,
:class:`ciforge.ir.PublishRelease`), each a named exception in docs/equivalence.md."""

from __future__ import annotations

from typing import Final

from ciforge import ir, scripts_codescan
from ciforge.scripts import block, pinned
from ciforge.scripts_coverage import UNCOVERED_FILE
from ciforge.scripts_scan import registry_login, trivy

SARIF_FILE: Final = "trivy.sarif"


def coverage_summary(threshold: str) -> str:
    """The coverage table as the job summary.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary"""
    return block(
        *pinned(("COVERAGE_THRESHOLD", threshold)),
        'total="$(awk \'$1 == "total:" { print $NF }\' coverage.txt)"',
        "{",
        '  echo "## Coverage"',
        "  echo",
        '  echo "Total statement coverage: ${total} (required: ${COVERAGE_THRESHOLD}%)"',
        "  echo",
        "  echo '<details><summary>Per function</summary>'",
        "  echo",
        "  echo '```'",
        "  cat coverage.txt",
        "  echo '```'",
        "  echo '</details>'",
        '} >> "$GITHUB_STEP_SUMMARY"',
    )


def test_report() -> str:
    """The test results the go test block wrote: the table as the job summary, and each failed
    test as an error annotation (a workflow command; values escaped as the runner requires).
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-error-message"""
    return block(
        'if [ -f test-summary.md ]; then cat test-summary.md >> "$GITHUB_STEP_SUMMARY"; fi',
        "if [ ! -f test-failures.tsv ]; then exit 0; fi",
        "while IFS=$'\\t' read -r package test message; do",
        '  title="${test} failed in ${package}"',
        '  title="${title//%/%25}"; title="${title//:/%3A}"; title="${title//,/%2C}"',
        '  echo "::error title=${title}::${message//%/%25}"',
        "done < test-failures.tsv",
    )


def new_code_report() -> str:
    """Each uncovered changed line the new-code gate listed as a warning annotation on that line
    of the pull request. https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-a-warning-message"""
    return block(
        f"if [ ! -s {UNCOVERED_FILE} ]; then exit 0; fi",
        "while IFS=: read -r file line; do",
        '  echo "::warning file=${file},line=${line},title=Not covered by tests::changed line not covered by tests"',
        f"done < {UNCOVERED_FILE}",
    )


def scan_report(target: str, scanners: str) -> str:
    """Trivy's report of every severity as SARIF, for code scanning; it never fails. Separate from
    the gate because the GitHub action drops the severity filter when it writes SARIF, unless
    limit-severities-for-sarif is set (https://github.com/aquasecurity/trivy-action#inputs)."""
    return block(
        *registry_login(target),
        trivy(
            target,
            f"--scanners {scanners} --severity UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL --exit-code 0",
            f"--format sarif --output {SARIF_FILE}",
        ),
    )


def code_scan_report(step: ir.CodeScanReport) -> str:
    """The code scanner's every finding as SARIF, for code scanning (the same command line as
    GitLab's report runs before converting it); it never fails (docs/code-scan.md)."""
    return block(scripts_codescan.SARIF_COMMANDS[step.tool](step.version))


def publish_release(*, notes: bool, draft: bool = False, assets: bool = True) -> str:
    """Create the release with the gh CLI that the runner image ships, its notes from
    release-notes.md (never GitHub's own generated notes, which GitLab has no counterpart of).
    https://cli.github.com/manual/gh_release_create"""
    return block(
        'gh release create "$RELEASE_TAG" --repo "$GITHUB_REPOSITORY" --verify-tag --title "$RELEASE_TAG" '
        + ("--draft " if draft else "")
        + ("--notes-file release-notes.md" if notes else "--notes ''")
        + (" release/*" if assets else ""),
    )
