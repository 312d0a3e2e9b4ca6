"""The target registry. Each target is a module with the same public surface; the two never
import each other, and what they share lives in :mod:`ciforge.ir` and :mod:`ciforge.yamldata`."""

from __future__ import annotations

from typing import Final, Protocol

from ciforge import ir
from ciforge.targets import github, gitlab
from ciforge.yamldata import Yaml


class Target(Protocol):
    """What every target module provides."""

    @property
    def NAME(self) -> str: ...  # noqa: N802 - a module constant

    @property
    def OUTPUT_PATH(self) -> str: ...  # noqa: N802 - a module constant

    def emit(self, pipeline: ir.Pipeline) -> dict[str, Yaml]: ...


TARGETS: Final[dict[str, Target]] = {"github": github, "gitlab": gitlab}
