"""Shared pieces of the user-surface tests (tests/test_surfaces_*.py): the composite Action
(act), the GitLab component (gitlab-ci-local) and the pre-commit hook (pre-commit).

Each surface installs ciforge from a copy of this checkout, the way a user's runner would. So that
those installs are fast and need no network, pip runs against a wheelhouse holding the build
backend and the runtime dependencies at the versions of constraints.txt (downloaded once per
session from the package index); the pip invocations themselves are the surfaces' own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.conftest import ROOT

SURFACES = Path(__file__).resolve().parent
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TIMEOUT = 300
# The service whose pipelines the surfaces check: only the required keys.
MANIFEST = '# A service for the surface tests.\nversion: 1\nname: tiny\ngo:\n  version: "1.24"\n'


def run(
    args: Sequence[str | Path], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=dict(env) if env is not None else None,
        capture_output=True, text=True, check=False, timeout=TIMEOUT,
    )  # fmt: skip


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    proc = run(["git", "-c", "user.name=ciforge surface test", "-c", "user.email=ciforge@example.invalid",
                "-c", "commit.gpgsign=false", *args], cwd=repo, env=env)  # fmt: skip
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout.strip()


def copy_checkout(dest: Path) -> Path:
    """This checkout as a user would have it: every tracked or new, not-ignored file of the
    working tree (uncommitted edits included), without .git, .venv, .oracles and caches."""
    proc = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for rel in proc.stdout.split("\0"):
        src = ROOT / rel
        if rel and src.is_file():  # a tracked file deleted in the working tree is left out
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def add_service(root: Path, subdir: str = "") -> Path:
    """A manifest under ROOT/SUBDIR and its two rendered files next to it; returns the manifest."""
    manifest = root / subdir / "ciforge.yml"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(MANIFEST, encoding="utf-8")
    proc = run([sys.executable, "-m", "ciforge", "render", "-m", manifest], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return manifest


def hand_edit(path: Path, old: str, new: str) -> None:
    """Edit a rendered file the way a person would (the first occurrence of OLD)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of ciforge's build backend and runtime dependencies, pinned by constraints.txt;
    downloaded once per session (the directory is shared by the three surface test modules)."""
    base = tmp_path_factory.getbasetemp() / "surfaces-wheelhouse"
    done = base / ".complete"
    if done.exists():
        return base
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
    proc = run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                "--only-binary=:all:", "-c", ROOT / "constraints.txt", "-d", base, *requirements])  # fmt: skip
    assert proc.returncode == 0, f"pip download failed:\n{proc.stdout}{proc.stderr}"
    done.touch()
    return base


def offline_env(home: Path, wheels: Path, path: str = SYSTEM_PATH, **extra: str) -> dict[str, str]:
    """A minimal environment for a runner and the jobs it starts: pip installs from the wheelhouse
    only (no index, no machine pip configuration), nothing of the caller's environment leaks in
    (no virtualenv on PATH, so no ciforge but the one the surface installs), and temporary files
    stay under HOME (removed with it)."""
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return {
        "PATH": path,
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        **pip_offline(wheels),
        **extra,
    }


def pip_offline(wheels: Path) -> dict[str, str]:
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def split_component(path: Path, dest: Path) -> tuple[Path, Path]:
    """A component is two YAML documents (the `spec:` header, `---`, the body); check-jsonschema
    reads one, so each half goes to its own file."""
    text = path.read_text(encoding="utf-8")
    parts = text.split("\n---\n")
    assert len(parts) == 2, f"{path}: expected a header and a body separated by one `---` line"
    header, body = dest / f"{path.stem}.header.yml", dest / f"{path.stem}.body.yml"
    header.write_text(parts[0] + "\n", encoding="utf-8")
    body.write_text(parts[1], encoding="utf-8")
    return header, body
