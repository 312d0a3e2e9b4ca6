"""The blocks only GitLab runs: the platform's own spelling of the reporting and release contracts
(:class:`ciforge.ir.CoverageReport`, :class:`ciforge.ir.ScanReport`,
:class:`ciforge.ir.PublishRelease`), each a named exception in docs/equivalence.md."""

from __future__ import annotations

from importlib import resources
from typing import Final

from ciforge import ir, scripts_codescan
from ciforge.scripts import block
from ciforge.scripts_scan import registry_login, trivy

COBERTURA_FILE: Final = "coverage.xml"
CONTAINER_SCANNING_FILE: Final = "gl-container-scanning-report.json"
# The total that `go tool cover -func` prints, for the job's coverage: keyword.
# https://docs.gitlab.com/ci/testing/code_coverage/#coverage-regex-patterns
COVERAGE_REGEX: Final = r"/total:\s+\(statements\)\s+\d+(?:\.\d+)?%/"


# Cobertura from a Go cover profile, in awk, so the GitLab job needs no download at run time.
# GitLab maps <source> + filename onto the MR diff, so the source is the project directory and
# file names are relative to the module root.
# https://docs.gitlab.com/ci/testing/code_coverage/cobertura/
_COBERTURA_LINES: Final = r"""awk 'NR > 1 {
  split($1, loc, ":"); split(loc[2], span, ","); split(span[1], s, "."); split(span[2], e, ".")
  for (l = s[1] + 0; l <= e[1] + 0; l++) {
    k = loc[1] SUBSEP l
    if (!(k in hits) || $3 + 0 > hits[k]) hits[k] = $3 + 0
  }
} END { for (k in hits) { split(k, p, SUBSEP); printf "%s\t%d\t%d\n", p[1], p[2], hits[k] } }' \
  coverage.filtered.out | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2,2n > coverage.lines"""

_COBERTURA_XML: Final = r"""awk -F '\t' -v module="$(go list -m)/" -v source="$CI_PROJECT_DIR@MODULE_DIR@" '
function rate(c, v) { return v ? sprintf("%.4f", c / v) : "1.0000" }
{
  f = $1; if (index(f, module) == 1) f = substr(f, length(module) + 1)
  if (!(f in valid)) order[++n] = f
  valid[f]++; if ($3 > 0) covered[f]++
  body[f] = body[f] sprintf("          <line number=\"%d\" hits=\"%d\"/>\n", $2, $3)
  tv++; if ($3 > 0) tc++
}
END {
  print "<?xml version=\"1.0\" ?>"
  print "<!DOCTYPE coverage SYSTEM \"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">"
  printf "<coverage line-rate=\"%s\" branch-rate=\"0\" lines-covered=\"%d\" lines-valid=\"%d\" branches-covered=\"0\" branches-valid=\"0\" complexity=\"0\" version=\"ciforge\" timestamp=\"0\">\n", rate(tc, tv), tc, tv
  printf "  <sources>\n    <source>%s</source>\n  </sources>\n  <packages>\n", source
  printf "    <package name=\".\" line-rate=\"%s\" branch-rate=\"0\" complexity=\"0\">\n      <classes>\n", rate(tc, tv)
  for (i = 1; i <= n; i++) {
    f = order[i]
    printf "        <class name=\"%s\" filename=\"%s\" line-rate=\"%s\" branch-rate=\"0\" complexity=\"0\">\n", f, f, rate(covered[f], valid[f])
    printf "          <methods/>\n          <lines>\n%s          </lines>\n        </class>\n", body[f]
  }
  print "      </classes>\n    </package>\n  </packages>\n</coverage>"
}' coverage.lines > @COBERTURA_FILE@"""


def coverage_cobertura(directory: str = ".") -> str:
    """Convert the filtered profile to Cobertura XML for MR diff annotations. The
    source is the module's directory (``directory``, relative to the project directory)."""
    module_dir = "" if directory == "." else f"/{directory}"
    return block(
        _COBERTURA_LINES, _COBERTURA_XML.replace("@MODULE_DIR@", module_dir).replace("@COBERTURA_FILE@", COBERTURA_FILE)
    )


def scan_report(target: str, scanners: str) -> str:
    """Trivy's report of every severity in GitLab's container-scanning format (from the template
    shipped in Trivy's image), for every target: the SBOM and the repository's findings too are
    listed as the scan of that target (docs/scan.md); it never fails. Separate from the gate, as
    on GitHub. https://trivy.dev/latest/tutorials/integrations/gitlab-ci/"""
    return block(
        *registry_login(target),
        trivy(
            target,
            f"--scanners {scanners} --severity UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL --exit-code 0",
            f'--format template --template "@/contrib/gitlab.tpl" --output {CONTAINER_SCANNING_FILE}',
        ),
    )


def _package_text(*path: str) -> str:
    return resources.files("ciforge").joinpath(*path).read_text(encoding="utf-8")


def code_scan_report(step: ir.CodeScanReport) -> str:
    """The code scanner's every finding as GitLab's security report ``step.report``; it never
    fails (docs/code-scan.md). In the golang image: the SARIF that GitHub uploads, converted by
    ciforge.sarif_gitlab, whose source runs from a quoted heredoc (python3 comes with the image's
    buildpack-deps scm base: mercurial depends on it). In Trivy's Alpine image, which has no
    python3: Trivy's template writes the same report fields and ids."""
    report = scripts_codescan.GITLAB_REPORTS[step.report]
    if step.tool == "trivy":
        template = _package_text("data", "trivy-secret-detection.tpl").rstrip("\n")
        return block(
            'template="$(mktemp -d)/secret-detection.tpl"',  # Trivy reads only .tpl files
            f"cat > \"$template\" <<'TPL'\n{template}\nTPL",
            trivy(
                "fs",
                f"--scanners secret --severity {scripts_codescan.EVERY_SEVERITY} --exit-code 0",
                f'--format template --template "@$template" --output {report}',
            ),
        )
    sarif = scripts_codescan.SARIF_FILES[step.tool]
    converter = _package_text("sarif_gitlab.py").rstrip("\n")
    return block(
        scripts_codescan.SARIF_COMMANDS[step.tool](step.version),
        f"python3 - {sarif} {report} {step.report} <<'PY'\n{converter}\nPY",
    )


def publish_release(*, notes: bool, draft: bool = False, assets: bool = True) -> str:
    """Upload the assets to the generic package registry, then create the release
    with links to them, both with the job token; its description is release-notes.md as a JSON
    string (backslashes, quotes and tabs escaped, other control characters dropped, lines joined
    with \\n). https://docs.gitlab.com/api/releases/#create-a-release"""
    # GNU sed and tr of the Debian shell image; https://www.rfc-editor.org/rfc/rfc8259#section-7
    description = (
        r"""description="$(LC_ALL=C tr -d '\000-\010\013-\037' < release-notes.md"""
        r""" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' | awk '{printf "%s\\n", $0}')"""
        '"'
        if notes
        else 'description=""'
    )
    return block(
        description,
        'package_url="${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/packages/generic/${CI_PROJECT_NAME}/${RELEASE_TAG}"',
        'links=""',
        *(
            [
                "for file in release/*; do",
                '  name="$(basename "$file")"',
                '  curl --fail-with-body --silent --show-error --header "JOB-TOKEN: ${CI_JOB_TOKEN}" \\',
                '    --upload-file "$file" "${package_url}/${name}"',
                '  links="${links}${links:+,}{\\"name\\":\\"${name}\\",\\"url\\":\\"${package_url}/${name}\\",\\"link_type\\":\\"package\\"}"',
                "done",
            ]
            if assets
            else []
        ),
        'body="{\\"tag_name\\":\\"${RELEASE_TAG}\\",\\"name\\":\\"${RELEASE_TAG}\\",\\"description\\":\\"${description}\\",'
        '\\"assets\\":{\\"links\\":[${links}]}}"',
        *(
            [
                # GitLab has no draft releases (named exception release-draft, docs/equivalence.md)
                "printf '%s\\n' \"release.draft: GitLab has no draft releases; the assets are in ${package_url}.\" \\",
                '  "Publish the release with: POST ${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/releases" "$body"',
            ]
            if draft
            else [
                'curl --fail-with-body --silent --show-error --header "JOB-TOKEN: ${CI_JOB_TOKEN}" \\',
                '  --header "Content-Type: application/json" --data "$body" "${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/releases"',
            ]
        ),
    )
