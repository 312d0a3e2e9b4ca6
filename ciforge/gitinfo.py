"""What ``ciforge init`` reads from git: the default branch and the repository's name.

Read-only ``git`` queries; without git (or outside a repository) every answer is None and init
falls back to documented defaults.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Final

GIT_TIMEOUT_SECONDS: Final = 10


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = proc.stdout.strip()
    return out if proc.returncode == 0 and out else None


def remotes(root: Path) -> list[str]:
    """The repository's remotes, ``origin`` first."""
    names = (_git(root, "remote") or "").split()
    return sorted(names, key=lambda n: (n != "origin", n))


def default_branch(root: Path) -> tuple[str, str]:
    """The default branch and where it came from: a remote's HEAD (what ``git clone`` records),
    else the branch checked out now, else ``main``."""
    for remote in remotes(root):
        ref = _git(root, "symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD")
        if ref and ref.startswith(f"{remote}/"):
            return ref.removeprefix(f"{remote}/"), f"the default branch of remote {remote} ({remote}/HEAD)"
    current = _git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    if current:
        return current, "the branch checked out now (git knows no remote HEAD)"
    return "main", "git gave no branch here; main is the usual default"


def repository_name(root: Path) -> tuple[str, str] | None:
    """The repository's name from its first remote's URL (``.../opentelemetry-go.git`` ->
    ``opentelemetry-go``), and which remote."""
    for remote in remotes(root):
        url = _git(root, "remote", "get-url", remote)
        if url:
            name = url.rstrip("/").replace(":", "/").split("/")[-1].removesuffix(".git")
            if name:
                return name, remote
    return None
