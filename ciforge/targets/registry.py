"""The platform registry: one line per platform, in the order the outputs are written. The CLI,
the compiler, ``verify`` and the tests loop over it; nothing else names a platform's package.

A platform's package is imported on first use, so ``ciforge --help`` and a one-platform render
import only what they need.
"""

from __future__ import annotations

import importlib
from typing import cast

from ciforge.target_names import NAMES
from ciforge.targets import Platform

__all__ = ["NAMES", "platform", "platforms"]


def platform(name: str) -> Platform:
    """The platform package registered under ``name``."""
    if name not in NAMES:
        raise KeyError(name)
    return cast(Platform, importlib.import_module(f"ciforge.targets.{name}"))


def platforms() -> tuple[Platform, ...]:
    """Every registered platform, in registry order."""
    return tuple(platform(name) for name in NAMES)
