"""Output safety (issue 7): atomic, all-or-nothing writes; no writes outside --out; stable modes.

Failures are injected into :mod:`ciforge.output`'s file operations (``os.replace``, ``os.fsync``,
the write itself, ``os.chmod``, ``tempfile.mkstemp``) while ``ciforge render`` runs in-process.
After any failed or interrupted render the previous files must be byte-for-byte what they were,
and no temp file may be left behind.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest

from ciforge import compiler, output
from ciforge.cli import main
from tests.helpers import GITHUB, GITLAB

WORKFLOW: Final = GITHUB
PIPELINE: Final = GITLAB
OUTPUTS: Final = (WORKFLOW, PIPELINE)
MANIFEST_V1: Final = 'version: 1\nname: safe\ngo:\n  version: "1.23"\ntest:\n  coverage:\n    threshold: 80\n'
MANIFEST_V2: Final = MANIFEST_V1.replace("threshold: 80", "threshold: 70")  # changes both outputs

Snapshot = dict[str, tuple[str, bytes, int]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root`` (symlinks not followed): kind, content or link target, mode."""
    out: Snapshot = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path).encode(), 0)
            elif stat.S_ISDIR(info.st_mode):
                out[rel] = ("dir", b"", 0)
            else:
                out[rel] = ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
    return out


def temp_files(root: Path) -> list[str]:
    """Leftover temp files (``write_atomic`` names them ``.<name>.<random>.tmp``)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.tmp"))


def render(manifest: Path, out: Path, *extra: str) -> int:
    """``ciforge render -m manifest --out out``, in-process."""
    return main(["render", "-m", str(manifest), "--out", str(out), *extra])


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A manifest rendered once into ``out/``, then edited so the next render changes both files."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    out = tmp_path / "out"
    assert render(manifest, out) == 0
    manifest.write_text(MANIFEST_V2, encoding="utf-8")
    return manifest, out


# -- failure injection -------------------------------------------------------------------------------


def fail_on_call(n: int, real: Callable[..., Any], exc: BaseException) -> Callable[..., Any]:
    """A stand-in for ``real`` that raises ``exc`` on its n-th call (1-based)."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            raise exc
        return real(*args, **kwargs)

    return wrapper


class _TornWriter:
    """A text file handle whose ``write`` writes half of the text, then raises ``exc``."""

    def __init__(self, handle: Any, exc: BaseException) -> None:
        self._handle = handle
        self._exc = exc

    def write(self, text: str) -> int:
        self._handle.write(text[: len(text) // 2])
        self._handle.flush()
        raise self._exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _TornWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def inject(mp: pytest.MonkeyPatch, where: str, n: int, exc: BaseException) -> None:
    """Make the n-th call of one file operation that ciforge.output uses fail with ``exc``.
    (ciforge.output calls them through the ``os`` and ``tempfile`` modules, patched here.)"""
    if where == "write":
        real_fdopen = os.fdopen
        calls = 0

        def fdopen(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            handle = real_fdopen(*args, **kwargs)
            return _TornWriter(handle, exc) if calls == n else handle

        mp.setattr(os, "fdopen", fdopen)
    elif where == "mkstemp":
        mp.setattr(tempfile, "mkstemp", fail_on_call(n, tempfile.mkstemp, exc))
    else:
        mp.setattr(os, where, fail_on_call(n, getattr(os, where), exc))


DISK_FULL: Final = OSError(errno.ENOSPC, "No space left on device (injected)")
POINTS: Final = ["replace", "fsync", "write", "chmod", "mkstemp"]


@pytest.mark.parametrize("nth", [1, 2], ids=["first-file", "second-file"])
@pytest.mark.parametrize("where", POINTS)
def test_failed_write_leaves_previous_files_intact(
    where: str, nth: int, project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A write that fails on the first or the second file: exit 2 with an io-error, the previous
    render byte-for-byte intact (both files: all or nothing), and no temp file left."""
    manifest, out = project
    before = snapshot(out)
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        inject(mp, where, nth, DISK_FULL)
        code = render(manifest, out)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "[io-error]" in err
    assert "Traceback" not in err
    assert temp_files(out) == []
    assert snapshot(out) == before, "a failed render changed the previous files"


@pytest.mark.parametrize("where", POINTS)
def test_failed_first_render_writes_nothing(where: str, tmp_path: Path) -> None:
    """Into an empty --out, a failure on the second file leaves no output at all, not half a
    pair (a workflow without its GitLab twin)."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.MonkeyPatch.context() as mp:
        inject(mp, where, 2, DISK_FULL)
        assert render(manifest, out) == 2
    assert temp_files(out) == []
    assert [k for k, (kind, _, _) in snapshot(out).items() if kind == "file"] == []


def test_output_path_blocked_by_a_directory(project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A real, un-mocked failure: .gitlab-ci.yml is a directory. Exit 2, and the workflow from
    the previous render is not replaced either."""
    manifest, out = project
    (out / PIPELINE).unlink()
    (out / PIPELINE).mkdir()
    (out / PIPELINE / "keep").write_text("x", encoding="utf-8")
    before = snapshot(out)
    assert render(manifest, out) == 2
    assert "[io-error]" in capsys.readouterr().err
    assert temp_files(out) == []
    assert snapshot(out) == before


# -- interrupts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["emit", "replace-first", "replace-second", "fsync-second", "write-second"],
)
def test_keyboard_interrupt_leaves_previous_files_intact(
    where: str, project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C at any point of a render: exit 130, the message, the previous files intact, no temp
    files."""
    manifest, out = project
    before = snapshot(out)
    with pytest.MonkeyPatch.context() as mp:
        if where == "emit":
            mp.setattr(compiler, "emit", fail_on_call(1, compiler.emit, KeyboardInterrupt()))
        else:
            point, nth = where.split("-")
            inject(mp, point, 1 if nth == "first" else 2, KeyboardInterrupt())
        code = render(manifest, out)
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    assert temp_files(out) == []
    assert snapshot(out) == before, "an interrupted render changed the previous files"


# -- never outside --out -------------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to --out that ciforge must never touch."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "victim.yml").write_text("do not touch\n", encoding="utf-8")
    return path


SYMLINKS: Final = {
    # name: (link inside out, target relative to `outside`)
    "github-dir": (".github", "."),
    "workflows-dir": (".github/workflows", "."),
    "workflow-file": (WORKFLOW, "victim.yml"),
    "gitlab-file": (PIPELINE, "victim.yml"),
    "dangling-gitlab-file": (PIPELINE, "created-by-ciforge.yml"),
    "dangling-github-dir": (".github", "new-dir"),
}


@pytest.mark.parametrize("symlink", SYMLINKS.values(), ids=SYMLINKS.keys())
@pytest.mark.parametrize("check", [False, True], ids=["render", "check"])
def test_symlink_out_of_out_is_refused(
    symlink: tuple[str, str], check: bool, tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A symlink under --out that leads outside it: exit 2, an io-error naming the path, nothing
    written (neither outside nor inside, not even the other target's file)."""
    link, target = symlink
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    out = tmp_path / "out"
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(outside / target)
    before_out, before_outside = snapshot(out), snapshot(outside)
    code = render(manifest, out, *(["--check"] if check else []))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "[io-error]" in err
    assert "symlink" in err
    assert snapshot(outside) == before_outside
    assert snapshot(out) == before_out


def test_out_itself_may_be_a_symlink(tmp_path: Path) -> None:
    """--out itself may be a symlink: it is the user's choice of directory."""
    real = tmp_path / "real"
    real.mkdir()
    out = tmp_path / "out-link"
    out.symlink_to(real)
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    assert render(manifest, out) == 0
    assert (real / WORKFLOW).is_file()
    assert (real / PIPELINE).is_file()


INSIDE_LINKS: Final = {
    # name: (link inside out, target inside out)
    "gitlab-file-to-git-config": (PIPELINE, ".git/config"),
    "workflow-file-to-a-file": (WORKFLOW, "README.md"),
    "github-dir-to-a-dir": (".github", "github-real"),
}


@pytest.mark.parametrize("check", [False, True], ids=["render", "check"])
@pytest.mark.parametrize("link", INSIDE_LINKS.values(), ids=INSIDE_LINKS.keys())
def test_symlink_inside_out_is_never_written_through(
    link: tuple[str, str], check: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A symlink inside the output tree, even one that stays inside it, is refused (issue 11
    item 5): a committed `.gitlab-ci.yml -> .git/config` once made render overwrite the git
    config. Exit 2, an io-error naming the symlink, nothing changed."""
    name, target = link
    out = tmp_path / "out"
    (out / ".git").mkdir(parents=True)
    (out / ".git/config").write_text("[core]\n", encoding="utf-8")
    (out / "README.md").write_text("readme\n", encoding="utf-8")
    (out / "github-real/workflows").mkdir(parents=True)
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).symlink_to(out / target)
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    before = snapshot(out)
    code = render(manifest, out, *(["--check"] if check else []))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "[io-error]" in err
    assert "symlink" in err
    assert snapshot(out) == before


def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    """An output that exists keeps its mode across a render that rewrites it (issue 11 item 5);
    a new file is 0644."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    out = tmp_path / "out"
    assert render(manifest, out) == 0
    (out / PIPELINE).chmod(0o600)
    (out / WORKFLOW).chmod(0o664)
    manifest.write_text(MANIFEST_V2, encoding="utf-8")
    assert render(manifest, out) == 0
    assert "'70'" in (out / PIPELINE).read_text()  # rewritten, not left alone
    assert stat.S_IMODE((out / PIPELINE).stat().st_mode) == 0o600
    assert stat.S_IMODE((out / WORKFLOW).stat().st_mode) == 0o664
    fresh = tmp_path / "fresh"
    assert render(manifest, fresh) == 0
    assert stat.S_IMODE((fresh / PIPELINE).stat().st_mode) == 0o644


def test_render_writes_nothing_next_to_out(tmp_path: Path) -> None:
    """Only --out changes: no temp or stray file beside it or next to the manifest."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    assert render(manifest, out) == 0
    after = snapshot(tmp_path)
    changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
    assert changed == ["out", "out/.github", "out/.github/workflows", f"out/{WORKFLOW}", f"out/{PIPELINE}"]


# -- modes, newlines, neighbours ---------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o000])
def test_files_have_mode_0644_and_one_trailing_newline(umask: int, tmp_path: Path) -> None:
    """Whatever the umask, each output is 0644, LF-only, and ends in exactly one newline."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(MANIFEST_V1, encoding="utf-8")
    old = os.umask(umask)
    try:
        assert render(manifest, tmp_path / "out") == 0
    finally:
        os.umask(old)
    for rel in OUTPUTS:
        path = tmp_path / "out" / rel
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, rel
        data = path.read_bytes()
        assert data.endswith(b"\n"), rel
        assert not data.endswith(b"\n\n"), rel
        assert b"\r" not in data


def test_unrelated_files_are_left_alone(project: tuple[Path, Path]) -> None:
    """Rendering into an existing tree touches only the two outputs."""
    manifest, out = project
    neighbours = {
        ".github/workflows/other.yml": "name: other\n",
        ".github/workflows/.ciforge.yml.keep.tmp": "someone else's temp file\n",
        ".github/dependabot.yml": "version: 2\n",
        ".gitlab/ci/extra.yml": "extra: {}\n",
        "README.md": "# service\n",
        "ciforge.yml.bak": MANIFEST_V1,
    }
    for rel, text in neighbours.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    os.chmod(out / "README.md", 0o600)
    stamps = {rel: (out / rel).stat().st_mtime_ns for rel in neighbours}
    before = snapshot(out)
    assert render(manifest, out) == 0
    after = snapshot(out)
    changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
    assert changed == sorted(OUTPUTS)
    assert {rel: (out / rel).stat().st_mtime_ns for rel in neighbours} == stamps


def test_unchanged_outputs_are_not_rewritten(project: tuple[Path, Path]) -> None:
    """A second identical render leaves the files alone (same inode, same mtime): no churn for
    file watchers and build caches."""
    manifest, out = project
    assert render(manifest, out) == 0
    stamps = {rel: ((out / rel).stat().st_ino, (out / rel).stat().st_mtime_ns) for rel in OUTPUTS}
    assert render(manifest, out) == 0
    assert {rel: ((out / rel).stat().st_ino, (out / rel).stat().st_mtime_ns) for rel in OUTPUTS} == stamps


def test_render_into_read_only_directory_is_an_input_error(project: tuple[Path, Path]) -> None:
    """No permission to write: exit 2 with an io-error, the previous files intact."""
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    manifest, out = project
    before = snapshot(out)
    workflows = out / ".github/workflows"
    os.chmod(workflows, 0o555)
    try:
        assert render(manifest, out) == 2
    finally:
        os.chmod(workflows, 0o755)
    assert snapshot(out) == before


def test_write_all_refuses_escaping_paths_before_writing(tmp_path: Path) -> None:
    """The library refuses a relative path that climbs out (``..``), before writing anything."""
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(output.UnsafePathError):
        output.write_all(out, {"a.yml": "a\n", "../escape.yml": "b\n"})
    assert not (tmp_path / "escape.yml").exists()
    assert list(out.iterdir()) == []


def test_retry_after_a_failed_render_converges(project: tuple[Path, Path], tmp_path: Path) -> None:
    """After a failed render, a retry renders exactly what a fresh render does, and --check agrees."""
    manifest, out = project
    with pytest.MonkeyPatch.context() as mp:
        inject(mp, "replace", 2, DISK_FULL)
        assert render(manifest, out) == 2
    assert render(manifest, out) == 0
    assert render(manifest, out, "--check") == 0
    fresh = tmp_path / "fresh"
    assert render(manifest, fresh) == 0
    for rel in OUTPUTS:
        assert (out / rel).read_bytes() == (fresh / rel).read_bytes()
    shutil.rmtree(fresh)
