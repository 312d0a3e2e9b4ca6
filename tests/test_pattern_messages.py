"""Pattern errors state the rule (issue 15, item 8), and render refuses image paths that do not
exist (item 6): positioned errors, the column at the offending character."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ciforge import patterns
from ciforge.cli import main
from ciforge.schema import schema
from tests.helpers import GITLAB

BASE = 'version: 1\nname: svc\ngo: {version: "1.24"}\n'


def diagnostics(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    (tmp_path / "ciforge.yml").write_text(text)
    assert main(["validate", "-m", str(tmp_path / "ciforge.yml"), "--format", "json"]) == 2
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)["diagnostics"]
    return rows


def test_ldflags_dollar_names_the_character_the_column_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report from the issue: '$' at its own column, what is allowed, and why."""
    text = BASE + "build:\n  ldflags: -s -w -X main.v=${CI_COMMIT_TAG}\n"
    [row] = diagnostics(tmp_path, text, capsys)
    line = text.splitlines()[4]
    assert (row["code"], row["line"], row["col"]) == ("pattern", 5, line.index("$") + 1)
    message = str(row["message"])
    assert "'$' at character 17 is not allowed there" in message
    assert "except quotes" in message
    assert "GitLab expands $VARIABLES in job variables and GitHub does not" in message


def test_quoted_values_point_inside_the_quotes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A single-quoted value: the column still lands on the offending character."""
    text = BASE + "image:\n  repository: 'ghcr.io/Acme/api'\n"
    [row] = diagnostics(tmp_path, text, capsys)
    assert row["col"] == text.splitlines()[4].index("A") + 1
    assert "'A' at character 9" in str(row["message"])
    assert "lower case" in str(row["message"])


@pytest.mark.parametrize(
    "case",
    [
        ("name", "my service", " ", "a letter or digit, then letters, digits"),
        ("go.version", "v1.24", "v", "a Go release"),
        ("go.packages", "./... ./cmd", " ", "no spaces"),
        ("build.main", "cmd/server", "c", "'.' or './'"),
        ("build.binary", "-srv", "-", "a file name"),
        ("triggers.branches", "feature/a b", " ", "a GitHub filter pattern"),
        ("go.tags", "integration,e2e", ",", "one build tag"),
        ("setup.apt", "libsqlite3-dev;rm", ";", "a Debian package name"),
        ("sign.key", "env:cosign_key", "c", "env: followed by the name of a CI variable"),
        ("sign.gitlab-url", "http://gitlab.example.com", ":", "https://"),
        ("image.platforms", "linux/AMD64", "A", "os/arch in lower case"),
        ("scan.licenses.deny", "AGPL 3.0", " ", "an SPDX licence identifier"),
    ],
)
def test_every_kind_of_pattern_says_what_is_allowed(
    case: tuple[str, str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each pattern error names the first offending character and its column and the rule in words,
    never the key's description alone."""
    setting, value, offender, words = case
    *parents, key = setting.split(".")
    list_keys = {"branches", "platforms", "tags", "apt", "deny"}
    inner = f"[{json.dumps(value)}]" if key in list_keys else json.dumps(value)
    line = f"{key}: {inner}"
    text = 'version: 1\ngo: {version: "1.24"}\n' + ("" if setting == "name" else "name: svc\n")
    if setting.startswith("go."):
        text = (
            f'version: 1\nname: svc\ngo:\n  version: "1.24"\n  {line}\n'
            if key != "version"
            else (f"version: 1\nname: svc\ngo:\n  {line}\n")
        )
    elif parents:
        extra = "  keyless: false\n" if parents == ["sign"] and key == "key" else ""
        nested = "".join(f"{'  ' * depth}{name}:\n" for depth, name in enumerate(parents))
        text += nested + extra + "  " * len(parents) + line + "\n"
    else:
        text += f"{line}\n"
    rows = [r for r in diagnostics(tmp_path, text, capsys) if r["code"] == "pattern"]
    assert len(rows) == 1, rows
    row = rows[0]
    source_line = text.splitlines()[int(str(row["line"])) - 1]
    assert source_line[int(str(row["col"])) - 1] == offender, (source_line, row)
    assert words in str(row["message"])
    assert "allowed:" in str(row["message"])


def test_a_cron_pattern_error_points_at_the_offending_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A schedule's cron with a day name (or two spaces) is refused at that character, with the
    cron's form in words."""
    text = BASE + 'triggers:\n  schedule:\n    - cron: "0 3 * * MON"\n      jobs: [test]\n'
    [row] = [r for r in diagnostics(tmp_path, text, capsys) if r["code"] == "pattern"]
    line = text.splitlines()[int(str(row["line"])) - 1]
    assert (row["line"], line[int(str(row["col"])) - 1]) == (6, "M")
    assert "five cron fields separated by single spaces" in str(row["message"])


def _schema_patterns(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_schema_patterns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_schema_patterns(v) for v in node))
    return set()


def test_every_schema_pattern_has_words() -> None:
    """A new pattern in the schema must come with its rule in words."""
    missing = _schema_patterns(schema()) - set(patterns.RULES)
    assert not missing, f"patterns without words in ciforge/patterns.py: {missing}"


@pytest.mark.parametrize("pattern", sorted(patterns.RULES))
def test_completions_keep_valid_values_valid(pattern: str) -> None:
    """No rule reports an offence inside a value that matches (the completions are sound), and a
    valid value's every prefix is a valid beginning."""
    examples = {
        "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$": ["orders-api", "a" * 63],
        "^[A-Za-z0-9_][A-Za-z0-9._/-]*$": ["LICENSE", "share/man/"],
        "^/[A-Za-z0-9._~/-]*$": ["/healthz", "/", "/api/v1/ready"],
        "^[A-Za-z0-9][A-Za-z0-9.+-]*$": ["AGPL-3.0", "GPL-2.0+", "0BSD"],
        "^[A-Za-z0-9._+{}-]+$": ["{name}_{version}_{os}_{arch}"],
        "^[a-z0-9]+(/[a-z0-9.,]+)?$": ["darwin", "arm/7", "arm64/v8.2,lse"],
        "^[A-Za-z0-9._+-]+$": ["macOS", "32-bit"],
        "^v(8\\.[0-9]|9\\.[0-5])(,lse)?(,crypto)?$": ["v8.0", "v9.5,lse,crypto", "v8.2,crypto"],
        "^1\\.[0-9]+(\\.[0-9]+)?$": ["1.24", "1.24.3"],
        "^(stable|oldstable|1\\.[0-9]+(\\.[0-9]+)?)$": ["stable", "oldstable", "1.24.3"],
        "^(stable|oldstable|go\\.mod|1\\.[0-9]+(\\.[0-9]+)?)$": ["go.mod", "stable", "1.24"],
        "^[^/].*$": ["go.mod", "sub/go.mod"],
        "^[A-Za-z0-9._/-]+$": ["./...", "build/Dockerfile"],
        "^[A-Za-z0-9._*/-]+$": ["git.example.com/*"],
        "^v[0-9]+\\.[0-9]+\\.[0-9]+$": ["v2.1.6"],
        "^[A-Za-z0-9._/*-]+$": ["release/**", "main"],
        "^\\.(/[A-Za-z0-9._-]+)*/?$": [".", "./cmd/api", "./"],
        "^[A-Za-z0-9][A-Za-z0-9._-]*$": ["server"],
        "^[^'\"`$\\\\]*$": ["-s -w -X main.version=1"],
        "^[^'\"`$\\\\#\\u0000-\\u001f\\u007f]*$": ["{version}", "v={version} c={short_commit}|x", ""],
        "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$": [
            "ghcr.io/acme/api",
            "registry.example.com:5000/a/b-c",
        ],
        "^[a-z0-9]+/[a-z0-9]+(/v[0-9])?$": ["linux/amd64", "linux/arm/v7"],
        "^-[A-Za-z][A-Za-z0-9.]*(=[A-Za-z0-9._,/:+=@^-]*)?$": ["-short", "-count=1", "-run=^TestA", "-test.v"],
        "^env:[A-Z_][A-Z0-9_]*$": ["env:COSIGN_KEY"],
        "^https://[A-Za-z0-9.-]+(:[0-9]+)?$": ["https://gitlab.example.com:8443"],
        "^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$": ["netgo,osusergo"],
        "^[a-z0-9][a-z0-9.+-]+(=[A-Za-z0-9.+~:-]+)?$": ["libsqlite3-dev", "g++", "protobuf-compiler=3.21.12-8.2"],
        "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
        "@sha256:[a-f0-9]{64}$": [
            "ubuntu@sha256:" + "a" * 64,
            "ubuntu:24.04@sha256:" + "0" * 64,
            "registry.example.com:5000/team/tool:v1.2_3@sha256:" + "f" * 64,
        ],
        "^[A-Z_][A-Z0-9_]*$": ["CODECOV_TOKEN", "_X1"],
        "^[A-Za-z0-9_.]+$": ["integration", "go1.21", "sqlite_omit_load_extension"],
        "^[A-Za-z0-9._/+-]+$": ["x86_64-linux-gnu-g++"],
        "^[0-9*,/-]+( [0-9*,/-]+){4}$": ["17 3 * * 1", "*/15 0-6,22-23 1 1-12/2 1-5"],
        "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$": ["release", "prod_eu.1", "a" * 63],
        "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$": ["ubuntu-24.04-arm", "saas_macos.m1", "a" * 128],
        "^[A-Za-z0-9._/][A-Za-z0-9._/-]*$": ["./...", "./internal/store-a/..."],
        "^!?(?:(?:[A-Za-z0-9._/-]|\\\\[*?+\\[\\]!\\\\]|\\[[A-Za-z0-9-]+\\])[?+]?|\\*)+$": [
            "main",
            "release/**/hotfix",
            "!feature/[a-z0-9]*",
            "v[0-9]+.*",
            "a\\*b",
        ],
    }
    for value in examples[pattern]:
        assert re.fullmatch(pattern[1:-1], value)
        assert patterns.first_offence(pattern, value) == len(value)


def _image_project(tmp_path: Path, image: str) -> Path:
    (tmp_path / "ciforge.yml").write_text(BASE + image)
    return tmp_path / "ciforge.yml"


def test_render_rejects_a_missing_dockerfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """image.dockerfile that does not exist: a positioned error at the value, exit 2, nothing written."""
    manifest = _image_project(tmp_path, "image:\n  dockerfile: build/Dockerfile\n")
    assert main(["render", "-m", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert f"{manifest}:5:15: error: image.dockerfile 'build/Dockerfile': there is no file" in err
    assert "[missing-path]" in err
    assert not (tmp_path / GITLAB).exists()


def test_render_rejects_a_missing_context_and_the_default_dockerfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both problems at once; the unset dockerfile is reported at the image key."""
    manifest = _image_project(tmp_path, "image:\n  context: ./docker\n")
    assert main(["render", "-m", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert f"{manifest}:4:1: error: image.dockerfile (default 'Dockerfile'" in err
    assert f"{manifest}:5:12: error: image.context './docker': there is no directory" in err


def test_preset_image_without_dockerfile_points_at_the_preset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The image comes from preset go-service: the error is at the preset line."""
    (tmp_path / "ciforge.yml").write_text("version: 1\nname: svc\npreset: go-service\ngo: {version: '1.24'}\n")
    assert main(["render", "-m", str(tmp_path / "ciforge.yml")]) == 2
    assert f"{tmp_path / 'ciforge.yml'}:3:1: error: image.dockerfile (default 'Dockerfile'" in capsys.readouterr().err


def test_render_accepts_existing_image_paths(tmp_path: Path) -> None:
    """The same manifest renders once the Dockerfile and context exist."""
    manifest = _image_project(tmp_path, "image:\n  dockerfile: build/Dockerfile\n  context: ./src\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "src").mkdir()
    assert main(["render", "-m", str(manifest)]) == 0
