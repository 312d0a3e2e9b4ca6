"""The output cache of ``render --check``: an unchanged repository is checked without importing
the compiler (docs/cost.md, "The CLI").

After a render that wrote its files, or a check that found them current, with no diagnostic at
all, ciforge records what that render read and what it produced, under a slot named by the
ciforge version, the manifest's and the output root's absolute paths and the render's options:

* every file the compile opened (Python's ``open`` audit event: the manifest, a preset, the Go
  version file, go.mod files, a Dockerfile, ...), by the SHA-256 of its bytes, or as absent;
* every directory it listed (``os.scandir``/``os.listdir``: the module and Dockerfile walks),
  by its sorted entry names;
* the modification time of the directories whose entries a render may probe without opening or
  listing them: the directory of each of those files and directories and of every path it
  stats (``os.stat``, wrapped while recording: an absent image.dockerfile or
  go.work decides the output too; so does the search for the repository root, a ``.git`` in the
  manifest's directory or an ancestor), the manifest's directory and the output root;
* each output file, by the SHA-256 of its text.

``render --check`` first looks up its slot: when every recorded input is as recorded and every
output file on disk has the recorded bytes, the repository is current and the check exits 0.
Anything else (no entry, a changed input, a stale or missing output) is a miss: the full check
runs, with its diff. A wrong hit is the failure that matters, so what is recorded errs wide;
tests/test_check_cache.py checks that every path a render stats is covered.

The entries live in the validation cache's directory (:mod:`ciforge.cache`), never in the
repository; ``CIFORGE_NO_CACHE=1`` turns both off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from ciforge import __version__, cache

OUTPUTS: Final = "outputs-v1"
_MAX_INPUT_BYTES: Final = 8 * 1024 * 1024


class Reads:
    """The files and directories one render read."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.directories: set[str] = set()
        self.stats: set[str] = set()  # paths whose existence or type was asked (os.stat)


_active: list[Reads] = []
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event == "open" and args and isinstance(args[0], (str, os.PathLike)):
        mode, flags = (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else 0)
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR)
        )
        if not writing:
            _active[-1].files.add(os.path.abspath(os.fspath(args[0])))
    elif event in ("os.scandir", "os.listdir") and args and isinstance(args[0], (str, os.PathLike)):
        _active[-1].directories.add(os.path.abspath(os.fspath(args[0])))


@contextlib.contextmanager
def recording() -> Iterator[Reads]:
    """Record what the code in the block opens for reading and lists (an audit hook: it cannot
    be removed, so it is installed once and records only inside this block)."""
    global _hooked  # noqa: PLW0603 - one process-wide audit hook
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    reads = Reads()
    _active.append(reads)
    # A stat raises no audit event, and a probe for a file that is not there (image.dockerfile,
    # go.work, .git) decides the output too: os.stat (what pathlib's exists, is_file and is_dir
    # and os.path's call) is wrapped for the block. os.lstat is left alone: realpath calls it on
    # every ancestor, whose entries come and go without changing what the render reads.
    stat = os.stat

    def recorded(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)):
            reads.stats.add(os.path.abspath(os.fspath(path)))
        return stat(path, *args, **kwargs)

    os.stat = recorded
    try:
        yield reads
    finally:
        os.stat = stat
        _active.pop()


PACKAGE: Final = os.path.dirname(os.path.abspath(__file__))


def _installation() -> tuple[str, ...]:
    """Where Python and the installed packages live: what the compile opens there (modules,
    bytecode) is the code, not the repository's input, and :func:`code_stamp` covers it."""
    import site  # noqa: PLC0415 - already imported at start-up; cheap

    return tuple(
        dict.fromkeys(
            os.path.join(os.path.abspath(p), "")
            for p in (PACKAGE, sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages())
        )
    )


def code_stamp() -> str:
    """The code that renders: ciforge's own files (each path, size and modification time, so an
    edited checkout of ciforge is a miss even without a new version), and the names in each
    site-packages directory (the installed distributions and their versions)."""
    import site  # noqa: PLC0415

    digest = hashlib.sha256(sys.version.encode("utf-8"))
    for current, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(current, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            digest.update(f"{os.path.relpath(path, PACKAGE)}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    for directory in site.getsitepackages():
        digest.update((_listing(directory) or "-").encode())
    return digest.hexdigest()


def slot(manifest: Path, out_dir: Path, options: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for part in (__version__, os.path.abspath(manifest), os.path.abspath(out_dir), *options):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _entry(key: str) -> Path | None:
    root = cache.directory()
    return None if root is None else root / OUTPUTS / key[:2] / key


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_INPUT_BYTES + 1)
    except OSError:
        return None
    if len(data) > _MAX_INPUT_BYTES:
        return "too-large"  # never equal to a digest: a miss every time
    return hashlib.sha256(data).hexdigest()


def _listing(path: str) -> str | None:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return None
    return hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _probed_directories(files: list[str], directories: list[str], manifest: Path, out_dir: Path) -> set[str]:
    out = {os.path.dirname(os.path.abspath(manifest)), os.path.abspath(out_dir)}
    out |= {os.path.dirname(path) for path in (*files, *directories)}
    return out


def _fingerprint(files: list[str], directories: list[str], probed: list[str]) -> dict[str, Any]:
    return {
        "files": {path: _file_digest(path) for path in files},
        "directories": {path: _listing(path) for path in directories},
        "mtimes": {path: _mtime(path) for path in probed},
    }


def record(reads: Reads, manifest: Path, out_dir: Path, outputs: dict[str, str]) -> dict[str, Any]:
    """What an entry holds for a render that produced ``outputs`` (relative path -> text) from
    ``reads``."""
    # what lies in Python's installation is code (code_stamp); the caches are ciforge's own
    root = cache.directory()
    installation = (*_installation(), *((os.path.join(os.path.abspath(root), ""),) if root else ()))
    files = sorted(path for path in reads.files if not path.startswith(installation))
    directories = sorted(path for path in reads.directories if not path.startswith(installation))
    # the manifest's directory and the output root are recorded themselves (resolving them stats
    # them, which would record their parents)
    roots = {os.path.dirname(os.path.abspath(manifest)), os.path.abspath(out_dir)}
    stats = [path for path in reads.stats if not path.startswith(installation) and path not in roots]
    probed = _probed_directories([*files, *stats], directories, manifest, out_dir)
    return {
        "version": __version__,
        "code": code_stamp(),
        **_fingerprint(files, directories, sorted(probed)),
        "outputs": {rel: hashlib.sha256(text.encode("utf-8")).hexdigest() for rel, text in sorted(outputs.items())},
    }


def store(key: str, reads: Reads, manifest: Path, out_dir: Path, outputs: dict[str, str]) -> None:
    """Record a render (best effort: a cache that cannot be written is no cache). Written to a
    temporary file, then renamed: a reader never sees half an entry."""
    entry = _entry(key)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(record(reads, manifest, out_dir, outputs), sort_keys=True), encoding="utf-8")
        os.replace(partial, entry)
    except OSError:
        return


def current(key: str, out_dir: Path) -> bool:
    """Whether the slot's recorded render still holds: every input as recorded, and every output
    on disk with the recorded bytes. Any doubt is False (a miss)."""
    entry = _entry(key)
    if entry is None:
        return False
    try:
        record = json.loads(entry.read_text(encoding="utf-8"))
        if record.get("version") != __version__ or record.get("code") != code_stamp():
            return False
        recorded = {name: record[name] for name in ("files", "directories", "mtimes")}
        outputs: dict[str, str] = record["outputs"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    # an entry that is not what store() writes (damaged, or written by hand) is a miss
    if not all(isinstance(v, dict) for v in (*recorded.values(), outputs)) or not outputs:
        return False
    if not all(isinstance(rel, str) and isinstance(digest, str) for rel, digest in outputs.items()):
        return False
    now = _fingerprint(list(recorded["files"]), list(recorded["directories"]), list(recorded["mtimes"]))
    if now != recorded:
        return False
    return all(_file_digest(os.path.join(out_dir, rel)) == digest for rel, digest in outputs.items())
