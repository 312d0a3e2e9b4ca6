"""``ciforge verify`` reports each divergence of issue 10 on hand-written files that contain it.

Each test renders a manifest, hand-edits one output the way the old emitter (or a user) wrote it,
and runs ``ciforge verify`` through the CLI: exit status 1 and the divergent event named."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciforge import yamlout
from ciforge.cli import main
from tests.helpers import GITHUB, GITLAB
from tests.test_needs_limit import manifest


def render(tmp_path: Path, manifest: str) -> Path:
    (tmp_path / "ciforge.yml").write_text(manifest, encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")  # image stages check it exists
    assert main(["render", "-m", str(tmp_path / "ciforge.yml")]) == 0
    assert main(["verify", "-m", str(tmp_path / "ciforge.yml")]) == 0
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def verify(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["verify", "-m", str(root / "ciforge.yml")]) == 1
    captured = capsys.readouterr()
    return captured.out + captured.err


MINIMAL = """\
version: 1
name: svc
go:
  version: "1.23"
"""

ANYDIRS = (
    MINIMAL
    + """\
triggers:
  branches: ["**/main", "release/**/hotfix"]
  tags: ["**/v*"]
"""
)


def test_verify_reports_anydirs_regex_that_needs_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 1: the old GitLab translation of ``**/`` (at least one directory) misses ``main``,
    ``release/hotfix`` and the tag ``v1.2.3``; verify names each of those pushes."""
    root = render(tmp_path, ANYDIRS)
    edit(root / GITLAB, "(?:(?:.+\\/)?main|release\\/(?:.+\\/)?hotfix)", "(?:.*\\/main|release\\/.*\\/hotfix)")
    edit(root / GITLAB, "(?:(?:.+\\/)?v[^\\/]*)", "(?:.*\\/v[^\\/]*)")
    out = verify(root, capsys)
    assert "push:main: job test runs in manifest but not in gitlab" in out
    assert "push:release/hotfix: job test runs in manifest but not in gitlab" in out
    assert "tag: job test runs in manifest but not in gitlab" in out


def test_verify_reports_the_reverse_anydirs_hole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 1, reverse: ``b-**/a`` as ``b-.*/a`` also runs GitLab for ``b-/a``, where GitHub does not."""
    root = render(tmp_path, MINIMAL + 'triggers:\n  branches: ["b-**/a"]\n')
    edit(root / GITLAB, "b-(?:.+\\/)?a", "b-.*\\/a")
    out = verify(root, capsys)
    assert "push:b-/a: job test runs in gitlab but not in manifest" in out
    assert "push:b-a: job test runs in manifest but not in gitlab" in out


def test_verify_reports_a_narrowed_github_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 1 on the GitHub side: ``*/main`` instead of ``**/main`` no longer runs for ``main``."""
    root = render(tmp_path, ANYDIRS)
    edit(root / GITHUB, "'**/main'", "'*/main'")
    assert "push:main: job test runs in manifest but not in github" in verify(root, capsys)


def test_verify_reports_missing_skip_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 6: a GitLab pipeline without the skip rules (GitLab alone honours only [skip ci] and
    [ci skip]) still runs for ``[no ci]``, ``[skip actions]``, ``[actions skip]`` and the
    ``skip-checks: true`` trailer, on pushes, tags and merge requests."""
    root = render(tmp_path, MINIMAL)
    text = (root / GITLAB).read_text(encoding="utf-8")
    start = text.index("    - if: ($CI_PIPELINE_SOURCE")
    end = text.index("    - if: $CI_PIPELINE_SOURCE", start)
    (root / GITLAB).write_text(text[:start] + text[end:], encoding="utf-8")
    out = verify(root, capsys)
    for event in ("push:main", "tag", "pr"):
        assert f"{event} 'wip [no ci]': job test runs in gitlab but not in manifest" in out
        assert f"{event} 'chore: bump [skip actions]': job test runs in gitlab but not in manifest" in out
        assert f"{event} 'release\\n\\nskip-checks:true': job test runs in gitlab but not in manifest" in out
    assert "manual 'wip [no ci]'" not in out  # manual runs are never skipped, on either platform


def test_verify_reports_a_value_gitlab_would_expand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 2: a literal ``$`` reaches GitLab with ``expand: false``; a hand-written file without
    it lets GitLab expand ``$USER`` where GitHub keeps the text, and verify says so."""
    root = render(tmp_path, MINIMAL + "  proxy: https://$USER@proxy.example.com\n")
    edit(
        root / GITLAB,
        "GOPROXY:\n    value: https://$USER@proxy.example.com\n    expand: false\n",
        "GOPROXY: https://$USER@proxy.example.com\n",
    )
    assert "GOPROXY" in verify(root, capsys)


def test_verify_reports_an_expression_github_would_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 2: a ``${{ }}`` written into the workflow's env is evaluated by GitHub, so it never
    equals the manifest's literal, even where the text around it matches."""
    root = render(tmp_path, MINIMAL + "  proxy: https://proxy.example.com\n")
    edit(root / GITHUB, "GOPROXY: https://proxy.example.com", "GOPROXY: https://${{ github.actor }}proxy.example.com")
    assert "GOPROXY" in verify(root, capsys)


def test_verify_reports_a_pipeline_gitlab_would_refuse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 3: release-assets needing the 51 build legs directly (as ciforge wrote before the fan-in)
    is a tag pipeline GitLab refuses; verify says so."""
    root = render(tmp_path, yamlout.dump(manifest(51)))
    edit(
        root / GITLAB,
        "    - job: collect-build-1\n      artifacts: true\n    - job: collect-build-2\n      artifacts: true\n",
        "    - job: build-1\n      artifacts: true\n    - job: build-2\n      artifacts: true\n",
    )
    out = verify(root, capsys)
    # 51 legs, the sbom, lint and test
    assert "tag: GitLab refuses the pipeline: job release-assets needs 54 jobs, more than 50" in out


def test_verify_reports_a_gate_setting_a_pipeline_variable_can_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 5: the coverage threshold as a GitLab job variable (as ciforge wrote it before) can be
    overridden by a pipeline variable; verify reports the gate as differing on every event."""
    root = render(tmp_path, MINIMAL)
    edit(root / GITLAB, "      export COVERAGE_THRESHOLD='80'\n", "")
    text = (root / GITLAB).read_text(encoding="utf-8")
    start = text.index("\ntest:\n")
    at = text.index("    GO_PACKAGES: ./...\n", start)
    (root / GITLAB).write_text(text[:at] + "    COVERAGE_THRESHOLD: '80'\n" + text[at:], encoding="utf-8")
    out = verify(root, capsys)
    assert "push:main: job test: gates differs" in out
    assert "min=@pipeline-variable(80)" in out
    assert "COVERAGE_THRESHOLD" in out


def test_verify_reports_an_identity_from_predefined_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 5: the keyless identity built from $CI_PROJECT_PATH and $CI_COMMIT_TAG in rule
    variables (as ciforge wrote it before), which a pipeline variable overrides, instead of the
    block that reads the ID token's claims: verify reports the verify job's identity."""
    root = render(tmp_path, MINIMAL + "image: {push: [branches]}\nsign: {keyless: true, verify: true}\n")
    text = (root / GITLAB).read_text(encoding="utf-8")
    start = text.index("\nverify:\n")
    block_start = text.index("    - |\n", text.index("  script:\n", start))
    block_end = text.index("    - |\n", block_start + 1)
    assert "the signing identity, from the job's ID token" in text[block_start:block_end]
    text = text[:block_start] + text[block_end:]
    rule = '    - if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH\n'
    at = text.index(rule, start) + len(rule)
    identity = "https://gitlab.com/$CI_PROJECT_PATH//.gitlab-ci.yml@refs/heads/$CI_COMMIT_BRANCH"
    text = text[:at] + f"      variables:\n        CERT_IDENTITY: {identity}\n" + text[at:]
    (root / GITLAB).write_text(text, encoding="utf-8")
    out = verify(root, capsys)
    assert "push:main: job verify: env differs" in out
    assert "@pipeline-variable(https://gitlab.com/" in out
