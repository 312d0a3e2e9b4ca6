"""Gates: ciforge's own are typed IR nodes the planner reads; the lifters (and the planner, for
blocks a manifest wrote) recognise a gate by the tool's own command line, never by ciforge's
messages (ciforge/plan/gates.py)."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from ciforge import ir
from ciforge.compiler import compile_file
from ciforge.plan import EVENTS, differences, from_ir, gates
from ciforge.plan.model import Gate
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITLAB, render_case
from tests.test_custom_jobs import HEAD
from tests.test_equivalence import plans_differ

STRICT = "set -euo pipefail\n"
SETTINGS = {"SCAN_SEVERITY": "HIGH,CRITICAL", "COVERAGE_THRESHOLD": "80"}


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ('trivy image --severity "$SCAN_SEVERITY" --exit-code 1 --format table "$IMAGE"', "vulnerabilities"),
        ("trivy image --exit-code=2 --severity CRITICAL img", "vulnerabilities"),
        ("trivy image --severity UNKNOWN,LOW --exit-code 0 --format sarif --output trivy.sarif img", None),
        ("trivy image --severity CRITICAL img", None),  # trivy exits 0 on findings unless told otherwise
        ("trivy fs --exit-code 1 .", "vulnerabilities"),  # the repository
        ('trivy sbom --exit-code 1 "$SBOM_FILE"', "vulnerabilities"),  # the SBOM
        ("trivy config --exit-code 1 .", None),  # not a scan target ciforge writes or compares
        ("trivy sbom --exit-code 0 --format sarif s.json", None),  # a report
        (
            "awk -v deny=\"$LICENSE_DENY\" '{ if ($2 in denied) bad++ } END { if (bad) exit 1 }' licenses.tsv",
            "licenses",
        ),
        ('echo "denied: $LICENSE_DENY"', None),  # the settings alone are no gate
        ("echo 'trivy image --exit-code 1'", None),  # a word in a message, not an invocation
        ('cosign verify --key env://K "$IMAGE_REF"', "signature"),
        ("cosign verify-blob --bundle b.json SHA256SUMS", "signature"),
        ("cosign verify-attestation --type cyclonedx img", "signature"),
        ("cosign sign --yes img", None),
        (
            'awk -v total="$total" -v required="$COVERAGE_THRESHOLD" \'BEGIN { if (total < required) exit 1 }\'',
            "coverage",
        ),
        ('echo "coverage gate failed: below $COVERAGE_THRESHOLD"', None),  # the message alone is no gate
        ('echo "Total: ${total} (required: ${COVERAGE_THRESHOLD}%)" >> "$GITHUB_STEP_SUMMARY"', None),
    ],
)
def test_a_gate_is_recognised_by_what_the_block_runs(block: str, expected: str | None) -> None:
    gate = gates.recognise(STRICT + block + "\n", SETTINGS)
    assert (gate.kind if gate else None) == expected


def test_the_settings_a_gate_reads_are_its_own_assignment_first() -> None:
    block = (
        STRICT
        + "export SCAN_SEVERITY='CRITICAL'\ntrivy image --severity \"$SCAN_SEVERITY\" --exit-code 1 --ignore-unfixed img\n"
    )
    assert gates.recognise(block, SETTINGS) == Gate(
        kind="vulnerabilities", detail="target=image scanners=vuln severity=CRITICAL unfixed=True"
    )
    literal = STRICT + "trivy image --severity HIGH --exit-code 1 img\n"
    assert gates.recognise(literal, SETTINGS) == Gate(
        kind="vulnerabilities", detail="target=image scanners=vuln severity=HIGH unfixed=False"
    )
    scanners = STRICT + "export SCAN_SCANNERS='vuln,secret'\ntrivy fs --scanners \"$SCAN_SCANNERS\" --exit-code 1 .\n"
    assert gates.recognise(scanners, SETTINGS) == Gate(
        kind="vulnerabilities", detail="target=fs scanners=vuln,secret severity=? unfixed=False"
    )
    licence = (
        STRICT
        + "export LICENSE_DENY='AGPL-3.0 SSPL-1.0'\nexport LICENSE_SEVERITY=''\nawk -v d=\"$LICENSE_DENY\" 'END { exit 1 }'\n"
    )
    assert gates.recognise(licence, SETTINGS) == Gate(kind="licenses", detail="deny=AGPL-3.0 SSPL-1.0 severity=")


def test_the_planner_reads_the_typed_gates_not_the_commands() -> None:
    """Without its typed gate the IR means a test job with no coverage gate, whatever its commands
    say; the outputs still have one, so the plans differ."""
    result = render_case(CASES / "go-service")
    assert result.pipeline is not None
    test = result.pipeline.job("test")
    assert [g.kind for g in test.gates] == ["exit_code", "coverage"]
    ungated = attrs.evolve(test, gates=tuple(g for g in test.gates if g.kind != "coverage"))
    pipeline = attrs.evolve(result.pipeline, jobs=tuple(ungated if j.id == "test" else j for j in result.pipeline.jobs))
    event = EVENTS["push:main"]
    assert from_ir.plan(pipeline, event).jobs["test"].gates == ()
    lifted = lift_gitlab.lift(result.files[GITLAB], event)
    assert lifted.jobs["test"].gates == (Gate(kind="coverage", detail="min=80"),)
    assert any("gates" in d for d in differences(from_ir.plan(pipeline, event), lifted))
    assert plans_differ(result) == []


def test_a_gate_in_a_block_the_manifest_wrote_is_recognised_on_every_side(tmp_path: Path) -> None:
    """A custom job that verifies a signature: no typed gate (ciforge did not write it), the same
    recognised gate in the IR plan and both lifted plans."""

    manifest = HEAD + "jobs:\n  check-signature:\n    run: cosign verify --key cosign.pub ghcr.io/acme/app\n"
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ciforge.yml"
        path.write_text(manifest)
        result = compile_file(path, out_dir=Path(tmp), targets=("github", "gitlab"))
    assert result.pipeline is not None, result.diagnostics
    job = result.pipeline.job("check-signature")
    assert [g.kind for g in job.gates] == ["exit_code"]
    plan = from_ir.plan(result.pipeline, EVENTS["push:main"])
    assert plan.jobs["check-signature"].gates == (gates.SIGNATURE,)
    assert plans_differ(result) == []


def test_every_typed_gate_kind_maps_to_the_plan() -> None:
    assert gates.typed(ir.Gate(kind="exit_code", block="b")) is None
    assert gates.typed(ir.Gate(kind="coverage", block="b", detail=(("min_pct", "75"),))) == Gate(
        kind="coverage", detail="min=75"
    )
    vulnerabilities = ir.Gate(
        kind="vulnerabilities",
        block="b",
        detail=(("severity", "HIGH"), ("ignore_unfixed", "true"), ("target", "sbom"), ("scanners", "vuln,license")),
    )
    assert gates.typed(vulnerabilities) == Gate(
        kind="vulnerabilities", detail="target=sbom scanners=vuln,license severity=HIGH unfixed=True"
    )
    licence = ir.Gate(kind="licenses", block="b", detail=(("deny", "AGPL-3.0"), ("severity", "CRITICAL")))
    assert gates.typed(licence) == Gate(kind="licenses", detail="deny=AGPL-3.0 severity=CRITICAL")
    assert gates.typed(ir.Gate(kind="signature", block="b")) == gates.SIGNATURE
