"""The CLI's other paths, in process (so coverage and mutation runs see them): plan rendering,
verify, schema --format markdown, the drift annotation, and the exit codes 2, 3 and 130."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ciforge import cli
from ciforge.cli import main
from tests.conftest import ROOT
from tests.helpers import CASES, ERRORS, GITLAB

MINIMAL = CASES / "minimal" / "ciforge.yml"
EXAMPLE = ROOT / "examples" / "go-service" / "ciforge.yml"


def test_plan_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "-m", str(MINIMAL)]) == 0
    assert capsys.readouterr().out == (
        "job    push:feature  push:main  tag  pr   manual\n"
        "-----  ------------  ---------  ---  ---  ------\n"
        "lint   -             yes        yes  yes  yes\n"
        "test   -             yes        yes  yes  yes\n"
        "build  -             yes        yes  yes  yes\n"
    )


def test_plan_mermaid_for_one_event(capsys: pytest.CaptureFixture[str]) -> None:
    """The example's pull request: the builds start with the checks; smoke waits for all three."""
    assert main(["plan", "-m", str(EXAMPLE), "--event", "pr", "--format", "mermaid"]) == 0
    assert capsys.readouterr().out == (
        'graph LR\n  lint["lint"]\n  test["test"]\n  build["build x6"]\n  image_build["image-build"]\n'
        '  smoke["smoke"]\n  build --> smoke\n  lint --> smoke\n  test --> smoke\n'
    )


def test_plan_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "-m", str(MINIMAL), "--event", "push:feature", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"push:feature": {}}
    assert main(["plan", "-m", str(MINIMAL), "--format", "json"]) == 0
    plans = json.loads(capsys.readouterr().out)
    assert sorted(plans) == sorted(["push:feature", "push:main", "tag", "pr", "manual"])
    assert sorted(key.split("[")[0] for key in plans["pr"]) == ["build", "lint", "test"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "bogus"], "ciforge: error: unknown event 'bogus'"),
        (["--format", "mermaid"], "ciforge: error: --format mermaid draws one event; pass --event"),
    ],
)
def test_plan_refuses_bad_arguments(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "-m", str(MINIMAL), *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(message)
    assert captured.out == ""


def test_plan_of_a_bad_manifest_reports_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "-m", str(ERRORS / "five-mistakes.yml")]) == 2
    assert capsys.readouterr().err.count(": error: ") == 5


def _rendered(tmp_path: Path) -> Path:
    manifest = tmp_path / "ciforge.yml"
    shutil.copy(MINIMAL, manifest)
    assert main(["render", "-m", str(manifest)]) == 0
    return manifest


def test_verify_equivalent_then_different(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _rendered(tmp_path)
    capsys.readouterr()
    assert main(["verify", "-m", str(manifest)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "ciforge: the files on disk are equivalent to the manifest on every event\n"
    gitlab = tmp_path / GITLAB
    text = gitlab.read_text()
    assert 'go vet "$GO_PACKAGES"' in text
    gitlab.write_text(text.replace('go vet "$GO_PACKAGES"', "true"))
    assert main(["verify", "-m", str(manifest)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(".gitlab-ci.yml: ")
    assert all(line.startswith(".gitlab-ci.yml: ") for line in captured.out.splitlines())
    assert captured.err.endswith(" difference(s) between the files and the manifest\n")


def test_verify_with_a_missing_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _rendered(tmp_path)
    (tmp_path / GITLAB).unlink()
    capsys.readouterr()
    assert main(["verify", "-m", str(manifest), "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().out == ".gitlab-ci.yml: cannot read: No such file or directory\n"


def test_schema_markdown_is_the_reference_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "manifest.md").read_text()


def test_check_drift_as_github_annotation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _rendered(tmp_path)
    gitlab = tmp_path / GITLAB
    # still ciforge's file (its header is kept), but out of date: drift, not a hand-written file
    gitlab.write_text(gitlab.read_text() + "stale: true\n")
    capsys.readouterr()
    assert main(["render", "--check", "--format", "github", "-m", str(manifest)]) == 1
    captured = capsys.readouterr()
    annotations = [line for line in captured.out.splitlines() if line.startswith("::")]
    assert annotations == [
        f"::error file={tmp_path / '.gitlab-ci.yml'},line=1,title=ciforge drift::"
        ".gitlab-ci.yml is out of date; run ciforge render"
    ]
    assert "-stale: true" in captured.out
    assert captured.err == "ciforge: 1 file(s) out of date; run `ciforge render`\n"


def test_bad_manifest_as_github_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    bad = ERRORS / "five-mistakes.yml"
    assert main(["validate", "-m", str(bad), "--format", "github"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == (
        f"::error file={str(bad).replace(':', '%3A').replace(',', '%2C')},line=5,col=3,"
        "title=ciforge unknown-key::unknown key 'versoin' (did you mean 'version'?) (at $.go.versoin)"
    )
    assert len([line for line in lines if line.startswith("::error ")]) == 5
    assert lines[-1] == "ciforge: 5 error(s) found; nothing was written"


def test_internal_error_is_one_line_exit_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(_args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "validate", broken)
    monkeypatch.delenv("CIFORGE_DEBUG", raising=False)
    assert main(["validate", "-m", str(MINIMAL)]) == 3
    assert capsys.readouterr().err == (
        "ciforge: internal error: RuntimeError: boom (set CIFORGE_DEBUG=1 for details)\n"
    )
    monkeypatch.setenv("CIFORGE_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["validate", "-m", str(MINIMAL)])


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "render", interrupted)
    assert main(["render", "-m", str(MINIMAL)]) == 130
    assert capsys.readouterr().err == "ciforge: interrupted; files already in place are unchanged\n"


def test_update_goldens_is_refused_under_ci() -> None:
    """With CI set, --update-goldens stops the run before any test (it would make the golden test
    compare each file with what it had just written)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_golden.py", "--update-goldens", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "--update-goldens is refused when CI is set" in proc.stderr
    assert "passed" not in proc.stdout
