"""Which platforms the tests can run on, and the shape of each target's hosted-runner facts
(:class:`Hosting`): every target declares its own in its package (``HOSTING``), the compiler
hands them to lowering, and lowering validates ``test.platforms`` and ``runners`` against them.
Each target spells the runner itself; a test keeps its spelling and its ``HOSTING`` in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

PLATFORMS: Final = ("linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64")

# Go's race detector: "linux/amd64, linux/ppc64le, linux/arm64, linux/s390x, linux/loong64,
# freebsd/amd64, netbsd/amd64, darwin/amd64, darwin/arm64, and windows/amd64".
# https://go.dev/doc/articles/race_detector#Requirements
RACE_PLATFORMS: Final = frozenset({"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"})


@attrs.frozen
class Hosting:
    """A target's hosted runners: the test platforms it has a documented hosted runner for that
    runs the jobs' bash blocks, why it has none for the others, and how the manifest names a
    self-hosted runner instead (``runners.<platform>.<setting>``)."""

    target: str  # the platform's registry name, e.g. gitlab
    title: str  # e.g. GitLab
    platforms: frozenset[str]
    missing: Mapping[str, str]  # test platform -> why there is no hosted runner
    setting: str  # e.g. gitlab.tags


def slug(platform: str) -> str:
    """``linux/arm64`` -> ``linux-arm64`` (job ids, artifact names)."""
    return platform.replace("/", "-")
