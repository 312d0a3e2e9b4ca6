"""The shape of the house (docs/architecture.md): the import contracts hold and can fail, every
target dispatches every IR step type, the platform-only steps are named exceptions, and the
registry is the one list of platforms."""

from __future__ import annotations

import shutil
import subprocess
import sys
import typing
from pathlib import Path

import attrs
import pytest

from ciforge import ir, lower_build
from ciforge.cli import TARGET_CHOICES
from ciforge.plan import register
from ciforge.targets import Platform, github, gitlab, registry
from ciforge.targets.github import emitter as github_emitter
from ciforge.targets.gitlab import emitter as gitlab_emitter, limits as gitlab_limits
from tests.helpers import CASES, render_case

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# Each platform package satisfies the protocol (checked by mypy --strict on this file).
GITHUB: Platform = github
GITLAB: Platform = gitlab


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 3 kept, 0 broken." in run.stdout


def test_the_import_contracts_fail_on_a_forbidden_import(tmp_path: Path) -> None:
    """A copy of the package whose GitHub lifter imports the GitLab emitter breaks two contracts
    (a lifter importing an emitter, a target importing another); the neutral contract still holds."""
    shutil.copytree(ROOT / "ciforge", tmp_path / "ciforge", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lifter = tmp_path / "ciforge" / "targets" / "github" / "lifter.py"
    lifter.write_text(lifter.read_text() + "\nfrom ciforge.targets.gitlab import emitter as _emitter  # noqa\n")
    run = _lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout
    assert "The lifters and the planner never import the emitters or any script module BROKEN" in run.stdout
    assert "A target never imports another BROKEN" in run.stdout
    assert "The neutral layers never import a platform folder KEPT" in run.stdout


STEP_TYPES = frozenset(typing.get_args(ir.Step))


def test_every_target_dispatches_every_ir_step_type() -> None:
    assert set(github_emitter.STEPS) == STEP_TYPES
    assert set(gitlab_emitter.STEPS) == STEP_TYPES


@attrs.frozen
class _NewStep:
    """A step type no target knows."""


def test_a_step_a_target_cannot_express_is_an_error_on_every_target() -> None:
    pipeline = render_case(CASES / "minimal").pipeline
    assert pipeline is not None
    test = pipeline.jobs[1]
    with pytest.raises(ir.UnsupportedError, match="the github target cannot express _NewStep"):
        github_emitter.emit_step(_NewStep(), test, pipeline)  # type: ignore[arg-type]
    with pytest.raises(ir.UnsupportedError, match="the gitlab target cannot express _NewStep"):
        gitlab_emitter.emit_step(_NewStep(), test)  # type: ignore[arg-type]


def test_every_platform_only_step_is_a_named_exception() -> None:
    assert ir.PLATFORM_REPORTS
    for step_type in ir.PLATFORM_REPORTS:
        assert step_type.exception in register.REGISTER, step_type


def test_the_registry_is_the_one_list_of_platforms() -> None:
    platforms = registry.platforms()
    assert tuple(p.NAME for p in platforms) == registry.NAMES
    assert platforms == (GITHUB, GITLAB)
    assert len({p.OUTPUT_PATH for p in platforms}) == len(platforms)
    assert (*registry.NAMES, "all") == TARGET_CHOICES
    with pytest.raises(KeyError):
        registry.platform("forgejo")


def test_lowering_never_needs_more_jobs_than_a_platform_allows() -> None:
    assert lower_build.NEEDS_LIMIT <= gitlab_limits.MAX_NEEDS
