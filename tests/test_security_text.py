"""Issue 11 item 6: text that reaches other interpreters.

* invisible characters (bidirectional controls, zero-width characters, other non-printing
  characters, NUL escapes) are refused in every value, at the character's position;
* every workflow command ciforge or action.yml prints is escaped per GitHub's rules;
* build.ldflags cannot make the linker run a program; go.packages cannot start with `-`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Final

import pytest
from ruamel.yaml import YAML

from ciforge.cli import main
from ciforge.compiler import compile_file
from ciforge.diagnostics import Diagnostic, format_github, workflow_command
from tests.conftest import ROOT
from tests.helpers import GITLAB

BASE: Final = 'version: 1\nname: text\ngo:\n  version: "1.23"\n'


def diagnostics(tmp_path: Path, text: str) -> list[Diagnostic]:
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(text, encoding="utf-8")
    result = compile_file(manifest, out_dir=tmp_path, targets=("github", "gitlab"))
    assert not result.ok
    assert result.files == {}
    return list(result.diagnostics)


# value template (with {c} for the character as written), where the character sits (line, col)
CHARACTERS: Final = {
    "right-to-left override": ("\u202e", True),
    "left-to-right isolate": ("\u2066", True),
    "zero width space": ("\u200b", True),
    "zero width joiner": ("\u200d", True),
    "byte order mark inside": ("\ufeff", True),
    "soft hyphen": ("\u00ad", True),
    "line separator": ("\u2028", True),
    "escaped bell": ("\\a", False),
    "escaped NUL": ("\\0", False),
    "escaped NUL (x00)": ("\\x00", False),
    "escaped right-to-left override": ("\\u202E", False),
    "escaped escape": ("\\e", False),
}
FIELDS: Final = {
    # name: (manifest text with {v} for the value, line and col where the value starts)
    "sign.gitlab-url": (
        BASE + 'image: {{}}\nsign:\n  keyless: true\n  gitlab-url: "https://git{v}lab.example.com"\n',
        8,
        15,
    ),
    "triggers.branches": (BASE + 'triggers:\n  branches: ["main", "rel{v}ease/*"]\n', 6, 22),
    "test.coverage.exclude": (BASE + 'test:\n  coverage:\n    exclude: ["mo{v}cks/**"]\n', 7, 15),
    "a key": (BASE + "li{v}nt: {{}}\n", 5, 1),
}


@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
@pytest.mark.parametrize("character", CHARACTERS.values(), ids=CHARACTERS.keys())
def test_invisible_characters_are_refused_at_their_position(
    field: tuple[str, int, int], character: tuple[str, bool], tmp_path: Path
) -> None:
    template, line, col = field
    written, literal = character
    if not literal and field is FIELDS["a key"]:
        template = template.replace("li{v}nt", '"li{v}nt"')
    text = template.format(v=written)
    found = [d for d in diagnostics(tmp_path, text) if d.code == "invisible-character"]
    assert len(found) == 1, found
    [d] = found
    assert d.line == line
    if literal:  # the character itself: its exact column
        assert d.col == text.split("\n")[line - 1].index(written) + 1
    else:  # an escape: the start of the scalar
        assert d.col == col
    assert "U+" in d.message


def test_folded_and_literal_block_scalars_are_fine(tmp_path: Path) -> None:
    """A folded scalar's line folds are not characters of the value (ruamel marks them with
    BEL internally): `-s -w` folded over two lines is the value "-s -w"."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(BASE + "build:\n  ldflags: >-\n    -s\n    -w\n", encoding="utf-8")
    result = compile_file(manifest, out_dir=tmp_path, targets=("gitlab",))
    assert result.ok, result.diagnostics
    assert "export LDFLAGS='-s -w'\n" in result.files[GITLAB]


# -- workflow commands --------------------------------------------------------------------------------


def test_workflow_command_escaping() -> None:
    """GitHub's rules: % CR LF in the message; also : and , in properties."""
    line = workflow_command("error", [("file", "a,b:c\n::add-mask::x"), ("line", 1)], "50%\r\n::warning::forged")
    assert line == "::error file=a%2Cb%3Ac%0A%3A%3Aadd-mask%3A%3Ax,line=1::50%25%0D%0A::warning::forged"
    assert "\n" not in line
    d = Diagnostic(code="schema", message="bad\n::add-mask::secret", file="dir\n::x::/ciforge.yml", line=2, col=3)
    assert "\n" not in format_github(d)


def test_render_check_annotation_escapes_the_output_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory name with a newline once forged `::add-mask::` through the drift annotation."""
    out = tmp_path / "x\n::add-mask::forged,y:z"
    out.mkdir()
    manifest = out / "ciforge.yml"
    manifest.write_text(BASE, encoding="utf-8")
    assert main(["render", "--check", "--format", "github", "-m", str(manifest)]) == 1
    captured = capsys.readouterr()
    commands = [line for line in (captured.out + captured.err).splitlines() if line.lstrip().startswith("::")]
    assert len(commands) == 2, commands  # one per stale file, nothing forged
    assert all(c.startswith("::error file=") and "%0A%3A%3Aadd-mask%3A%3Aforged%2Cy%3Az" in c for c in commands)
    assert main(["render", "--format", "github", "-m", str(manifest)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert not [line for line in lines if line.lstrip().startswith("::")], lines


def action_step(step_id: str) -> str:
    action = YAML(typ="safe", pure=True).load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return str(next(s for s in action["runs"]["steps"] if s.get("id") == step_id)["run"])


@pytest.mark.parametrize(
    "env",
    [
        {"CIFORGE_MODE": "x\n::add-mask::forged\r\n::warning::y%0A"},
        {"CIFORGE_MODE": "check", "CIFORGE_VERSION": "1\n::add-mask::forged"},
    ],
    ids=["mode", "version"],
)
def test_action_annotations_escape_inputs(env: dict[str, str], tmp_path: Path) -> None:
    """The Action's input checks print one escaped ::error, never a command from the input."""
    result = subprocess.run(
        ["bash", "-c", action_step("install")],
        check=False,
        env={
            "PATH": os.environ["PATH"],
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_ACTION_PATH": str(tmp_path),
            "CIFORGE_VERSION": "",
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    commands = [line for line in (result.stdout + result.stderr).splitlines() if line.lstrip().startswith("::")]
    assert len(commands) == 1, commands
    assert commands[0].startswith("::error title=ciforge action::")
    assert "%0A::add-mask::forged" in commands[0]
    assert "%25" in commands[0] or "%0A" in commands[0]


# -- linker flags and package patterns -----------------------------------------------------------------

UNSAFE_LDFLAGS: Final = [
    "-s -w -extld=/tmp/evil",
    "-extld /tmp/evil",
    "--extld=gcc-evil",
    "-extar=/tmp/ar",
    "-extldflags=-B/tmp/evil",
    "-linkmode=external -extldflags -fuse-ld=/tmp/ld",
    "-extldflags=--ld-path=/tmp/ld",
    "-extldflags=-wrapper,/tmp/w",
    "-extldflags=-Wl,-plugin=/tmp/p.so",
    "-extldflags=@/tmp/args",
]


@pytest.mark.parametrize("ldflags", UNSAFE_LDFLAGS)
def test_ldflags_that_run_a_program_are_refused(ldflags: str, tmp_path: Path) -> None:
    found = diagnostics(tmp_path, BASE + f"build:\n  ldflags: {ldflags}\n")
    assert [(d.code, d.line, d.col) for d in found] == [("unsafe-flag", 6, 12)] * len(found)
    assert found
    assert "cc" in found[0].message or "program" in found[0].message


@pytest.mark.parametrize("ldflags", ["-s -w", "-X main.version=1.2.3 -s", "-linkmode=external -extldflags=-static"])
def test_ordinary_ldflags_are_fine(ldflags: str, tmp_path: Path) -> None:
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(BASE + f"build:\n  ldflags: {ldflags}\n", encoding="utf-8")
    assert compile_file(manifest, out_dir=tmp_path, targets=()).ok


@pytest.mark.parametrize("packages", ["-exec", "--toolexec", "-n", "-"])
def test_packages_may_not_start_with_a_dash(packages: str, tmp_path: Path) -> None:
    found = diagnostics(tmp_path, BASE.replace('  version: "1.23"\n', f'  version: "1.23"\n  packages: "{packages}"\n'))
    assert [(d.code, d.line) for d in found] == [("pattern", 5)]


def test_docs_say_how_to_choose_the_c_compiler() -> None:
    text = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    assert re.search(r"-extld.*cc", text)
