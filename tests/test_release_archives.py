"""release.archives (issue 16): each leg's archive is byte-reproducible (sorted entries, the
commit's time, uid/gid 0, fixed modes, gzip without a name or time), holds the released binaries,
the repository's tracked files and the build's own, and the release ships exactly the archives."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from ciforge import ir, lower_archives, scripts_build
from ciforge.model import Archives
from tests.helpers import CASES, needs_go, run_with_go, validate_json, verify_edited
from tests.test_security_outputs import POSIX_SH, release_block, run, seed_dist

CASE = CASES / "release-stamping"
COMMIT_TIME = "2026-03-04T05:06:07+09:00"
COMMIT_UNIX = 1772568367
BASE = 'version: 1\nname: svc\ngo:\n  version: "1.23.9"\n'
MAIN_GO = 'package main\n\nvar version = "dev"\n\nfunc main() { println(version) }\n'
ARCHIVE = scripts_build.Archive(released="app", files="LICENSE docs", built="share/man", wrap=True)


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": COMMIT_TIME, "GIT_COMMITTER_DATE": COMMIT_TIME}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def project(root: Path) -> Path:
    """A module with two commands, a LICENSE, docs/ (one tracked file, one untracked), committed."""
    work = root / "work"
    for name in ("app", "tool"):
        (work / "cmd" / name).mkdir(parents=True)
        (work / "cmd" / name / "main.go").write_text(MAIN_GO, encoding="utf-8")
    (work / "go.mod").write_text("module example.com/app\n\ngo 1.23\n", encoding="utf-8")
    (work / "LICENSE").write_text("MIT\n", encoding="utf-8")
    (work / "docs").mkdir()
    (work / "docs" / "guide.md").write_text("# guide\n", encoding="utf-8")
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.email", "ci@example.com")
    git(work, "config", "user.name", "CI")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "app")
    (work / "docs" / "draft.md").write_text("not committed\n", encoding="utf-8")
    return work


def build_leg(work: Path, home: Path, leg: str, goos: str, archive: str) -> subprocess.CompletedProcess[str]:
    """The build block of one leg with release.archives, as both platforms run it; setup.run made
    share/man/ first."""
    (work / "share" / "man").mkdir(parents=True, exist_ok=True)
    (work / "share" / "man" / "app.1").write_text(".TH APP 1\n", encoding="utf-8")
    script = scripts_build.go_build(
        binaries="app=./cmd/app tool=./cmd/tool",
        ldflags="-s -w -X main.version={version}",
        stamp=True,
        buildvcs=False,
        archive=ARCHIVE,
    )
    env = {"HOME": str(home), "RELEASE_REF": "v1.2.0", "RELEASE_HEAD": "", "RELEASE_TAG": "v1.2.0",
           "BUILD_LEG": leg, "GOOS": goos, "GOARCH": "amd64", "CGO_ENABLED": "0", "ARCHIVE": archive}  # fmt: skip
    return run_with_go(script, work, env)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The linux and windows legs' archives, each built in two separate copies of the project."""
    root = tmp_path_factory.mktemp("archives")
    original = project(root)
    out = {}
    for copy in ("one", "two"):
        work = root / copy
        shutil.copytree(original, work, symlinks=True)
        for leg, goos, name in (
            ("linux-amd64", "linux", "app_{version}_linux_amd64.tar.gz"),
            ("windows-amd64", "windows", "app_{version}_windows_amd64.zip"),
        ):
            proc = build_leg(work, root, leg, goos, name)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            final = name.replace("{version}", "1.2.0")
            assert f"archive: dist/build-{leg}/{final} (4 files)" in proc.stdout, proc.stdout
            out[f"{copy}/{goos}"] = work / "dist" / f"build-{leg}" / final
    return out


@needs_go
def test_archives_are_byte_reproducible(archives: dict[str, Path]) -> None:
    for goos in ("linux", "windows"):
        assert archives[f"one/{goos}"].read_bytes() == archives[f"two/{goos}"].read_bytes(), goos


@needs_go
def test_tar_gz_entries_are_sorted_with_fixed_metadata(archives: dict[str, Path]) -> None:
    data = archives["one/linux"].read_bytes()
    # gzip header: no FNAME flag, MTIME 0 (https://www.rfc-editor.org/rfc/rfc1952#section-2.3.1)
    assert data[3] & 0x08 == 0
    assert data[4:8] == b"\0\0\0\0"
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    top = "app_1.2.0_linux_amd64"
    assert names == sorted(names)
    assert names == [
        top, f"{top}/LICENSE", f"{top}/app", f"{top}/docs", f"{top}/docs/guide.md",
        f"{top}/share", f"{top}/share/man", f"{top}/share/man/app.1",
    ]  # fmt: skip
    for member in members:
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
        assert member.mtime == COMMIT_UNIX, member.name
        expected = 0o755 if member.isdir() or member.name.endswith("/app") else 0o644
        assert member.mode == expected, (member.name, oct(member.mode))


@needs_go
def test_windows_legs_make_a_zip_with_the_exe(archives: dict[str, Path]) -> None:
    with zipfile.ZipFile(archives["one/windows"]) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert "app_1.2.0_windows_amd64/app.exe" in names
    assert not any("tool" in n or "draft.md" in n for n in names), names
    for info in infos:
        assert info.date_time == (2026, 3, 3, 20, 6, 6), info.filename  # DOS time: even seconds


@needs_go
def test_a_missing_repository_file_fails_the_leg(tmp_path: Path) -> None:
    work = project(tmp_path)
    (work / "LICENSE").unlink()
    git(work, "commit", "-qam", "no licence")
    proc = build_leg(work, tmp_path, "linux-amd64", "linux", "app_{version}.tar.gz")
    assert proc.returncode != 0
    assert "archive: LICENSE: no file of the repository (release.archives.files)" in proc.stderr


@needs_go
def test_a_symlink_made_by_the_build_fails_the_leg(tmp_path: Path) -> None:
    work = project(tmp_path)
    (work / "share" / "man").mkdir(parents=True)
    (work / "share" / "man" / "passwd").symlink_to("/etc/passwd")
    proc = build_leg(work, tmp_path, "linux-amd64", "linux", "app_{version}.tar.gz")
    assert proc.returncode != 0
    assert "share/man/passwd is a symbolic link" in proc.stderr


def _legs(*specs: tuple[str, dict[str, str]]) -> list[ir.Leg]:
    return [ir.Leg(key=key, variables=tuple(values.items())) for key, values in specs]


def test_archive_names_spell_variants_and_replacements() -> None:
    legs = _legs(
        ("linux-arm-v7", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "7"}),
        ("linux-arm-v6", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "6"}),
        ("linux-amd64-v3", {"GOOS": "linux", "GOARCH": "amd64", "GOAMD64": "v3"}),
        ("darwin-amd64", {"GOOS": "darwin", "GOARCH": "amd64"}),
        ("windows-386", {"GOOS": "windows", "GOARCH": "386"}),
    )
    archives = Archives(replacements={"darwin": "macOS", "amd64": "x86_64", "386": "32-bit", "arm/7": "armv7hf"})
    problems: list[str] = []
    names = lower_archives.archive_names(archives, legs, "glab", lambda *a: problems.append(a[1]), lambda *a: None)
    assert problems == []
    assert names == {
        "linux-arm-v7": "glab_{version}_linux_armv7hf.tar.gz",
        "linux-arm-v6": "glab_{version}_linux_armv6.tar.gz",
        "linux-amd64-v3": "glab_{version}_linux_x86_64v3.tar.gz",
        "darwin-amd64": "glab_{version}_macOS_x86_64.tar.gz",
        "windows-386": "glab_{version}_windows_32-bit.zip",
    }


@pytest.mark.parametrize(
    "case",
    [
        ('    name: "{name}_{os}_{arch}_{arhc}"\n', "placeholder", "error", 10, 11, "unknown placeholder {arhc}"),
        ("    files: [docs/../../etc]\n", "archive", "error", 10, 13, "leaves the repository"),
        ("    replacements: {darwn: macOS}\n", "archive", "warning", 10, 27, "replacements.darwn names no GOOS"),
        ('    name: "{name}_{os}"\n', "archive", "error", 10, 11, "the legs linux-amd64 and linux-arm64 both make"),
    ],
)
def test_bad_archive_settings_are_positioned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, str, int, int, str]
) -> None:
    setting, code, severity, line, col, words = case
    text = BASE + "build:\n  matrix:\n    goarch: [amd64, arm64]\nrelease:\n  archives:\n" + setting
    rows = [r for r in validate_json(tmp_path, text, capsys) if r["code"] != "go-ports"]
    assert [(r["code"], r["severity"], r["line"], r["col"]) for r in rows] == [(code, severity, line, col)], rows
    assert words in str(rows[0]["message"])


def test_format_binary_makes_no_archive() -> None:
    assert not lower_archives.packed(Archives(format="binary"))
    assert lower_archives.packed(Archives())


# -- the release set with archives ------------------------------------------------------------------


def _release(tmp_path: Path, tag: str) -> tuple[str, dict[str, str], Path]:
    block, env = release_block("release-stamping")
    legs = env["RELEASE_LEGS"].split()
    seed_dist(tmp_path, legs, env["BINARIES"])
    names = dict(entry.split("=", 1) for entry in env["ARCHIVES"].split())
    version = tag.rsplit("/", 1)[-1].removeprefix("v")
    for leg in legs:
        (tmp_path / "dist" / f"build-{leg}" / names[leg].replace("{version}", version)).write_text(leg)
    return block, {**env, "RELEASE_TAG": tag}, tmp_path


def test_the_release_ships_exactly_the_archives(tmp_path: Path) -> None:
    block, env, root = _release(tmp_path, "v2.3.4")
    result = run(block, root, env, shell=POSIX_SH)
    assert result.returncode == 0, result.stderr
    shipped = sorted(line.split()[1] for line in (root / "release/SHA256SUMS").read_text().splitlines())
    names = dict(entry.split("=", 1) for entry in env["ARCHIVES"].split())
    assert shipped == sorted(name.replace("{version}", "2.3.4") for name in names.values())
    assert "glab_2.3.4_linux_armv7.tar.gz" in shipped
    assert "glab_2.3.4_windows_x86_64.zip" in shipped


@pytest.mark.parametrize(
    ("attack", "message"),
    [
        ("an archive of another version", "the archive glab_2.3.4_linux_armv7.tar.gz is missing"),
        (
            "a second archive",
            "must hold exactly the binaries glab gen-docs (each with .exe on windows) and its archive",
        ),
    ],
)
def test_an_archive_set_other_than_the_legs_fails(tmp_path: Path, attack: str, message: str) -> None:
    block, env, root = _release(tmp_path, "v2.3.4")
    leg_dir = root / "dist" / "build-linux-arm-v7"
    if attack == "an archive of another version":
        (leg_dir / "glab_2.3.4_linux_armv7.tar.gz").rename(leg_dir / "glab_9.9.9_linux_armv7.tar.gz")
    else:
        (leg_dir / "extra.tar.gz").write_text("x")
    result = run(block, root, env, shell=POSIX_SH)
    assert result.returncode != 0, result.stdout
    assert message in result.stderr
    assert not (root / "release/SHA256SUMS").exists()


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        (".gitlab-ci.yml", "ARCHIVE: glab_{version}_linux_armv7.tar.gz", "ARCHIVE: glab_{version}_linux_arm.tar.gz"),
        (".github/workflows/ciforge.yml", "export ARCHIVE_WRAP='true'", "export ARCHIVE_WRAP='false'"),
        (".gitlab-ci.yml", "export ARCHIVE_FILES='LICENSE README.md'", "export ARCHIVE_FILES='LICENSE README.md .env'"),
    ],
)
def test_verify_sees_a_changed_archive(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"
