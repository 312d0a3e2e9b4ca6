"""Issue 11 item 7: the check surfaces install what they pin.

* the composite Action installs ciforge's dependencies (and build backend) at exact versions with
  pip --require-hashes, then ciforge itself with --no-deps;
* the GitLab component's `source` input refuses a leading `-` (a pip option), in its regex and in
  its script;
* images are pinned to exact releases, and the README says how to pin digests."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any, Final

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT

REQUIREMENTS: Final = ROOT / "action-requirements.txt"
_yaml = YAML(typ="safe", pure=True)


def pinned(text: str) -> dict[str, list[str]]:
    """name -> its sha256 hashes, from a pip-compile --generate-hashes file."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        head = re.match(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", line)
        if head:
            current = f"{head[1].lower().replace('_', '-')}=={head[2]}"
            out[current] = []
        elif "--hash=sha256:" in line:
            out[current].append(line.split("sha256:")[1].rstrip(" \\"))
    return out


def canonical(requirement: str) -> str:
    name, _, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


def test_action_requirements_pin_every_dependency_with_hashes() -> None:
    """Every runtime dependency and the build backend, at the version constraints.txt pins, with
    at least one sha256 each; nothing else unpinned."""
    found = {canonical(k): v for k, v in pinned(REQUIREMENTS.read_text(encoding="utf-8")).items()}
    assert found
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for hashes in found.values() for h in hashes)
    assert all(hashes for hashes in found.values())
    constraints = {
        canonical(line.strip()) for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line
    }
    assert set(found) <= constraints, set(found) - constraints
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = {canonical(n).partition("==")[0] for n in found}
    for requirement in [*project["project"]["dependencies"], *project["build-system"]["requires"]]:
        name = re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0]
        assert canonical(name + "==x").partition("==")[0] in names, requirement


def test_action_installs_with_require_hashes_and_no_deps() -> None:
    action: Any = _yaml.load((ROOT / "action.yml").read_text(encoding="utf-8"))
    script = next(s["run"] for s in action["runs"]["steps"] if s.get("id") == "install")
    installs = [line.strip() for line in script.splitlines() if '"${pip[@]}"' in line or '"${hashed[@]}"' in line]
    assert 'hashed=("${pip[@]}" --require-hashes --only-binary=:all: -r' in script
    for line in installs:
        if line.startswith('"${pip[@]}"'):
            assert "--no-deps" in line, line
    assert sum(line == '"${hashed[@]}"' for line in installs) == 2  # before each way of installing


COMPONENT: Final = ROOT / "templates" / "ciforge.yml"


def component_source_regex() -> str:
    header = COMPONENT.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    spec: Any = _yaml.load(header)
    return str(spec["spec"]["inputs"]["source"]["regex"])


@pytest.mark.parametrize(
    "source",
    ["-r/etc/passwd", "--index-url=https://evil.example/simple", "-e.", "--extra-index-url=x", "-"],
)
def test_component_source_refuses_a_leading_dash(source: str) -> None:
    assert re.fullmatch(component_source_regex(), source) is None


@pytest.mark.parametrize(
    "source",
    ["git+https://gitlab.example.com/tools/ciforge.git@v0.1.0", "ciforge==0.1.0", "./vendor/ciforge", ""],
)
def test_component_source_accepts_real_sources(source: str) -> None:
    assert re.fullmatch(component_source_regex(), source) is not None


def test_component_script_refuses_a_leading_dash_too(tmp_path: Path) -> None:
    """Defence in depth, if the regex is bypassed (an include without inputs validation)."""
    body: Any = _yaml.load(COMPONENT.read_text(encoding="utf-8").split("\n---\n", 1)[1])
    script = "\n".join(body["ciforge-check"]["script"])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("python3",):
        (bin_dir / tool).write_text('#!/bin/sh\nmkdir -p "$3/bin"\n', encoding="utf-8")
        (bin_dir / tool).chmod(0o755)
    proc = subprocess.run(
        ["sh", "-c", script],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "CIFORGE_VERSION": "", "CIFORGE_SOURCE": "--index-url=x"},
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "may not start with -" in proc.stderr


def test_readme_says_how_to_pin_image_digests() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Pinning images") :]
    assert "imagetools inspect" in section
    assert "@sha256:" in section
