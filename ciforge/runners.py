"""Which platforms the tests can run on, and where each target has a documented hosted runner
for them that runs bash. Lowering validates ``test.platforms`` and ``runners`` against these
facts; each target spells the runner itself (``github.HOSTED_RUNNERS``, the GitLab tags in
``targets/gitlab_runners.py``), and a test keeps those tables and this one in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PLATFORMS: Final = ("linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64")

# Go's race detector: "linux/amd64, linux/ppc64le, linux/arm64, linux/s390x, linux/loong64,
# freebsd/amd64, netbsd/amd64, darwin/amd64, darwin/arm64, and windows/amd64".
# https://go.dev/doc/articles/race_detector#Requirements
RACE_PLATFORMS: Final = frozenset({"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"})

# Platforms with a hosted runner that runs the jobs' bash blocks, per target.
# GitHub: https://docs.github.com/en/actions/reference/runners/github-hosted-runners (every hosted
# image has a C compiler: gcc on Ubuntu, Xcode's clang on macOS, Mingw-w64 on Windows;
# https://github.com/actions/runner-images).
# GitLab.com: Linux (docker executor, any image) https://docs.gitlab.com/ci/runners/hosted_runners/linux/
# and macOS (Apple silicon, Premium and Ultimate plans) https://docs.gitlab.com/ci/runners/hosted_runners/macos/
HOSTED: Final[Mapping[str, frozenset[str]]] = {
    "github": frozenset(PLATFORMS),
    "gitlab": frozenset({"linux/amd64", "linux/arm64", "darwin/arm64"}),
}

# Why a target has no usable hosted runner for a platform (named in the error).
NOT_HOSTED: Final[Mapping[tuple[str, str], str]] = {
    ("gitlab", "windows/amd64"): (
        "GitLab's hosted Windows runners run PowerShell, not bash "
        "(https://docs.gitlab.com/ci/runners/hosted_runners/windows/)"
    ),
    ("gitlab", "windows/arm64"): "GitLab.com has no hosted Windows runner on arm64",
    ("gitlab", "darwin/amd64"): "GitLab's hosted macOS runners are Apple silicon (arm64) only",
}


def slug(platform: str) -> str:
    """``linux/arm64`` -> ``linux-arm64`` (job ids, artifact names)."""
    return platform.replace("/", "-")
