"""release.notes: generate (docs/release.md). One block writes release-notes.md from a full
clone on both platforms; GitHub publishes it with --notes-file, GitLab as the Releases API's
description, a JSON string built by its publish block. Both must carry the same text."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from ciforge import scripts_supply
from ciforge.cli import main
from ciforge.targets.gitlab import scripts as gitlab_scripts
from tests.helpers import CASES, render_case
from tests.test_release_stamping import BASE, git

ENV = {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1"}


def commit(work: Path, subject: str) -> str:
    """Commit ``subject``, a minute after the last commit (git log lists newest first)."""
    (work / "log").write_text((work / "log").read_text(encoding="utf-8") + subject + "\n", encoding="utf-8")
    count = len((work / "log").read_text(encoding="utf-8").splitlines())
    stamp = f"2026-03-03T20:{count:02d}:00Z"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", "add", "log"], cwd=work, check=True)
    subprocess.run(["git", "commit", "-q", "-m", subject], cwd=work, env=env, check=True)
    return git(work, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.com")
    git(tmp_path, "config", "user.name", "CI")
    (tmp_path / "log").write_text("", encoding="utf-8")
    return tmp_path


def notes(work: Path, tag: str) -> str:
    env = {**ENV, "RELEASE_TAG": tag}
    subprocess.run(["bash", "-c", scripts_supply.release_notes()], cwd=work, env=env, check=True, capture_output=True)
    return (work / "release-notes.md").read_text(encoding="utf-8")


def test_the_commits_since_the_previous_tag(repo: Path) -> None:
    first = commit(repo, "feat: the first release")
    git(repo, "tag", "v1.0.0")
    fix = commit(repo, 'fix: quotes " and \\ backslashes\tand a tab')
    git(repo, "checkout", "-q", "-b", "topic")
    topic = commit(repo, "feat: on a branch")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    git(repo, "tag", "api/v0.1.0")  # a module tag between the two: the nearest tag is the previous
    last = commit(repo, "docs: été ✓")
    git(repo, "tag", "v1.1.0")
    assert notes(repo, "v1.1.0") == f"## v1.1.0\n\nChanges since api/v0.1.0:\n\n- docs: été ✓ ({last[:12]})\n"
    # the merge is left out, its branch's commit is not; newest first
    assert notes(repo, "api/v0.1.0") == (
        f"## api/v0.1.0\n\nChanges since v1.0.0:\n\n- feat: on a branch ({topic[:12]})\n"
        f'- fix: quotes " and \\ backslashes\tand a tab ({fix[:12]})\n'
    )
    # the first tag: every commit up to it
    assert notes(repo, "v1.0.0") == f"## v1.0.0\n\nChanges:\n\n- feat: the first release ({first[:12]})\n"


def gitlab_description(work: Path) -> str:
    """The GitLab publish block's description, decoded as the Releases API would decode it."""
    line = next(x for x in gitlab_scripts.publish_release(notes=True).splitlines() if x.startswith("description="))
    script = f'{line}\nprintf \'{{"description":"%s"}}\' "$description"\n'
    proc = subprocess.run(["bash", "-c", script], cwd=work, env=ENV, check=True, capture_output=True, text=True)
    decoded: str = json.loads(proc.stdout)["description"]
    return decoded


SUBJECT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n\r\x00"), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(subjects=st.lists(SUBJECT.map(str.strip).filter(bool), min_size=1, max_size=4))
def test_gitlab_receives_the_notes_text(tmp_path_factory: pytest.TempPathFactory, subjects: list[str]) -> None:
    """Any commit subjects (quotes, backslashes, tabs, control characters, unicode): the JSON
    string GitLab's publish block sends decodes to exactly release-notes.md, GitHub's notes file."""
    work = tmp_path_factory.mktemp("notes")
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.email", "ci@example.com")
    git(work, "config", "user.name", "CI")
    (work / "log").write_text("", encoding="utf-8")
    for subject in subjects:
        commit(work, subject)
    git(work, "tag", "v1.0.0")
    text = notes(work, "v1.0.0")
    assert not any(ord(c) < 32 and c not in "\t\n" for c in text)  # dropped, on both platforms
    assert gitlab_description(work) == text


def test_each_platform_publishes_the_notes_file() -> None:
    files = render_case(CASES / "release-binaries").files
    github, gitlab = files[".github/workflows/ciforge.yml"], files[".gitlab-ci.yml"]
    assert "--notes-file release-notes.md release/*" in github
    assert "--generate-notes" not in github
    assert '\\"description\\":\\"${description}\\"' in gitlab
    for text in (github, gitlab):
        assert text.count("git describe --tags --abbrev=0") == 1  # one release-notes job
    assert "fetch-depth: 0" in github[github.index("\n  release-notes:") :]
    assert "GIT_DEPTH: '0'" in gitlab[gitlab.index("\nrelease-notes:") :]


def test_notes_false_publishes_none(tmp_path: Path) -> None:
    (tmp_path / "ciforge.yml").write_text(BASE + "release:\n  notes: false\n", encoding="utf-8")
    assert main(["render", "-m", str(tmp_path / "ciforge.yml")]) == 0
    github = (tmp_path / ".github/workflows/ciforge.yml").read_text(encoding="utf-8")
    gitlab = (tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert "release-notes" not in github + gitlab
    assert "--notes '' release/*" in github
    assert 'description=""' in gitlab


LIBRARY = BASE + 'triggers:\n  tags: ["v*"]\nbuild: false\nrelease:\n  on-tags: true\n'


def test_a_library_releases_its_notes_only(tmp_path: Path) -> None:
    """build: false without an SBOM: no release-assets job; the release has notes and no assets."""
    (tmp_path / "ciforge.yml").write_text(LIBRARY, encoding="utf-8")
    assert main(["render", "-m", str(tmp_path / "ciforge.yml")]) == 0
    github = (tmp_path / ".github/workflows/ciforge.yml").read_text(encoding="utf-8")
    gitlab = (tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert "release-assets" not in github + gitlab
    assert '--title "$RELEASE_TAG" --notes-file release-notes.md\n' in github
    assert "release/*" not in github + gitlab
    assert "--upload-file" not in gitlab
    assert main(["verify", "-m", str(tmp_path / "ciforge.yml")]) == 0


def test_a_library_release_set_is_the_sbom(tmp_path: Path) -> None:
    """build: false with an SBOM: the release set is the SBOM and SHA256SUMS (tests/cases/release-library)."""
    script = scripts_supply.release_assets(
        binaries="", released="", legs="", archives="", sbom=True, sign=False, key=False
    )
    (tmp_path / "sbom.spdx.json").write_text("{}\n", encoding="utf-8")
    env = {**ENV, "SBOM_FILE": "sbom.spdx.json"}
    subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, check=True, capture_output=True)
    assert sorted(p.name for p in (tmp_path / "release").iterdir()) == ["SHA256SUMS", "sbom.spdx.json"]
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "stray").write_text("x", encoding="utf-8")
    subprocess.run(["rm", "-r", "release"], cwd=tmp_path, check=True)
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "dist/stray is not the artifact of a known build leg" in proc.stderr


@pytest.mark.parametrize(
    ("settings", "line", "words"),
    [
        ("  archives:\n    files: [LICENSE]\n", 10, "release.archives packs the built binaries, but build is false"),
        ("  notes: false\n", 8, "a release without binaries (build: false) ships its notes and an SBOM"),
    ],
)
def test_library_releases_that_cannot_ship(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: str, line: int, words: str
) -> None:
    from tests.test_release_stamping import diagnostics

    rows = diagnostics(tmp_path, LIBRARY + settings, capsys)
    assert [(r["code"], r["line"]) for r in rows] == [("conflict", line)], rows
    assert words in str(rows[0]["message"])
