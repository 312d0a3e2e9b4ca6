"""`ciforge explain` (issue 15, item 7): the effective manifest with the preset merged and defaults
filled in, each value's origin, and the jobs per event."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ciforge.cli import main
from tests.helpers import CASES

MANIFEST = """\
version: 1
name: orders-api
preset: go-service
go:
  version-file: go.mod
test:
  coverage:
    threshold: 85
triggers:
  branches: [master]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "ciforge.yml").write_text(MANIFEST)
    (tmp_path / "go.mod").write_text("module example.com/orders-api\n\ngo 1.24.0\n\ntoolchain go1.25.5\n")
    (tmp_path / "Dockerfile").write_text("FROM golang:1.25 AS build\n")
    return tmp_path


def explain(project: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> str:
    assert main(["explain", "-m", str(project / "ciforge.yml"), "--format", fmt]) == 0
    return capsys.readouterr().out


def test_json_gives_every_origin(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Manifest lines, the preset, go.mod and defaults, each where it belongs."""
    document = json.loads(explain(project, capsys, "json"))
    origins, manifest = document["origins"], document["manifest"]
    file = str(project / "ciforge.yml")
    assert origins["name"] == f"{file}:2"
    assert origins["test.coverage.threshold"] == f"{file}:8"
    assert manifest["test"]["coverage"]["threshold"] == 85
    assert origins["triggers.branches"] == f"{file}:10"
    assert manifest["triggers"]["branches"] == ["master"]
    assert origins["image.push"] == "preset go-service"
    assert manifest["image"]["push"] == ["tags", "branches"]
    assert origins["sign.keyless"] == "preset go-service"
    assert origins["scan.severity"] == "preset go-service"
    assert manifest["scan"]["severity"] == ["CRITICAL", "HIGH"]
    assert origins["go.version"] == "go.mod (its toolchain or go directive)"
    assert manifest["go"]["version"] == "1.25.5"
    assert origins["go.proxy"] == "default"
    assert origins["image.dockerfile"] == "default"
    assert origins["build.binary"] == "default: the name"
    assert manifest["build"]["binary"] == "orders-api"
    assert origins["lint.golangci-lint"].startswith("default: the newest release that builds with Go 1.25.5")
    assert manifest["lint"]["golangci-lint"].startswith("v")
    assert document["events"]["pr"] == sorted(["build", "image-build", "lint", "test"])
    assert "image-publish" in document["events"]["push:master"]


def test_text_is_a_table_and_the_jobs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text: one row per setting (key, value, origin), then the jobs-per-event table."""
    out = explain(project, capsys, "text")
    rows = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith(("Effective", "Jobs"))}
    assert rows["test.coverage.threshold"].split()[1:] == ["85", f"{project / 'ciforge.yml'}:8"]
    assert rows["scan.severity"].endswith("preset go-service")
    assert '["CRITICAL", "HIGH"]' in rows["scan.severity"]
    assert "Jobs per event:" in out
    jobs = out.split("Jobs per event:")[1]
    assert jobs.split("\n", 2)[2].startswith("job ")
    assert "image-publish" in jobs


def test_yaml_reads_back_as_the_effective_manifest(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """YAML: the same effective manifest (reads back equal to the JSON one), origins as comments."""
    text = explain(project, capsys, "yaml")
    data = YAML(typ="safe", pure=True).load(text)
    document = json.loads(explain(project, capsys, "json"))
    assert data == document["manifest"]
    assert "threshold: 85  # " in text
    assert "  keyless: true  # preset go-service" in text
    assert "# Jobs per event:" in text


def test_without_preset_everything_is_manifest_or_default(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A manifest without a preset: no origin names a preset."""
    shutil.copy(CASES / "minimal" / "ciforge.yml", tmp_path / "ciforge.yml")
    document = json.loads(explain(tmp_path, capsys, "json"))
    assert set(document["origins"].values()) <= {"default", "default: the name"} | {
        o for o in document["origins"].values() if o.startswith((str(tmp_path), "default: the newest"))
    }
    assert not any(o.startswith("preset") for o in document["origins"].values())


def test_bad_manifest_is_reported_not_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken manifest: positioned errors, exit 2, nothing on stdout."""
    (tmp_path / "ciforge.yml").write_text("version: 1\nname: x\ngo: {version: '1.24'}\ntest: {race: maybe}\n")
    assert main(["explain", "-m", str(tmp_path / "ciforge.yml")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "ciforge.yml:4:" in captured.err


def test_an_unquoted_version_is_explained_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """go: {version: 1.20} compiles as Go 1.20 (the loader keeps the text YAML would read as 1.2);
    explain reads the manifest the same way and shows 1.20, not 1.2."""
    (tmp_path / "ciforge.yml").write_text(
        "version: 1\nname: api\ngo:\n  version: 1.20\nlint:\n  golangci-lint: false\n"
        "test:\n  go-versions: [1.20, stable]\nbuild: false\n"
    )
    manifest = json.loads(explain(tmp_path, capsys, "json"))["manifest"]
    assert manifest["go"]["version"] == "1.20"
    assert manifest["test"]["go-versions"] == ["1.20", "stable"]
