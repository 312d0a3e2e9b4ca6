"""Several image repositories (image.repository as a list; docs/release.md, several repositories).

The first repository is the primary: the SBOM, the scan and the image probe read it, as with one
repository. image-publish pushes the same digest to every repository in one BuildKit build; sign,
verify and promote work on each. Every distinct registry host is logged in to: the primary's with
the job variables REGISTRY, REGISTRY_USER and REGISTRY_PASSWORD (as with one repository), each
other host's with REGISTRY_<HOST>, REGISTRY_USER_<HOST> and REGISTRY_PASSWORD_<HOST>, its host in
capitals with every other character '_'. Each platform fills the credentials of its own registry
with the job token, and those of any other registry from the CI secrets of the same names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypedDict

from ciforge import ir
from ciforge.model import Image

if TYPE_CHECKING:
    from ciforge.lower_supply import SupplyChain


def several(image: Image | None) -> bool:
    """Whether image.repository lists more than one repository (a list of one is the string)."""
    return image is not None and len(image.repositories) > 1


def host(repository: str) -> str:
    """The registry host of a repository (its first path segment)."""
    return repository.split("/", maxsplit=1)[0]


def hosts(image: Image | None) -> tuple[str, ...]:
    """The distinct registry hosts of image.repository, the primary's first (empty: the
    platform's default registry)."""
    return tuple(dict.fromkeys(host(r) for r in image.repositories)) if image is not None else ()


def suffix(registry: str) -> str:
    """The suffix of a registry's job variables and CI secrets: _<HOST> (docker.io: _DOCKER_IO)."""
    return "_" + re.sub(r"[^A-Z0-9]", "_", registry.upper())


def suffixes(image: Image | None, *, every: bool) -> tuple[str, ...]:
    """The suffix of each registry a job logs in to: the primary's (""), and with ``every`` each
    other registry's."""
    return ("", *(suffix(h) for h in hosts(image)[1:])) if every else ("",)


def env(image: Image | None, *, every: bool) -> ir.Env:
    """The registries a job logs in to and their credentials: the primary repository's (the
    platform's own registry without a repository), and with ``every`` each other registry of
    image.repository (the jobs that push, sign, verify and promote every repository)."""
    registries = hosts(image)
    primary = registries[0] if registries else ""
    out: list[tuple[str, ir.EnvValue]] = [
        ("REGISTRY", primary or ir.PlatformValue("registry")),
        ("REGISTRY_USER", ir.PlatformValue("registry_user", primary)),
        ("REGISTRY_PASSWORD", ir.PlatformValue("registry_password", primary)),
    ]
    for other in registries[1:] if every else ():
        registry, user, password = ir.registry_variables(suffix(other))
        credential = f"{other} {suffix(other)}"
        out += [
            (registry, other),
            (user, ir.PlatformValue("registry_user", credential)),
            (password, ir.PlatformValue("registry_password", credential)),
        ]
    return tuple(out)


def repositories_env(image: Image) -> ir.Env:
    """The repositories the image-ref block reads: IMAGE_REPOSITORY (one, or the platform's
    default) or IMAGE_REPOSITORIES (several, comma-separated, the primary first)."""
    repositories = image.repositories
    if len(repositories) > 1:
        return (("IMAGE_REPOSITORIES", ",".join(repositories)),)
    return (("IMAGE_REPOSITORY", repositories[0] if repositories else ir.PlatformValue("image_repository")),)


class Every(TypedDict):
    """The arguments of a script that logs in to every registry and works on each repository."""

    registries: tuple[str, ...]
    several: bool


def every(image: Image | None) -> Every:
    """The script arguments of the jobs that sign, verify and promote every repository."""
    return {"registries": suffixes(image, every=True), "several": several(image)}


def outputs(image: Image | None) -> tuple[str, ...]:
    """image-publish's outputs: the primary IMAGE and IMAGE_DIGEST, and with several repositories
    IMAGE_NAMES (every repository, comma-separated)."""
    return ("IMAGE", "IMAGE_DIGEST", *((ir.IMAGE_NAMES,) if several(image) else ()))


def check(chain: SupplyChain) -> None:
    """Two registries besides the primary's whose job variables would have the same name."""
    image = chain.m.image
    if not several(image):
        return
    assert image is not None
    primary = host(image.repositories[0])
    seen: dict[str, str] = {}
    for index, repository in enumerate(image.repositories):
        registry = host(repository)
        if registry != primary and seen.setdefault(suffix(registry), registry) != registry:
            chain.error(
                "conflict",
                f"image.repository: the registries {seen[suffix(registry)]} and {registry} would both take "
                f"the CI secrets REGISTRY_USER{suffix(registry)} and REGISTRY_PASSWORD{suffix(registry)}; "
                "list repositories of registries whose names differ in more than punctuation",
                ("image", "repository", index),
            )
