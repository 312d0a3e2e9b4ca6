"""Issue 11 item 5: the files ciforge reads are bounded. ``go.version-file`` must be a regular file
inside the repository of at most 1 MiB; a manifest over 1 MiB is refused before parsing; `verify`
bounds the YAML it loads the same way. Each case is a positioned error, never a hang."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import pytest

from ciforge import reading
from ciforge.cli import main
from ciforge.compiler import compile_file
from tests.helpers import GITHUB, GITLAB

MANIFEST: Final = "version: 1\nname: files\ngo:\n  version-file: {file}\ntest:\n  coverage:\n    threshold: 80\n"


def repo(tmp_path: Path) -> Path:
    """A repository (a `.git` directory) with the manifest in `svc/`."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "svc").mkdir()
    return root


def version_file_errors(root: Path, file: str) -> list[str]:
    manifest = root / "svc" / "ciforge.yml"
    manifest.write_text(MANIFEST.format(file=file), encoding="utf-8")
    result = compile_file(manifest, out_dir=manifest.parent, targets=("github", "gitlab"))
    assert not result.ok
    assert result.files == {}
    found = [d for d in result.diagnostics if d.code == "go-version-file"]
    assert found, result.diagnostics
    assert all((d.line, d.col) == (4, 17) for d in found), found  # the value of go.version-file
    return [d.message for d in found]


def test_version_file_inside_the_repository_is_read(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "go.mod").write_text("module x\n\ngo 1.23.0\n\ntoolchain go1.23.4\n", encoding="utf-8")
    manifest = root / "svc" / "ciforge.yml"
    manifest.write_text(MANIFEST.format(file="../go.mod"), encoding="utf-8")
    result = compile_file(manifest, out_dir=manifest.parent, targets=("github",))
    assert result.ok, result.diagnostics
    assert "1.23.4" in result.files[GITHUB]


def test_dotdot_escape_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.23.4\n", encoding="utf-8")  # outside the repo
    [message] = version_file_errors(root, "../../go.mod")
    assert "outside the repository" in message


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (tmp_path / "secret.mod").write_text("go 1.23.4\n", encoding="utf-8")
    (root / "svc" / "go.mod").symlink_to(tmp_path / "secret.mod")
    [message] = version_file_errors(root, "go.mod")
    assert "outside the repository" in message


def test_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    """/dev/zero once exhausted memory."""
    root = repo(tmp_path)
    (root / "svc" / "go.mod").symlink_to("/dev/zero")
    [message] = version_file_errors(root, "go.mod")
    assert "outside the repository" in message


def test_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    """A FIFO with no writer once hung the render forever."""
    root = repo(tmp_path)
    os.mkfifo(root / "svc" / "go.mod")
    [message] = version_file_errors(root, "go.mod")
    assert "not a regular file" in message


def test_directory_is_refused(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "svc" / "go.mod").mkdir()
    [message] = version_file_errors(root, "go.mod")
    assert "not a regular file" in message


def test_version_file_over_1_mib_is_refused(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "svc" / "go.mod").write_text("go 1.23.4\n" + "// x\n" * 300_000, encoding="utf-8")
    [message] = version_file_errors(root, "go.mod")
    assert "at most 1048576 bytes" in message


# -- the manifest ---------------------------------------------------------------------------------


def test_manifest_over_1_mib_is_refused_before_parsing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 2 MB manifest once took 42 s and 717 MB to parse; now it is refused by size."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text("version: 1\n" + "# padding\n" * 200_000, encoding="utf-8")
    assert manifest.stat().st_size > reading.MAX_MANIFEST_BYTES
    assert main(["render", "-m", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert "ciforge reads at most 1048576 bytes" in err
    assert "[limit]" in err
    assert not (tmp_path / GITLAB).exists()


def test_manifest_fifo_is_refused_without_hanging(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "ciforge.yml"
    os.mkfifo(manifest)
    assert main(["validate", "-m", str(manifest)]) == 2
    assert "not a regular file" in capsys.readouterr().err


# -- verify -----------------------------------------------------------------------------------------

GOOD: Final = 'version: 1\nname: files\ngo:\n  version: "1.23"\ntest:\n  coverage:\n    threshold: 80\n'


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(GOOD, encoding="utf-8")
    assert main(["render", "-m", str(manifest)]) == 0
    assert main(["verify", "-m", str(manifest)]) == 0
    return manifest


def test_verify_refuses_an_oversized_file(rendered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = rendered.parent / GITLAB
    with pipeline.open("a", encoding="utf-8") as handle:
        handle.write("# padding\n" * (reading.MAX_OUTPUT_BYTES // 10 + 1))
    capsys.readouterr()
    assert main(["verify", "-m", str(rendered)]) == 1
    out = capsys.readouterr().out
    assert ".gitlab-ci.yml: cannot read:" in out
    assert "ciforge reads at most" in out


def test_verify_refuses_an_alias_bomb(rendered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A billion-laughs document in place of the workflow is refused by the loader's bound."""
    lines = ['a0: &a0 ["x"]'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    workflow = rendered.parent / GITHUB
    workflow.write_text("\n".join(lines) + "\njobs: {}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", "-m", str(rendered)]) == 1
    assert "[yaml-alias-bomb]" in capsys.readouterr().out


def test_verify_refuses_duplicate_keys(rendered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A duplicated key (parsers disagree which one wins) is a difference, not a silent pick."""
    pipeline = rendered.parent / GITLAB
    pipeline.write_text(pipeline.read_text() + "stages: [check]\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", "-m", str(rendered)]) == 1
    assert "[yaml-duplicate-key]" in capsys.readouterr().out


def test_largest_output_fits_the_verify_bound() -> None:
    """The bound never refuses a file ciforge itself writes: the 2,000-leg cap, every stage."""
    from tests.test_limits import rendered as big

    at_cap = big("at-cap")
    assert at_cap.files
    for text in at_cap.files.values():
        assert len(text.encode()) < reading.MAX_OUTPUT_BYTES // 4
