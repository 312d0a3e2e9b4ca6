"""sign.provenance: SLSA provenance v1 of the pushed image and of the release's SHA256SUMS.

One shared block writes the predicate from the environment and cosign attests it on both
platforms; the verify gates are shared blocks; GitHub's actions/attest and GitLab's runner
artifact metadata are each platform's own record (named exception provenance-native).
docs/provenance.md."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, strategies as st
from ruamel.yaml import YAML

from ciforge import scripts_supply
from ciforge.plan import EVENTS, from_ir
from ciforge.scripts import block
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, render_case, verify_edited

CASE = CASES / "sign-provenance"
KEYED = CASES / "sign-provenance-key"
ATTEST = "cosign attest --yes --type slsaprovenance1 --predicate provenance.json"


def reference(env: dict[str, str]) -> dict[str, Any]:
    """The predicate docs/provenance.md defines, from the same environment."""
    ref = f"refs/tags/{env['RELEASE_TAG']}" if env["RELEASE_TAG"] else f"refs/heads/{env['REF_NAME']}"
    source = f"{env['SERVER_URL']}/{env['PROJECT_PATH']}"
    return {
        "buildDefinition": {
            "buildType": "urn:ciforge:buildtype:pipeline:v1",
            "externalParameters": {"source": source, "ref": ref},
            "resolvedDependencies": [{"uri": f"git+{source}@{ref}", "digest": {"gitCommit": env["COMMIT_SHA"]}}],
        },
        "runDetails": {"builder": {"id": env["SERVER_URL"]}, "metadata": {"invocationId": env["RUN_URL"]}},
    }


def predicate(tmp: Path, env: dict[str, str]) -> dict[str, Any]:
    # GitLab runs it in the cosign image's busybox ash: bash in POSIX mode is the nearest shell here
    script = block(scripts_supply.provenance_predicate())
    done = subprocess.run(
        ["bash", "--posix", "-c", script],
        cwd=tmp,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = json.loads((tmp / "provenance.json").read_text(encoding="utf-8"))
    return parsed


# git ref names: no control characters, space, ~ ^ : ? * [ or backslash (git-check-ref-format(1));
# a double quote, slashes, dots and any other unicode are allowed. Project paths and URLs are drawn
# wider still (a backslash, too) to exercise the escaping.
REF = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=" ~^:?*[\\"), min_size=1, max_size=40
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)


@given(
    ref=REF,
    tag=st.booleans(),
    values=st.fixed_dictionaries({"PROJECT_PATH": TEXT, "RUN_URL": TEXT}),
    commit=st.text("0123456789abcdef", min_size=40, max_size=40),
)
def test_the_predicate_block_writes_the_reference_predicate(
    tmp_path_factory: pytest.TempPathFactory, ref: str, tag: bool, values: dict[str, str], commit: str
) -> None:
    env = {
        "SERVER_URL": "https://gitlab.example.com",
        "REF_NAME": ref,
        "RELEASE_TAG": ref if tag else "",
        "COMMIT_SHA": commit,
        **values,
    }
    assert predicate(tmp_path_factory.mktemp("p"), env) == reference(env)


def test_a_tag_and_a_branch(tmp_path: Path) -> None:
    env = {
        "SERVER_URL": "https://github.com",
        "PROJECT_PATH": "acme/app",
        "REF_NAME": "v1.2.3",
        "RELEASE_TAG": "v1.2.3",
        "COMMIT_SHA": "a" * 40,
        "RUN_URL": "https://github.com/acme/app/actions/runs/7/attempts/1",
    }
    tagged = predicate(tmp_path, env)
    assert tagged["buildDefinition"]["resolvedDependencies"] == [
        {"uri": "git+https://github.com/acme/app@refs/tags/v1.2.3", "digest": {"gitCommit": "a" * 40}}
    ]
    branch = predicate(tmp_path, {**env, "REF_NAME": 'feature/"x"', "RELEASE_TAG": ""})
    assert branch["buildDefinition"]["externalParameters"]["ref"] == 'refs/heads/feature/"x"'


def _jobs(case: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    files = render_case(case).files
    yaml = YAML(typ="safe", pure=True)
    return yaml.load(files[GITHUB])["jobs"], yaml.load(files[GITLAB])


def _scripts(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("case", [CASE, KEYED], ids=["keyless", "key"])
def test_the_attestations_and_their_gates_are_the_same_blocks_on_both(case: Path) -> None:
    github, gitlab = _jobs(case)
    for job, needle in (
        ("sign", "--type slsaprovenance1 --predicate provenance.json"),
        ("verify", "cosign verify-attestation --type slsaprovenance1"),
        ("release-assets", "cosign attest-blob --yes"),
        ("release-assets", "cosign verify-blob-attestation --type slsaprovenance1"),
    ):
        [on_github] = [s for s in _scripts(github[job]) if needle in s]
        [on_gitlab] = [s for s in gitlab[job]["script"] if needle in s]
        assert on_github == on_gitlab, job
    keyed = case == KEYED
    sign = next(s for s in _scripts(github["sign"]) if "slsaprovenance1" in s)
    assert ("--key env://COSIGN_PRIVATE_KEY" in sign) is keyed
    verify = next(s for s in _scripts(github["verify"]) if "verify-attestation --type slsaprovenance1" in s)
    assert ("--key env://COSIGN_PUBLIC_KEY" in verify) is keyed
    assert ('--certificate-identity "$CERT_IDENTITY"' in verify) is not keyed


@pytest.mark.parametrize("case", [CASE, KEYED], ids=["keyless", "key"])
def test_each_platform_records_its_own(case: Path) -> None:
    """provenance-native: actions/attest (keyless, with attestations: write) in exactly the two
    attesting jobs on GitHub; the runner's artifact metadata for the release's artifacts on GitLab."""
    github, gitlab = _jobs(case)
    attest = {
        job_id: step["with"]
        for job_id, job in github.items()
        for step in job["steps"]
        if "actions/attest@" in step.get("uses", "")
    }
    assert attest == {
        "sign": {
            "subject-name": "${{ env.IMAGE }}",
            "subject-digest": "${{ env.IMAGE_DIGEST }}",
            "push-to-registry": False,
        },
        "release-assets": {"subject-checksums": "release/SHA256SUMS"},
    }
    for job_id, job in github.items():
        granted = job["permissions"].get("attestations") == "write"
        assert granted is (job_id in attest), job_id
        if granted:
            assert job["permissions"]["id-token"] == "write"
    metadata = {
        name
        for name, job in gitlab.items()
        if isinstance(job, dict) and "RUNNER_GENERATE_ARTIFACTS_METADATA" in (job.get("variables") or {})
    }
    assert metadata == {"release-assets"}
    assert gitlab["release-assets"]["variables"]["RUNNER_GENERATE_ARTIFACTS_METADATA"] == "true"


def test_the_gates_are_in_the_plans_and_equal_on_every_event() -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    for name in ("push:main", "tag"):
        event = EVENTS[name]
        expected = from_ir.plan(result.pipeline, event)
        assert (
            lift_github.lift(result.files[GITHUB], event) == expected == lift_gitlab.lift(result.files[GITLAB], event)
        )
    tag = from_ir.plan(result.pipeline, EVENTS["tag"])
    verify = next(job for key, job in tag.jobs.items() if job.logical_id == "verify")
    assert len([gate for gate in verify.gates if gate.kind == "signature"]) == 2
    assets = next(job for job in tag.jobs.values() if job.logical_id == "release-assets")
    assert len([gate for gate in assets.gates if gate.kind == "signature"]) == 2
    assert ("RUN_URL", "@RUN_URL") in assets.env


TAMPERS = [
    (GITLAB, f"{ATTEST} ", "true "),
    (GITHUB, "cosign verify-attestation --type slsaprovenance1", "cosign verify-attestation --type slsaprovenance"),
    (GITLAB, "cosign verify-blob-attestation --type slsaprovenance1", "true"),
    (GITHUB, '"refs/tags/${RELEASE_TAG}"', '"refs/heads/${RELEASE_TAG}"'),
    (GITLAB, "RUN_URL: $CI_PIPELINE_URL", "RUN_URL: $CI_JOB_URL"),
    (GITHUB, "PROJECT_PATH: ${{ github.repository }}", "PROJECT_PATH: acme/other"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), TAMPERS)
def test_verify_sees_every_provenance_tamper(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


def test_verify_sees_the_provenance_block_dropped_on_github(tmp_path: Path) -> None:
    text = render_case(CASE).files[GITHUB]
    start = text.index("      - name: SLSA provenance (cosign attest)")
    end = text.index("      - name: Record the provenance (GitHub attestations)", start)
    assert verify_edited(CASE, tmp_path, (GITHUB, text[start:end], ""))


def test_without_the_key_nothing_changes() -> None:
    """sign.provenance defaults to false: no provenance block, no attest action, no new scope."""
    files = render_case(CASES / "go-service").files
    for text in files.values():
        assert "slsaprovenance1" not in text
        assert "RUN_URL" not in text
    assert "actions/attest@" not in files[GITHUB]
    assert "attestations:" not in files[GITHUB]
    assert "RUNNER_GENERATE_ARTIFACTS_METADATA" not in files[GITLAB]


def test_each_repository_gets_the_provenance(tmp_path: Path) -> None:
    """With several image repositories, the provenance is attested and verified in each, by the
    same loops as the signature; GitHub's own record names the primary."""
    case = tmp_path / "repositories"
    shutil.copytree(CASES / "image-repositories", case)
    manifest = case / "ciforge.yml"
    manifest.write_text(manifest.read_text().replace("  keyless: true\n", "  keyless: true\n  provenance: true\n"))
    result = render_case(case)
    assert result.pipeline is not None
    github = YAML(typ="safe", pure=True).load(result.files[GITHUB])["jobs"]
    gitlab = YAML(typ="safe", pure=True).load(result.files[GITLAB])
    each = "for image in $(printf '%s' \"$IMAGE_NAMES\" | tr ',' ' '); do"
    for job, needle in (
        ("sign", "--type slsaprovenance1 --predicate provenance.json"),
        ("verify", "verify-attestation --type slsaprovenance1"),
    ):
        [block] = [s for s in _scripts(github[job]) if needle in s]
        assert [s for s in gitlab[job]["script"] if needle in s] == [block]
        assert each in block
        assert '"${image}@${IMAGE_DIGEST}"' in block
        assert 'login "$REGISTRY_DOCKER_IO"' in block
    for name in ("push:main", "tag"):
        event = EVENTS[name]
        expected = from_ir.plan(result.pipeline, event)
        assert (
            lift_github.lift(result.files[GITHUB], event) == expected == lift_gitlab.lift(result.files[GITLAB], event)
        )
