"""The pin lockfile (``ciforge/data/pins.json``): the only source of action refs and tool versions.

Every ``uses:`` that an emitter writes goes through :func:`action`, which returns the action
pinned to the full commit SHA of its release tag, with the tag as a comment.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Final

import attrs

LOCKFILE: Final = "pins.json"


@attrs.frozen
class ActionPin:
    """An action pinned to a commit; ``ref`` is what goes after ``uses:``."""

    name: str
    version: str
    sha: str

    @property
    def ref(self) -> str:
        """``owner/repo[/path]@<40-hex sha>``."""
        return f"{self.name}@{self.sha}"


@functools.cache
def lockfile() -> dict[str, Any]:
    """The parsed lockfile."""
    text = resources.files("ciforge.data").joinpath(LOCKFILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def action(name: str) -> ActionPin:
    """The pinned action; a KeyError here means the lockfile lacks an action an emitter uses."""
    entry = lockfile()["actions"][name]
    return ActionPin(name=name, version=entry["version"], sha=entry["sha"])


def tool_version(name: str) -> str:
    """The pinned release of a CLI tool (syft, trivy, cosign, ...)."""
    version: str = lockfile()["tools"][name]["version"]
    return version


def golangci_lint_for(go_version: str) -> str:
    """The newest golangci-lint release that builds with this Go minor (or the newest known)."""
    table = {k: v for k, v in lockfile()["golangci-lint-by-go"].items() if not k.startswith("$")}
    minor = ".".join(go_version.split(".")[:2])
    if minor in table:
        return str(table[minor])
    known = sorted(table, key=lambda v: tuple(int(p) for p in v.split(".")))
    oldest, newest = known[0], known[-1]
    pick = oldest if _minor_tuple(minor) < _minor_tuple(oldest) else newest
    return str(table[pick])


def _minor_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))
