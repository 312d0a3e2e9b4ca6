"""What a Go version file declares: go.mod, .go-version or .tool-versions.

* go.mod: a ``toolchain`` directive names an exact release; otherwise the ``go`` directive is a
  minimum (https://go.dev/doc/toolchain), which ciforge rounds up to the latest patch of its minor
  unless ``go.exact``.
* .go-version: one version on its first line (goenv and setup-go read it the same way).
* .tool-versions: the ``golang`` line (asdf; mise also accepts ``go``); its first version.

Parsing is pure: the caller reads the file (and checks it is a small regular file).
"""

from __future__ import annotations

import re
from typing import Final, Literal

import attrs

from ciforge import gomodules, goreleases

_VERSION: Final = r"(\d+\.\d+(?:\.\d+)?)"
_TOOL_VERSIONS: Final = re.compile(rf"^\s*(?:golang|go)\s+v?(?:go)?{_VERSION}(?:\s|$)", re.MULTILINE)
_GO_VERSION_LINE: Final = re.compile(rf"^\s*(?:go)?{_VERSION}\s*$")
FIRST_DOTZERO_MINOR: Final = 21  # Go 1.21 named its first release 1.21.0; 1.20 was just "go1.20"


class VersionFileError(ValueError):
    """The file declares no usable version; the message says what was expected."""


@attrs.frozen
class Declared:
    """A version file's declaration: ``toolchain`` (exact), ``go`` (a minimum, from go.mod) or
    ``pinned`` (.go-version / .tool-versions: a version request like go.version)."""

    kind: Literal["toolchain", "go", "pinned"]
    version: str
    minimum: str | None = None  # go.mod's go directive, also when a toolchain directive wins


def parse(name: str, text: str) -> Declared:
    """Parse the version file ``name`` (its base name picks the format)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base == ".tool-versions":
        found = _TOOL_VERSIONS.search(text)
        if found is None:
            raise VersionFileError(f"{name} has no golang line (e.g. `golang 1.25.3`)")
        return Declared(kind="pinned", version=found[1])
    if base.endswith(".mod"):
        directives = gomodules.go_directives(text)
        minimum = directives.go
        if directives.toolchain is not None:
            return Declared(kind="toolchain", version=directives.toolchain, minimum=minimum)
        if minimum is None:
            raise VersionFileError(f"{name} has no go or toolchain directive")
        return Declared(kind="go", version=minimum, minimum=minimum)
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            found = _GO_VERSION_LINE.match(line)
            if found is None:
                break
            return Declared(kind="pinned", version=found[1])
    raise VersionFileError(f"{name} should hold one Go version on its first line (e.g. 1.25.3)")


def as_declared(minimum: str) -> str:
    """go.mod's ``go`` directive as a release: 1.25.0 stays, 1.22 is 1.22.0; before Go 1.21 a
    ``go 1.15`` line names a language version, and the release that runs it is 1.15's latest patch."""
    parts = minimum.split(".")
    if len(parts) == 3:
        return minimum
    if int(parts[1]) >= FIRST_DOTZERO_MINOR:
        return f"{minimum}.0"
    return goreleases.resolve(minimum)


def release(declared: Declared, *, exact: bool) -> str:
    """The exact release a declaration means (raises goreleases.UnknownReleaseError)."""
    if declared.kind == "toolchain":
        return goreleases.resolve(declared.version)
    if declared.kind == "go":
        if exact:
            return goreleases.resolve(as_declared(declared.version))
        return goreleases.resolve(goreleases.minor_of(declared.version))
    return goreleases.resolve(declared.version)
