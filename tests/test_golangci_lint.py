"""golangci-lint: the release table, the choice per Go release, and the install block."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ciforge import golangci_lint, goreleases, scripts
from ciforge.cli import main
from tests.conftest import ROOT
from tests.helpers import GITHUB, GITLAB

TABLE = json.loads((ROOT / "ciforge" / "data" / "golangci-lint-releases.json").read_text(encoding="utf-8"))
MIRROR = Path(os.environ.get("CIFORGE_MIRRORS", "/work/.mirror")) / "golangci+golangci-lint" / "repo"


def minor(version: str) -> tuple[int, int]:
    parts = [int(p) for p in version.split(".")]
    return parts[0], parts[1]


def test_table_is_what_its_source_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regenerating from a git mirror of golangci-lint at the table's commit gives the table."""
    if not MIRROR.is_dir():
        pytest.skip(f"no mirror of golangci/golangci-lint at {MIRROR} (fetch github:golangci/golangci-lint)")
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))  # the script imports its sibling
    spec = importlib.util.spec_from_file_location(
        "refresh_golangci_lint", ROOT / "scripts" / "refresh_golangci_lint.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    head = subprocess.run(["git", "-C", str(MIRROR), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    assert head.stdout.strip() == TABLE["source"]["commit"], "the mirror moved; re-run the script"
    assert script.table(MIRROR) == TABLE


@pytest.mark.parametrize("go_minor", goreleases.minors())
def test_the_choice_supports_the_go_it_runs_with(go_minor: str) -> None:
    """For the latest patch of every Go minor in the table: the chosen release builds with that Go
    (go.mod), was built with that minor or newer, and no newer release in the table also does."""
    go = goreleases.latest_patch(go_minor)
    assert go is not None
    supporting = [
        r["version"]
        for r in TABLE["releases"]
        if goreleases.key(r["go"]) <= goreleases.key(go) and minor(go) <= minor(r["built-with"])
    ]
    if not supporting:
        with pytest.raises(golangci_lint.NoReleaseError, match=r"needs Go 1\.12 or newer"):
            golangci_lint.choose(go)
        return
    newest = max(supporting, key=lambda v: tuple(int(p) for p in v[1:].split(".")))
    assert golangci_lint.choose(go).version == newest


def test_old_go_gets_the_v1_line_and_new_go_v2() -> None:
    """cobra's go 1.15 runs a v1 release; no v2 release builds with Go older than 1.23."""
    assert golangci_lint.choose("1.15.15").version.startswith("v1.")
    assert golangci_lint.choose(goreleases.resolve("stable")).version.startswith("v2.")
    v2 = [r for r in TABLE["releases"] if r["version"].startswith("v2.")]
    assert min(goreleases.key(r["go"]) for r in v2) >= (1, 23, 0)


# -- the install block, run with stand-ins for curl and go ---------------------------------------

FAKE_LINT = '#!/bin/sh\necho "fake golangci-lint $*"\n'


def release_dir(root: Path, version: str, *, tamper: bool = False) -> Path:
    """A directory laid out like a golangci-lint release: archive plus checksum file."""
    name = f"golangci-lint-{version}-linux-amd64"
    build = root / "build" / name
    build.mkdir(parents=True)
    (build / "golangci-lint").write_text(FAKE_LINT)
    (build / "golangci-lint").chmod(0o755)
    served = root / "served"
    served.mkdir()
    archive = served / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(build, arcname=name)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (served / f"golangci-lint-{version}-checksums.txt").write_text(
        f"{'0' * 64}  golangci-lint-{version}-darwin-arm64.tar.gz\n{digest}  {name}.tar.gz\n"
    )
    if tamper:
        archive.write_bytes(archive.read_bytes() + b"\0")
    return served


def run_block(tmp_path: Path, served: Path, version: str) -> subprocess.CompletedProcess[str]:
    """Run the lint block with `curl` copying from SERVED (by URL basename) and `go env` answering."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "curl").write_text(
        '#!/bin/sh\nout=""\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; -*) shift;; '
        f'*) url="$1"; shift;; esac; done\ncp "{served}/${{url##*/}}" "$out"\n'
    )
    (stubs / "go").write_text(
        '#!/bin/sh\ncase "$2" in GOHOSTOS) echo linux;; GOHOSTARCH) echo amd64;; *) exit 1;; esac\n'
    )
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    env = {"PATH": f"{stubs}:{os.environ['PATH']}", "GO_PACKAGES": "./...", "TMPDIR": str(tmp_path)}
    return subprocess.run(
        ["bash", "-c", scripts.golangci_lint(f"v{version}")], capture_output=True, text=True, env=env, check=False
    )


def test_install_block_verifies_then_runs(tmp_path: Path) -> None:
    proc = run_block(tmp_path, release_dir(tmp_path, "2.12.2"), "2.12.2")
    assert proc.returncode == 0, proc.stderr
    assert "golangci-lint-2.12.2-linux-amd64.tar.gz: OK" in proc.stdout
    assert "fake golangci-lint run ./..." in proc.stdout


def test_install_block_refuses_a_tampered_archive(tmp_path: Path) -> None:
    proc = run_block(tmp_path, release_dir(tmp_path, "2.12.2", tamper=True), "2.12.2")
    assert proc.returncode != 0
    assert "FAILED" in proc.stdout
    assert "fake golangci-lint" not in proc.stdout


def test_install_block_refuses_an_archive_the_checksums_do_not_list(tmp_path: Path) -> None:
    served = release_dir(tmp_path, "2.12.2")
    (served / "golangci-lint-2.12.2-checksums.txt").write_text(f"{'0' * 64}  something-else.tar.gz\n")
    proc = run_block(tmp_path, served, "2.12.2")
    assert proc.returncode != 0
    assert "fake golangci-lint" not in proc.stdout


def test_no_go_install() -> None:
    """Regression: the block used to `go install` golangci-lint, compiling it on every run."""
    block = scripts.golangci_lint("v2.12.2")
    assert "go install" not in block
    assert "sha256sum -c" in block


# -- init then render, on the layouts of real projects -------------------------------------------

MAIN = "package main\n\nfunc main() {}\n"
LAYOUTS = {
    # spf13/cobra: a library with go 1.15 (its go.mod as published)
    "cobra": ("module github.com/spf13/cobra\n\ngo 1.15\n", {"cobra.go": "package cobra\n"}),
    # prometheus/node_exporter: a service, go 1.25.0 (as in the issue)
    "node_exporter": (
        "module github.com/prometheus/node_exporter\n\ngo 1.25.0\n",
        {"node_exporter.go": MAIN, "Dockerfile": "FROM scratch\n"},
    ),
    # go-chi/chi v5: a library
    "chi": ("module github.com/go-chi/chi/v5\n\ngo 1.20\n", {"chi.go": "package chi\n", "mux.go": "package chi\n"}),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_init_then_render_lints_with_a_release_that_supports_the_go(tmp_path: Path, layout: str) -> None:
    gomod, files = LAYOUTS[layout]
    (tmp_path / "go.mod").write_text(gomod)
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    assert main(["init", "--dir", str(tmp_path)]) == 0
    assert main(["render", "-m", str(tmp_path / "ciforge.yml")]) == 0
    workflow = YAML(typ="safe", pure=True).load((tmp_path / GITHUB).read_text())
    pipeline = YAML(typ="safe", pure=True).load((tmp_path / GITLAB).read_text())
    lint = workflow["jobs"]["lint"]
    go = next(s["with"]["go-version"] for s in lint["steps"] if "setup-go" in s.get("uses", ""))
    assert pipeline["lint"]["image"] == f"golang:{go}"
    step = next(s for s in lint["steps"] if s.get("id") == "golangci-lint")
    version = step["name"].split()[-1]
    release = golangci_lint.release(version)
    assert release is not None
    assert goreleases.key(release.go) <= goreleases.key(go), (version, go)
    assert minor(go) <= minor(release.built_with), (version, go)
    assert f"version={version[1:]}\n" in step["run"]
