"""The image build's options that need more than a flag: the QEMU emulators of image.emulation,
the release placeholders of image.build-args and the platform-to-leg table of image.from-build
(docs/dockerfile.md, docs/release.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ciforge import ir, lower_build, pins
from ciforge.model import Image

if TYPE_CHECKING:
    from ciforge.lower_supply import SupplyChain

# The architectures the binfmt image emulates (cmd/binfmt/config.go of
# https://github.com/tonistiigi/binfmt at the pinned release).
EMULATED: Final = ("amd64", "arm64", "arm", "s390x", "ppc64le", "riscv64", "386", "mips64le", "mips64", "loong64")


# The Docker platform variant a leg builds for, from its variant variable or, unset, Go's default
# (GOARM 7 when cross-compiling, GOAMD64 v1, GOARM64 v8.0: https://go.dev/wiki/MinimumRequirements);
# Docker's own defaults are the same (linux/arm is linux/arm/v7, linux/arm64 is linux/arm64/v8:
# https://github.com/containerd/platforms). Other architectures have no Docker variant.
_VARIANT: Final = {"arm": ("GOARM", "7"), "amd64": ("GOAMD64", "v1"), "arm64": ("GOARM64", "v8.0")}


def _normalized(goos: str, arch: str, variant: str) -> tuple[str, str, str]:
    """A platform as (os, arch, variant) with the variant spelled as Docker does (v7, v3, v8)."""
    if arch not in _VARIANT:
        return goos, arch, ""
    variant = variant or _VARIANT[arch][1]
    if arch == "arm":
        variant = "v" + variant.removeprefix("v").split(",")[0]  # GOARM 7 or 7,softfloat: v7
    if arch == "arm64":
        variant = variant.split(".")[0]  # GOARM64 v8.2,lse: v8
    return goos, arch, variant


def leg_platform(leg: ir.Leg) -> tuple[str, str, str]:
    """The platform a leg's binaries run on, normalized."""
    variables = dict(leg.variables)
    arch = variables["GOARCH"]
    variable = _VARIANT[arch][0] if arch in _VARIANT else ""
    return _normalized(variables["GOOS"], arch, variables.get(variable, ""))


def platform_legs(image: Image, legs: tuple[ir.Leg, ...]) -> dict[int, str]:
    """image.from-build: each image platform's index and the key of the first build leg that
    builds for it, in build order; a platform without one is missing from the result."""
    out: dict[int, str] = {}
    for index, platform in enumerate(image.platforms):
        goos, arch, *variant = platform.split("/")
        wanted = _normalized(goos, arch, variant[0] if variant else "")
        match = next((leg.key for leg in legs if leg_platform(leg) == wanted), None)
        if match is not None:
            out[index] = match
    return out


def emulation(image: Image) -> ir.SetupEmulation:
    """QEMU for every architecture of image.platforms, from the pinned binfmt image (Docker Hub
    tag qemu-<QEMU release>-<build>, published from the repository's deploy/ tags)."""
    architectures = dict.fromkeys(platform.split("/")[1] for platform in image.platforms)
    return ir.SetupEmulation(
        image=f"docker.io/tonistiigi/binfmt:{pins.tool_version('binfmt')}", architectures=tuple(architectures)
    )


def stamp_env(image: Image, env: ir.Env) -> ir.Env:
    """``env`` and, with image.build-args, what their release placeholders are computed from (the
    build's own values) that it lacks (it has RELEASE_TAG when the image tags need it)."""
    if not image.build_args:
        return env
    return ir.env_adding(env, lower_build.STAMP_ENV)


def check(chain: SupplyChain) -> None:
    """Each emulated platform binfmt knows; each build argument's placeholders."""
    image = chain.m.image
    if image is None:
        return
    for index, platform in enumerate(image.platforms if image.emulation else ()):
        if platform.split("/")[1] not in EMULATED:
            chain.error(
                "conflict",
                f"image.emulation has no emulator for {platform}; binfmt emulates {', '.join(EMULATED)}",
                ("image", "platforms", index),
            )
    if image.from_build:
        _check_from_build(chain, image)
    for name, value in image.build_args.items():
        for problem in lower_build.placeholder_problems(value):
            chain.error("placeholder", problem, ("image", "build-args", name))


def _check_from_build(chain: SupplyChain, image: Image) -> None:
    """image.from-build needs the build, unsharded, with a leg for each platform."""
    if chain.m.build is None:
        chain.error(
            "conflict", "image.from-build copies the built binaries, but build is false", ("image", "from-build")
        )
        return
    if chain.collect:
        chain.error(
            "conflict",
            "image.from-build with more than 50 build legs is not supported (the builds are sharded); "
            "build the binaries in the Dockerfile",
            ("image", "from-build"),
        )
    found = platform_legs(image, chain.legs)
    for index, platform in enumerate(image.platforms):
        if index not in found:
            chain.error(
                "conflict",
                f"image.from-build: no build leg builds for {platform}; add a leg with goos and goarch "
                "(and goarm for linux/arm/vN, goamd64 for linux/amd64/vN) to build.matrix",
                ("image", "platforms", index),
            )
