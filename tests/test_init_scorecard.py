"""The init scorecard (issue 15, items 3 to 6): `ciforge init` on minimal recreations of the layouts
of real Go projects (never the projects themselves). For each layout: the name, the main package,
the preset, the default branch and the image decision ciforge must reach.

The layouts keep only what decides the outcome: the go.mod module path, where the main packages
are (and the helpers, nested modules and build-ignored files around them), the Dockerfiles and
git's view of the default branch.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import attrs
import pytest
from ruamel.yaml import YAML

from ciforge import dockerfiles, gitinfo, golayout
from ciforge.cli import main

MAIN = "package main\n\nfunc main() {}\n"
IGNORED_MAIN = "//go:build ignore\n\npackage main\n\nfunc main() {}\n"
GO_BUILDER = (
    "FROM golang:1.24 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n"
    'FROM gcr.io/distroless/static\nCOPY --from=build /out/app /app\nENTRYPOINT ["/app"]\n'
)


@attrs.frozen
class Layout:
    """A recreated layout and what init must decide for it."""

    module: str
    files: dict[str, str]
    name: str
    main: str | None
    preset: str
    branch: str
    image: str | None  # the Dockerfile the image stages build, or None (stages off)
    git: tuple[str, str, str] | None = None  # (checked-out branch, origin URL or "", origin HEAD or "")
    modules: str | None = None  # modules: auto for a repository with several Go modules
    generate: bool = False  # lint.generate: a //go:generate directive in the module
    jobs: tuple[str, ...] = ()  # the custom jobs of the build tags test files need


TAGGED_TEST = "//go:build integration\n\npackage store\n"
LAYOUTS = {
    # a service whose store tests build only with -tags integration (two files), one e2e test
    # file behind -tags e2e, and a Linux-only test that needs no tag of the project's own
    "tagged-tests": Layout(
        module="example.com/acme/ledger",
        files={
            "cmd/ledger/main.go": MAIN,
            "internal/store/store.go": "package store\n",
            "internal/store/pg_test.go": TAGGED_TEST,
            "internal/store/migrate_test.go": TAGGED_TEST,
            "test/e2e_test.go": "//go:build e2e && !windows\n\npackage test\n",
            "internal/store/linux_test.go": "//go:build linux\n\npackage store\n",
            "internal/store/never_test.go": "//go:build !integration\n\npackage store\n",
        },
        name="ledger",
        main="./cmd/ledger",
        preset="go-cli",
        branch="main",
        image=None,
        jobs=("e2e", "integration"),
    ),
    # a service: cmd/<name> and a root Dockerfile with a golang build stage
    "service": Layout(
        module="example.com/acme/orders-api",
        files={
            "cmd/orders-api/main.go": MAIN,
            "internal/store/store.go": "package store\n\n//go:generate stringer -type=Kind\n",
            "Dockerfile": GO_BUILDER,
        },
        name="orders-api",
        main="./cmd/orders-api",
        preset="go-service",
        branch="main",
        image="Dockerfile",
        git=("main", "", ""),
        generate=True,
    ),
    # caddy: a /v2 module with cmd/caddy, no Dockerfile
    "cli-major-suffix": Layout(
        module="github.com/caddyserver/caddy/v2",
        files={"cmd/caddy/main.go": MAIN, "caddy.go": "package caddy\n"},
        name="caddy",
        main="./cmd/caddy",
        preset="go-cli",
        branch="master",
        image=None,
        git=("master", "https://github.com/caddyserver/caddy.git", "master"),
    ),
    # chi: a /v5 library whose examples live under _examples
    "library": Layout(
        module="github.com/go-chi/chi/v5",
        files={"chi.go": "package chi\n", "_examples/hello/main.go": MAIN},
        name="chi",
        main=None,
        preset="go-library",
        branch="master",
        image=None,
        git=("master", "https://github.com/go-chi/chi.git", "master"),
    ),
    # opentelemetry-go: a library root module; the mains belong to nested modules
    "monorepo": Layout(
        module="go.opentelemetry.io/otel",
        files={
            "otel.go": "package otel\n",
            "sdk/go.mod": "module go.opentelemetry.io/otel/sdk\n\ngo 1.24\n",
            "sdk/sdk.go": "package sdk\n",
            "example/dice/go.mod": "module go.opentelemetry.io/otel/example/dice\n\ngo 1.24\n",
            "example/dice/main.go": MAIN,
            "internal/tools/go.mod": "module go.opentelemetry.io/otel/internal/tools\n\ngo 1.24\n",
            "internal/tools/crosslink/main.go": MAIN,
        },
        name="opentelemetry-go",
        main=None,
        preset="go-library",
        branch="main",
        image=None,
        git=("main", "https://github.com/open-telemetry/opentelemetry-go.git", "main"),
        modules="auto",
    ),
    # node_exporter: default branch master (from origin/HEAD, a feature branch checked out), a
    # root main, and a Dockerfile that copies the prebuilt binary
    "master-branch": Layout(
        module="github.com/prometheus/node_exporter",
        files={
            "node_exporter.go": "// Copyright The Prometheus Authors\n\npackage main\n\nfunc main() {}\n",
            "collector/cpu.go": "package collector\n",
            "Dockerfile": (
                "ARG ARCH=amd64\nFROM quay.io/prometheus/busybox-linux-$ARCH:latest\n"
                "COPY .build/linux-amd64/node_exporter /bin/node_exporter\n"
                'ENTRYPOINT [ "/bin/node_exporter" ]\n'
            ),
        },
        name="node_exporter",
        main=".",
        preset="go-service",
        branch="master",
        image="Dockerfile",
        git=("fix-cpu", "https://github.com/prometheus/node_exporter.git", "master"),
    ),
    # gitlab-shell: a /v14 module with several commands; no remote HEAD, master checked out
    "nested-commands-current-branch": Layout(
        module="gitlab.com/gitlab-org/gitlab-shell/v14",
        files={
            "cmd/gitlab-shell/main.go": MAIN,
            "cmd/check/main.go": MAIN,
            "cmd/gitlab-sshd/main.go": MAIN,
            "internal/config/config.go": "package config\n",
        },
        name="gitlab-shell",
        main="./cmd/gitlab-shell",
        preset="go-cli",
        branch="master",
        image=None,
        git=("master", "", ""),
    ),
    # nested modules with their own mains, found before the real one in tree order
    "nested-modules": Layout(
        module="github.com/acme/svc",
        files={
            "svc.go": "package svc\n",
            "cmd/server/main.go": MAIN,
            "api/go.mod": "module github.com/acme/svc/api\n\ngo 1.24\n",
            "api/server/main.go": MAIN,
            "tools/go.mod": "module github.com/acme/svc/tools\n\ngo 1.24\n",
            "tools/lint/main.go": MAIN,
        },
        name="server",
        main="./cmd/server",
        preset="go-cli",
        branch="main",
        image=None,
        modules="auto",
    ),
    # glab: module .../cli, binary glab; cmd/gen-docs is a helper; a build-ignored generator
    "build-ignored-mains": Layout(
        module="gitlab.com/gitlab-org/cli",
        files={
            "cmd/gen-docs/main.go": MAIN,
            "cmd/glab/main.go": MAIN,
            "api/api.go": "package api\n",
            "api/gen.go": IGNORED_MAIN,
            "scripts/changelog.go": "// +build ignore\n\npackage main\n\nfunc main() {}\n",
        },
        name="glab",
        main="./cmd/glab",
        preset="go-cli",
        branch="main",
        image=None,
        git=("main", "https://gitlab.com/gitlab-org/cli.git", "main"),
    ),
    # miniflux: a domain /v2 module whose root main has an import comment; Dockerfiles under
    # packaging/docker/<variant>/
    "import-comment-main": Layout(
        module="miniflux.app/v2",
        files={
            "main.go": '// SPDX-License-Identifier: Apache-2.0\n\npackage main // import "miniflux.app/v2"\n\nfunc main() {}\n',
            "internal/ui/ui.go": 'package ui // import "miniflux.app/v2/internal/ui"\n',
            "packaging/docker/alpine/Dockerfile": GO_BUILDER,
            "packaging/docker/distroless/Dockerfile": GO_BUILDER,
        },
        name="miniflux",
        main=".",
        preset="go-service",
        branch="main",
        image="packaging/docker/alpine/Dockerfile",
        git=("main", "https://github.com/miniflux/v2.git", "main"),
    ),
    # watchtower: the Dockerfiles live in dockerfiles/
    "dockerfile-in-subdirectory": Layout(
        module="github.com/containrrr/watchtower",
        files={
            "main.go": MAIN,
            "dockerfiles/Dockerfile": (
                'FROM alpine:3.19 AS alpine\nFROM scratch\nCOPY watchtower /\nENTRYPOINT ["/watchtower"]\n'
            ),
        },
        name="watchtower",
        main=".",
        preset="go-service",
        branch="main",
        image="dockerfiles/Dockerfile",
    ),
    # fzf: the root Dockerfile is a Ruby test image (it installs golang but builds nothing)
    "test-only-dockerfile": Layout(
        module="github.com/junegunn/fzf",
        files={
            "main.go": MAIN,
            "Dockerfile": (
                "FROM ubuntu:24.04\nRUN apt-get update -y && apt install -y git make golang ruby tmux\n"
                "COPY . /fzf\nRUN cd /fzf && make install\n"
                'CMD ["bash", "-ic", "tmux new \'ruby /fzf/test/test_go.rb | tee out\'"]\n'
            ),
        },
        name="fzf",
        main=".",
        preset="go-cli",
        branch="master",
        image=None,
        git=("master", "https://github.com/junegunn/fzf.git", "master"),
    ),
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def recreate(root: Path, layout: Layout) -> Path:
    """Write the layout's files, go.mod and git state under ``root``."""
    (root / "go.mod").write_text(f"module {layout.module}\n\ngo 1.24\n")
    for rel, text in layout.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if layout.git is not None:
        branch, url, head = layout.git
        git(root, "init", "-q", "-b", branch)
        if url:
            git(root, "remote", "add", "origin", url)
        if head:
            git(root, "symbolic-ref", "refs/remotes/origin/HEAD", f"refs/remotes/origin/{head}")
    return root


def decisions(root: Path) -> dict[str, object]:
    """What the written manifest decided, read back from it (preset merged in by render later)."""
    data = YAML(typ="safe", pure=True).load((root / "ciforge.yml").read_text())
    build = data.get("build") or {}
    image = data.get("image") or {}
    return {
        "name": data["name"],
        "main": build.get("main"),
        "preset": data["preset"],
        "branch": data["triggers"]["branches"][0],
        "image": image.get("dockerfile"),
        "modules": data.get("modules"),
        "generate": bool(data["lint"].get("generate")),
        "drift": (data["lint"]["gofmt"], data["lint"]["tidy"]),
        "jobs": tuple(sorted(data.get("jobs") or {})),
    }


@pytest.mark.parametrize("case", list(LAYOUTS), ids=list(LAYOUTS))
def test_init_scorecard(case: str, tmp_path: Path) -> None:
    """init reaches the expected name, main package, preset, default branch, image decision and
    modules, and what it wrote renders."""
    layout = LAYOUTS[case]
    root = recreate(tmp_path, layout)
    assert main(["init", "--dir", str(root)]) == 0
    expected = {
        "name": layout.name,
        "main": layout.main,
        "preset": layout.preset,
        "branch": layout.branch,
        "image": layout.image,
        "modules": layout.modules,
        "generate": layout.generate,
        "drift": (True, True),
        "jobs": layout.jobs,
    }
    assert decisions(root) == expected
    assert main(["render", "-m", str(root / "ciforge.yml")]) == 0


def test_init_comments_say_why(tmp_path: Path) -> None:
    """The manifest shows the reasons: the name's source, the branch's source, the other main
    packages, and why the image stages are off."""
    root = recreate(tmp_path, LAYOUTS["build-ignored-mains"])
    assert main(["init", "--dir", str(root)]) == 0
    text = (root / "ciforge.yml").read_text()
    assert "name: glab  # the main package's directory, ./cmd/glab" in text
    assert (
        "main: ./cmd/glab  # ranked cmd/<name>, then the root, then cmd/*, helpers last; other main packages: ./cmd/gen-docs (helper)"
        in text
    )
    assert "- main  # the default branch of remote origin (origin/HEAD)" in text
    assert "./api" not in text
    assert "./scripts" not in text
    assert "# Image stages are off: no Dockerfile found" in text


def test_init_test_image_stays_off_with_the_reason(tmp_path: Path) -> None:
    """fzf: the test image is named with the line that shows it runs tests."""
    root = recreate(tmp_path, LAYOUTS["test-only-dockerfile"])
    assert main(["init", "--dir", str(root)]) == 0
    text = (root / "ciforge.yml").read_text()
    assert "# Image stages are off: no Dockerfile here builds fzf (Dockerfile: its command at line 5 runs tests" in text
    assert "\nimage:" not in text


def test_init_preset_go_service_enables_the_found_dockerfile(tmp_path: Path) -> None:
    """ "or the preset says so": --preset go-service uses the Dockerfile found, and says so."""
    root = recreate(tmp_path, LAYOUTS["test-only-dockerfile"])
    assert main(["init", "--dir", str(root), "--preset", "go-service"]) == 0
    text = (root / "ciforge.yml").read_text()
    assert "dockerfile: Dockerfile  # Dockerfile (asked for with --preset go-service" in text


def test_init_go_service_without_any_dockerfile_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--preset go-service with no Dockerfile at all: exit 2 and the reason, nothing written."""
    root = recreate(tmp_path, LAYOUTS["cli-major-suffix"])
    assert main(["init", "--dir", str(root), "--preset", "go-service"]) == 2
    assert "no Dockerfile found" in capsys.readouterr().err
    assert not (root / "ciforge.yml").exists()


def test_init_writes_the_preset_choices(tmp_path: Path) -> None:
    """The preset's main choices are comments in the manifest (item 7)."""
    root = recreate(tmp_path, LAYOUTS["service"])
    assert main(["init", "--dir", str(root)]) == 0
    text = (root / "ciforge.yml").read_text()
    assert "# Preset go-service (keys in this file override it; mappings merge, lists replace):" in text
    assert "#   test: with -race; fails below 80% coverage" in text
    assert "pushed on tag pushes and pushes to the triggered branches" in text
    assert "#   sign: keyless (Sigstore, the CI's OIDC identity); verified before release" in text
    assert "#   scan: fails on CRITICAL, HIGH vulnerabilities" in text


# -- the pieces, one rule each ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("github.com/go-chi/chi/v5", "chi"),
        ("gitlab.com/gitlab-org/gitlab-shell/v14", "gitlab-shell"),
        ("github.com/spf13/cobra", "cobra"),
        ("miniflux.app/v2", "miniflux"),
        ("gopkg.in/yaml.v3", "yaml"),
        ("go.opentelemetry.io/otel", "otel"),
        ("example.com/v2", "example"),
    ],
)
def test_module_name_drops_major_suffix(module: str, name: str) -> None:
    """Item 3: never v2, v5 or v14."""
    assert golayout.module_name(module)[0] == name


@pytest.mark.parametrize(
    ("source", "package", "buildable"),
    [
        ("package main\n", "main", True),
        ('package main // import "miniflux.app/v2"\n', "main", True),
        ("/* block */ package main\n", "main", True),
        ("// Copyright\n\n// Package doc.\npackage main\n", "main", True),
        ("//go:build ignore\n\npackage main\n", "main", False),
        ("// +build ignore\n\npackage main\n", "main", False),
        ("//go:build tools && ignore\n\npackage main\n", "main", False),
        ("//go:build !windows\n\npackage main\n", "main", True),
        ("//go:build linux || (darwin && !ignore)\n\npackage main\n", "main", True),
        ("//go:build !ignore && ignore\n\npackage main\n", "main", False),
        ("package mainly\n", "mainly", True),
        ("// package main\npackage lib\n", "lib", True),
    ],
)
def test_package_clause(source: str, package: str, buildable: bool) -> None:
    """Item 4: the package clause after comments, with import comments, and build constraints."""
    assert golayout.package_clause(source) == (package, buildable)


def test_rank_puts_cmd_name_first_and_helpers_last() -> None:
    """Item 4: cmd/<name>, then the root, then cmd/*, others, helpers (gen-*, tools) last."""
    mains = ["./cmd/gen-docs", "./internal/tools/x", "./tools/y", "./cmd/other", "./cmd/glab", ".", "./srv"]
    assert golayout.rank(mains, ("cli", "glab")) == [
        "./cmd/glab",
        ".",
        "./cmd/other",
        "./srv",
        "./cmd/gen-docs",
        "./tools/y",
        "./internal/tools/x",
    ]


def test_default_branch_order(tmp_path: Path) -> None:
    """Item 5: the remote HEAD, then the current branch, then main."""
    assert gitinfo.default_branch(tmp_path)[0] == "main"  # not a repository
    git(tmp_path, "init", "-q", "-b", "trunk")
    assert gitinfo.default_branch(tmp_path) == ("trunk", "the branch checked out now (git knows no remote HEAD)")
    git(tmp_path, "remote", "add", "origin", "git@example.com:acme/svc.git")
    git(tmp_path, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/master")
    assert gitinfo.default_branch(tmp_path)[0] == "master"
    assert gitinfo.repository_name(tmp_path) == ("svc", "origin")


@pytest.mark.parametrize(
    ("text", "builds"),
    [
        ("FROM golang:1.24 AS build\nRUN true\nFROM scratch\n", True),
        ("FROM --platform=$BUILDPLATFORM golang:1.24-alpine AS b\nFROM scratch\n", True),
        ("FROM alpine\nRUN apk add go && \\\n  go build -o /x .\n", True),
        ("FROM alpine\nCOPY tool /usr/bin/tool\n", True),
        ('FROM alpine\nENTRYPOINT ["/usr/local/bin/tool", "serve"]\n', True),
        ("FROM ubuntu\nRUN apt install -y golang ruby\nCOPY . /tool\nCMD ruby /tool/test/run.rb\n", False),
        ('FROM golang:1.24\nCOPY . .\nCMD ["go", "test", "./..."]\n', False),
        ("FROM node:22\nCOPY . .\nRUN npm ci\n", False),
        ("# FROM golang:1.24\nFROM python:3\n", False),
    ],
)
def test_dockerfile_judge(text: str, builds: bool) -> None:
    """Item 6: a Dockerfile plausibly builds the binary `tool` only with a golang stage, go build,
    or by copying or running the binary; a Go image that runs tests does not."""
    assert dockerfiles.judge(text, "tool")[0] is builds


def test_dockerfiles_found_in_common_places(tmp_path: Path) -> None:
    """Item 6: root first, then shallow directories (dockerfiles/, build/, docker/, ...)."""
    for rel in ("dockerfiles/Dockerfile", "build/package/Dockerfile", "Dockerfile.dev", "x/y/z/w/v/Dockerfile"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("FROM scratch\n")
    (tmp_path / "vendor/a").mkdir(parents=True)
    (tmp_path / "vendor/a/Dockerfile").write_text("FROM scratch\n")
    assert dockerfiles.find(tmp_path) == ["Dockerfile.dev", "dockerfiles/Dockerfile", "build/package/Dockerfile"]
