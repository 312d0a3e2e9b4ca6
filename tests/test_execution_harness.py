"""The execution harness's work-around for act's lost output of failing steps (ACT_BASH_ENV in
tests/execution/harness.py): the step's shell keeps its exit status, and only the step's own
shell, not the shells it starts, takes the pause."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.execution.harness import ACT_BASH_ENV


def _step(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    bash_env = tmp_path / "bash-env.sh"
    bash_env.write_text(ACT_BASH_ENV, encoding="utf-8")
    step = tmp_path / "step.sh"
    step.write_text(script, encoding="utf-8")
    # how act runs a `shell: bash` step: https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#defaultsrunshell
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(step)],
        env={"PATH": "/usr/bin:/bin", "BASH_ENV": str(bash_env)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("script", "status"),
    [("echo done\n", 0), ("echo failing\nexit 3\n", 3), ("false\necho never\n", 1)],
)
def test_the_step_keeps_its_exit_status_and_output(tmp_path: Path, script: str, status: int) -> None:
    result = _step(tmp_path, script)
    assert result.returncode == status
    assert "never" not in result.stdout
    first_echo = script.splitlines()[0].removeprefix("echo ")
    assert result.stdout.splitlines()[:1] == ([first_echo] if script.startswith("echo") else [])


def test_only_the_step_shell_installs_the_trap(tmp_path: Path) -> None:
    result = _step(tmp_path, 'trap -p EXIT\nbash -c "trap -p EXIT; echo nested=$CIFORGE_ACT_STEP_SHELL"\n')
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0].startswith("trap -- ")
    assert "sleep 0.5" in lines[0]
    assert lines[1:] == ["nested=1"]
