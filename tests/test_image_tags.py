"""image.tags (issue 16): the image_ref block, run in POSIX sh as GitLab's tool images run it,
gives the ref slug, sha-<12>, the SemVer tags of a release tag and latest on the default branch;
verify sees the platform values it reads."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ciforge import ir, scripts_supply
from tests.helpers import CASES, verify_edited

CASE = CASES / "image-tags"
SHA = "0123456789abcdef0123456789abcdef01234567"
ALL = ("ref", "sha", "semver", "latest")


def tags(tmp_path: Path, *, ref: str, tag: str = "", default: str = "main", kinds: tuple[str, ...] = ALL) -> list[str]:
    env = {"PATH": os.environ["PATH"], "IMAGE_REPOSITORY": "ghcr.io/Acme/App", "REF_NAME": ref, "COMMIT_SHA": SHA,
           "RELEASE_TAG": tag, "DEFAULT_BRANCH": default}  # fmt: skip
    subprocess.run(
        ["bash", "--posix", "-c", scripts_supply.image_ref(kinds)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(x for x in (tmp_path / "image.env").read_text().splitlines() if x.startswith("IMAGE_TAGS="))
    return [t.removeprefix("ghcr.io/acme/app:") for t in line.removeprefix("IMAGE_TAGS=").split(",")]


@pytest.mark.parametrize(
    ("ref", "tag", "expected"),
    [
        ("v1.2.3", "v1.2.3", ["v1.2.3", "sha-0123456789ab", "1.2.3", "1.2", "1"]),
        ("v2.0.0-rc.1", "v2.0.0-rc.1", ["v2.0.0-rc.1", "sha-0123456789ab", "2.0.0-rc.1"]),
        ("api/v0.4.0", "api/v0.4.0", ["api-v0.4.0", "sha-0123456789ab", "0.4.0", "0.4", "0"]),
        ("v1.2.3+build.7", "v1.2.3+build.7", ["v1.2.3-build.7", "sha-0123456789ab", "1.2.3", "1.2", "1"]),
        ("v1.2", "v1.2", ["v1.2", "sha-0123456789ab"]),
        ("v01.2.3", "v01.2.3", ["v01.2.3", "sha-0123456789ab"]),
        ("main", "", ["main", "sha-0123456789ab", "latest"]),
        ("feature/x", "", ["feature-x", "sha-0123456789ab"]),
    ],
)
def test_tags_per_ref(tmp_path: Path, ref: str, tag: str, expected: list[str]) -> None:
    assert tags(tmp_path, ref=ref, tag=tag) == expected


def test_a_tag_named_like_the_default_branch_is_not_latest(tmp_path: Path) -> None:
    assert "latest" not in tags(tmp_path, ref="main", tag="main")


def test_the_default_stays_ref_and_sha(tmp_path: Path) -> None:
    assert tags(tmp_path, ref="v1.2.3", tag="v1.2.3", kinds=("ref", "sha")) == ["v1.2.3", "sha-0123456789ab"]


TAMPERS = [
    (".github/workflows/ciforge.yml", "DEFAULT_BRANCH: ${{ github.event.repository.default_branch }}",
     "DEFAULT_BRANCH: ${{ github.ref_name }}"),
    (".gitlab-ci.yml", "DEFAULT_BRANCH: $CI_DEFAULT_BRANCH", "DEFAULT_BRANCH: $CI_COMMIT_REF_NAME"),
    (".gitlab-ci.yml", '*) add "${version%.*}"; add "${version%%.*}" ;;', '*) add latest ;;'),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), TAMPERS)
def test_verify_sees_changed_image_tags(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


@pytest.mark.parametrize(("image_tags", "created"), [("", False), ("ghcr.io/acme/app:1.2.3", True)])
def test_promote_creates_nothing_for_a_ref_without_tags(tmp_path: Path, image_tags: str, created: bool) -> None:
    """With image.tags [semver], a branch gets no tag: promote says so instead of calling
    imagetools create without one."""
    (tmp_path / "image.env").write_text(f"IMAGE=ghcr.io/acme/app\nIMAGE_TAGS={image_tags}\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # `docker login --password-stdin` reads the password: a stub that did not could exit before
    # printf wrote it, and the pipe would fail with SIGPIPE (exit 141 under pipefail)
    stub = '#!/bin/sh\nif [ "$1" = login ]; then cat > /dev/null; fi\necho "docker $*" >> "$CALLS"\n'
    (bin_dir / "docker").write_text(stub, encoding="utf-8")
    (bin_dir / "docker").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(tmp_path / "calls"), "IMAGE_DIGEST": "sha256:ab",
           "REGISTRY": "ghcr.io", "REGISTRY_USER": "u", "REGISTRY_PASSWORD": "p"}  # fmt: skip
    proc = subprocess.run(
        ["bash", "--posix", "-c", scripts_supply.promote(may_be_untagged=True)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    calls = (tmp_path / "calls").read_text() if (tmp_path / "calls").exists() else ""
    assert ("imagetools create --tag ghcr.io/acme/app:1.2.3" in calls) is created, calls
    assert ("stays untagged" in proc.stdout) is not created


def test_semver_only_promote_guards_the_untagged_case() -> None:
    from tests.test_yaml_safety import compile_text

    text = (
        (CASE / "ciforge.yml").read_text(encoding="utf-8").replace("tags: [ref, sha, semver, latest]", "tags: [semver]")
    )
    pipeline, diagnostics = compile_text(text, base_dir=CASE)
    assert pipeline is not None, diagnostics
    [promote] = [s for s in pipeline.job("promote").steps if isinstance(s, ir.Run) and s.id == "promote"]
    assert "stays untagged" in promote.script
