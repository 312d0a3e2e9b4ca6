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
