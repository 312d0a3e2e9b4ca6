"""The image build on GitLab: buildx from its official binary image, and the buildx command line
that implements :class:`ciforge.ir.BuildImage`."""

from __future__ import annotations

from typing import Final

from ciforge import ir
from ciforge.scripts import block


def install_buildx(buildx: str) -> str:
    """buildx at the pinned release, copied from its official binary image (the docker jobs'
    counterpart of docker/setup-buildx-action)."""
    return block(
        "# buildx at the pinned release, from its official binary image",
        'mkdir -p "$HOME/.docker/cli-plugins"',
        f'id="$(docker create docker/buildx-bin:{buildx.removeprefix("v")} /buildx)"',
        'docker cp "${id}:/buildx" "$HOME/.docker/cli-plugins/docker-buildx"',
        'docker rm "$id" > /dev/null',
        "docker buildx version",
    )


def setup_emulation(step: ir.SetupEmulation) -> str:
    """QEMU emulators from the pinned binfmt image, as docker/setup-qemu-action runs it on GitHub
    (a privileged container of the Docker-in-Docker daemon registers them in binfmt_misc).
    https://github.com/tonistiigi/binfmt#installing-emulators"""
    return block(
        "# QEMU emulators for the image's foreign platforms, from the pinned binfmt image",
        f"docker run --privileged --rm {step.image} --install {','.join(step.architectures)}",
    )


# The BuildKit registry cache is split by ref protection: protected refs (the default branch,
# protected release tags) only ever read what protected refs wrote.
# https://docs.gitlab.com/ci/variables/predefined_variables/ (CI_COMMIT_REF_PROTECTED)
CACHE_REF: Final = "${IMAGE}:buildcache-${CI_COMMIT_REF_PROTECTED:-false}"


def build_image_script(step: ir.BuildImage) -> str:
    """The buildx command line that implements the BuildImage contract (same inputs as GitHub's
    docker/build-push-action: working-tree context, no attestations, push by digest only;
    registry cache). Only a pushing build logs in."""
    lines = [
        "# shellcheck source=/dev/null",
        ". ./image.env",
    ]
    for suffix in step.registries if step.push else ():
        registry, user, password = ir.registry_variables(suffix)
        lines.append(f'printf \'%s\' "${password}" | docker login "${registry}" -u "${user}" --password-stdin')
    lines.append("docker buildx create --use --driver docker-container --name ciforge > /dev/null")
    if step.cache:
        lines.append(f'cache="type=registry,ref={CACHE_REF}"')
    flags = [
        f"--platform {','.join(step.platforms)}",
        f"--file {step.dockerfile}",
        "--provenance=false --sbom=false",
        "--metadata-file image-metadata.json",
    ]
    # the generated Dockerfile's OCI labels (docs/dockerfile.md; the job's variables hold
    # COMMIT_SHA and REF_NAME), then image.build-args, whose values the image-ref block computed
    labels = {"SOURCE": "${CI_PROJECT_URL}", "REVISION": "${COMMIT_SHA}", "VERSION": "${REF_NAME}"}
    arguments = [f"{name}={labels[name]}" for name in step.label_args]
    arguments += [f"{name}=${{{variable}}}" for name, variable in step.user_args]
    outputs = []
    if step.cache:
        outputs.append('--cache-from "$cache"')
        if step.push:
            outputs.append('--cache-to "${cache},mode=max"')
    # several names are one CSV field, quoted: https://docs.docker.com/build/exporters/image-registry/
    name = f"name=${{{step.names}}}" if step.names == "IMAGE" else f'\\"name=${{{step.names}}}\\"'
    outputs.append(
        f'--output "type=image,{name},push-by-digest=true,name-canonical=true,push=true"'
        if step.push
        else "--output type=cacheonly"
    )
    # each build argument on a continued line of its own: yamllint's 400 columns, and readers
    continued = "".join(f' \\\n  --build-arg "{argument}"' for argument in arguments)
    lines.append(
        "docker buildx build "
        + " ".join(flags)
        + continued
        + (" \\\n  " if continued else " ")
        + " ".join([*outputs, step.context])
    )
    if step.push:
        lines += [
            'digest="$(sed -n \'s/.*"containerimage.digest": *"\\(sha256:[0-9a-f]*\\)".*/\\1/p\' image-metadata.json'
            ' | head -n 1)"',
            "# outputs.env is created here, fresh: a committed outputs.env never reaches the dotenv report",
            'echo "IMAGE_DIGEST=${digest}" > outputs.env',
        ]
    return block(*lines)
