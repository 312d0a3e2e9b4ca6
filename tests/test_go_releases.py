"""The Go release table, the channels and what each version file means."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import pytest

from ciforge import goreleases, goversion
from ciforge.compiler import compile_pipeline
from tests.conftest import ROOT

TABLE = json.loads((ROOT / "ciforge" / "data" / "go-releases.json").read_text(encoding="utf-8"))
MIRRORS = Path(os.environ.get("CIFORGE_MIRRORS", "/work/.mirror"))


def refresh_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_go_releases", ROOT / "scripts" / "refresh_go_releases.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_is_what_its_sources_say() -> None:
    """Regenerating the table from git mirrors of golang/dl and golang/build (at the commits the
    table names) gives the packaged table byte for byte."""
    dl, build = MIRRORS / "golang+dl" / "repo", MIRRORS / "golang+build" / "repo"
    if not (dl.is_dir() and build.is_dir()):
        pytest.skip(f"no mirrors of golang/dl and golang/build under {MIRRORS} (fetch github:golang/dl, golang/build)")
    script = refresh_script()
    for repo, name in ((dl, "github.com/golang/dl"), (build, "github.com/golang/build")):
        assert script.head(repo)["commit"] == TABLE["sources"][name]["commit"], (
            f"{name}: mirror moved; re-run the script"
        )
    assert script.table(dl, build) == TABLE


def test_table_shape() -> None:
    """Newest first, every minor from 1.11 on, patches dated in order, ports split cleanly."""
    versions = [r["version"] for r in TABLE["releases"]]
    assert versions == sorted(versions, key=goreleases.key, reverse=True)
    newest_minor = int(versions[0].split(".")[1])
    assert {int(v.split(".")[1]) for v in versions} == set(range(11, newest_minor + 1))
    by_minor: dict[str, list[dict[str, str]]] = {}
    for release in TABLE["releases"]:
        by_minor.setdefault(goreleases.minor_of(release["version"]), []).append(release)
        assert release["date"] <= TABLE["date"]
    for minor, rows in by_minor.items():
        dates = [r["date"] for r in rows]
        assert dates == sorted(dates, reverse=True), minor
    for minor, entry in TABLE["ports"].items():
        assert "linux/amd64" in entry["first-class"], minor
        assert not set(entry["first-class"]) & set(entry["secondary"]), minor


def test_channels_follow_the_release_policy() -> None:
    """stable: the newest minor's latest patch; oldstable: the previous minor's latest patch."""
    newest = TABLE["releases"][0]["version"]
    minor = int(newest.split(".")[1])
    previous = [r["version"] for r in TABLE["releases"] if r["version"].startswith(f"1.{minor - 1}.")]
    assert goreleases.resolve("stable") == newest
    assert goreleases.resolve("oldstable") == max(previous, key=goreleases.key)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [("1.25", "1.25.11"), ("1.25.3", "1.25.3"), ("1.15", "1.15.15"), ("1.20.0", "1.20"), ("1.21.0", "1.21.0")],
)
def test_resolve(request_: str, expected: str) -> None:
    """A minor is its latest patch; an exact release is itself (1.20's first release is named 1.20)."""
    assert goreleases.resolve(request_) == expected


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ("1.99", "newer than ciforge's Go release table"),
        ("1.26.99", "newer than ciforge's Go release table"),
        ("1.25.99", "not a Go release (the newest 1.25 release is 1.25.11)"),
        ("1.4", "starts at"),
    ],
)
def test_unknown_releases_are_refused(request_: str, message: str) -> None:
    with pytest.raises(goreleases.UnknownReleaseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        goreleases.resolve(request_)


GOMOD = "module example.com/m\n\ngo {go}\n{toolchain}"


@pytest.mark.parametrize(
    ("name", "text", "exact", "expected"),
    [
        ("go.mod", GOMOD.format(go="1.25.0", toolchain=""), False, "1.25.11"),  # a minimum: latest patch
        ("go.mod", GOMOD.format(go="1.25.0", toolchain=""), True, "1.25.0"),  # go.exact
        ("go.mod", GOMOD.format(go="1.24.0", toolchain="toolchain go1.25.5\n"), False, "1.25.5"),
        ("go.mod", GOMOD.format(go="1.23", toolchain="\ntoolchain default\n"), False, "1.23.12"),
        ("go.mod", GOMOD.format(go="1.15", toolchain=""), False, "1.15.15"),
        ("go.mod", GOMOD.format(go="1.15", toolchain=""), True, "1.15.15"),  # a language version only
        ("go.mod", GOMOD.format(go="1.22", toolchain=""), True, "1.22.0"),
        (".go-version", "1.24.4\n", False, "1.24.4"),
        (".go-version", "# pinned\n1.24\n", False, "1.24.13"),
        (".tool-versions", "nodejs 22.1.0\ngolang 1.25.3 1.24.1\n", False, "1.25.3"),
        ("tools/.tool-versions", "go 1.25\n", False, "1.25.11"),
    ],
)
def test_version_file_semantics(name: str, text: str, exact: bool, expected: str) -> None:
    assert goversion.release(goversion.parse(name, text), exact=exact) == expected


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("go.mod", "module x\n", "no go or toolchain directive"),
        (".tool-versions", "nodejs 22\n", "no golang line"),
        (".go-version", "latest\n", "one Go version"),
        (".go-version", "", "one Go version"),
    ],
)
def test_version_file_without_a_version(name: str, text: str, message: str) -> None:
    with pytest.raises(goversion.VersionFileError, match=message):
        goversion.parse(name, text)


def compile_in(tmp_path: Path, manifest: str, files: dict[str, str]) -> tuple[object, list[str]]:
    for rel, text in files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    pipeline, diagnostics = compile_pipeline(
        manifest.encode(), file="ciforge.yml", base_dir=tmp_path, label="ciforge.yml"
    )
    return pipeline, [f"{d.line}:{d.col}: {d.message} [{d.code}]" for d in diagnostics]


def test_go_mod_minimum_floats_to_the_latest_patch(tmp_path: Path) -> None:
    """Regression: `go 1.25.0` without a toolchain line used to pin golang:1.25.0."""
    manifest = "version: 1\nname: m\ngo: {version-file: go.mod}\nbuild: false\n"
    pipeline, problems = compile_in(tmp_path, manifest, {"go.mod": GOMOD.format(go="1.25.0", toolchain="")})
    assert problems == []
    assert pipeline.job("test").go == goreleases.latest_patch("1.25") == "1.25.11"  # type: ignore[attr-defined]


def test_go_versions_accept_go_mod_and_channels(tmp_path: Path) -> None:
    """`go.mod` in test.go-versions is the declared minimum; channels resolve; one leg each."""
    manifest = (
        "version: 1\nname: m\ngo: {version-file: go.mod}\nbuild: false\n"
        "test: {go-versions: [go.mod, oldstable, stable]}\n"
    )
    pipeline, problems = compile_in(tmp_path, manifest, {"go.mod": GOMOD.format(go="1.24.0", toolchain="")})
    assert problems == []
    legs = [dict(leg.variables)["GO_VERSION"] for leg in pipeline.job("test").legs]  # type: ignore[attr-defined]
    assert legs == ["1.24.0", goreleases.resolve("oldstable"), goreleases.resolve("stable")]


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (
            'version: 1\nname: m\ngo: {version: "1.99"}\n',
            "3:15: Go 1.99 is newer than ciforge's Go release table",
        ),
        (
            'version: 1\nname: m\ngo: {version: "1.24"}\ntest:\n  go-versions: [go.mod]\n',
            "5:17: go.mod names the go directive of a go.mod version-file",
        ),
        (
            'version: 1\nname: m\ngo: {version: "1.24"}\ntest:\n  go-versions: ["1.24", "1.24.13"]\n',
            "5:25: 1.24.13 resolves to Go 1.24.13, which an earlier item already runs",
        ),
        (
            "version: 1\nname: m\ngo: {version-file: .go-version}\n",
            "3:20: .go-version declares Go 1.25.99 is not a Go release",
        ),
    ],
)
def test_positioned_errors(tmp_path: Path, manifest: str, expected: str) -> None:
    pipeline, problems = compile_in(tmp_path, manifest, {".go-version": "1.25.99\n"})
    assert pipeline is None
    assert any(p.startswith(expected) for p in problems), problems


def test_build_legs_of_go_without_a_port_list_are_not_checked_and_say_so(tmp_path: Path) -> None:
    """Go 1.15 has no port list in the table: the legs render, with a warning that says why."""
    manifest = 'version: 1\nname: m\ngo: {version: "1.15"}\nbuild:\n  matrix: {goos: [darwin], goarch: [s390x]}\n'
    pipeline, problems = compile_in(tmp_path, manifest, {})
    assert pipeline is not None
    assert problems == [
        "5:3: build legs are not checked against Go 1.15.15's ports: ciforge's Go release table "
        "lists ports from Go 1.21 on [go-ports]"
    ]


def test_every_port_of_a_release_builds(tmp_path: Path) -> None:
    """The check refuses only non-ports: every first-class and secondary port of stable renders."""
    stable = goreleases.resolve("stable")
    ports = goreleases.ports(stable)
    assert ports is not None
    entries = ", ".join(
        f'{{goos: "{p.split("/")[0]}", goarch: "{p.split("/")[1]}"}}'
        for p in sorted(ports.first_class | ports.secondary)
    )
    manifest = f"version: 1\nname: m\ngo: {{version: stable}}\nbuild:\n  matrix: {{include: [{entries}]}}\n"
    pipeline, problems = compile_in(tmp_path, manifest, {})
    assert problems == []
    assert pipeline is not None
