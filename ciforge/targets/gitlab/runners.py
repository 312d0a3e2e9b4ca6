"""GitLab spellings of where a job runs: the runner tags of each platform, the VM image of the
hosted macOS runners, and the block that installs Go on a runner that has no golang image.
Used only by :mod:`ciforge.targets.gitlab`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ciforge import ir
from ciforge.runners import Hosting
from ciforge.scripts import block
from ciforge.yamldata import Yaml

# GitLab.com's hosted runners. A job without tags runs on the small Linux amd64 runner (and on
# any untagged runner of a self-managed instance).
# https://docs.gitlab.com/ci/runners/hosted_runners/linux/
# https://docs.gitlab.com/ci/runners/hosted_runners/macos/ (Premium and Ultimate plans only)
HOSTED_TAGS: Final[Mapping[str, tuple[str, ...]]] = {
    "linux/amd64": (),
    "linux/arm64": ("saas-linux-small-arm64",),
    "darwin/arm64": ("saas-macos-medium-m1",),
}
# GitLab.com: Linux (docker executor, any image) and macOS (Apple silicon, Premium and Ultimate).
HOSTING: Final = Hosting(
    target="gitlab",
    title="GitLab",
    platforms=frozenset(HOSTED_TAGS),
    missing={
        "windows/amd64": (
            "GitLab's hosted Windows runners run PowerShell, not bash "
            "(https://docs.gitlab.com/ci/runners/hosted_runners/windows/)"
        ),
        "windows/arm64": "GitLab.com has no hosted Windows runner on arm64",
        "darwin/amd64": "GitLab's hosted macOS runners are Apple silicon (arm64) only",
    },
    setting="gitlab.tags",
)
# The hosted macOS runners run a VM image of GitLab's list, not a Docker image.
MACOS_IMAGE: Final = "macos-15-xcode-16"


def tags(job: ir.Job) -> Yaml:
    """The manifest's tags for the job's platform, else the hosted runner's."""
    chosen = job.runner.labels_for("gitlab") or HOSTED_TAGS.get(job.runner.platform, ())
    return list(chosen) or None


def docker(job: ir.Job) -> bool:
    """Whether the job runs in a container image (Linux runners use the Docker executor)."""
    return job.runner.platform.startswith("linux/")


def vm_image(job: ir.Job) -> Yaml:
    """The VM image of a hosted macOS runner; None for a self-hosted runner (it has no image)."""
    hosted = not job.runner.labels_for("gitlab")
    return MACOS_IMAGE if hosted and job.runner.platform.startswith("darwin/") else None


def install_go(job: ir.Job) -> str:
    """Go for a runner without the golang image: the release archive from Go's download server,
    checked against the SHA-256 published beside it (as golang.org/dl does), unpacked into the
    project directory (the go command ignores directories starting with a dot). GitLab runs a
    job's script items in one shell, so the PATH export reaches the blocks after this one.
    https://go.dev/dl/ https://docs.gitlab.com/ci/yaml/#script"""
    version = "$GO_VERSION" if job.go == ir.MATRIX_GO else str(job.go)
    archive = "zip" if job.runner.platform.startswith("windows/") else "tar.gz"
    unpack = 'unzip -q "$archive" -d .go-toolchain' if archive == "zip" else 'tar -xzf "$archive" -C .go-toolchain'
    return block(
        f'toolchain="{version}"',
        f'archive="go${{toolchain}}.{job.runner.platform.replace("/", "-")}.{archive}"',
        'curl -fsSL --retry 3 -o "$archive" "https://dl.google.com/go/${archive}"',
        'sum="$(curl -fsSL --retry 3 "https://dl.google.com/go/${archive}.sha256")"',
        'echo "${sum}  ${archive}" | shasum -a 256 -c -',
        f'mkdir -p .go-toolchain && {unpack} && rm "$archive"',
        'export PATH="${PWD}/.go-toolchain/go/bin:${PATH}"',
        "go version",
    )
