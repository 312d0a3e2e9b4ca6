"""Presets: bundled partial manifests a manifest starts from (``preset: go-service``).

Merge rules (documented in docs/manifest.md and tested): mappings merge deeply, key by key;
lists and scalars replace; the manifest always wins over the preset.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, Final

from ciforge.source import load_text

PRESETS: Final = ("go-service", "go-cli", "go-library")


def preset_path(name: str) -> Path:
    """The preset file: packaged in the wheel, or presets/ beside the package in a checkout."""
    packaged = resources.files("ciforge.data").joinpath("presets", f"{name}.yml")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "presets" / f"{name}.yml"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """A preset's data (the presets are tested, so they always load cleanly)."""
    path = preset_path(name)
    doc, diagnostics = load_text(path.read_text(encoding="utf-8"), str(path))
    assert doc is not None, diagnostics
    assert not diagnostics, diagnostics
    data: dict[str, Any] = doc.data
    return data


def merge(base: Any, override: Any) -> Any:
    """Deep-merge ``override`` onto ``base``: mappings merge, everything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    return override


def apply(data: Any) -> Any:
    """The manifest data with its preset merged under it (unchanged when there is none, or when
    the preset name is unknown: the schema reports that)."""
    if not isinstance(data, dict) or data.get("preset") not in PRESETS:
        return data
    return merge(load(data["preset"]), data)
