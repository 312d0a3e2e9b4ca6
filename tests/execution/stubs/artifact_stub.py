"""Offline stand-in for actions/upload-artifact and actions/download-artifact (v4+ semantics).

Used only by tests/execution: the harness copies this file into both stub actions, whose composite
step runs `python3 "$GITHUB_ACTION_PATH/artifact_stub.py" upload|download` on act's host runner.
Artifacts live in $CIFORGE_ARTIFACT_DIR/<name>/ (one directory per run, made by the test).
Standard library only: it runs under the host's python3, not the test venv.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import shutil
import sys
from pathlib import Path

GLOB_CHARS = set("*?[")


def fail(message: str) -> None:
    print(f"::error::{message}")
    sys.exit(1)


def store() -> Path:
    root = os.environ.get("CIFORGE_ARTIFACT_DIR")
    if not root:
        fail("artifact stand-in: CIFORGE_ARTIFACT_DIR is not set")
    path = Path(str(root))
    path.mkdir(parents=True, exist_ok=True)
    return path


def workspace() -> Path:
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())


def resolve(line: str) -> Path:
    path = Path(os.path.expanduser(line))
    return path if path.is_absolute() else workspace() / path


def search_root(pattern: Path) -> Path:
    """The part of a pattern before its first wildcard segment (@actions/glob's search path)."""
    parts: list[str] = []
    for part in pattern.parts:
        if GLOB_CHARS & set(part):
            break
        parts.append(part)
    return Path(*parts)


def hidden(path: Path, base: Path) -> bool:
    try:
        rel = path.relative_to(base)
    except ValueError:
        rel = path
    return any(part.startswith(".") for part in rel.parts)


def expand(pattern: Path, include_hidden: bool) -> set[Path]:
    """Files matched by one line: a file, every file under a directory, or a glob."""
    text = str(pattern)
    if GLOB_CHARS & set(text):
        matches = [Path(m) for m in glob.glob(text, recursive=True, include_hidden=include_hidden)]
    else:
        matches = [pattern] if pattern.exists() else []
    files: set[Path] = set()
    for match in matches:
        if match.is_dir():
            for sub in match.rglob("*"):
                if sub.is_file() and (include_hidden or not hidden(sub, match)):
                    files.add(sub)
        elif match.is_file():
            files.add(match)
    return files


def upload() -> None:
    name = os.environ["INPUT_NAME"] or "artifact"
    if any(c in name for c in '":<>|*?\r\n\\/'):
        fail(f"artifact stand-in: invalid artifact name {name!r}")
    lines = [line.strip() for line in os.environ["INPUT_PATH"].splitlines() if line.strip()]
    include_hidden = os.environ.get("INPUT_INCLUDE_HIDDEN_FILES", "false") == "true"
    includes = [resolve(line) for line in lines if not line.startswith("!")]
    excludes = [resolve(line[1:].strip()) for line in lines if line.startswith("!")]
    if not includes:
        fail("artifact stand-in: no path to upload")
    files: set[Path] = set()
    for pattern in includes:
        files |= expand(pattern, include_hidden)
    for pattern in excludes:
        files -= expand(pattern, include_hidden=True)
    if not files:
        mode = os.environ.get("INPUT_IF_NO_FILES_FOUND", "warn")
        message = f"No files were found with the provided path: {' '.join(lines)}. No artifacts will be uploaded."
        if mode == "error":
            fail(message)
        print(f"::warning::{message}" if mode == "warn" else message)
        return
    # Root: the least common ancestor of the search paths; a single file is rooted at its directory.
    roots = [search_root(p) for p in includes]
    root = Path(os.path.commonpath([str(r) for r in roots]))
    if len(files) == 1 and root == next(iter(files)):
        root = root.parent
    target = store() / name
    if target.exists():
        if os.environ.get("INPUT_OVERWRITE", "false") != "true":
            fail(f"artifact stand-in: an artifact named {name!r} already exists (set overwrite: true)")
        shutil.rmtree(target)
    for file in sorted(files):
        dest = target / file.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, dest)
        print(f"uploaded {name}: {dest.relative_to(target)}")
    print(f"Artifact {name} has been stored ({len(files)} file(s)) in {target}")


def download() -> None:
    name = os.environ.get("INPUT_NAME", "")
    pattern = os.environ.get("INPUT_PATTERN", "")
    merge = os.environ.get("INPUT_MERGE_MULTIPLE", "false") == "true"
    dest = resolve(os.environ.get("INPUT_PATH") or ".")
    available = sorted(p.name for p in store().iterdir() if p.is_dir())
    if name:
        if name not in available:
            fail(f"artifact stand-in: Artifact not found for name: {name}")
        plan = [(name, dest)]
    else:
        chosen = [a for a in available if not pattern or fnmatch.fnmatchcase(a, pattern)]
        plan = [(a, dest if merge else dest / a) for a in chosen]
    for artifact, where in plan:
        shutil.copytree(store() / artifact, where, dirs_exist_ok=True)
        print(f"downloaded {artifact} -> {where}")
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(f"download-path={dest}\n")
    print(f"Total of {len(plan)} artifact(s) downloaded")


if __name__ == "__main__":
    {"upload": upload, "download": download}[sys.argv[1]]()
