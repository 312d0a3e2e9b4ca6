"""image.build-args and image.emulation.

image.build-args: build arguments with the release placeholders (docs/release.md), computed by
the build's own placeholder lines in the image-ref block and passed as BUILD_ARG_<NAME> on both
platforms; the plans record which variable each argument takes, so verify sees a hand edit.
image.emulation: QEMU from the same pinned binfmt image on both platforms, recorded as a contract."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ciforge import scripts_supply
from tests.helpers import CASES, render_case, verify_edited
from tests.test_release_stamping import BASE, COMMIT_UTC, diagnostics, git, reference

CASE = CASES / "image-build-args"
GITHUB = ".github/workflows/ciforge.yml"
GITLAB = ".gitlab-ci.yml"


def test_both_platforms_pass_the_stamped_values_and_keep_the_other_labels() -> None:
    files = render_case(CASE).files
    assert (
        "SOURCE=${{ github.server_url }}/${{ github.repository }}\n"
        "            REVISION=${{ env.COMMIT_SHA }}\n"
        "            VERSION=${{ env.BUILD_ARG_VERSION }}\n"
        "            BUILD_DATE=${{ env.BUILD_ARG_BUILD_DATE }}\n"
        "            GIT_COMMIT=${{ env.BUILD_ARG_GIT_COMMIT }}\n"
    ) in files[GITHUB]
    assert "VERSION=${{ env.REF_NAME }}" not in files[GITHUB]  # the user's VERSION replaces the label's
    assert (
        "--metadata-file image-metadata.json \\\n"
        '        --build-arg "SOURCE=${CI_PROJECT_URL}" \\\n'
        '        --build-arg "REVISION=${COMMIT_SHA}" \\\n'
        '        --build-arg "VERSION=${BUILD_ARG_VERSION}" \\\n'
        '        --build-arg "BUILD_DATE=${BUILD_ARG_BUILD_DATE}" \\\n'
        '        --build-arg "GIT_COMMIT=${BUILD_ARG_GIT_COMMIT}" \\\n'
        '        --cache-from "$cache"'
    ) in files[GITLAB]
    # GitHub exports exactly the declared names from image.env, the new ones included
    assert "IMAGE|IMAGE_TAGS|BUILD_ARG_VERSION|BUILD_ARG_BUILD_DATE|BUILD_ARG_GIT_COMMIT) ;;" in files[GITHUB]


def run_image_ref(cwd: Path, ref: str, head: str, tag: str) -> dict[str, str]:
    script = scripts_supply.image_ref(
        ("ref", "sha"), (("VERSION", "{version}"), ("STAMP", "v={version} c={short_commit} d={date} t={tag}|x"))
    )
    env = {
        "PATH": os.environ["PATH"],
        "IMAGE_REPOSITORY": "ghcr.io/Acme/App",
        "REF_NAME": ref,
        "COMMIT_SHA": "0" * 40,
        "RELEASE_REF": ref,
        "RELEASE_HEAD": head,
        "RELEASE_TAG": tag,
    }
    subprocess.run(["bash", "-c", script], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    lines = (cwd / "image.env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.parametrize(
    ("ref", "head", "tag"),
    [("v1.4.0", "", "v1.4.0"), ("7/merge", "feature/Login", ""), ("main", "", ""), ("api/v0.2.0", "", "api/v0.2.0")],
)
def test_the_image_ref_block_stamps_the_arguments_like_the_build(tmp_path: Path, ref: str, head: str, tag: str) -> None:
    """The values equal the reference of the build's placeholders (tests/test_release_stamping.py),
    so the image and the binaries of one pipeline carry the same version; text around the
    placeholders (and a '|', sed's delimiter) is kept as written."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.com")
    git(tmp_path, "config", "user.name", "CI")
    (tmp_path / "README").write_text("x\n", encoding="utf-8")
    git(tmp_path, "add", "README")
    git(tmp_path, "commit", "-q", "-m", "first")
    commit = git(tmp_path, "rev-parse", "HEAD")
    want = reference(ref, head, tag, commit)
    assert want is not None
    got = run_image_ref(tmp_path, ref, head, tag)
    assert got["IMAGE"] == "ghcr.io/acme/app"
    assert got["BUILD_ARG_VERSION"] == want["version"]
    assert got["BUILD_ARG_STAMP"] == f"v={want['version']} c={commit[:12]} d={COMMIT_UTC} t={tag}|x"
    assert list(got) == ["IMAGE", "IMAGE_TAGS", "BUILD_ARG_VERSION", "BUILD_ARG_STAMP"]


IMAGE = BASE + "image:\n  build-args:\n"


@pytest.mark.parametrize(
    "case",
    [
        ('    VERSION: "{versoin}"\n', "placeholder", 7, 14, "unknown placeholder {versoin}"),
        ('    VERSION: "{version"\n', "placeholder", 7, 14, "a brace that is not part of a placeholder"),
        ('    VERSION: "a#b"\n', "pattern", 7, 16, "'#' and control characters"),
        ('    VERSION: "$CI_COMMIT_TAG"\n', "pattern", 7, 15, "any characters except quotes"),
        ('    version: "1"\n', "pattern", 7, 5, "a CI variable name: capitals"),
        ("    VERSION: 1\n", "type", 7, 14, "string"),
    ],
)
def test_bad_build_args_are_positioned_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, int, int, str]
) -> None:
    settings, code, line, col, words = case
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    rows = diagnostics(tmp_path, IMAGE + settings, capsys)
    assert [(r["code"], r["line"], r["col"]) for r in rows] == [(code, line, col)], rows
    assert words in str(rows[0]["message"])


TAMPERS = [
    (GITLAB, '--build-arg "VERSION=${BUILD_ARG_VERSION}"', '--build-arg "VERSION=${REF_NAME}"'),
    (GITLAB, '--build-arg "GIT_COMMIT=${BUILD_ARG_GIT_COMMIT}"', '--build-arg "GIT_COMMIT=${BUILD_ARG_VERSION}"'),
    (GITLAB, '        --build-arg "BUILD_DATE=${BUILD_ARG_BUILD_DATE}" \\\n', ""),
    (GITHUB, "VERSION=${{ env.BUILD_ARG_VERSION }}", "VERSION=${{ env.REF_NAME }}"),
    (GITHUB, "GIT_COMMIT=${{ env.BUILD_ARG_GIT_COMMIT }}", "GIT_COMMIT=deadbeef"),
    (GITLAB, "BUILD_ARG_GIT_COMMIT=\"$(printf '%s\\n' '{short_commit}'", "BUILD_ARG_GIT_COMMIT=\"$(printf '%s\\n' '{commit}'"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), TAMPERS)
def test_verify_sees_every_build_arg_tamper(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


EMULATION = CASES / "image-emulation"
BINFMT = "docker.io/tonistiigi/binfmt:qemu-v10.2.3-68"


def test_emulation_installs_every_architecture_from_one_pinned_image() -> None:
    files = render_case(EMULATION).files
    assert (
        f"image: {BINFMT}\n          platforms: amd64,arm64,arm,riscv64\n          cache-image: false" in files[GITHUB]
    )
    assert f"docker run --privileged --rm {BINFMT} --install amd64,arm64,arm,riscv64" in files[GITLAB]
    # before the build, in both image jobs
    for text in files.values():
        assert text.count(BINFMT) == 2
        assert text.index(BINFMT) < text.index('image="$(printf \'%s\' "$IMAGE_REPOSITORY"')


EMULATION_TAMPERS = [
    (GITLAB, "--install amd64,arm64,arm,riscv64", "--install arm64"),
    (GITLAB, f"docker run --privileged --rm {BINFMT}", "docker run --privileged --rm docker.io/tonistiigi/binfmt:latest"),
    (GITHUB, f"image: {BINFMT}", "image: docker.io/tonistiigi/binfmt:latest"),
    (GITHUB, "          cache-image: false\n", ""),
    (GITHUB, "          platforms: amd64,arm64,arm,riscv64\n", ""),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), EMULATION_TAMPERS)
def test_verify_sees_every_emulation_tamper(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(EMULATION, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


def test_verify_sees_the_emulation_dropped_on_gitlab(tmp_path: Path) -> None:
    text = render_case(EMULATION).files[GITLAB]
    start = text.index("    - |\n      set -euo pipefail\n      # QEMU emulators")
    end = text.index("\n    - ", start + 1)
    assert verify_edited(EMULATION, tmp_path, (GITLAB, text[start:end], "    - 'true'"))


def test_an_architecture_binfmt_does_not_emulate_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    text = BASE + "image:\n  platforms: [linux/amd64, linux/sparc64]\n  emulation: true\n"
    [row] = diagnostics(tmp_path, text, capsys)
    assert (row["code"], row["line"], row["col"]) == ("conflict", 6, 28), row
    assert "image.emulation has no emulator for linux/sparc64" in str(row["message"])


CUSTOM_REGISTRY = CASES / "stage-image-custom-registry"
GITHUB_LOGIN = (
    "      - name: Log in to the registry\n"
    "        uses: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121  # v4.1.0\n"
    "        with:\n"
    "          registry: ${{ env.REGISTRY }}\n"
    "          username: ${{ env.REGISTRY_USER }}\n"
    "          password: ${{ env.REGISTRY_PASSWORD }}\n"
)
PUSH_TAMPERS = [
    (GITHUB, GITHUB_LOGIN, ""),
    (GITHUB, "registry: ${{ env.REGISTRY }}", "registry: docker.io"),
    (GITLAB, '      printf \'%s\' "$REGISTRY_PASSWORD" | docker login', '      # printf \'%s\' "$REGISTRY_PASSWORD" | docker login'),
    (GITLAB, 'docker login "$REGISTRY"', 'docker login "$REGISTRY_MIRROR"'),
    (GITHUB, "name=${{ env.IMAGE }}", "name=registry.example.com/team/other"),
    (GITLAB, "name=${IMAGE}", "name=registry.example.com/team/other"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), PUSH_TAMPERS)
def test_verify_sees_where_the_build_pushes_and_logs_in(path: str, old: str, new: str, tmp_path: Path) -> None:
    """The image-build contract records the names a pushing build pushes to and the registries it
    logs in to first (GitHub's login-action steps, GitLab's docker login lines)."""
    assert verify_edited(CUSTOM_REGISTRY, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


GITLAB_LOGIN = 'docker login "$REGISTRY" -u "$REGISTRY_USER" --password-stdin'


@pytest.mark.parametrize(
    "reordered",
    [
        'docker login -u "$REGISTRY_USER" --password-stdin "$REGISTRY"',
        'docker login --username "$REGISTRY_USER" --password-stdin "$REGISTRY"',
        'docker login --username="$REGISTRY_USER" --password-stdin "$REGISTRY"',
    ],
)
def test_verify_reads_a_gitlab_login_with_its_options_first(reordered: str, tmp_path: Path) -> None:
    """docker login [OPTIONS] [SERVER]: the same login written options first is no difference
    (it was once read as a login to Docker Hub), and the server still counts."""
    assert verify_edited(CUSTOM_REGISTRY, tmp_path, (GITLAB, GITLAB_LOGIN, reordered)) == []
    elsewhere = reordered.replace('"$REGISTRY"', '"$REGISTRY_MIRROR"')
    assert verify_edited(CUSTOM_REGISTRY, tmp_path / "elsewhere", (GITLAB, GITLAB_LOGIN, elsewhere))
