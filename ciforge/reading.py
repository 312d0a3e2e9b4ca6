"""Reading the files ciforge is pointed at, with bounds: only regular files, never more than a
fixed size, never blocking on a FIFO or a device. A file that breaks a bound is refused with a
reason before a byte of it is parsed."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

MiB: Final = 1024 * 1024
# The manifest and the Go version file: real ones are a few KiB.
MAX_MANIFEST_BYTES: Final = MiB
MAX_VERSION_FILE_BYTES: Final = MiB
# The rendered files that `verify` and `render --check` read back. The largest output ciforge can
# write (a 2,000-leg matrix, every stage) is well under this (tests/test_security_files.py).
MAX_OUTPUT_BYTES: Final = 4 * MiB


class FileRefusedError(OSError):
    """The file is not a regular file, lies outside the repository, or is too large."""


class FileTooLargeError(FileRefusedError):
    """The file is larger than its limit."""


def read_bounded(path: Path, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Opened non-blocking (a FIFO never hangs the read) and checked with ``fstat`` on the open
    descriptor, so the file that is read is the file that was checked."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefusedError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise FileTooLargeError(f"{path.name} is {info.st_size} bytes; ciforge reads at most {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileTooLargeError(f"{path.name} is more than {limit} bytes; ciforge reads at most {limit} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def repository_root(start: Path) -> Path:
    """The work tree that holds ``start``: the nearest ancestor with a ``.git`` entry, else
    ``start`` itself."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return here


def read_in_repository(base_dir: Path, rel: str, limit: int) -> bytes:
    """``base_dir/rel``, which must stay inside the repository (no ``..`` or symlink escape) and
    be a regular file of at most ``limit`` bytes."""
    if Path(rel).is_absolute():
        raise FileRefusedError(f"{rel} is an absolute path; give a path relative to the manifest")
    root = repository_root(base_dir)
    target = (base_dir / rel).resolve()
    if target != root and root not in target.parents:
        raise FileRefusedError(f"{rel} resolves to {target}, outside the repository {root}")
    return read_bounded(target, limit)
