"""The output cache of ``render --check`` (ciforge.check_cache): a hit only when nothing the render
read has changed and the outputs on disk are what it wrote; every other case falls back to the
full check, with its diff or its errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ciforge import check_cache
from ciforge.cli import main
from tests.helpers import CASES, GITLAB, case_dirs


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CIFORGE_CACHE_DIR", str(directory))
    monkeypatch.delenv("CIFORGE_NO_CACHE", raising=False)
    return directory


def _copy(case: str, tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    shutil.copytree(CASES / case, tree, ignore=shutil.ignore_patterns(".github", ".gitlab-ci.yml", "ir.json"))
    return tree / "ciforge.yml"


def _no_compile(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the full path observable: each compile is counted; a hit never reaches it."""
    import ciforge.compiler

    calls: list[str] = []
    original = ciforge.compiler.compile_file

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("compile")
        return original(*args, **kwargs)

    monkeypatch.setattr(ciforge.compiler, "compile_file", counting)
    return calls


def test_an_unchanged_tree_is_checked_without_compiling(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    calls = _no_compile(monkeypatch)
    assert main(["render", "--check", "-m", str(manifest)]) == 0
    assert calls == []
    assert len(list((cache_dir / check_cache.OUTPUTS).rglob("*"))) == 2  # one slot directory, one entry


def test_a_clean_full_check_records_too(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    shutil.rmtree(cache_dir / check_cache.OUTPUTS)
    calls = _no_compile(monkeypatch)
    assert main(["render", "--check", "-m", str(manifest)]) == 0
    assert main(["render", "--check", "-m", str(manifest)]) == 0
    assert calls == ["compile"]


def test_a_stale_output_falls_back_to_the_diff(
    cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    pipeline = manifest.parent / GITLAB
    pipeline.write_text(pipeline.read_text().replace("COVERAGE_THRESHOLD='80'", "COVERAGE_THRESHOLD='10'"))
    capsys.readouterr()
    assert main(["render", "--check", "-m", str(manifest)]) == 1
    assert "+      export COVERAGE_THRESHOLD='80'" in capsys.readouterr().out
    pipeline.unlink()
    assert main(["render", "--check", "-m", str(manifest)]) == 1


def test_an_edited_manifest_is_a_miss(cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    manifest.write_text(manifest.read_text().replace("threshold: 80", "threshold: 70"))
    capsys.readouterr()
    assert main(["render", "--check", "-m", str(manifest)]) == 1
    assert "+      export COVERAGE_THRESHOLD='70'" in capsys.readouterr().out


def test_a_removed_dockerfile_is_a_miss(cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """image.dockerfile is only stat'ed, never opened: its directory's entries are recorded."""
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    (manifest.parent / "Dockerfile").unlink()
    capsys.readouterr()
    assert main(["render", "--check", "-m", str(manifest)]) == 2
    assert "[missing-path]" in capsys.readouterr().err


def test_a_changed_version_file_is_a_miss(cache_dir: Path, tmp_path: Path) -> None:
    """A file the compile reads (go.version: file) is recorded by its bytes."""
    manifest = _copy("version-file", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    assert main(["render", "--check", "-m", str(manifest)]) == 0
    version_file = manifest.parent / "go.mod"
    text = version_file.read_text()
    assert "toolchain go1.25.5" in text
    version_file.write_text(text.replace("toolchain go1.25.5", "toolchain go1.25.4"))
    assert main(["render", "--check", "-m", str(manifest)]) == 1


def test_a_new_module_is_a_miss(cache_dir: Path, tmp_path: Path) -> None:
    """modules: auto walks the tree: a listed directory is recorded by its entries."""
    manifest = _copy("modules", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    assert main(["render", "--check", "-m", str(manifest)]) == 0
    assert check_cache.current(_slot(manifest), manifest.parent)
    module = manifest.parent / "tools" / "newmod"
    module.mkdir(parents=True)
    (module / "go.mod").write_text("module example.com/newmod\n\ngo 1.23\n")
    assert not check_cache.current(_slot(manifest), manifest.parent)


def _slot(manifest: Path) -> str:
    return check_cache.slot(manifest, manifest.parent, ("all", "False"))


def test_another_ciforge_is_a_miss(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry names the code that rendered it: ciforge's files and the installed packages."""
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    assert check_cache.current(_slot(manifest), manifest.parent)
    monkeypatch.setattr(check_cache, "code_stamp", lambda: "another build")
    assert not check_cache.current(_slot(manifest), manifest.parent)


def test_options_have_slots_of_their_own(cache_dir: Path, tmp_path: Path) -> None:
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest), "--target", "gitlab"]) == 0
    assert not check_cache.current(_slot(manifest), manifest.parent)
    assert check_cache.current(check_cache.slot(manifest, manifest.parent, ("gitlab", "False")), manifest.parent)


def test_nothing_is_recorded_without_the_cache(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _copy("go-service", tmp_path)
    monkeypatch.setenv("CIFORGE_NO_CACHE", "1")
    assert main(["render", "-m", str(manifest)]) == 0
    assert main(["render", "--check", "-m", str(manifest)]) == 0
    assert not (cache_dir / check_cache.OUTPUTS).exists()


def test_a_render_with_a_warning_is_always_checked_in_full(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The warning shows on every check: nothing is recorded for it."""
    manifest = _copy("go-service", tmp_path)
    text = manifest.read_text()
    assert text.count("  dockerfile: Dockerfile\n") == 1
    manifest.write_text(text.replace("  dockerfile: Dockerfile\n", "  dockerfile: Dockerfile\n  ports: [8080]\n"))
    assert main(["render", "-m", str(manifest)]) == 0
    assert not (cache_dir / check_cache.OUTPUTS).exists()
    calls = _no_compile(monkeypatch)
    capsys.readouterr()
    assert main(["render", "--check", "-m", str(manifest)]) == 0
    assert calls == ["compile"]
    assert "warning: image.ports shapes a generated Dockerfile only" in capsys.readouterr().err


def test_json_diagnostics_are_always_checked_in_full(
    cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    capsys.readouterr()
    assert main(["render", "--check", "--format", "json", "-m", str(manifest)]) == 0
    assert json.loads(capsys.readouterr().out) == {"diagnostics": []}


@pytest.mark.parametrize("case", case_dirs(), ids=lambda c: c.name)
def test_every_path_a_render_asks_about_is_covered(case: Path, tmp_path: Path) -> None:
    """What a render opens is recorded by its bytes, what it lists by its entries, and the
    directory of everything else it stats by its modification time."""
    from ciforge.compiler import compile_file

    manifest = _copy(case.name, tmp_path)
    with check_cache.recording() as reads:
        result = compile_file(manifest, out_dir=manifest.parent, targets=("github", "gitlab"))
    assert result.ok, result.diagnostics
    record = check_cache.record(reads, manifest, manifest.parent, result.files)
    inside = str(tmp_path)
    assert str(manifest.resolve()) in record["files"] or str(manifest) in record["files"]
    for path in reads.files:
        if path.startswith(inside):
            assert path in record["files"], path
    for path in reads.directories:
        if path.startswith(inside):
            assert path in record["directories"], path
    for path in reads.stats:
        if path.startswith(inside):
            assert path in record["mtimes"] or str(Path(path).parent) in record["mtimes"], path


@pytest.mark.parametrize(
    "damage",
    ["", "{", "[]", '{"version": 1}', "null", '{"outputs": [1]}'],
    ids=["empty", "truncated", "list", "partial", "null", "wrong-types"],
)
def test_a_damaged_entry_is_a_miss(cache_dir: Path, tmp_path: Path, damage: str) -> None:
    manifest = _copy("go-service", tmp_path)
    assert main(["render", "-m", str(manifest)]) == 0
    [entry] = [p for p in (cache_dir / check_cache.OUTPUTS).rglob("*") if p.is_file()]
    record = json.loads(entry.read_text())
    entry.write_text(damage if damage != '{"outputs": [1]}' else json.dumps({**record, "outputs": [1]}))
    assert not check_cache.current(_slot(manifest), manifest.parent)
    assert main(["render", "--check", "-m", str(manifest)]) == 0  # the full check, which passes
