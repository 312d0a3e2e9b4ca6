"""Writing and checking generated files. Writes are atomic: a temp file, then a rename.

Nothing is ever written or read through a symlink inside the output tree (a committed
``.gitlab-ci.yml -> .git/config`` must not redirect the write), a new file is created 0644 and
an existing file keeps its mode.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ciforge import reading

FILE_MODE = 0o644


class UnsafePathError(Exception):
    """An output path would leave the output directory or pass through a symlink."""


def resolve_inside(out_dir: Path, rel: str) -> Path:
    """``out_dir/rel``, refusing any path that escapes ``out_dir`` and any symlink on the way from
    ``out_dir`` to the file (the file itself included)."""
    root = out_dir.resolve()
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts:
        raise UnsafePathError(f"{rel} resolves outside {out_dir}")
    probe = root
    for part in parts:
        probe = probe / part
        if probe.is_symlink():
            raise UnsafePathError(f"refusing to write through the symlink {probe}; remove it first")
    return root / rel


def _mode_for(path: Path) -> int:
    """An existing regular file keeps its mode; a new file gets 0644."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return FILE_MODE
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else FILE_MODE


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory and ``os.replace``."""
    tmp = _write_temp(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_temp(path: Path, text: str) -> str:
    """A complete, fsynced temp file beside ``path`` (the mode ``path`` has or gets); returns
    its name."""
    mode = _mode_for(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_all(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every file or none: temp files first, then renames, rolled back on any failure."""
    targets = {rel: resolve_inside(out_dir, rel) for rel in files}
    previous: dict[Path, bytes | None] = {}
    temps: dict[Path, str] = {}
    replaced: list[Path] = []
    try:
        for rel, path in targets.items():
            current = path.read_bytes() if path.is_file() else None
            if current != files[rel].encode("utf-8"):
                previous[path] = current
                temps[path] = _write_temp(path, files[rel])
        for path, tmp in temps.items():
            os.replace(tmp, path)
            replaced.append(path)
    except BaseException:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
        for path in replaced:
            old = previous[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                os.rename(_write_temp(path, old.decode("utf-8")), path)
        raise
    return list(targets.values())


def drift(out_dir: Path, files: Mapping[str, str]) -> dict[str, str]:
    """Unified diffs (path -> diff) for each file on disk that differs from what was rendered."""
    out: dict[str, str] = {}
    for rel, text in files.items():
        path = resolve_inside(out_dir, rel)
        try:
            current = reading.read_bounded(path, reading.MAX_OUTPUT_BYTES).decode("utf-8")
        except FileNotFoundError:
            current = ""
        except (OSError, UnicodeDecodeError):
            current = "<unreadable>\n"
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"a/{rel}" if current else "/dev/null",
                tofile=f"b/{rel}",
            )
            out[rel] = "".join(diff)
    return out
