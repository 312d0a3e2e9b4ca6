"""The pinned actions that implement IR steps on GitHub: checkout and toolchain setup, tool setup,
the image build, job outputs and the SARIF upload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ciforge import ir, pins
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


def export_lines(source: str, names: tuple[str, ...], sink: str) -> str:
    """Copy the job's own NAME=value lines from ``source`` into a GitHub file command (``sink``):
    only the declared names, each written with a fresh random heredoc delimiter, so no value can
    end the entry early and smuggle in another one.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings"""
    return "\n".join(
        (
            "set -euo pipefail",
            'while IFS= read -r line || [ -n "$line" ]; do',
            '  name="${line%%=*}"',
            '  case "$name" in',
            f"    {'|'.join(names)}) ;;",
            f'    *) echo "{source}: unexpected line; expected one of {", ".join(names)}" >&2; exit 1 ;;',
            "  esac",
            "  delimiter=\"ciforge_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')\"",
            f'  printf \'%s<<%s\\n%s\\n%s\\n\' "$name" "$delimiter" "${{line#*=}}" "$delimiter" >> "{sink}"',
            f"done < {source}",
            "",
        )
    )


def build_image(step: ir.BuildImage) -> list[Yaml]:
    """docker/build-push-action implements the BuildImage contract: context from the working tree
    (never the git ref), no provenance/SBOM attestations (set identically on GitLab), the GitHub
    Actions cache backend. https://github.com/docker/build-push-action#inputs"""
    out: list[Yaml] = []
    if step.push:
        out.append(
            {
                "name": "Log in to the registry",
                "uses": uses("docker/login-action"),
                "with": {
                    "registry": "${{ env.REGISTRY }}",
                    "username": "${{ env.REGISTRY_USER }}",
                    "password": "${{ env.REGISTRY_PASSWORD }}",
                },
            }
        )
    out.append(
        {"name": "Export image name and tags", "run": Script(export_lines("image.env", IMAGE_ENV, "$GITHUB_ENV"))}
    )
    # Push by digest only, never a tag: the promote job tags the digest once it is verified.
    # https://docs.docker.com/build/exporters/image-registry/
    output = (
        "type=image,name=${{ env.IMAGE }},push-by-digest=true,name-canonical=true,push=true"
        if step.push
        else "type=cacheonly"
    )
    with_: dict[str, Yaml] = {
        "context": step.context,
        "file": step.dockerfile,
        "platforms": ",".join(step.platforms),
        "outputs": output,
        "provenance": False,
        "sbom": False,
    }
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


def export_outputs(job: ir.Job) -> list[Yaml]:
    """The job's outputs.env lines become step outputs, read by the job's ``outputs:``."""
    if not job.outputs:
        return []
    script = export_lines("outputs.env", job.outputs, "$GITHUB_OUTPUT")
    return [{"name": "Export job outputs", "id": "outputs", "run": Script(script)}]


def job_outputs(job: ir.Job) -> dict[str, Yaml] | None:
    if not job.outputs:
        return None
    return {name: "${{ steps.outputs.outputs." + name + " }}" for name in job.outputs}


def input_env(job: ir.Job) -> dict[str, Yaml]:
    return {
        name: "${{ needs." + item.producer + ".outputs." + name + " }}" for item in job.inputs for name in item.names
    }


def report_steps(job: ir.Job) -> list[Yaml]:
    """A scan report goes to code scanning, also when the gate failed.
    https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/uploading-a-sarif-file-to-github"""
    if not any(isinstance(step, ir.ScanReport) for step in job.steps):
        return []
    return [
        {
            "name": "Upload SARIF to code scanning",
            "if": "${{ !cancelled() }}",
            "uses": uses("github/codeql-action/upload-sarif"),
            "with": {"sarif_file": SARIF_FILE, "category": job.id},
        }
    ]
