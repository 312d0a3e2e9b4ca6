"""The validation cache (ciforge/cache.py): a manifest that passed validation is not validated
again, a changed one is, a failing one is never recorded, and a cache that cannot be used is no
cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciforge import cache, compiler, schema
from ciforge.compiler import compile_pipeline

GOOD = b'version: 1\nname: app\ngo:\n  version: "1.24"\n'
BAD = b'version: 1\nname: app\ngo:\n  version: "1.24"\n  proxyy: x\n'


def _compile(raw: bytes) -> list[str]:
    _, diagnostics = compile_pipeline(raw, file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")
    return [d.code for d in diagnostics if d.severity == "error"]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """The number of schema validations, counted, with a fresh cache directory."""
    monkeypatch.setenv("CIFORGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CIFORGE_NO_CACHE", raising=False)
    seen: list[int] = []
    real = schema.validate

    def counted(*args: object, **kwargs: object) -> object:
        seen.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(schema, "validate", counted)
    return seen


def test_a_valid_manifest_is_validated_once(calls: list[int], tmp_path: Path) -> None:
    assert _compile(GOOD) == []
    assert _compile(GOOD) == []
    assert len(calls) == 1
    entries = list((tmp_path / "cache" / cache.VALIDATED).rglob("*"))
    assert [e.name for e in entries if e.is_file()] == [cache.validation_key(schema.schema_text(), _data(GOOD))]


def test_a_changed_manifest_is_validated_again(calls: list[int]) -> None:
    assert _compile(GOOD) == []
    assert _compile(GOOD.replace(b"app", b"other")) == []
    assert len(calls) == 2


def test_a_failing_manifest_is_never_recorded(calls: list[int], tmp_path: Path) -> None:
    assert _compile(BAD) == ["unknown-key"]
    assert _compile(BAD) == ["unknown-key"]
    assert len(calls) == 2
    assert not (tmp_path / "cache" / cache.VALIDATED).exists()


def test_the_key_covers_version_schema_and_data() -> None:
    base = cache.validation_key("{}", {"a": 1})
    assert cache.validation_key("{}", {"a": 2}) != base
    assert cache.validation_key("{ }", {"a": 1}) != base
    assert cache.validation_key("{}", {"a": 1}) == base


def test_caching_off_and_an_unwritable_cache_validate_every_time(
    calls: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CIFORGE_NO_CACHE", "1")
    assert cache.directory() is None
    assert _compile(GOOD) == []
    assert _compile(GOOD) == []
    monkeypatch.delenv("CIFORGE_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CIFORGE_CACHE_DIR", str(blocker))
    assert _compile(GOOD) == []
    assert _compile(GOOD) == []
    assert len(calls) == 4


def test_the_default_directory_is_the_users_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CIFORGE_CACHE_DIR", raising=False)
    monkeypatch.delenv("CIFORGE_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.directory() == tmp_path / "xdg" / "ciforge"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.directory() == tmp_path / "home" / ".cache" / "ciforge"


def _data(raw: bytes) -> object:
    from ciforge import source

    doc, _ = source.load_bytes(raw, "ciforge.yml")
    assert doc is not None
    return compiler.prepare(doc).data
