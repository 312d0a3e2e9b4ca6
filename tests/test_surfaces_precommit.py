"""The pre-commit hook (.pre-commit-hooks.yaml), through pre-commit itself: `pre-commit try-repo`
against a copy of this checkout that has uncommitted changes (the hook file only staged), from a
consumer repository whose rendered files are in sync, then hand-edited."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT
from tests.helpers import GITHUB, GITLAB
from tests.surfaces.common import SYSTEM_PATH, add_service, copy_checkout, git, hand_edit, offline_env, run, wheelhouse

pytestmark = pytest.mark.oracle

HOOKS = ROOT / ".pre-commit-hooks.yaml"
HOOK = "ciforge-check"
DRIFT_OLD, DRIFT_NEW = "timeout: 20 minutes", "timeout: 25 minutes"


def pre_commit() -> str:
    """pre-commit from the test environment (pyproject's test extras); missing is a failure."""
    for candidate in (Path(sys.executable).parent / "pre-commit", shutil.which("pre-commit")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.fail("pre-commit is not installed; install the test extras (pip install -e '.[test]')")


def hook() -> dict[str, Any]:
    hooks = YAML(typ="safe", pure=True).load(HOOKS.read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == [HOOK]
    result: dict[str, Any] = hooks[0]
    return result


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = run([pre_commit(), "validate-manifest", HOOKS])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    entry = hook()
    assert entry["entry"] == "ciforge render --check"
    assert entry["language"] == "python"
    assert entry["pass_filenames"] is False


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("ciforge.yml", True),
        (GITLAB, True),
        (GITHUB, True),
        ("services/api/ciforge.yml", True),
        ("services/api/.github/workflows/ciforge.yml", True),
        ("main.go", False),
        (".github/workflows/release.yml", False),
        ("not-ciforge.yml", False),
        ("ciforge.yml.bak", False),
    ],
)
def test_hook_runs_for_the_manifest_and_the_outputs(path: str, runs: bool) -> None:
    """The `files` pattern (pre-commit matches it with re.search on repository-relative paths)."""
    assert bool(re.search(hook()["files"], path)) is runs


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this checkout as a git repository in which .pre-commit-hooks.yaml is staged but
    not committed, so try-repo has to build its shadow repository from the uncommitted state."""
    repo = copy_checkout(tmp_path_factory.mktemp("pre-commit") / "ciforge")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "rm", "-q", "--cached", HOOKS.name)
    git(repo, "commit", "-q", "-m", "ciforge without the hook")
    git(repo, "add", HOOKS.name)
    assert git(repo, "status", "--porcelain") == f"A  {HOOKS.name}"
    return repo


def consumer(base: Path) -> Path:
    """A service repository: the manifest at the root and its rendered files, committed."""
    repo = base / "service"
    add_service(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "service")
    return repo


@pytest.fixture(scope="module")
def try_repo_runs(hook_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[int, str]]]:
    """`pre-commit try-repo <this checkout> ciforge-check --all-files` from two consumers side by
    side: rendered files in sync, and .gitlab-ci.yml edited by hand (not committed: --all-files
    checks the working tree). pre-commit builds the hook's virtualenv and pip-installs the
    checkout into it (from the wheelhouse)."""
    wheels = wheelhouse(tmp_path_factory)
    cases = {}
    for case in ("clean", "drift"):
        base = tmp_path_factory.mktemp(f"pre-commit-{case}")
        cases[case] = (consumer(base), base)
    hand_edit(cases["drift"][0] / GITLAB, DRIFT_OLD, DRIFT_NEW)

    def try_repo(repo: Path, base: Path) -> tuple[int, str]:
        env = offline_env(base / "home", wheels, path=f"{Path(pre_commit()).parent}:{SYSTEM_PATH}",
                          PRE_COMMIT_HOME=str(base / "pre-commit-home"), VIRTUALENV_NO_PERIODIC_UPDATE="1")  # fmt: skip
        proc = run([pre_commit(), "try-repo", hook_repo, HOOK, "--all-files", "--color", "never"], cwd=repo, env=env)
        return proc.returncode, proc.stdout + proc.stderr

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {case: pool.submit(try_repo, repo, base) for case, (repo, base) in cases.items()}
            yield {case: future.result() for case, future in futures.items()}
    finally:
        for _repo, base in cases.values():
            shutil.rmtree(base, ignore_errors=True)


def test_clean_repository_passes(try_repo_runs: dict[str, tuple[int, str]]) -> None:
    code, out = try_repo_runs["clean"]
    assert code == 0, out
    assert "Creating temporary repo with uncommitted changes" in out
    assert re.search(r"^ciforge render --check\.+Passed$", out, re.MULTILINE), out


def test_drifted_repository_fails_with_the_diff(try_repo_runs: dict[str, tuple[int, str]]) -> None:
    code, out = try_repo_runs["drift"]
    assert code == 1, out
    assert re.search(r"^ciforge render --check\.+Failed$", out, re.MULTILINE), out
    assert f"- hook id: {HOOK}\n- exit code: 1\n" in out
    assert "--- a/.gitlab-ci.yml\n+++ b/.gitlab-ci.yml\n" in out
    assert f"\n-  {DRIFT_NEW}\n+  {DRIFT_OLD}\n" in out
    assert "ciforge: 1 file(s) out of date; run `ciforge render`" in out
