"""Issue 11 items 3, 4 and 8: caches never cross trust boundaries; secrets and tokens only where
and when they are used; nothing is tagged before it is signed and verified, and nothing from
publishing onwards is cancelled halfway."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Final

import pytest
from ruamel.yaml import YAML

from ciforge.compiler import compile_file
from ciforge.plan.model import EVENTS, Plan
from ciforge.targets.github import expressions as gh_expr, lifter as lift_github
from ciforge.targets.github.lifter import github_context
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.conftest import ROOT
from tests.helpers import GITHUB, GITLAB

CASES: Final = ROOT / "tests" / "cases"
_yaml = YAML(typ="safe", pure=True)
SIGNED: Final = ["go-service", "preset-go-service", "stage-sign-key", "stage-sign-self-managed"]
IMAGES: Final = [*SIGNED, "stage-image-custom-registry", "stage-scan", "stage-sbom-cyclonedx"]
PUBLISHING: Final = ("image-publish", "sbom", "scan", "sign", "verify", "promote", "release-assets", "release")


def load(case: str, rel: str) -> Any:
    return _yaml.load((CASES / case / rel).read_text(encoding="utf-8"))


def plans(case: str, event: str) -> dict[str, Plan]:
    return {
        "github": lift_github.lift((CASES / case / GITHUB).read_text(encoding="utf-8"), EVENTS[event]),
        "gitlab": lift_gitlab.lift((CASES / case / GITLAB).read_text(encoding="utf-8"), EVENTS[event]),
    }


def upstream(plan: Plan, key: str) -> set[str]:
    """Every job a job transitively needs (logical ids)."""
    seen: set[str] = set()
    todo = list(plan.jobs[key].needs)
    while todo:
        need = todo.pop()
        if need not in seen:
            seen.add(need)
            todo += plan.jobs[need].needs
    return {plan.jobs[k].logical_id for k in seen}


# -- item 8: tags only after verification ----------------------------------------------------------


def tag_bearing(commands: tuple[str, ...]) -> bool:
    return any("imagetools create" in c or ("builtin image-build" in c and "tags=true" in c) for c in commands)


@pytest.mark.parametrize("event", ["push:main", "tag"])
@pytest.mark.parametrize("case", SIGNED)
def test_no_tag_bearing_push_before_verify(case: str, event: str) -> None:
    """On both platforms: image-publish pushes by digest with no tag; the only tag-bearing push
    is promote's, and promote (transitively) needs verify."""
    for platform, plan in plans(case, event).items():
        publish = plan.jobs["image-publish"].commands
        assert any("push=true" in c and "tags=false" in c for c in publish), (platform, publish)
        taggers = [key for key, job in plan.jobs.items() if tag_bearing(job.commands)]
        assert taggers == ["promote"], (platform, taggers)
        # preset-go-service turns the verify gate off (sign.verify: false): promote needs sign
        last = "sign" if case == "preset-go-service" else "verify"
        assert last in plan.jobs["promote"].needs, platform
        assert {"image-publish", "sign", last} <= upstream(plan, "promote")


def test_promote_tags_the_verified_digest(tmp_path: Path) -> None:
    """GitHub's promote blocks, run with a docker stand-in that records its arguments: the tags
    from the ref and the commit are added to IMAGE@IMAGE_DIGEST, nothing is built."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "docker.log"
    (bin_dir / "docker").write_text(f'#!/bin/sh\necho "$*" >> {log}\ncat > /dev/null\n', encoding="utf-8")
    (bin_dir / "docker").chmod(0o755)
    digest = "sha256:" + "b" * 64
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "IMAGE_REPOSITORY": "ghcr.io/Acme/App",
        "REF_NAME": "main",
        "COMMIT_SHA": "0123456789abcdef0123",
        "IMAGE": "ghcr.io/acme/app",
        "IMAGE_DIGEST": digest,
        "REGISTRY": "ghcr.io",
        "REGISTRY_USER": "u",
        "REGISTRY_PASSWORD": "p",
    }
    for step in load("go-service", GITHUB)["jobs"]["promote"]["steps"]:
        if "run" in step:
            result = subprocess.run(
                ["bash", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
            )
            assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls[1] == (
        f"buildx imagetools create --tag ghcr.io/acme/app:main --tag ghcr.io/acme/app:sha-0123456789ab "
        f"ghcr.io/acme/app@{digest}"
    )
    assert not any(call.startswith(("build ", "buildx build", "push")) for call in calls)


def test_github_cancels_in_progress_only_for_pull_requests() -> None:
    expression = str(load("go-service", GITHUB)["concurrency"]["cancel-in-progress"])
    inner = expression.removeprefix("${{").removesuffix("}}")
    for name, event in EVENTS.items():
        cancels = gh_expr.truthy(gh_expr.evaluate(inner, {"github": github_context(event)}))
        assert cancels == (name == "pr"), name


@pytest.mark.parametrize("case", IMAGES)
def test_gitlab_jobs_from_publish_onwards_are_not_interruptible(case: str) -> None:
    doc = load(case, GITLAB)
    for name in PUBLISHING:
        if name in doc:
            assert doc[name]["interruptible"] is False, name
    assert doc["workflow"]["auto_cancel"] == {"on_new_commit": "interruptible"}


# -- item 4: secrets and tokens only where and when they are used -----------------------------------


@pytest.mark.parametrize("case", IMAGES)
def test_publishing_jobs_run_in_the_environment(case: str) -> None:
    github = load(case, GITHUB)["jobs"]
    gitlab = load(case, GITLAB)
    for name in PUBLISHING:
        if name in github:
            assert github[name]["environment"] == "release", name
            assert gitlab[name]["environment"]["name"] == "release", name
    for name in ("lint", "test", "build", "image-build"):
        if name in github:
            assert "environment" not in github[name], name
            assert "environment" not in gitlab[name], name


def test_environment_name_is_configurable(tmp_path: Path) -> None:
    manifest = tmp_path / "ciforge.yml"
    text = (CASES / "go-service" / "ciforge.yml").read_text(encoding="utf-8")
    manifest.write_text(text + "environment: production\n", encoding="utf-8")
    shutil.copy(CASES / "go-service" / "Dockerfile", tmp_path / "Dockerfile")  # render checks it exists
    result = compile_file(manifest, out_dir=tmp_path, targets=("github", "gitlab"))
    assert result.ok, result.diagnostics
    github = _yaml.load(result.files[GITHUB])["jobs"]
    gitlab = _yaml.load(result.files[GITLAB])
    assert {github[n]["environment"] for n in PUBLISHING if n in github} == {"production"}
    assert {gitlab[n]["environment"]["name"] for n in PUBLISHING if n in gitlab} == {"production"}


@pytest.mark.parametrize("case", IMAGES)
def test_github_secrets_only_in_environment_jobs(case: str) -> None:
    """zizmor's auditor rule secrets-outside-env, checked directly: a job that reads a secret
    other than the job's own GITHUB_TOKEN runs in the deployment environment."""
    for name, job in load(case, GITHUB)["jobs"].items():
        text = str(job.get("env", "")) + str([s.get("with", "") for s in job["steps"]])
        uses_secret = "secrets." in text.replace("secrets.GITHUB_TOKEN", "")
        if uses_secret:
            assert job.get("environment"), name


@pytest.mark.parametrize("case", ["go-service", "stage-image-custom-registry"])
def test_a_build_that_does_not_push_never_logs_in(case: str) -> None:
    github = load(case, GITHUB)["jobs"]["image-build"]
    assert not any("login" in str(step.get("uses", "")) for step in github["steps"])
    assert not {"REGISTRY_USER", "REGISTRY_PASSWORD"} & set(github.get("env") or {})
    gitlab = load(case, GITLAB)["image-build"]
    assert "docker login" not in "\n".join(gitlab["script"])
    assert not {"REGISTRY_USER", "REGISTRY_PASSWORD"} & set(gitlab.get("variables") or {})


def test_packages_scopes_only_for_ghcr() -> None:
    custom = load("stage-image-custom-registry", GITHUB)["jobs"]
    assert not any("packages" in (job.get("permissions") or {}) for job in custom.values())
    ghcr = load("go-service", GITHUB)["jobs"]
    assert ghcr["image-publish"]["permissions"]["packages"] == "write"
    assert ghcr["promote"]["permissions"]["packages"] == "write"


# -- item 3: caches never cross trust boundaries ---------------------------------------------------


@pytest.mark.parametrize("case", ["go-service", "stage-release-only"])
def test_release_builds_restore_no_cache_written_by_another_ref(case: str) -> None:
    """Per event, in the plans lifted from both files: a tag build restores no Go cache (GitHub:
    off on tag refs; GitLab: the key is per ref and per protection); branch builds restore the
    ref-scoped cache."""
    for platform, plan in plans(case, "tag").items():
        for key, job in plan.jobs.items():
            assert "go" not in job.caches, (platform, key)
            assert not any(c.endswith(":shared") for c in job.caches), (platform, key)
    for platform, plan in plans(case, "push:main").items():
        builds = [job for job in plan.jobs.values() if job.logical_id == "build"]
        assert builds
        assert all(job.caches == ("go",) for job in builds), platform


def test_gitlab_cache_keys_separate_refs_and_protection() -> None:
    doc = load("go-service", GITLAB)
    for name in ("lint", "test", "build"):
        prefix = doc[name]["cache"]["key"]["prefix"]
        assert "$CI_COMMIT_REF_PROTECTED" in prefix
        assert "$CI_COMMIT_REF_SLUG" in prefix
    build = next(b for b in doc["image-publish"]["script"] if "docker buildx build" in b)
    assert 'cache="type=registry,ref=${IMAGE}:buildcache-${CI_COMMIT_REF_PROTECTED:-false}"' in build
    assert '--cache-from "$cache" --cache-to "${cache},mode=max"' in build


def test_image_publish_on_tags_reads_only_the_protected_image_cache() -> None:
    for platform, plan in plans("go-service", "tag").items():
        assert plan.jobs["image-publish"].caches == ("image",), platform


def test_readme_states_the_cache_rule() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CI_COMMIT_REF_PROTECTED" in readme
    assert "read no cache written by an unprotected ref" in readme
