"""The validation cache: manifests that passed schema validation, so that the next render of the
same manifest skips jsonschema (its import is most of a cold render's start-up; docs/cost.md).

An entry is an empty file named by the SHA-256 of what validation saw: the ciforge version, the
schema's bytes and the prepared manifest data (the manifest with its preset merged in). Only a
manifest that validated without a single diagnostic is recorded. The directory is the user's
cache directory, never the repository: ``$CIFORGE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ciforge``,
else ``~/.cache/ciforge`` (``%LOCALAPPDATA%\\ciforge`` on Windows). ``CIFORGE_NO_CACHE=1`` turns
it off. A cache that cannot be read or written is no cache: the render validates as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Final

from ciforge import __version__

VALIDATED: Final = "validated-v1"


def directory() -> Path | None:
    """The cache directory, or None when caching is off."""
    if os.environ.get("CIFORGE_NO_CACHE"):
        return None
    if explicit := os.environ.get("CIFORGE_CACHE_DIR"):
        return Path(explicit)
    if os.name == "nt" and (local := os.environ.get("LOCALAPPDATA")):
        return Path(local) / "ciforge"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ciforge"


def validation_key(schema_text: str, data: Any) -> str:
    """What validation depends on, hashed: the version, the schema and the data."""
    digest = hashlib.sha256()
    for part in (__version__, schema_text, json.dumps(data, sort_keys=True, default=str)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _entry(key: str) -> Path | None:
    root = directory()
    return None if root is None else root / VALIDATED / key[:2] / key


def validated(key: str) -> bool:
    """Whether data with this key passed validation before."""
    entry = _entry(key)
    try:
        return entry is not None and entry.is_file()
    except OSError:
        return False


def record_validated(key: str) -> None:
    """Remember that data with this key passed validation (best effort). The entry is an empty
    file, so creating it is all or nothing; one that exists already is the same record."""
    entry = _entry(key)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except OSError:
        return
