"""gosec releases and the Go each one needs to build, for ``code-scan.sast: gosec``.

The sast job runs ``go run github.com/securego/gosec/v2/cmd/gosec@<release>``: the go command
builds it with the pipeline's Go (GOTOOLCHAIN=local) and checks the download against the
checksum database, so the release's own ``go`` directive must not be newer. Read from the go.mod
of each tag of https://github.com/securego/gosec; newest first. The newest is the release
pinned in ciforge/data/pins.json (tools.gosec, with its commit).
"""

from __future__ import annotations

from typing import Final

from ciforge import goreleases

# (release, the minimum Go of its go.mod), newest first
RELEASES: Final = (
    ("v2.28.0", "1.25.8"),
    ("v2.23.0", "1.24.0"),
    ("v2.22.7", "1.23.0"),
)
PACKAGE: Final = "github.com/securego/gosec/v2/cmd/gosec"


class NoReleaseError(Exception):
    """No known release builds with the Go release; the message says what to do."""


def choose(go: str) -> str:
    """The newest release that builds with ``go``."""
    for release, needed in RELEASES:
        if goreleases.key(go) >= goreleases.key(needed):
            return release
    oldest, needed = RELEASES[-1]
    raise NoReleaseError(f"gosec {oldest}, the oldest ciforge knows, needs Go {needed}; this pipeline runs Go {go}")
