"""setup: (issue 13): system packages (apt, on the Linux jobs) and a script that every Go job runs
after the toolchain and before its own blocks, the same blocks on both platforms; the apt block
uses sudo only where the job is not root."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ciforge import ir
from ciforge.compiler import compile_pipeline
from ciforge.lower_setup import APT_STEP, RUN_STEP
from tests.helpers import CASES, GITHUB, GITLAB, render_case
from tests.test_equivalence import plans_differ

HEAD = 'version: 1\nname: svc\ngo:\n  version: "1.25"\n'


def _step_ids(job: ir.Job) -> list[str]:
    return [s.id if isinstance(s, ir.Run) else type(s).__name__ for s in job.steps]


def test_every_go_job_runs_the_setup_after_its_toolchain() -> None:
    result = render_case(CASES / "setup")
    pipeline = result.pipeline
    assert pipeline is not None
    by_platform: dict[str, list[str]] = {}
    for job in pipeline.jobs:
        ids = _step_ids(job)
        if "SetupGo" not in ids:
            assert APT_STEP not in ids, job.id
            assert RUN_STEP not in ids, job.id
            continue
        at = ids.index("SetupGo")
        linux = job.runner.platform.startswith("linux/")
        expected = [APT_STEP, RUN_STEP] if linux else [RUN_STEP]
        assert ids[at + 1 : at + 1 + len(expected)] == expected, (job.id, ids)
        by_platform.setdefault(job.runner.platform, []).append(job.id)
    assert sorted(by_platform["linux/amd64"]) == ["build", "integration", "lint", "test-linux-amd64"]
    assert by_platform["darwin/arm64"] == ["test-darwin-arm64"]
    assert "licenses" not in [job for jobs in by_platform.values() for job in jobs]
    run = next(s for s in pipeline.job("lint").steps if isinstance(s, ir.Run) and s.id == RUN_STEP)
    assert run.written_by == "manifest"
    assert run.script.endswith("make generate\n")


def test_the_plans_are_equal_and_see_a_changed_package_list() -> None:
    result = render_case(CASES / "setup")
    assert plans_differ(result) == []
    for name in (GITHUB, GITLAB):
        text = result.files[name]
        assert text.count("--no-install-recommends libsqlite3-dev protobuf-compiler") == 4  # lint, test, build, job
        tampered = text.replace("libsqlite3-dev protobuf-compiler", "libsqlite3-dev protobuf-compiler curl", 1)
        kwargs = {"github": tampered} if name == GITHUB else {"gitlab": tampered}
        assert plans_differ(result, **kwargs), name


def test_apt_on_a_non_linux_job_is_a_warning_and_all_linux_is_silent() -> None:
    text = HEAD + "setup:\n  apt: [libsqlite3-dev]\ntest:\n  platforms: [linux/amd64, darwin/arm64]\nbuild: false\n"
    pipeline, diagnostics = compile_pipeline(text.encode(), file="ciforge.yml", base_dir=Path("."), label="x")
    assert pipeline is not None
    assert [(d.code, d.severity, d.line, d.col) for d in diagnostics] == [("setup", "warning", 6, 3)]
    assert "the darwin/arm64 test jobs run without them" in diagnostics[0].message
    linux = HEAD + "setup:\n  apt: [libsqlite3-dev]\nbuild: false\n"
    assert compile_pipeline(linux.encode(), file="ciforge.yml", base_dir=Path("."), label="x")[1] == []


def test_bad_packages_and_expressions_are_positioned_errors_all_at_once() -> None:
    text = HEAD + "setup:\n  apt: [libsqlite3-dev, 'curl && rm']\n  run: echo ${{ secrets.TOKEN }}\n"
    pipeline, diagnostics = compile_pipeline(text.encode(), file="ciforge.yml", base_dir=Path("."), label="x")
    assert pipeline is None
    assert sorted((d.code, d.line) for d in diagnostics) == [("expression-syntax", 7), ("pattern", 6)]


def _fake_tools(bin_dir: Path, log: Path, uid: int) -> None:
    """id, sudo and apt-get that record their arguments instead of acting."""
    bin_dir.mkdir()
    tools = {
        "id": f'[ "$1" = "-u" ] && echo {uid}',
        "sudo": f'echo "sudo $*" >> {log}; "$@"',
        "apt-get": f'echo "apt-get $* (DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}})" >> {log}',
    }
    for name, body in tools.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)


def test_the_apt_block_uses_sudo_only_when_not_root(tmp_path: Path) -> None:
    pipeline, _ = compile_pipeline(
        (HEAD + "setup:\n  apt: [libsqlite3-dev, g++]\nbuild: false\n").encode(),
        file="ciforge.yml",
        base_dir=Path("."),
        label="x",
    )
    assert pipeline is not None
    block = next(s.script for s in pipeline.job("lint").steps if isinstance(s, ir.Run) and s.id == APT_STEP)
    calls = {}
    for uid in (0, 1001):
        log = tmp_path / f"log-{uid}"
        _fake_tools(tmp_path / f"bin-{uid}", log, uid)
        env = {"PATH": f"{tmp_path / f'bin-{uid}'}:/usr/bin:/bin"}
        run = subprocess.run(["bash", "-c", block], env=env, capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        calls[uid] = log.read_text().splitlines()
    install = "apt-get install -y -qq --no-install-recommends libsqlite3-dev g++ (DEBIAN_FRONTEND=noninteractive)"
    assert calls[0] == ["apt-get update -qq (DEBIAN_FRONTEND=noninteractive)", install]
    assert calls[1001] == [
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "apt-get update -qq (DEBIAN_FRONTEND=noninteractive)",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsqlite3-dev g++",
        install,
    ]
