"""GitHub's hosted runners: the label of each test platform's documented runner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ciforge.runners import Hosting

# The documented hosted runner of each platform; every one runs bash (Git Bash on Windows) and has
# a C compiler for -race. https://docs.github.com/en/actions/reference/runners/github-hosted-runners
HOSTED_RUNNERS: Final[Mapping[str, str]] = {
    "linux/amd64": "ubuntu-24.04",
    "linux/arm64": "ubuntu-24.04-arm",
    "darwin/amd64": "macos-15-intel",
    "darwin/arm64": "macos-15",
    "windows/amd64": "windows-2025",
    "windows/arm64": "windows-11-arm",
}

# Every hosted image has a C compiler for -race: gcc on Ubuntu, Xcode's clang on macOS, Mingw-w64
# on Windows (https://github.com/actions/runner-images).
HOSTING: Final = Hosting(
    target="github",
    title="GitHub",
    platforms=frozenset(HOSTED_RUNNERS),
    missing={},
    setting="github",
)
