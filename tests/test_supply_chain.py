"""Supply-chain guarantees checked on every golden output: pins, least privilege, OIDC scope,
signing identities per platform, and no template expressions inside scripts."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ciforge import pins
from tests.helpers import CASES, GITHUB, GITLAB, case_dirs

ALL = case_dirs()
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+?)@(?P<sha>\S+)\s+#\s+(?P<version>\S+)\s*$")


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text())


def workflow(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = load(case / GITHUB)
    return data


def pipeline(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = load(case / GITLAB)
    return data


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_every_uses_comes_from_the_lockfile(case: Path) -> None:
    """Each `uses:` line is `owner/repo[/path]@<40-hex sha>  # <version>` exactly as pinned."""
    lines = [line for line in (case / GITHUB).read_text().splitlines() if "uses:" in line]
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
        # binfmt's images are tagged per QEMU release and build (qemu-v10.2.3-68, from its
        # deploy/v10.2.3-68 git tag), the others per tool release
        release = r"qemu-v\d+\.\d+\.\d+-\d+" if name == "binfmt" else r"v\d+\.\d+\.\d+"
        assert re.fullmatch(release, entry["version"]), name
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
        "packages:read": {"sbom", "scan", "smoke-image", "verify"},  # smoke-image pulls the digest
        "id-token:write": {"sign", "release-assets"},
        "attestations:write": {"sign", "release-assets"},  # actions/attest (sign.provenance)
        # uploads to code scanning: the Trivy scan, and code-scan's SARIF reports (docs/code-scan.md)
        "security-events:write": {"scan", "code-scan-sast", "code-scan-secrets", "code-scan-dependencies"},
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
    """id-token (GitHub) and a Sigstore id_token (GitLab) appear in exactly the same, signing,
    jobs. On GitLab a job that only verifies a keyless signature gets a token of another audience,
    read for the signing identity's claims (docs/equivalence.md). GitHub's actions/attest
    (sign.provenance, named exception provenance-native) signs keyless with the job's token even
    when cosign signs with a key: those jobs, and only they, have id-token on GitHub alone."""
    jobs = workflow(case)["jobs"]
    gh = {j for j, job in jobs.items() if job["permissions"].get("id-token") == "write"}
    attesting = {
        j for j, job in jobs.items() if any("actions/attest@" in step.get("uses", "") for step in job["steps"])
    }
    assert attesting <= gh
    assert all(jobs[j]["permissions"].get("attestations") == "write" for j in attesting)
    tokens = {j: job["id_tokens"] for j, job in pipeline(case).items() if isinstance(job, dict) and "id_tokens" in job}
    sigstore = {j for j, token in tokens.items() if token == {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}}
    assert gh - attesting == sigstore - attesting
    assert sigstore <= gh <= {"sign", "release-assets"}
    for name in set(tokens) - sigstore:
        assert name == "verify"
        assert tokens[name] == {"IDENTITY_ID_TOKEN": {"aud": "ciforge-signing-identity"}}
        assert "cosign verify --certificate-identity" in "".join(pipeline(case)[name]["script"])


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


def id_token(claims: dict[str, str]) -> str:
    """A JWT-shaped token (header.payload.signature, base64url without padding) carrying claims."""

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims, separators=(',', ':')).encode())}.c2lnbmF0dXJl"


def run_identity_block(job: dict[str, Any], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    block = job["script"][0]
    assert "the signing identity, from the job's ID token" in block
    # the cosign image runs it in busybox ash: bash in POSIX mode is the nearest shell here
    script = block + 'printf "%s\\n%s\\n" "$CERT_ISSUER" "$CERT_IDENTITY"\n'
    return subprocess.run(
        ["bash", "--posix", "-c", script],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("case", "host", "job_name"),
    [
        ("go-service", "https://gitlab.com", "verify"),
        ("go-service", "https://gitlab.com", "sign"),
        ("go-service", "https://gitlab.com", "release-assets"),
        ("stage-sign-self-managed", "https://gitlab.example.com", "verify"),
    ],
)
@pytest.mark.parametrize(
    ("ref_type", "ref", "kind"),
    [("tag", "v1.2.3", "tags"), ("branch", "main", "heads"), ("branch", "a/b-c_d", "heads")],
)
def test_signing_identity_gitlab(  # noqa: PLR0917 - two parametrize tables
    case: str, host: str, job_name: str, ref_type: str, ref: str, kind: str
) -> None:
    """GitLab: https://gitlab.com/GROUP/PROJECT//.gitlab-ci.yml@REF (double slash), per ref kind,
    with the instance URL as issuer (gitlab-url for self-managed), taken from the ID token's
    claims: predefined and ciforge variables set by a pipeline variable change nothing."""
    job = pipeline(CASES / case)[job_name]
    assert "CERT_ISSUER" not in job["variables"]
    assert "CERT_IDENTITY" not in job["variables"]
    claims = {"project_path": "acme/orders-api", "ref": ref, "ref_type": ref_type, "ref_protected": "true"}
    overrides = {
        "CI_PROJECT_PATH": "evil/fork",
        "CI_COMMIT_TAG": "v6.6.6",
        "CI_COMMIT_BRANCH": "evil",
        "CERT_ISSUER": "https://evil.example",
        "CERT_IDENTITY": "https://evil.example/x",
    }
    token = "SIGSTORE_ID_TOKEN" if job_name != "verify" else "IDENTITY_ID_TOKEN"
    proc = run_identity_block(job, {token: id_token(claims), **overrides})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2:] == [host, f"{host}/acme/orders-api//.gitlab-ci.yml@refs/{kind}/{ref}"]


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"project_path": "acme/orders-api", "ref": "main", "ref_type": "merge_request"}, "names no branch or tag"),
        ({"project_path": "acme/orders-api", "ref_type": "tag"}, "no project_path or ref claim"),
        ({}, "names no branch or tag"),
    ],
)
def test_signing_identity_gitlab_refuses_an_incomplete_token(claims: dict[str, str], message: str) -> None:
    """Without the claims the identity cannot be built: the job fails before cosign runs."""
    proc = run_identity_block(pipeline(CASES / "go-service")["verify"], {"IDENTITY_ID_TOKEN": id_token(claims)})
    assert proc.returncode == 1
    assert message in proc.stderr


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
    pinned release (signatures are only cross-verifiable with one cosign: cosign v3 writes the new
    bundle format by default, https://github.com/sigstore/cosign/releases/tag/v3.0.0)."""
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
    texts = [(c / GITHUB).read_text() for c in ALL]
    texts.append((CASES.parent.parent / "action.yml").read_text())
    used = {m["ref"] for text in texts for line in text.splitlines() if (m := USES.match(line))}
    assert set(pins.lockfile()["actions"]) == used
