"""The pinned actions that implement IR steps on GitHub: tool setup, the image build and the SARIF
upload; ``uses`` pins every action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ciforge import ir, pins
from ciforge.scripts_codescan import SARIF_FILES
from ciforge.targets.github.outputs import export_lines
from ciforge.targets.github.scripts import SARIF_FILE
from ciforge.yamldata import Pinned, Script, Yaml


def uses(action: str) -> Pinned:
    """A lockfile pin: full commit SHA, release tag as the comment."""
    pin = pins.action(action)
    return Pinned(ref=pin.ref, version=pin.version)


TOOL_SETUP: Final[Mapping[str, tuple[str, str]]] = {
    # tool -> (action, the input that pins the tool's own version)
    "buildx": ("docker/setup-buildx-action", "version"),
    "syft": ("anchore/sbom-action/download-syft", "syft-version"),
    "trivy": ("aquasecurity/setup-trivy", "version"),
    "cosign": ("sigstore/cosign-installer", "cosign-release"),
}


def setup_tool(step: ir.SetupTool) -> list[Yaml]:
    action, version_input = TOOL_SETUP[step.tool]
    with_: dict[str, Yaml] = {version_input: step.version}
    # No cached tool binaries in publishing runs (zizmor cache-poisoning).
    if step.tool == "trivy":
        with_["cache"] = False
    if step.tool == "buildx":
        with_["cache-binary"] = False
    return [{"name": f"Set up {step.tool} {step.version}", "uses": uses(action), "with": with_}]


IMAGE_ENV: Final = ("IMAGE", "IMAGE_TAGS")


def setup_emulation(step: ir.SetupEmulation) -> list[Yaml]:
    """docker/setup-qemu-action with the pinned binfmt image (its default is :latest) and without
    its image cache in the GitHub Actions cache, which another ref could have written.
    https://github.com/docker/setup-qemu-action#inputs"""
    return [
        {
            "name": "Set up QEMU",
            "uses": uses("docker/setup-qemu-action"),
            "with": {"image": step.image, "platforms": ",".join(step.architectures), "cache-image": False},
        }
    ]


def build_image(step: ir.BuildImage) -> list[Yaml]:
    """docker/build-push-action implements the BuildImage contract: context from the working tree
    (never the git ref), no provenance/SBOM attestations (set identically on GitLab), the GitHub
    Actions cache backend. https://github.com/docker/build-push-action#inputs"""
    out: list[Yaml] = []
    for suffix in step.registries if step.push else ():
        registry, user, password = ir.registry_variables(suffix)
        out.append(
            {
                "name": f"Log in to another registry ({registry})" if suffix else "Log in to the registry",
                "uses": uses("docker/login-action"),
                "with": {
                    "registry": f"${{{{ env.{registry} }}}}",
                    "username": f"${{{{ env.{user} }}}}",
                    "password": f"${{{{ env.{password} }}}}",
                },
            }
        )
    build_args = tuple(variable for _, variable in step.user_args)
    names = (step.names,) if step.names != "IMAGE" else ()
    out.append(
        {
            "name": "Export image name and tags",
            "run": Script(export_lines("image.env", IMAGE_ENV + names + build_args, "$GITHUB_ENV")),
        }
    )
    # Push by digest only, never a tag: the promote job tags the digest once it is verified.
    # Several names are one CSV field, quoted (one build pushes the same digest to each):
    # https://docs.docker.com/build/exporters/image-registry/
    name = f"name=${{{{ env.{step.names} }}}}"
    name = name if step.names == "IMAGE" else f'"{name}"'
    output = f"type=image,{name},push-by-digest=true,name-canonical=true,push=true" if step.push else "type=cacheonly"
    with_: dict[str, Yaml] = {
        "context": step.context,
        "file": step.dockerfile,
        "platforms": ",".join(step.platforms),
        "outputs": output,
        "provenance": False,
        "sbom": False,
    }
    # the generated Dockerfile's OCI labels (docs/dockerfile.md; the image job's env holds
    # COMMIT_SHA and REF_NAME), then image.build-args, whose values the image-ref block computed
    labels = {
        "SOURCE": "${{ github.server_url }}/${{ github.repository }}",
        "REVISION": "${{ env.COMMIT_SHA }}",
        "VERSION": "${{ env.REF_NAME }}",
    }
    arguments = [f"{name}={labels[name]}" for name in step.label_args]
    arguments += [f"{name}=${{{{ env.{variable} }}}}" for name, variable in step.user_args]
    if arguments:
        with_["build-args"] = "".join(f"{argument}\n" for argument in arguments)
    if step.cache:
        with_["cache-from"] = "type=gha"
        with_["cache-to"] = "type=gha,mode=max"
    out.append({"name": "Build image", "id": "image-build", "uses": uses("docker/build-push-action"), "with": with_})
    if step.push:
        out.append(
            {
                "name": "Record the digest",
                "env": {"DIGEST": "${{ steps.image-build.outputs.digest }}"},
                # outputs.env is created here, fresh: a committed outputs.env never reaches it
                "run": Script('echo "IMAGE_DIGEST=${DIGEST}" > outputs.env\n'),
            }
        )
    return out


def attest_provenance(step: ir.AttestProvenance) -> list[Yaml]:
    """GitHub's own record of the provenance: actions/attest in provenance mode (no predicate
    input: it writes GitHub's SLSA provenance v1) signs it with the job's OIDC token and stores it
    in the repository's attestations (``gh attestation verify``); the image's is not pushed to the
    registry, which holds cosign's. The checksums' names every asset that SHA256SUMS lists.
    https://github.com/actions/attest#inputs"""
    subject: dict[str, Yaml] = (
        {"subject-name": "${{ env.IMAGE }}", "subject-digest": "${{ env.IMAGE_DIGEST }}", "push-to-registry": False}
        if step.subject == "image"
        else {"subject-checksums": "release/SHA256SUMS"}
    )
    return [{"name": "Record the provenance (GitHub attestations)", "uses": uses("actions/attest"), "with": subject}]


def native_sast(job: ir.Job) -> list[Yaml]:
    """CodeQL for Go (code-scan.sast: native; named exception sast-native): init with autobuild,
    then analyze, which uploads to code scanning; both from the commit upload-sarif is pinned to.
    https://docs.github.com/en/code-security/code-scanning/creating-an-advanced-setup-for-code-scanning/codeql-code-scanning-for-compiled-languages"""
    return [
        {
            "name": "CodeQL init",
            "uses": uses("github/codeql-action/init"),
            "with": {"languages": "go", "build-mode": "autobuild"},
        },
        {"name": "CodeQL analyze", "uses": uses("github/codeql-action/analyze"), "with": {"category": job.id}},
    ]


def report_steps(job: ir.Job) -> list[Yaml]:
    """A scan report goes to code scanning, also when the gate failed.
    https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/uploading-a-sarif-file-to-github"""
    files = [SARIF_FILE] if job.has(ir.ScanReport) else []
    files += [SARIF_FILES[s.tool] for s in job.steps if isinstance(s, ir.CodeScanReport)]
    return [
        {
            "name": "Upload SARIF to code scanning",
            "if": "${{ !cancelled() }}",
            "uses": uses("github/codeql-action/upload-sarif"),
            "with": {"sarif_file": sarif, "category": job.id},
        }
        for sarif in files
    ]
