"""Issue 11 item 1: files in the repository never reach privileged outputs.

* outputs.env (GitHub step outputs, GitLab dotenv) is created fresh by the job that owns it;
* GitHub file commands are written with random heredoc delimiters and only the declared names;
* the release set is exactly the declared artifacts of the known legs; anything else fails;
* GitLab jobs that need no source do not clone it (GIT_STRATEGY: none).

The scripts are taken from the golden outputs and run for real (bash, and POSIX sh where GitLab
runs them), against a working directory seeded with what an attacker could commit."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any, Final

import pytest
from ruamel.yaml import YAML

from ciforge.plan import from_ir
from ciforge.plan.model import EVENTS, assigned
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.conftest import ROOT
from tests.helpers import GITHUB, GITLAB

CASES: Final = ROOT / "tests" / "cases"
_yaml = YAML(typ="safe", pure=True)
GOOD_DIGEST: Final = "sha256:" + "a" * 64
EVIL_DIGEST: Final = "sha256:" + "e" * 64


def load(case: str, rel: str) -> Any:
    return _yaml.load((CASES / case / rel).read_text(encoding="utf-8"))


def github_step(case: str, job: str, name: str) -> dict[str, Any]:
    return next(s for s in load(case, GITHUB)["jobs"][job]["steps"] if s.get("name") == name)


def run(script: str, cwd: Path, env: dict[str, str], shell: str = "bash") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*shell.split(), "-c", script],
        check=False,
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
    )


def parse_file_command(text: str) -> dict[str, str]:
    """GitHub's file-command format: NAME=value lines and NAME<<DELIMITER heredocs; a later entry
    wins. A heredoc without its delimiter is an error, as on the runner."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        heredoc = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if heredoc and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = heredoc[1], heredoc[2]
            end = lines.index(delimiter, i)  # ValueError: unterminated, the runner fails too
            out[name] = "\n".join(lines[i:end])
            i = end + 1
        else:
            name, _, value = line.partition("=")
            out[name] = value
    return out


# -- outputs.env ---------------------------------------------------------------------------------

# What a pull request could commit: a dotenv line that overrides a gate, and a heredoc that
# swallows the digest line written after it.
COMMITTED_OUTPUTS: Final = f"SCAN_SEVERITY=UNKNOWN\nIMAGE_DIGEST<<EOF\n{EVIL_DIGEST}\nEOF\nIMAGE_DIGEST<<X\n"


@pytest.mark.parametrize("case", ["go-service", "stage-sign-key", "stage-image-custom-registry"])
def test_github_publish_outputs_ignore_a_committed_outputs_env(case: str, tmp_path: Path) -> None:
    """The image-publish steps after the build, run in order over a checkout that holds a crafted
    outputs.env: the job's outputs are exactly the real digest and image."""
    (tmp_path / "outputs.env").write_text(COMMITTED_OUTPUTS, encoding="utf-8")
    (tmp_path / "image.env").write_text("IMAGE=ghcr.io/acme/app\nIMAGE_TAGS=ghcr.io/acme/app:main\n", "utf-8")
    github_output = tmp_path / "github_output"
    github_output.write_text("", encoding="utf-8")
    env = {"GITHUB_OUTPUT": str(github_output), "DIGEST": GOOD_DIGEST}
    for name in ("Record the digest", "Image digest", "Export job outputs"):
        step = github_step(case, "image-publish", name)
        result = run(step["run"], tmp_path, env)  # the step's own env is DIGEST, set above
        assert result.returncode == 0, (name, result.stderr)
    assert parse_file_command(github_output.read_text(encoding="utf-8")) == {
        "IMAGE_DIGEST": GOOD_DIGEST,
        "IMAGE": "ghcr.io/acme/app",
    }


def test_github_export_refuses_undeclared_names_and_survives_delimiters(tmp_path: Path) -> None:
    """The export writes only the declared names, each with an unguessable delimiter: a value that
    spells a delimiter (or GitHub's own) stays a value."""
    script = github_step("go-service", "image-publish", "Export job outputs")["run"]
    sink = tmp_path / "out"
    sink.write_text("", encoding="utf-8")
    (tmp_path / "outputs.env").write_text("IMAGE=ghadelimiter_1\nIMAGE_DIGEST=EOF\n", encoding="utf-8")
    assert run(script, tmp_path, {"GITHUB_OUTPUT": str(sink)}).returncode == 0
    text = sink.read_text(encoding="utf-8")
    assert parse_file_command(text) == {"IMAGE": "ghadelimiter_1", "IMAGE_DIGEST": "EOF"}
    delimiters = re.findall(r"<<(.+)", text)
    assert len(delimiters) == 2
    assert len(set(delimiters)) == 2
    assert all(re.fullmatch(r"ciforge_[0-9a-f]{32}", d) for d in delimiters)
    (tmp_path / "outputs.env").write_text("SCAN_SEVERITY=UNKNOWN\n", encoding="utf-8")
    result = run(script, tmp_path, {"GITHUB_OUTPUT": str(sink)})
    assert result.returncode == 1
    assert "unexpected line" in result.stderr


@pytest.mark.parametrize("case", ["go-service", "stage-sign-key", "preset-go-service"])
def test_first_write_of_outputs_env_truncates(case: str) -> None:
    """On both platforms the job that owns outputs.env creates it with `>` before any `>>`."""
    github = "\n".join(str(s.get("run", "")) for s in load(case, GITHUB)["jobs"]["image-publish"]["steps"])
    gitlab = "\n".join(str(b) for b in load(case, GITLAB)["image-publish"]["script"])
    for text in (github, gitlab):
        writes = re.findall(r"(>>?) ?outputs\.env", text)
        assert writes, text
        assert writes[0] == ">", writes


# -- the release set -------------------------------------------------------------------------------

# GitLab runs this block in the cosign image's busybox sh; bash in POSIX mode stands in for it
# (dash lacks pipefail).
POSIX_SH: Final = "bash --posix"
STUB_COSIGN: Final = "#!/bin/sh\nexit 0\n"


def release_block(case: str) -> tuple[str, dict[str, str]]:
    """The shared release-assets block and its literal env, from the GitLab pipeline: the job's
    variables and the settings the block assigns itself."""
    job = load(case, GITLAB)["release-assets"]
    block = next(str(b) for b in job["script"] if "SHA256SUMS" in str(b))
    env = {k: str(v) for k, v in (job.get("variables") or {}).items() if isinstance(v, str) and "$" not in v}
    return block, {**env, **assigned(block)}


def seed_dist(root: Path, legs: list[str], binaries: str) -> None:
    for leg in legs:
        (root / "dist" / f"build-{leg}").mkdir(parents=True)
        for binary in binaries.split():
            name = binary + (".exe" if leg.startswith("windows") else "")
            (root / "dist" / f"build-{leg}" / name).write_bytes(f"{binary} {leg}".encode())


@pytest.fixture
def release(tmp_path: Path) -> tuple[str, dict[str, str], Path]:
    block, env = release_block("stage-release-only")
    assert env["RELEASE_LEGS"] == "linux-amd64 linux-arm64 darwin-amd64 darwin-arm64"
    seed_dist(tmp_path, env["RELEASE_LEGS"].split(), env["BINARIES"])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "cosign").write_text(STUB_COSIGN, encoding="utf-8")
    (bin_dir / "cosign").chmod(0o755)
    env["PATH"] = f"{bin_dir}:{os.environ['PATH']}"
    return block, env, tmp_path


def test_release_set_is_the_known_legs(release: tuple[str, dict[str, str], Path]) -> None:
    block, env, root = release
    result = run(block, root, env, shell=POSIX_SH)
    assert result.returncode == 0, result.stderr
    names = sorted(line.split()[1] for line in (root / "release/SHA256SUMS").read_text().splitlines())
    assert names == sorted(f"cli-tool-{leg}" for leg in env["RELEASE_LEGS"].split())


def test_pipeline_variables_do_not_change_the_release_set(release: tuple[str, dict[str, str], Path]) -> None:
    """RELEASE_LEGS and BINARIES passed in from outside (a GitLab pipeline variable) change nothing:
    the block assigns its own, so the release is still exactly the known legs."""
    block, env, root = release
    (root / "dist/build-linux-amd64/evil").write_text("x")
    result = run(block, root, {**env, "RELEASE_LEGS": "linux-arm64", "BINARIES": "evil"}, shell=POSIX_SH)
    assert result.returncode != 0, result.stdout
    assert "dist/build-linux-amd64 must hold exactly the binaries cli-tool" in result.stderr


ATTACKS: Final = {
    "a committed release/ directory": lambda root: (
        (root / "release").mkdir() or (root / "release/evil").write_text("x")
    ),
    "an artifact of no known leg": lambda root: seed_dist(root, ["not-a-leg"], "cli-tool"),
    "a hidden entry in dist/": lambda root: (root / "dist/.evil").write_text("x"),
    "a loose file in dist/": lambda root: (root / "dist/evil").write_text("x"),
    "a second file in a leg": lambda root: (root / "dist/build-linux-amd64/evil").write_text("x"),
    "a leg's binary missing": lambda root: (root / "dist/build-darwin-arm64/cli-tool").unlink(),
    "a leg's binary a symlink": lambda root: (
        (root / "dist/build-linux-arm64/cli-tool").unlink(),
        (root / "dist/build-linux-arm64/cli-tool").symlink_to("/etc/passwd"),
    ),
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_anything_else_fails_the_release(attack: Any, release: tuple[str, dict[str, str], Path]) -> None:
    block, env, root = release
    attack(root)
    result = run(block, root, env, shell=POSIX_SH)
    assert result.returncode != 0, result.stdout
    assert "release-assets:" in result.stderr
    assert not (root / "release/SHA256SUMS").exists()


def _several(tmp_path: Path) -> tuple[str, dict[str, str], Path]:
    block, env = release_block("release-binaries")
    assert (env["BINARIES"], env["RELEASED"]) == ("glab gen-docs", "glab")
    seed_dist(tmp_path, env["RELEASE_LEGS"].split(), env["BINARIES"])
    return block, env, tmp_path


def test_several_binaries_release_only_the_released_ones(tmp_path: Path) -> None:
    """Every leg holds every binary; the release is the `release: true` ones, per leg (with .exe
    on windows), and nothing of gen-docs."""
    block, env, root = _several(tmp_path)
    result = run(block, root, env, shell=POSIX_SH)
    assert result.returncode == 0, result.stderr
    names = sorted(line.split()[1] for line in (root / "release/SHA256SUMS").read_text().splitlines())
    legs = env["RELEASE_LEGS"].split()
    assert names == sorted(f"glab-{leg}" + (".exe" if leg.startswith("windows") else "") for leg in legs)


@pytest.mark.parametrize("missing", ["glab", "gen-docs"])
def test_several_binaries_a_missing_one_fails_the_release(tmp_path: Path, missing: str) -> None:
    """A leg without one of the binaries every leg builds (released or not) fails the release."""
    block, env, root = _several(tmp_path)
    (root / "dist/build-linux-arm64" / missing).unlink()
    result = run(block, root, env, shell=POSIX_SH)
    assert result.returncode != 0, result.stdout
    assert "dist/build-linux-arm64 must hold exactly the binaries glab gen-docs" in result.stderr


# -- no source where none is needed ------------------------------------------------------------------


@pytest.mark.parametrize("case", ["go-service", "stage-release-only", "stage-sign-key"])
def test_artifact_only_gitlab_jobs_do_not_clone(case: str) -> None:
    """Every GitLab job without a checkout in the IR runs with GIT_STRATEGY: none, so committed
    files (release/, dist/build-*, outputs.env) are not in its working directory; the plan says
    which jobs have the source, and the lifted pipeline agrees."""
    from tests.test_limits import golden

    rendered = golden(CASES / case)
    assert rendered.pipeline is not None
    doc = load(case, GITLAB)
    sourceless = {"release-assets", "release", "sign", "verify", "scan", "promote"} & set(doc)
    assert sourceless
    for name in sourceless:
        assert doc[name]["variables"]["GIT_STRATEGY"] == "none", name
    for event in EVENTS.values():
        expected = from_ir.plan(rendered.pipeline, event)
        lifted = lift_gitlab.lift(doc, event)
        assert {k: j.source for k, j in expected.jobs.items()} == {k: j.source for k, j in lifted.jobs.items()}
        for key, job in expected.jobs.items():
            assert job.source == (job.logical_id not in sourceless | {"sbom"}), key
