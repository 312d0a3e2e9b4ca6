"""`ciforge init` on real module layouts, then `ciforge render` on its manifest, through the
validators."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ciforge.cli import main
from tests.conftest import ROOT, oracle
from tests.helpers import GITHUB, GITLAB

EXAMPLE = ROOT / "examples" / "go-service"


def module(root: Path, files: dict[str, str], gomod: str = "module example.com/acme/tool\n\ngo 1.24\n") -> Path:
    (root / "go.mod").write_text(gomod)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


MAIN = "package main\n\nfunc main() {}\n"
GO_DOCKERFILE = (
    "FROM golang:1.24 AS build\nRUN go build -o /tool ./cmd/tool\nFROM scratch\nCOPY --from=build /tool /tool\n"
)
LIB = "package tool\n\nfunc Add(a, b int) int { return a + b }\n"


def init_and_load(root: Path, *args: str) -> dict[str, object]:
    assert main(["init", "--dir", str(root), *args]) == 0
    data: dict[str, object] = YAML(typ="safe", pure=True).load((root / "ciforge.yml").read_text())
    return data


def test_cmd_layout_with_dockerfile_is_a_service(tmp_path: Path) -> None:
    """cmd/<name>/main.go + a Dockerfile that builds it -> go-service, main ./cmd/<name>."""
    root = module(tmp_path, {"cmd/tool/main.go": MAIN, "cmd/other/main.go": MAIN, "Dockerfile": GO_DOCKERFILE})
    data = init_and_load(root)
    assert data["preset"] == "go-service"
    assert data["build"] == {"main": "./cmd/tool", "binary": "tool"}
    assert data["image"] == {"dockerfile": "Dockerfile"}
    assert data["go"] == {"version-file": "go.mod"}
    text = (root / "ciforge.yml").read_text()
    assert text.startswith("# yaml-language-server: $schema=")


def test_root_main_without_dockerfile_is_a_cli(tmp_path: Path) -> None:
    """main.go at the root, no Dockerfile -> go-cli, main '.'."""
    root = module(tmp_path, {"main.go": MAIN, "internal/x/x.go": LIB.replace("tool", "x")})
    data = init_and_load(root)
    assert data["preset"] == "go-cli"
    assert data["build"] == {"main": ".", "binary": "tool"}


def test_library_without_main(tmp_path: Path) -> None:
    """No main package -> go-library, tested on go.mod's Go and the newest release."""
    root = module(tmp_path, {"tool.go": LIB, "tool_test.go": "package tool\n"})
    data = init_and_load(root)
    assert data["preset"] == "go-library"
    assert data["test"] == {"go-versions": ["go.mod", "stable"]}
    assert "build" not in data


def test_toolchain_directive_is_what_renders(tmp_path: Path) -> None:
    """The rendered pipelines use go.mod's toolchain version (it wins over the go line)."""
    root = module(tmp_path, {"main.go": MAIN}, gomod="module example.com/t\n\ngo 1.24.0\n\ntoolchain go1.25.5\n")
    init_and_load(root)
    assert main(["render", "-m", str(root / "ciforge.yml")]) == 0
    assert "image: golang:1.25.5" in (root / GITLAB).read_text()
    assert "go-version: 1.25.5" in (root / GITHUB).read_text()


def test_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An existing manifest is kept (exit 2) unless --force."""
    root = module(tmp_path, {"main.go": MAIN})
    (root / "ciforge.yml").write_text("# mine\n")
    assert main(["init", "--dir", str(root)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (root / "ciforge.yml").read_text() == "# mine\n"
    assert main(["init", "--dir", str(root), "--force"]) == 0
    assert "preset: go-cli" in (root / "ciforge.yml").read_text()


def test_no_go_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Outside a Go module: a clear error, exit 2."""
    assert main(["init", "--dir", str(tmp_path)]) == 2
    assert "go.mod" in capsys.readouterr().err


def test_service_preset_needs_a_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Asking for go-service in a library is refused with the reason."""
    root = module(tmp_path, {"tool.go": LIB})
    assert main(["init", "--dir", str(root), "--preset", "go-service"]) == 2
    assert "main package" in capsys.readouterr().err


@pytest.mark.oracle
@pytest.mark.parametrize(
    "layout",
    [
        {"cmd/tool/main.go": MAIN, "Dockerfile": GO_DOCKERFILE},
        {"main.go": MAIN},
        {"tool.go": LIB},
    ],
    ids=["service", "cli", "library"],
)
def test_init_then_render_passes_the_validators(tmp_path: Path, layout: dict[str, str]) -> None:
    """init, then render: both outputs pass the SchemaStore schemas, actionlint and zizmor."""
    root = module(tmp_path, layout)
    assert main(["init", "--dir", str(root)]) == 0
    assert main(["render", "-m", str(root / "ciforge.yml")]) == 0
    workflow, pipeline = root / GITHUB, root / GITLAB
    checks = [
        [oracle("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        [
            oracle("check-jsonschema"),
            "--builtin-schema",
            "vendor.gitlab-ci",
            "--data-transform",
            "gitlab-ci",
            str(pipeline),
        ],
        [oracle("actionlint"), "-no-color", "-oneline", str(workflow)],
        [oracle("zizmor"), "--offline", "--no-progress", "--persona", "pedantic", str(workflow)],
    ]
    for command in checks:
        proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        assert proc.returncode == 0, f"{command[0]}: {proc.stdout}{proc.stderr}"


def test_init_offers_a_job_per_build_tag_the_tests_need(tmp_path: Path) -> None:
    """Test files behind //go:build integration never run in the unit tests: init writes a job
    that runs them after the tests, saying which files and why; a tag the toolchain sets (linux)
    or one a file builds without (!integration) offers nothing."""
    root = module(
        tmp_path,
        {
            "main.go": MAIN,
            "store/a_test.go": "//go:build integration\n\npackage store\n",
            "store/b_test.go": "// Copyright\n\n//go:build integration && linux\n\npackage store\n",
            "store/c_test.go": "//go:build linux || darwin\n\npackage store\n",
            "store/d_test.go": "//go:build !integration\n\npackage store\n",
            "store/release_test.go": "//go:build release\n\npackage store\n",
        },
    )
    data = init_and_load(root)
    assert data["jobs"] == {
        "integration": {"run": "go test -count=1 -tags integration ./...", "needs": ["test"]},
        "go-test-release": {"run": "go test -count=1 -tags release ./...", "needs": ["test"]},
    }
    text = (root / "ciforge.yml").read_text()
    assert "# 2 test files build only with -tags integration (first: store/a_test.go); the unit tests skip them" in text
    assert main(["render", "-m", str(root / "ciforge.yml")]) == 0
