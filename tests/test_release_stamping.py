"""Release-grade builds (issue 16): the release placeholders of build.ldflags, computed by one
script on both platforms and checked against a Python reference; Go's VCS stamping kept identical
(buildvcs); the variant variables (GOARM, GOAMD64, ...) validated against each leg's goarch and
Go release; several binaries per leg, of which `release: true` ones are released."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from ciforge import scripts_build
from ciforge.cli import main
from ciforge.scripts import block
from tests.helpers import CASES, needs_go, render_case, run_with_go, verify_edited

CASE = CASES / "release-stamping"
COMMIT_TIME = "2026-03-04T05:06:07+09:00"  # the commit's own zone: {date} is in UTC
COMMIT_UTC = "2026-03-03T20:06:07Z"
BASE = 'version: 1\nname: svc\ngo:\n  version: "1.23.9"\n'


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": COMMIT_TIME, "GIT_COMMITTER_DATE": COMMIT_TIME}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A repository with one commit (committed at COMMIT_TIME) and its SHA."""
    work = tmp_path_factory.mktemp("stamp")
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.email", "ci@example.com")
    git(work, "config", "user.name", "CI")
    (work / "README").write_text("x\n", encoding="utf-8")
    git(work, "add", "README")
    git(work, "commit", "-q", "-m", "first")
    return work, git(work, "rev-parse", "HEAD")


def reference(ref: str, head: str, tag: str, commit: str) -> dict[str, str] | None:
    """What the placeholders must be (None: the script must refuse the tag), written from
    docs/release.md independently of the script."""
    if tag:
        if re.search(r"[^A-Za-z0-9._+/-]", tag):
            return None
        version = tag.rsplit("/", 1)[-1]
        version = version[1:] if version.startswith("v") else version
    else:
        # bytes: only ASCII letters are lower-cased; every other byte is a separator
        raw = (head or ref).encode("utf-8").lower()
        slug = re.sub(rb"[^a-z0-9]+", b"-", raw).decode("ascii").removeprefix("-")[:63].removesuffix("-")
        version = f"0.0.0-{slug or 'ref'}-{commit[:12]}"
    return {"version": version, "tag": tag, "commit": commit, "short_commit": commit[:12], "date": COMMIT_UTC}


TEMPLATE = " ".join(f"-X main.{name}={{{name}}}" for name in scripts_build.PLACEHOLDERS)


def run_placeholders(cwd: Path, ref: str, head: str, tag: str) -> subprocess.CompletedProcess[str]:
    script = scripts_build.go_build(binaries="x=.", ldflags=TEMPLATE, stamp=True, buildvcs=False)
    # the block up to the build loop, then the expanded flags
    lines = script.split("\n")
    stop = next(i for i, line in enumerate(lines) if line.startswith('ext=""'))
    text = "\n".join(lines[1:stop]) + "\nprintf '%s\\n' \"$ldflags\"\n"
    env = {"PATH": os.environ["PATH"], "RELEASE_REF": ref, "RELEASE_HEAD": head, "RELEASE_TAG": tag}
    return subprocess.run(["bash", "-c", block(text)], cwd=cwd, env=env, capture_output=True, text=True, check=False)


REF_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=90)
REF_NAME = st.one_of(
    REF_TEXT,
    st.lists(
        st.sampled_from(["feature", "Fix", "ÄÖü", "v1.2", "release", "日本", "--", "a.b", "_", "007"]), max_size=5
    ).map("/".join),
)
TAG = st.one_of(
    st.just(""),
    st.from_regex(r"\A(api/)?v?[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(-rc\.[0-9])?(\+build\.[0-9])?\Z"),
    REF_TEXT.filter(lambda t: "\n" not in t),
)


@needs_go
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ref=REF_NAME, head=st.one_of(st.just(""), REF_NAME), tag=TAG)
@example(ref="7/merge", head="feature/Login-Ü", tag="")
@example(ref="main", head="", tag="v1.2.3")
@example(ref="api/v0.4.0", head="", tag="api/v0.4.0")
@example(ref="x" * 80 + "-y", head="", tag="")
@example(ref="ö", head="", tag="")
@example(ref="v1.0.0", head="", tag="v1.0.0'-X")
def test_placeholders_match_the_reference(repo: tuple[Path, str], ref: str, head: str, tag: str) -> None:
    """The one script both platforms run gives the reference's values for any ref name (slashes,
    dots, unicode, long names) and tag, and refuses a tag it cannot stamp safely."""
    work, commit = repo
    proc = run_placeholders(work, ref, head, tag)
    expected = reference(ref, head, tag, commit)
    if expected is None:
        assert proc.returncode == 1, proc.stdout
        assert "has characters other than" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    flags = proc.stdout.splitlines()[-1]
    assert flags == " ".join(f"-X main.{k}={v}" for k, v in expected.items())


@pytest.mark.parametrize("ref", ["007", "main", "ö", "Feature/ABC_12", "-x-", ""])
def test_branch_versions_are_valid_semver(repo: tuple[Path, str], ref: str) -> None:
    """A version off tags is SemVer 2.0 for any ref: its pre-release is one identifier with a
    hyphen, so never a number with a leading zero (https://semver.org/#spec-item-9)."""
    proc = run_placeholders(repo[0], ref, "", "")
    version = proc.stdout.splitlines()[-1].split()[1].removeprefix("main.version=")
    assert re.fullmatch(r"0\.0\.0-[0-9A-Za-z-]*-[0-9A-Za-z-]*", version), version
    assert version.startswith("0.0.0-ref-" if ref in ("ö", "") else "0.0.0-"), version


MAIN_GO = """package main

import (
\t"fmt"
\t"runtime/debug"
)

var version, commit, date = "dev", "none", "unknown"

func main() {
\tfmt.Printf("version=%s commit=%s date=%s\\n", version, commit, date)
\tinfo, _ := debug.ReadBuildInfo()
\tfor _, s := range info.Settings {
\t\tif s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "vcs.modified" || s.Key == "GOARM" {
\t\t\tfmt.Printf("%s=%s\\n", s.Key, s.Value)
\t\t}
\t}
}
"""


@needs_go
def test_the_build_block_stamps_every_binary_with_a_clean_vcs_state(tmp_path: Path) -> None:
    """The build block, run for real: both binaries carry the placeholders; buildvcs keeps
    vcs.revision and vcs.time, and vcs.modified stays false although GitLab's caches (.go/,
    .cache/) and the first binary (dist/) are in the work tree when the second one is linked."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "go.mod").write_text("module example.com/stamp\n\ngo 1.23\n", encoding="utf-8")
    for name in ("one", "two"):
        (work / "cmd" / name).mkdir(parents=True)
        (work / "cmd" / name / "main.go").write_text(MAIN_GO, encoding="utf-8")
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.email", "ci@example.com")
    git(work, "config", "user.name", "CI")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "stamp")
    commit = git(work, "rev-parse", "HEAD")
    for cache in (".go/pkg/mod", ".cache/go-build"):
        (work / cache).mkdir(parents=True)
        (work / cache / "entry").write_text("cached\n", encoding="utf-8")
    template = "-s -w -X main.version={version} -X main.commit={commit} -X main.date={date}"
    script = scripts_build.go_build(binaries="one=./cmd/one two=./cmd/two", ldflags=template, stamp=True, buildvcs=True)
    # HOME (so GOPATH) outside the work tree, as on both platforms' runners
    env = {"HOME": str(tmp_path), "RELEASE_REF": "v2.0.1", "RELEASE_HEAD": "", "RELEASE_TAG": "v2.0.1",
           "BUILD_LEG": "linux-amd64-v1", "GOOS": "linux", "GOARCH": "amd64", "GOAMD64": "v1", "CGO_ENABLED": "0"}  # fmt: skip
    proc = run_with_go(script, work, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"release placeholders: version=2.0.1 tag=v2.0.1 commit={commit} date={COMMIT_UTC}" in proc.stdout
    for name in ("one", "two"):
        binary = work / "dist" / "build-linux-amd64-v1" / name
        ran = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout.splitlines()
        assert ran[0] == f"version=2.0.1 commit={commit} date={COMMIT_UTC}", ran
        assert set(ran[1:]) == {f"vcs.revision={commit}", f"vcs.time={COMMIT_UTC}", "vcs.modified=false"}, ran
        host = run_with_go(f"go version -m {binary}\n", work, {"HOME": str(tmp_path)})
        assert "GOAMD64=v1" in host.stdout, host.stdout


def diagnostics(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(text, encoding="utf-8")
    assert main(["render", "-m", str(manifest), "--out", str(tmp_path / "out"), "--format", "json"]) == 2
    assert not (tmp_path / "out").exists()
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)["diagnostics"]
    return rows


@pytest.mark.parametrize(
    "case",
    [
        ('build:\n  ldflags: "-X main.v={versoin}"\n', "placeholder", 6, 12, "unknown placeholder {versoin}"),
        ('build:\n  ldflags: "-X main.v={version"\n', "placeholder", 6, 12, "a brace that is not part"),
        (
            'build:\n  matrix:\n    include:\n      - {goos: linux, goarch: arm64, goarm: "7"}\n',
            "matrix-key",
            8,
            38,
            "goarm applies to goarch arm legs only",
        ),
        (
            "build:\n  matrix:\n    goarch: [amd64, arm64]\n    include:\n      - {goamd64: v3}\n",
            "matrix-key",
            9,
            10,
            "goamd64 applies to goarch amd64 legs only, and sets GOAMD64 on a goarch arm64 leg",
        ),
        (
            "build:\n  binary: svc\n  binaries:\n    - {main: ./cmd/a, binary: a}\n",
            "conflict",
            6,
            11,
            "build.binaries replaces build.main and build.binary",
        ),
        (
            "build:\n  binaries:\n    - {main: ./cmd/a, binary: a}\n    - {main: ./cmd/b, binary: a}\n",
            "conflict",
            8,
            31,
            "two binaries are named a",
        ),
    ],
)
def test_bad_release_settings_are_positioned_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, int, int, str]
) -> None:
    settings_text, code, line, col, words = case
    rows = diagnostics(tmp_path, BASE + settings_text, capsys)
    assert [(r["code"], r["line"], r["col"]) for r in rows] == [(code, line, col)], rows
    assert words in str(rows[0]["message"])


def test_a_variant_newer_than_the_go_release_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE.replace("1.23.9", "1.22.12") + (
        "build:\n  matrix:\n    goarch: [arm64]\n    include:\n      - {goarm64: v8.1}\n"
        '      - {goos: linux, goarch: arm, goarm: "7,softfloat"}\n'
    )
    rows = diagnostics(tmp_path, text, capsys)
    assert [(r["code"], r["line"]) for r in rows] == [("matrix-key", 9)], rows
    assert "GOARM64=v8.1 needs Go 1.23 or newer; this build uses Go 1.22.12" in str(rows[0]["message"])


def test_a_goarm64_pattern_error_names_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE + "build:\n  matrix:\n    goarch: [arm64]\n    include:\n      - {goarm64: v8.2+lse}\n"
    [row] = diagnostics(tmp_path, text, capsys)
    assert (row["code"], row["line"], row["col"]) == ("pattern", 9, 23)
    assert "an arm64 architecture version v8.0 to v8.9 or v9.0 to v9.5" in str(row["message"])


def test_variants_are_leg_variables_and_part_of_the_leg_key() -> None:
    ir_data = json.loads((CASE / "ir.json").read_text(encoding="utf-8"))
    build = next(j for j in ir_data["jobs"] if j["id"] == "build")
    legs = {leg["key"]: dict(leg["variables"]) for leg in build["legs"]}
    assert legs["linux-arm-v7"]["GOARM"] == "7"
    assert legs["linux-arm-v6"]["GOARM"] == "6"
    assert legs["linux-amd64-v3"]["GOAMD64"] == "v3"
    assert legs["linux-arm64-v8.2-lse"]["GOARM64"] == "v8.2,lse"
    assert legs["linux-386-softfloat"]["GO386"] == "softfloat"
    assert "GOARM" not in legs["darwin-arm64"]


def test_only_released_binaries_are_release_assets() -> None:
    result = render_case(CASE)
    gitlab = result.files[".gitlab-ci.yml"]
    assert "export BINARIES='glab gen-docs'" in gitlab
    assert "export RELEASED='glab'" in gitlab


# Edits of one rendered file that change what is stamped: verify must see each.
TAMPERS = [
    (".github/workflows/ciforge.yml", "RELEASE_TAG: ${{ github.ref_type == 'tag' && github.ref_name || '' }}",
     "RELEASE_TAG: ${{ github.ref_name }}"),
    (".github/workflows/ciforge.yml", "RELEASE_HEAD: ${{ github.head_ref }}", "RELEASE_HEAD: ${{ github.ref_name }}"),
    (".gitlab-ci.yml", "RELEASE_TAG: $CI_COMMIT_TAG", "RELEASE_TAG: $CI_COMMIT_REF_NAME"),
    (".gitlab-ci.yml", "    RELEASE_HEAD: $CI_MERGE_REQUEST_SOURCE_BRANCH_NAME\n", ""),
    (".gitlab-ci.yml", "GOARM: '7'", "GOARM: '6'"),
    (".github/workflows/ciforge.yml", "GOAMD64: v3", "GOAMD64: v2"),
    (".gitlab-ci.yml", "-buildvcs=true", "-buildvcs=false"),
    (".github/workflows/ciforge.yml", "-X main.date={date}", "-X main.date=2020"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), TAMPERS)
def test_verify_sees_every_stamping_tamper(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


def test_a_generated_dockerfile_builds_the_first_released_binary(tmp_path: Path) -> None:
    """With build.binaries, the generated Dockerfile compiles the first binary with release: true."""
    (tmp_path / "ciforge.yml").write_text(
        BASE + "build:\n  binaries:\n    - {main: ./cmd/gen, binary: gen, release: false}\n"
        "    - {main: ./cmd/api, binary: api}\nimage:\n  dockerfile: generate\n",
        encoding="utf-8",
    )
    assert main(["render", "-m", str(tmp_path / "ciforge.yml")]) == 0
    text = (tmp_path / "Dockerfile").read_text(encoding="utf-8")
    assert "-o /out/api ./cmd/api" in text
    assert 'ENTRYPOINT ["/usr/local/bin/api"]' in text


def test_placeholders_and_a_generated_dockerfile_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The image build has no git history to compute the placeholders: a positioned error, not
    an image whose binary says something else than the released ones."""
    text = BASE + 'build:\n  ldflags: "-X main.version={version}"\nimage:\n  dockerfile: generate\n'
    rows = diagnostics(tmp_path, text, capsys)
    assert [(r["code"], r["line"], r["col"]) for r in rows] == [("dockerfile", 6, 12)], rows
    assert "release placeholders" in str(rows[0]["message"])
