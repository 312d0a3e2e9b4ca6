"""Supply-chain guarantees checked on every golden output: pins, least privilege, OIDC scope,
signing identities per platform, and no template expressions inside scripts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ciforge import pins
from tests.helpers import CASES, case_dirs

ALL = case_dirs()
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+?)@(?P<sha>\S+)\s+#\s+(?P<version>\S+)\s*$")


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text())


def workflow(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = load(case / ".github/workflows/ciforge.yml")
    return data


def pipeline(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = load(case / ".gitlab-ci.yml")
    return data


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_every_uses_comes_from_the_lockfile(case: Path) -> None:
    """Each `uses:` line is `owner/repo[/path]@<40-hex sha>  # <version>` exactly as pinned."""
    lines = [line for line in (case / ".github/workflows/ciforge.yml").read_text().splitlines() if "uses:" in line]
    assert lines
    for line in lines:
        match = USES.match(line)
        assert match, f"unpinned or uncommented uses: {line!r}"
        pin = pins.action(match["ref"])
        assert (match["sha"], match["version"]) == (pin.sha, pin.version)


def test_lockfile_shape() -> None:
    """The lockfile pins every action to a full commit SHA and every tool to a release tag."""
    lock = pins.lockfile()
    for name, entry in lock["actions"].items():
        assert re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+(/[a-z0-9-]+)?", name)
        assert re.fullmatch(r"[0-9a-f]{40}", entry["sha"]), name
        assert re.fullmatch(r"v\d+\.\d+\.\d+", entry["version"]), name
    for name, entry in lock["tools"].items():
        assert re.fullmatch(r"v\d+\.\d+\.\d+", entry["version"]), name
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), name


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_no_template_expression_in_any_script(case: Path) -> None:
    """Values reach scripts through env only: no ${{ }} in run:, no $[[ ]] in script:."""
    for job in workflow(case)["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", "")
    for name, job in pipeline(case).items():
        if isinstance(job, dict) and "script" in job:
            for block in job["script"]:
                assert "$[[" not in block, name
                assert "${{" not in block, name


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_github_least_privilege(case: Path) -> None:
    """Top level grants nothing; each scope appears only in the job that needs it."""
    wf = workflow(case)
    assert wf["permissions"] == {}
    allowed = {
        "packages:write": {"image-publish", "sign", "promote"},
        "packages:read": {"sbom", "scan", "verify"},
        "id-token:write": {"sign", "release-assets"},
        "security-events:write": {"scan"},
        "contents:write": {"release"},
    }
    for job_id, job in wf["jobs"].items():
        for scope, level in job["permissions"].items():
            if f"{scope}:{level}" != "contents:read":
                assert job_id in allowed[f"{scope}:{level}"], (job_id, scope, level)
        for step in job["steps"]:
            if "actions/checkout@" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_oidc_only_in_signing_jobs(case: Path) -> None:
    """id-token (GitHub) and id_tokens (GitLab) appear in exactly the same, signing, jobs."""
    gh = {j for j, job in workflow(case)["jobs"].items() if job["permissions"].get("id-token") == "write"}
    gl = {j for j, job in pipeline(case).items() if isinstance(job, dict) and "id_tokens" in job}
    assert gh == gl
    assert gh <= {"sign", "release-assets"}
    for name in gl:
        assert pipeline(case)[name]["id_tokens"] == {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}


def _expand(template: str, values: dict[str, str]) -> str:
    out = template
    for key, value in values.items():
        out = out.replace(key, value)
    assert "$" not in out, out
    return out


def test_signing_identity_github() -> None:
    """GitHub: https://github.com/OWNER/REPO/.github/workflows/ciforge.yml@REF, issuer
    https://token.actions.githubusercontent.com (Fulcio SAN = server_url/job_workflow_ref)."""
    env = workflow(CASES / "go-service")["jobs"]["verify"]["env"]
    context = {
        "${{ github.server_url }}": "https://github.com",
        "${{ github.workflow_ref }}": "acme/orders-api/.github/workflows/ciforge.yml@refs/tags/v1.2.3",
    }
    assert _expand(env["CERT_IDENTITY"], context) == (
        "https://github.com/acme/orders-api/.github/workflows/ciforge.yml@refs/tags/v1.2.3"
    )
    assert env["CERT_ISSUER"] == "https://token.actions.githubusercontent.com"
    assert env["CERT_IDENTITY"].endswith("${{ github.workflow_ref }}")


@pytest.mark.parametrize(
    ("case", "host"),
    [("go-service", "https://gitlab.com"), ("stage-sign-self-managed", "https://gitlab.example.com")],
)
def test_signing_identity_gitlab(case: str, host: str) -> None:
    """GitLab: https://gitlab.com/GROUP/PROJECT//.gitlab-ci.yml@REF (double slash), per ref kind,
    with the instance URL as issuer (gitlab-url for self-managed)."""
    job = pipeline(CASES / case)["verify"]
    assert job["variables"]["CERT_ISSUER"] == host
    by_rule = {rule["if"]: rule["variables"]["CERT_IDENTITY"] for rule in job["rules"]}
    tag_rule = next(v for k, v in by_rule.items() if "CI_COMMIT_TAG" in k)
    branch_rule = next(v for k, v in by_rule.items() if "CI_COMMIT_BRANCH" in k)
    ci = {"$CI_PROJECT_PATH": "acme/orders-api", "$CI_COMMIT_TAG": "v1.2.3", "$CI_COMMIT_BRANCH": "main"}
    assert _expand(tag_rule, ci) == f"{host}/acme/orders-api//.gitlab-ci.yml@refs/tags/v1.2.3"
    assert _expand(branch_rule, ci) == f"{host}/acme/orders-api//.gitlab-ci.yml@refs/heads/main"


def test_key_based_signing_uses_no_oidc() -> None:
    """With sign.key, secrets carry the key; no job asks for an OIDC token."""
    wf, gl = workflow(CASES / "stage-sign-key"), pipeline(CASES / "stage-sign-key")
    sign_env = wf["jobs"]["sign"]["env"]
    assert sign_env["COSIGN_PRIVATE_KEY"] == "${{ secrets.SIGNING_KEY }}"
    assert sign_env["COSIGN_PASSWORD"] == "${{ secrets.COSIGN_PASSWORD }}"
    assert wf["jobs"]["verify"]["env"]["COSIGN_PUBLIC_KEY"] == "${{ vars.SIGNING_PUBLIC_KEY }}"
    assert "--key env://COSIGN_PRIVATE_KEY" in gl["sign"]["script"][0]
    assert "--key env://COSIGN_PUBLIC_KEY" in gl["verify"]["script"][0]
    assert "COSIGN_PRIVATE_KEY" not in gl["verify"]["variables"]
    assert not any("id-token" in job["permissions"] for job in wf["jobs"].values())


def test_same_tool_versions_on_both_platforms() -> None:
    """cosign, syft and trivy: the GitHub installer input and the GitLab image tag name the same
    pinned release (semantics.md 13.10: signatures are only cross-verifiable with one cosign)."""
    wf, gl = workflow(CASES / "go-service"), pipeline(CASES / "go-service")
    versions = {name: pins.tool_version(name) for name in ("cosign", "syft", "trivy", "buildx")}
    steps = [step for job in wf["jobs"].values() for step in job["steps"]]
    with_values = [json.dumps(step.get("with", {})) for step in steps]
    for version in versions.values():
        assert any(version in w for w in with_values)
    assert gl["sign"]["image"]["name"].endswith(f":{versions['cosign']}-dev")
    assert gl["sbom"]["image"]["name"].endswith(f":{versions['syft']}-debug")
    assert gl["scan"]["image"]["name"].endswith(":" + versions["trivy"].removeprefix("v"))
    assert f"buildx-bin:{versions['buildx'].removeprefix('v')}" in gl["image-publish"]["script"][0]


def test_downstream_uses_the_digest_never_a_tag() -> None:
    """Every job after the image addresses it as ${IMAGE}@${IMAGE_DIGEST}."""
    gl = pipeline(CASES / "go-service")
    for name in ("sbom", "scan", "sign", "verify"):
        text = "\n".join(gl[name]["script"])
        assert "${IMAGE}@${IMAGE_DIGEST}" in text
        assert "IMAGE_TAGS" not in text


def test_scan_report_is_separate_from_the_gate() -> None:
    """The SARIF/container-scanning report never decides; the gate is its own invocation."""
    wf, gl = workflow(CASES / "go-service"), pipeline(CASES / "go-service")
    gh_runs = [s["run"] for s in wf["jobs"]["scan"]["steps"] if "run" in s]
    assert "--format sarif" in gh_runs[0]
    assert "--exit-code 0" in gh_runs[0]
    assert '--severity "$SCAN_SEVERITY" --ignore-unfixed --exit-code 1' in gh_runs[1]
    assert "gitlab.tpl" in gl["scan"]["script"][0]
    assert "--exit-code 0" in gl["scan"]["script"][0]
    assert gl["scan"]["script"][1] == gh_runs[1]
    assert gl["scan"]["artifacts"]["reports"]["container_scanning"] == "gl-container-scanning-report.json"


def test_lockfile_has_no_unused_pins() -> None:
    """Every pinned action is used by some golden output or by action.yml (no stale entries)."""
    texts = [(c / ".github/workflows/ciforge.yml").read_text() for c in ALL]
    texts.append((CASES.parent.parent / "action.yml").read_text())
    used = {m["ref"] for text in texts for line in text.splitlines() if (m := USES.match(line))}
    assert set(pins.lockfile()["actions"]) == used
