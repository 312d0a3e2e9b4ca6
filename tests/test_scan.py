"""scan.target, scan.scanners and scan.licenses (issue 17, part 4; docs/scan.md). The licence gate
runs for real with the pinned Trivy, offline, over a CycloneDX SBOM (`trivy sbom --scanners
license` needs no vulnerability database); the vulnerability gate, which does, fails closed here.
The jobs, their needs and gates are the same on both platforms, and a tampered gate is a
difference."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ciforge.compiler import compile_file
from ciforge.plan import EVENTS, from_ir
from ciforge.plan.model import Gate
from ciforge.scripts_scan import LICENSES_FILE, license_gate, scan_gate
from ciforge.scripts_supply import source_sbom
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.conftest import oracle
from tests.helpers import CASES, GITHUB, GITLAB, render_case, validate_json
from tests.test_equivalence import plans_differ

pytestmark = pytest.mark.oracle

SBOM_CASE = CASES / "scan-sbom-licenses"
FS_CASE = CASES / "scan-fs"


def _component(name: str, version: str, licence: str) -> dict[str, object]:
    ref = f"pkg:golang/{name}@{version}"
    return {
        "type": "library",
        "name": name,
        "version": version,
        "purl": ref,
        "bom-ref": ref,
        "licenses": [{"license": {"id": licence}}],
    }


def _sbom(path: Path, *components: tuple[str, str, str]) -> None:
    path.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "version": 1,
                "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
                "metadata": {"component": {"type": "application", "name": "orders-api", "bom-ref": "app"}},
                "components": [_component(*c) for c in components],
            }
        )
    )


def _run(block: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A block with the pinned Trivy first on PATH, its cache in ``cwd``, never reaching a network."""
    env = {
        "PATH": f"{Path(oracle('trivy')).parent}:/usr/bin:/bin",
        "HOME": str(cwd),
        "SBOM_FILE": "sbom.cdx.json",
        "TRIVY_CACHE_DIR": str(cwd / "trivy-cache"),
        "TRIVY_SKIP_DB_UPDATE": "true",
        "TRIVY_SKIP_CHECK_UPDATE": "true",
        "TRIVY_DISABLE_TELEMETRY": "true",
        "TRIVY_QUIET": "true",
        "TRIVY_OFFLINE_SCAN": "true",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    return subprocess.run(["bash", "-c", block], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _licence_gate(
    cwd: Path, components: tuple[tuple[str, str, str], ...], *, deny: str, severity: str
) -> subprocess.CompletedProcess[str]:
    """The licence gate over an SBOM of ``components`` (name, version, SPDX licence)."""
    _sbom(cwd / "sbom.cdx.json", *components)
    return _run(license_gate(target="sbom", deny=deny, severity=severity), cwd)


MIXED = (
    ("github.com/acme/agpl", "v1.0.0", "AGPL-3.0-only"),
    ("github.com/acme/gpl", "v1.2.0", "GPL-2.0-only"),
    ("github.com/acme/mit", "v0.3.0", "MIT"),
)


def test_a_denied_licence_and_a_failing_class_fail_the_gate_listing_each(tmp_path: Path) -> None:
    proc = _licence_gate(tmp_path, MIXED, deny="AGPL-3.0 SSPL-1.0", severity="HIGH")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == (
        "package licences (3):\n"
        "  github.com/acme/agpl  AGPL-3.0-only  forbidden  CRITICAL\n"
        "  github.com/acme/gpl  GPL-2.0-only  restricted  HIGH\n"
        "  github.com/acme/mit  MIT  notice  LOW\n"
        "licence gate: github.com/acme/agpl is under AGPL-3.0-only, which is denied\n"
        "licence gate: github.com/acme/gpl is under GPL-2.0-only (restricted, HIGH)\n"
        "licence gate failed: 2 of 3 package licences are not allowed\n"
    )
    assert (tmp_path / LICENSES_FILE).read_text().count("\t") == 9


def test_the_deny_list_matches_only_and_or_later_spellings(tmp_path: Path) -> None:
    components = (("github.com/a/one", "v1.0.0", "AGPL-3.0-or-later"), ("github.com/a/two", "v1.0.0", "LGPL-3.0-only"))
    proc = _licence_gate(tmp_path, components, deny="AGPL-3.0 LGPL-3.0-only GPL-3.0", severity="")
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-3:] == [
        "licence gate: github.com/a/one is under AGPL-3.0-or-later, which is denied",
        "licence gate: github.com/a/two is under LGPL-3.0-only, which is denied",
        "licence gate failed: 2 of 2 package licences are not allowed",
    ]


def test_allowed_licences_pass(tmp_path: Path) -> None:
    components = (("github.com/acme/mit", "v0.3.0", "MIT"), ("golang.org/x/net", "v0.1.0", "BSD-3-Clause"))
    proc = _licence_gate(tmp_path, components, deny="AGPL-3.0", severity="CRITICAL,HIGH")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "licence gate passed: 2 package licences checked"


def test_the_vulnerability_gate_fails_closed_without_a_database(tmp_path: Path) -> None:
    """What offline cannot prove: vulnerability matching needs Trivy's database, which no registry
    reachable here serves. Without it the gate does not pass silently: Trivy refuses to run."""
    _sbom(tmp_path / "sbom.cdx.json", *MIXED)
    proc = _run(scan_gate(target="sbom", scanners="vuln,license", severity="CRITICAL", ignore_unfixed=True), tmp_path)
    assert proc.returncode == 1
    assert "--skip-db-update cannot be specified on the first run" in proc.stderr


def test_the_sbom_scan_reads_the_artifact_and_pulls_nothing() -> None:
    result = render_case(SBOM_CASE)
    assert result.pipeline is not None
    scan = result.pipeline.job("scan")
    assert scan.needs == ("sbom",)
    assert [(c.producer, c.name) for c in scan.consumes] == [("sbom", "sbom")]
    assert not scan.inputs
    assert "REGISTRY_PASSWORD" not in dict(scan.env)
    assert "TRIVY_PASSWORD" not in result.files[GITLAB].split("\nscan:\n", 1)[1].split("\n\n", 1)[0]
    expected = from_ir.plan(result.pipeline, EVENTS["push:main"]).jobs["scan"].gates
    assert expected == (
        Gate(kind="vulnerabilities", detail="target=sbom scanners=vuln,license severity=CRITICAL,HIGH unfixed=True"),
        Gate(kind="licenses", detail="deny=AGPL-3.0 SSPL-1.0 severity=CRITICAL"),
    )
    for lift, rel in ((lift_github, GITHUB), (lift_gitlab, GITLAB)):
        assert lift.lift(lift.load(result.files[rel]), EVENTS["push:main"]).jobs["scan"].gates == expected, rel
    assert "scan" in result.pipeline.job("promote").needs


def test_the_repository_scan_runs_on_every_event_and_gates_the_release() -> None:
    result = render_case(FS_CASE)
    assert result.pipeline is not None
    scan = result.pipeline.job("scan")
    assert scan.needs == ()
    assert scan.events == result.pipeline.job("test").events
    assert "scan" in result.pipeline.job("release-assets").needs
    for event in ("pr", "push:main"):
        assert "scan" in from_ir.plan(result.pipeline, EVENTS[event]).jobs
    assert 'trivy fs --scanners "$SCAN_SCANNERS"' in result.files[GITHUB]


@pytest.mark.parametrize(
    ("target", "old", "new"),
    [
        ("github", "export LICENSE_DENY='AGPL-3.0 SSPL-1.0'", "export LICENSE_DENY='SSPL-1.0'"),
        ("gitlab", "export LICENSE_SEVERITY='CRITICAL'", "export LICENSE_SEVERITY=''"),
        ("gitlab", "export SCAN_SCANNERS='vuln,license'", "export SCAN_SCANNERS='license'"),
        ("github", 'trivy sbom --scanners "$SCAN_SCANNERS"', 'trivy fs --scanners "$SCAN_SCANNERS"'),
    ],
)
def test_a_tampered_scan_or_licence_gate_is_a_difference(target: str, old: str, new: str) -> None:
    result = render_case(SBOM_CASE)
    text = result.files[GITHUB if target == "github" else GITLAB]
    assert text.count(old) == 1, old
    differences = plans_differ(result, **{target: text.replace(old, new)})
    assert any("gates" in d for d in differences), differences


@pytest.mark.parametrize(
    ("fragment", "message", "path"),
    [
        ("scan: {target: image}", "scan.target image scans the pushed image: add an image section", "$.scan"),
        ("scan: {target: sbom}", "scan.target sbom scans the SBOM: add an sbom section", "$.scan.target"),
        (
            "sbom: {}\nscan: {target: sbom, scanners: [vuln, secret]}",
            "trivy sbom has no secret scanner (it has vuln, license)",
            "$.scan.scanners[1]",
        ),
        ("scan: {target: fs, licenses: {}}", "{} is empty: set at least one of deny, severity", "$.scan.licenses"),
        ("scan: {target: fs, scanners: []}", "[] is too short: needs at least 1 item(s)", "$.scan.scanners"),
    ],
)
def test_a_scan_without_its_target_or_with_a_foreign_scanner_is_refused(
    fragment: str, message: str, path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f'version: 1\nname: svc\ngo: {{version: "1.24"}}\n{fragment}\n'
    rows = validate_json(tmp_path, text, capsys)
    assert [(r["severity"], r["path"]) for r in rows] == [("error", path)], rows
    assert message in str(rows[0]["message"]), rows


def test_a_syft_sbom_carries_module_licences_to_the_gate(tmp_path: Path) -> None:
    """The chain of the sbom target, offline: the sbom job's own block (syft over the checkout)
    with a module cache holding two dependencies' licence files (syft reads them from the cache
    here; the pipeline has it fetch them from the module proxy), then the licence gate reads
    syft's SBOM through Trivy."""
    cache = tmp_path / "modcache"
    for module, text in (("gpl", "GPL-3"), ("apache", "Apache-2.0")):
        directory = cache / "example.com" / f"{module}@v1.0.0"
        directory.mkdir(parents=True)
        (directory / "LICENSE").write_text(Path("/usr/share/common-licenses", text).read_text(encoding="utf-8"))
    app = tmp_path / "app"
    app.mkdir()
    (app / "go.mod").write_text(
        "module example.com/app\n\ngo 1.23\n\nrequire (\n\texample.com/apache v1.0.0\n\texample.com/gpl v1.0.0\n)\n"
    )
    env = {
        "PATH": f"{Path(oracle('syft')).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SBOM_FORMAT": "cyclonedx-json",
        "SBOM_FILE": "sbom.cdx.json",
        "SYFT_CHECK_FOR_APP_UPDATE": "false",
        "SYFT_GOLANG_SEARCH_LOCAL_MOD_CACHE_LICENSES": "true",
        "SYFT_GOLANG_LOCAL_MOD_CACHE_DIR": str(cache),
    }
    sbom = subprocess.run(["bash", "-c", source_sbom()], cwd=app, env=env, capture_output=True, text=True, check=False)
    assert sbom.returncode == 0, sbom.stderr
    proc = _run(license_gate(target="sbom", deny="GPL-3.0", severity=""), app)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == (
        "package licences (2):\n"
        "  example.com/apache  Apache-2.0  notice  LOW\n"
        "  example.com/gpl  GPL-3.0-only  restricted  HIGH\n"
        "licence gate: example.com/gpl is under GPL-3.0-only, which is denied\n"
        "licence gate failed: 1 of 2 package licences are not allowed\n"
    )


def test_the_sbom_job_fetches_module_licences_but_never_private_ones(tmp_path: Path) -> None:
    result = render_case(SBOM_CASE)
    assert result.pipeline is not None
    assert dict(result.pipeline.job("sbom").env)["SYFT_GOLANG_SEARCH_REMOTE_LICENSES"] == "true"
    assert "SYFT_GOLANG_NO_PROXY" not in dict(result.pipeline.job("sbom").env)
    text = (
        (SBOM_CASE / "ciforge.yml")
        .read_text()
        .replace('  version: "1.24"\n', '  version: "1.24"\n  private: ["git.example.com/*"]\n')
    )
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "ciforge.yml").write_text(text)
    private = compile_file(tmp_path / "ciforge.yml", out_dir=tmp_path, targets=("github", "gitlab"))
    assert private.pipeline is not None, private.diagnostics
    assert dict(private.pipeline.job("sbom").env)["SYFT_GOLANG_NO_PROXY"] == "git.example.com/*"


@pytest.mark.parametrize(("target", "path"), [("fs", "$.scan.licenses"), ("image", "$.scan.licenses")])
def test_a_licence_gate_off_the_sbom_warns_that_go_module_licences_are_missing(
    target: str, path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    text = f'version: 1\nname: svc\ngo: {{version: "1.24"}}\nimage: {{push: [tags]}}\nscan: {{target: {target}, licenses: {{deny: [AGPL-3.0]}}}}\n'
    rows = validate_json(tmp_path, text, capsys)
    assert [(r["severity"], r["path"]) for r in rows] == [("warning", path)], rows
    assert "hold no Go module licences; scan.target sbom has syft fetch them" in str(rows[0]["message"])
