"""The platforms' names, in the order the outputs are written: a module of its own, so that the
command line names them without importing the targets (ciforge.targets.registry)."""

from __future__ import annotations

from typing import Final

NAMES: Final = (
    "github",  # ciforge/targets/github/
    "gitlab",  # ciforge/targets/gitlab/
)
