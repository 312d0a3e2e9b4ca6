"""image.from-build: the image jobs download the build legs and lay out, for each image platform,
the first leg built for it as dist/<platform>/<binary>; the Dockerfile copies
dist/${TARGETPLATFORM}/<binary> (docs/dockerfile.md). Nothing is compiled twice."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ciforge import ir, lower_image, scripts_supply
from ciforge.model import Image
from tests.conftest import ROOT, oracle
from tests.helpers import CASES, render_case, verify_edited
from tests.test_release_stamping import BASE, diagnostics

CASE = CASES / "image-from-build"
GITHUB = ".github/workflows/ciforge.yml"
GITLAB = ".gitlab-ci.yml"


def leg(key: str, **variables: str) -> ir.Leg:
    return ir.Leg(key=key, variables=tuple(variables.items()))


LEGS = (
    leg("darwin-arm64", GOOS="darwin", GOARCH="arm64"),
    leg("linux-amd64-v3", GOOS="linux", GOARCH="amd64", GOAMD64="v3"),
    leg("linux-amd64", GOOS="linux", GOARCH="amd64"),
    leg("linux-arm64-v8.2-lse", GOOS="linux", GOARCH="arm64", GOARM64="v8.2,lse"),
    leg("linux-arm-v6", GOOS="linux", GOARCH="arm", GOARM="6"),
    leg("linux-arm", GOOS="linux", GOARCH="arm"),
    leg("linux-386-softfloat", GOOS="linux", GOARCH="386", GO386="softfloat"),
    leg("windows-amd64", GOOS="windows", GOARCH="amd64"),
)


@pytest.mark.parametrize(
    ("platform", "key"),
    [
        ("linux/amd64", "linux-amd64"),  # GOAMD64 unset is v1: not the v3 leg
        ("linux/amd64/v3", "linux-amd64-v3"),
        ("linux/amd64/v1", "linux-amd64"),
        ("linux/arm64", "linux-arm64-v8.2-lse"),  # any v8.x is Docker's arm64/v8
        ("linux/arm64/v8", "linux-arm64-v8.2-lse"),
        ("linux/arm/v6", "linux-arm-v6"),
        ("linux/arm/v7", "linux-arm"),  # GOARM unset is 7 when cross-compiling
        ("linux/arm", "linux-arm"),  # Docker's linux/arm is v7
        ("linux/386", "linux-386-softfloat"),  # 386 has no Docker variant
        ("windows/amd64", "windows-amd64"),
        ("linux/arm/v5", None),
        ("linux/arm64/v9", None),
        ("linux/riscv64", None),
        ("darwin/amd64", None),
    ],
)
def test_each_platform_takes_the_first_leg_built_for_it(platform: str, key: str | None) -> None:
    found = lower_image.platform_legs(Image(platforms=(platform,)), LEGS)
    assert found.get(0) == key


def test_the_image_jobs_need_and_download_the_builds() -> None:
    files = render_case(CASE).files
    layout = (
        "export IMAGE_LAYOUT='linux/amd64=linux-amd64 linux/arm64=linux-arm64 "
        "linux/arm/v7=linux-arm-v7 linux/arm/v6=linux-arm-v6'"
    )
    for text in files.values():
        assert text.count(layout) == 2  # image-build and image-publish
        assert "export BINARIES='server migrate'" in text
    github = files[GITHUB]
    build_job = github[github.index("\n  image-build:") : github.index("\n  image-publish:")]
    assert "needs:\n      - build\n" in build_job
    # exactly the legs the layout copies, each by name into its own directory (no darwin leg)
    downloads = re.findall(r"name: (build-[a-z0-9-]+)\n +path: (\S+)\n", build_job)
    legs = ("linux-amd64", "linux-arm64", "linux-arm-v7", "linux-arm-v6")
    assert downloads == [(f"build-{leg}", f"dist/build-{leg}/") for leg in legs]
    assert "pattern:" not in build_job
    # the layout comes after the downloads and before the image build
    assert build_job.index("Download build-linux-arm-v6") < build_job.index("Lay out") < build_job.index("Build image")
    gitlab = files[GITLAB]
    build_job = gitlab[gitlab.index("\nimage-build:") : gitlab.index("\nimage-publish:")]
    assert "  needs:\n    - job: build\n      artifacts: true\n" in build_job


def run_layout(work: Path, layout: str, binaries: str = "server migrate") -> subprocess.CompletedProcess[str]:
    script = scripts_supply.image_layout(layout=layout, binaries=binaries)
    env = {"PATH": os.environ["PATH"]}
    return subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, check=False)


def built(work: Path, leg_key: str, *names: str) -> None:
    directory = work / "dist" / f"build-{leg_key}"
    directory.mkdir(parents=True)
    for name in names:
        (directory / name).write_text(f"{name} for {leg_key}\n", encoding="utf-8")
        (directory / name).chmod(0o644)  # as GitHub's artifacts deliver them: no modes kept


def test_the_layout_copies_each_binary_executable(tmp_path: Path) -> None:
    built(tmp_path, "linux-amd64", "server", "migrate")
    built(tmp_path, "linux-arm-v7", "server", "migrate")
    built(tmp_path, "windows-amd64", "server.exe", "migrate.exe")
    proc = run_layout(tmp_path, "linux/amd64=linux-amd64 linux/arm/v7=linux-arm-v7 windows/amd64=windows-amd64")
    assert proc.returncode == 0, proc.stderr
    for platform, key, ext in (("linux/amd64", "linux-amd64", ""), ("linux/arm/v7", "linux-arm-v7", ""),
                               ("windows/amd64", "windows-amd64", ".exe")):  # fmt: skip
        for name in ("server", "migrate"):
            path = tmp_path / "dist" / platform / f"{name}{ext}"
            assert path.read_text(encoding="utf-8") == f"{name}{ext} for {key}\n"
            assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert "dist/linux/arm/v7/server" in proc.stdout  # the hashes of what the image gets


@pytest.mark.parametrize(
    ("prepare", "words"),
    [
        (lambda work: (work / "dist" / "linux").mkdir(parents=True), "dist/linux exists before the layout"),
        (lambda work: (work / "dist" / "linux").symlink_to("/tmp"), "dist/linux exists before the layout"),
        (lambda work: (work / "dist" / "build-linux-amd64" / "migrate").unlink(), "has no migrate"),
    ],
)
def test_the_layout_refuses_what_the_build_did_not_make(
    tmp_path: Path, prepare: Callable[[Path], object], words: str
) -> None:
    built(tmp_path, "linux-amd64", "server", "migrate")
    prepare(tmp_path)
    proc = run_layout(tmp_path, "linux/amd64=linux-amd64")
    assert proc.returncode == 1
    assert words in proc.stderr


@pytest.mark.parametrize(
    ("manifest", "code", "line", "col", "words"),
    [
        (BASE + "image:\n  from-build: true\n", None, 0, 0, ""),  # the default build: linux/amd64
        (BASE + "build: false\nimage:\n  from-build: true\n", "conflict", 7, 15, "but build is false"),
        (
            BASE + "image:\n  from-build: true\n  platforms: [linux/amd64, linux/riscv64]\n",
            "conflict",
            7,
            28,
            "no build leg builds for linux/riscv64",
        ),
    ],
)
def test_from_build_settings(  # noqa: PLR0917 - one row of the table
    tmp_path: Path, capsys: pytest.CaptureFixture[str], manifest: str, code: str | None, line: int, col: int, words: str
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    if code is None:
        (tmp_path / "ciforge.yml").write_text(manifest, encoding="utf-8")
        from ciforge.cli import main

        assert main(["render", "-m", str(tmp_path / "ciforge.yml"), "--out", str(tmp_path / "out")]) == 0
        return
    rows = diagnostics(tmp_path, manifest, capsys)
    assert [(r["code"], r["line"], r["col"]) for r in rows] == [(code, line, col)], rows
    assert words in str(rows[0]["message"])


TAMPERS = [
    (GITLAB, "linux/arm/v7=linux-arm-v7 linux/arm/v6=linux-arm-v6", "linux/arm/v7=linux-arm-v6 linux/arm/v6=linux-arm-v6"),
    (GITHUB, "export BINARIES='server migrate'\n          fail() { echo \"image layout", "export BINARIES='server'\n          fail() { echo \"image layout"),
    (GITLAB, "  needs:\n    - job: build\n      artifacts: true\n  rules:", "  needs: []\n  rules:"),
    # another leg's binary in a leg's directory: it would reach the image under the wrong platform
    (GITHUB, "name: build-linux-amd64\n          path: dist/build-linux-amd64/", "name: build-darwin-amd64\n          path: dist/build-linux-amd64/"),
    (GITHUB, "name: build-linux-arm64\n          path: dist/build-linux-arm64/", "name: build-linux-arm64\n          path: dist/"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), TAMPERS)
def test_verify_sees_every_layout_tamper(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


def test_the_readme_shows_the_example_dockerfile() -> None:
    """The README's Dockerfile contract is the golden case's Dockerfile, which the oracles check."""
    example = (CASE / "Dockerfile").read_text(encoding="utf-8")
    assert f"```dockerfile\n{example}```" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.oracle
def test_the_example_dockerfile_passes_hadolint_and_trivy_config() -> None:
    proc = subprocess.run([oracle("hadolint"), "Dockerfile"], cwd=CASE, capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    args = ("config", "--skip-check-update", "--severity", "HIGH,CRITICAL", "--format", "json", "Dockerfile")
    proc = subprocess.run([oracle("trivy"), *args], cwd=CASE, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = {r["Target"]: r for r in json.loads(proc.stdout)["Results"]}["Dockerfile"]["MisconfSummary"]
    assert summary["Successes"] > 10
    assert summary["Failures"] == 0


def test_a_generated_dockerfile_copies_the_built_binary() -> None:
    """With dockerfile: generate, no stage compiles: the runtime stage copies the first released
    binary from dist/${TARGETPLATFORM}/, scratch takes its CA bundle from an unrun builder stage,
    and the build context is only dist/ without the downloaded legs."""
    files = render_case(CASES / "dockerfile-from-build").files
    text = files["Dockerfile"]
    instructions = [line.split()[0] for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert "RUN" not in instructions
    assert instructions.count("FROM") == 2
    assert "ARG TARGETPLATFORM\nCOPY dist/${TARGETPLATFORM}/server /usr/local/bin/server\n" in text
    assert "COPY --from=build /etc/ssl/certs/ca-certificates.crt" in text
    assert "USER 65532:65532" in text
    assert files[".dockerignore"].endswith("\n*\n!dist\ndist/build-*\n")
    # the stamped version is the image's label (image.build-args), the layout names the binaries
    assert "VERSION=${BUILD_ARG_VERSION}" in files[GITLAB]
    assert "export BINARIES='gen server'" in files[GITLAB]
