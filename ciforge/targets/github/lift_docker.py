"""The GitHub lifter's reading of the Docker actions: docker/setup-qemu-action and
docker/build-push-action as the emulation and image-build contracts (ciforge.plan.model)."""

from __future__ import annotations

import re
from typing import Any

from ciforge.plan.model import build_arg_word, emulation_command, image_build_command
from ciforge.targets.github.lift_matrix import scalar


def build_arg(line: str) -> str:
    """One NAME=value line of build-push-action's build-args, as the plan records it: a value that
    is exactly one ${{ env.NAME }} names that variable."""
    name, _, value = line.strip().partition("=")
    variable = re.fullmatch(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", value.strip())
    return build_arg_word(name.strip(), variable[1] if variable else "")


def docker_action(action: str, with_: dict[str, Any], acc: dict[str, Any]) -> None:
    """docker/setup-qemu-action and docker/build-push-action: the emulation and image-build
    contracts, and the caches they restore."""
    if action == "docker/setup-qemu-action":
        # its defaults: the :latest image, every platform, the image cached in the GitHub Actions
        # cache (https://github.com/docker/setup-qemu-action#inputs)
        acc["commands"].append(
            emulation_command(
                image=scalar(with_.get("image", "docker.io/tonistiigi/binfmt:latest")),
                architectures=scalar(with_.get("platforms", "all")),
            )
        )
        if with_.get("cache-image", True) is not False:
            acc["caches"].append("binfmt:shared")
        return
    acc["commands"].append(
        image_build_command(
            context=scalar(with_["context"]),
            dockerfile=scalar(with_["file"]),
            platforms=scalar(with_["platforms"]),
            push=with_.get("push") is True or "push=true" in str(with_.get("outputs", "")),
            cache="cache-from" in with_,
            tags=bool(with_.get("tags")),
            labels=",".join(build_arg(line) for line in str(with_.get("build-args", "")).splitlines() if line.strip()),
        )
    )
    if "cache-from" in with_:
        # type=gha is scoped by GitHub per ref (and the default branch); anything else is not
        scoped = str(with_["cache-from"]).strip() == "type=gha"
        acc["caches"].append("image" if scoped else "image:shared")
