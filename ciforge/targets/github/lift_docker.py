"""The GitHub lifter's reading of the Docker actions: docker/setup-qemu-action and
docker/build-push-action as the emulation and image-build contracts (ciforge.plan.model)."""

from __future__ import annotations

import csv
import re
from typing import Any, Final

from ciforge.plan.model import build_arg_word, emulation_command, image_build_command
from ciforge.targets.github.lift_matrix import scalar

_ENV: Final = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# @actions/core's getBooleanInput, which both actions use for push and cache-image: the YAML 1.2
# core schema's spellings of true; false is the others' (any other value fails the step)
# https://github.com/actions/toolkit/blob/main/packages/core/README.md#inputsoutputs
_TRUE: Final = ("true", "True", "TRUE")


def build_arg(line: str) -> str:
    """One NAME=value line of build-push-action's build-args, as the plan records it: a value that
    is exactly one ${{ env.NAME }} names that variable."""
    name, _, value = line.strip().partition("=")
    variable = _ENV.fullmatch(value.strip())
    return build_arg_word(name.strip(), variable[1] if variable else "")


def env_word(value: str) -> str:
    """A value as the image-build contract records it: exactly one ${{ env.NAME }} is $NAME,
    anything else itself."""
    variable = _ENV.fullmatch(value.strip())
    return f"${variable[1]}" if variable else value.strip()


def pushed_names(outputs: str) -> str:
    """The name attribute of build-push-action's image output (one CSV line of key=value fields:
    https://docs.docker.com/build/exporters/image-registry/), as the contract records it."""
    for line in outputs.splitlines():
        for field in next(csv.reader([line]), []):
            key, _, value = field.partition("=")
            if key.strip() == "name":
                return env_word(value)
    return ""


def login(with_: dict[str, Any], acc: dict[str, Any]) -> None:
    """docker/login-action: the registry it logs in to before a build (its default, without a
    registry input, is Docker Hub: https://github.com/docker/login-action#inputs)."""
    acc.setdefault("logins", []).append(env_word(scalar(with_.get("registry", "docker.io"))))


def boolean_input(with_: dict[str, Any], name: str, *, default: bool) -> bool:
    """An action's boolean input as getBooleanInput reads it: ``push: "True"`` is true, as is
    ``push: true``; without the input, the action's default."""
    return scalar(with_[name]) in _TRUE if name in with_ else default


def docker_action(action: str, with_: dict[str, Any], acc: dict[str, Any]) -> None:
    """docker/setup-qemu-action and docker/build-push-action: the emulation and image-build
    contracts, and the caches they restore."""
    if action == "docker/setup-qemu-action":
        # its defaults, also for an empty input: the :latest image, every platform, the image
        # cached in the GitHub Actions cache (https://github.com/docker/setup-qemu-action#inputs,
        # src/context.ts); platforms is a list, by lines or commas
        platforms = [p.strip() for line in scalar(with_.get("platforms", "")).splitlines() for p in line.split(",")]
        acc["commands"].append(
            emulation_command(
                image=scalar(with_.get("image", "")) or "docker.io/tonistiigi/binfmt:latest",
                architectures=",".join(p for p in platforms if p) or "all",
            )
        )
        if boolean_input(with_, "cache-image", default=True):
            acc["caches"].append("binfmt:shared")
        return
    push = boolean_input(with_, "push", default=False) or "push=true" in str(with_.get("outputs", ""))
    acc["commands"].append(
        image_build_command(
            context=scalar(with_["context"]),
            dockerfile=scalar(with_["file"]),
            platforms=scalar(with_["platforms"]),
            push=push,
            cache="cache-from" in with_,
            tags=bool(with_.get("tags")),
            labels=",".join(build_arg(line) for line in str(with_.get("build-args", "")).splitlines() if line.strip()),
            names=pushed_names(str(with_.get("outputs", ""))) if push else "",
            logins=",".join(acc.get("logins", [])) if push else "",
        )
    )
    if "cache-from" in with_:
        # type=gha is scoped by GitHub per ref (and the default branch); anything else is not
        scoped = str(with_["cache-from"]).strip() == "type=gha"
        acc["caches"].append("image" if scoped else "image:shared")
