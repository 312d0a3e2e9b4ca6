"""govulncheck releases and the Go each one needs to build, for ``lint.govulncheck: true``.

The lint job runs ``go run golang.org/x/vuln/cmd/govulncheck@<release>``: the go command builds it
with the pipeline's Go (GOTOOLCHAIN=local), so the release's own ``go`` directive must not be
newer. Read from the go.mod of each tag of https://go.googlesource.com/vuln (mirrored at
github.com/golang/vuln); newest first.
"""

from __future__ import annotations

from typing import Final

from ciforge import goreleases

# (release, the minimum Go of its go.mod), newest first
RELEASES: Final = (
    ("v1.6.0", "1.25.0"),
    ("v1.5.0", "1.25.0"),
    ("v1.4.0", "1.25.0"),
    ("v1.3.0", "1.25.0"),
    ("v1.2.0", "1.25.0"),
    ("v1.1.4", "1.22.0"),
    ("v1.1.3", "1.21"),
)
PACKAGE: Final = "golang.org/x/vuln/cmd/govulncheck"


class NoReleaseError(Exception):
    """No known release builds with the Go release; the message says what to do."""


def minimum_go(release: str) -> str | None:
    """The Go a known release needs, or None for a release not in the table."""
    return next((go for known, go in RELEASES if known == release), None)


def builds_with(release: str, go: str) -> bool:
    """Whether ``go`` (an exact release) is new enough to build ``release`` (unknown: assumed)."""
    needed = minimum_go(release)
    return needed is None or goreleases.key(go) >= goreleases.key(needed)


def choose(go: str) -> str:
    """The newest release that builds with ``go``."""
    for release, needed in RELEASES:
        if goreleases.key(go) >= goreleases.key(needed):
            return release
    oldest, needed = RELEASES[-1]
    raise NoReleaseError(
        f"govulncheck {oldest}, the oldest ciforge knows, needs Go {needed}; this pipeline runs Go {go}"
    )
