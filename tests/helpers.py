"""Small helpers shared by tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Final

import pytest
from ruamel.yaml import YAML

from ciforge import dockerfile_gen
from ciforge.compiler import Result, compile_file
from ciforge.targets import registry
from ciforge.yamldata import Yaml

CASES = Path(__file__).resolve().parent / "cases"
ERRORS = Path(__file__).resolve().parent / "errors"
TARGET_NAMES = ("github", "gitlab")


# The output paths, from the platform registry.
GITHUB: Final = registry.platform("github").OUTPUT_PATH
GITLAB: Final = registry.platform("gitlab").OUTPUT_PATH


# The pinned Go toolchain, an oracle (scripts/install-oracles.sh).
GO: Final = sorted((Path(__file__).resolve().parent.parent / ".oracles" / "go").glob("*/go/bin/go"))
needs_go = pytest.mark.skipif(
    os.environ.get("CIFORGE_SKIP_ORACLES") == "1", reason="CIFORGE_SKIP_ORACLES=1 (the Go toolchain is an oracle)"
)


def run_with_go(block: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A bash block run in ``cwd`` with the pinned Go, offline (GOPROXY=off), a build cache beside
    ``cwd`` shared by the tests, and ``env`` on top."""
    assert GO, "the Go toolchain oracle is missing (scripts/install-oracles.sh)"
    base = {
        "PATH": f"{GO[-1].parent}:/usr/bin:/bin",
        "HOME": str(cwd),
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOCACHE": str(cwd.parent / "gocache"),
    }
    return subprocess.run(
        ["bash", "-c", block], cwd=cwd, env={**base, **(env or {})}, capture_output=True, text=True, check=False
    )


def case_dirs() -> list[Path]:
    """Every golden case: a directory holding ciforge.yml and its outputs at their real paths."""
    return sorted(p for p in CASES.iterdir() if (p / "ciforge.yml").is_file())


def generated_image_files(case: Path) -> tuple[str, ...]:
    """The Dockerfile and .dockerignore a case's manifest has ciforge write (image.dockerfile:
    generate), by path relative to the case; none otherwise."""
    data = YAML(typ="safe").load((case / "ciforge.yml").read_text(encoding="utf-8"))
    image = data.get("image") if isinstance(data, dict) else None
    if not isinstance(image, dict) or image.get("dockerfile") != "generate":
        return ()
    return ("Dockerfile", dockerfile_gen.ignore_path(str(image.get("context", "."))))


def render_case(case: Path) -> Result:
    """Render a case exactly as `ciforge render -m CASE/ciforge.yml` would."""
    return compile_file(case / "ciforge.yml", out_dir=case, targets=TARGET_NAMES, display="ciforge.yml")


def validate_json(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    """`ciforge validate --format json` of ``text`` (written to tmp_path/ciforge.yml): its diagnostics."""
    import json

    from ciforge.cli import main

    (tmp_path / "ciforge.yml").write_text(text, encoding="utf-8")
    main(["validate", "-m", str(tmp_path / "ciforge.yml"), "--format", "json"])
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)["diagnostics"]
    return rows


def verify_edited(case: Path, out: Path, edit: tuple[str, str, str]) -> list[str]:
    """`ciforge verify` over a case's rendered files written to ``out``, the file ``edit[0]``
    with its first ``edit[1]`` replaced by ``edit[2]`` (which must be there)."""
    from ciforge.plan import verify

    result = render_case(case)
    assert result.pipeline is not None
    path, old, new = edit
    for rel, text in result.files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == path:
            assert old in text, old
            text = text.replace(old, new, 1)  # noqa: PLW2901 - the edited copy
        target.write_text(text, encoding="utf-8")
    return verify.check(result.pipeline, out)


# GitLab's SAST template as code-scan.sast: native includes it (named exception sast-native). The
# local runners cannot fetch it (gitlab.com is unreachable), and its jobs are in no plan.
NATIVE_SAST_GITLAB = "include:\n  - template: Jobs/SAST.gitlab-ci.yml\nsast:\n  stage: check\n"


def without_native_sast(pipeline: str) -> str:
    """A GitLab pipeline without the SAST template's include and its sast job (exactly as
    ciforge writes them; any other text is left for the oracles to judge)."""
    assert pipeline.count(NATIVE_SAST_GITLAB) <= 1
    return pipeline.replace(NATIVE_SAST_GITLAB, "")


def native_job_ids(case: Path) -> set[str]:
    """The jobs of a case's IR that are their platform's own analysis (in no plan)."""
    ir = json.loads((case / "ir.json").read_text())
    return {job["id"] for job in ir["jobs"] if any(step["kind"] == "NativeSast" for step in job["steps"])}


def as_yaml(data: object) -> dict[str, Yaml]:
    """Generated test data as the emitters' document type (checked: a mapping at the top)."""
    assert isinstance(data, dict)
    return data


def git_repo_with_a_change(work: Path) -> None:
    """A git repository in ``work`` on branch main whose default remote branch (origin/main) is
    one commit behind, that commit adding a Go file: gitlab-ci-local evaluates ``rules:changes``
    with ``git diff --name-only origin/<default branch>`` and fails without that ref. The files
    already in ``work`` are in the first commit."""

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=ciforge", "-c", "user.email=ciforge@example.com", *args],
            cwd=work,
            check=True,
            capture_output=True,
            timeout=60,
        )

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "--allow-empty", "-m", "base")
    git("update-ref", "refs/remotes/origin/main", "HEAD")
    git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    (work / "main.go").write_text("package main\n\nfunc main() {}\n", encoding="utf-8")
    git("add", "main.go")
    git("commit", "-q", "-m", "a change")
