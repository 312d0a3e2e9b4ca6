"""The manifest loader's fast path (ciforge/source.py): libyaml's parser where it reads the text
as YAML 1.2 does. Every manifest in the suite, and documents written to probe the differences,
load to the same data, positions and diagnostics through either parser; text libyaml would read
as YAML 1.1 does never takes the fast path."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ciforge import source
from tests.helpers import CASES, ERRORS

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = sorted(
    [*CASES.glob("*/ciforge.yml"), *ERRORS.glob("*.yml"), ROOT / "examples" / "go-service" / "ciforge.yml"]
)
PROBES = [
    # anchors, aliases, merge keys and a redefined anchor (YAML 1.2 allows it)
    "a: &x {k: 1}\nb: *x\nc:\n  <<: *x\n  j: 2\nd: &x 3\ne: *x\n",
    # folded and literal blocks, chomping, indentation indicators, quoted escapes
    "f: >\n  one\n  two\n\n  three\ng: |+\n  keep\n\nh: |2-\n    x\ni: \"a\\tb\\u00e9\\/\"\nj: 'it''s'\n",
    # scalars YAML 1.1 reads otherwise (booleans, octals, sexagesimals)
    "on: yes\noff: No\nk: 0777\nl: 12:30\nm: 0o17\nn: 1_000\no: ~\np: .NaN\nq: 2001-12-14\n",
    # duplicate keys, a custom tag, a non-string key, deep flow collections
    "a: 1\na: 2\nb: !custom x\n? [1, 2]\n: v\nc: [[[[1]]], {x: {y: [2]}}]\n",
    # a long plain scalar over several lines, comments everywhere
    "# top\nname: one\n  two   # not a comment\n  three\nlist:   # c\n  - a  # c\n  -   b\n",
    # broken documents: libyaml refuses them, the pure parser gives ciforge's message
    "a: [1, 2\n",
    "a: 'unterminated\n",
    "a:\n- b\n - c\n",
    "{a: 1, b\n",
]


def _load(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    monkeypatch.setattr(source, "_C_PARSER", fast and source._C_PARSER)
    source.compose.cache_clear()  # each parser composes afresh
    doc, diagnostics = source.load_text(text, "ciforge.yml")
    shape = None
    if doc is not None:
        shape = (doc.data, doc.source_map, doc.raw_scalars, doc.value_offsets)
    return shape, diagnostics


def test_the_fast_path_is_installed() -> None:
    """ruamel.yaml.clib is a dependency on CPython: without it the comparisons below would compare
    the pure parser with itself."""
    assert source._C_PARSER


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_manifest_loads_the_same_through_both_parsers(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    assert _load(text, True, monkeypatch) == _load(text, False, monkeypatch)


@pytest.mark.parametrize("text", PROBES)
def test_probe_documents_load_the_same_through_both_parsers(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert source._fast_path(text)
    assert _load(text, True, monkeypatch) == _load(text, False, monkeypatch)


@pytest.mark.parametrize(
    "text",
    [
        "name: a\u0085b\n",  # NEL: a line break in YAML 1.1, a character (refused) in 1.2
        "name: a\u2028b\n",
        "name: caf\u00e9\n",  # any non-ASCII text
        "name:\ta\n",  # tabs
        "%YAML 1.2\n---\nname: a\n",  # a directive
    ],
)
def test_text_yaml_1_1_would_read_otherwise_takes_the_pure_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not source._fast_path(text)
    calls: list[str] = []
    real = YAML

    def spy(*, typ: str, pure: bool) -> object:
        calls.append(typ)
        return real(typ=typ, pure=pure)

    monkeypatch.setattr(source, "YAML", spy)
    source.compose.cache_clear()
    source.load_text(text, "ciforge.yml")
    assert calls == ["rt"]


# What verify reads of the files on disk: every golden output, the probes, and hand-written
# pipelines with the constructs ciforge never writes (tests/cases/*, the hand-written fixtures).
OUTPUTS = sorted(
    [*CASES.glob("*/.gitlab-ci.yml"), *CASES.glob("*/.github/workflows/*.yml")],
    key=str,
)
FOREIGN = [
    *PROBES,
    "a: &base {image: x}\nb:\n  <<: *base\n  script: [!reference [.x, script]]\n.hidden: {script: [y]}\n",
    "jobs:\n  call:\n    uses: ./.github/workflows/r.yml\n    with: {a: *missing}\n",
]


def _plain(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    from ciforge.plan import foreign

    monkeypatch.setattr(source, "_C_PARSER", fast and source._C_PARSER)
    source.compose.cache_clear()
    try:
        data: object = source.load_plain(text)
    except YAMLError as exc:  # the same refusal through both parsers
        data = type(exc).__name__
    keywords = foreign.Keywords(top={"include": "i"}, job={"extends": "e"}, jobs_key=None)
    return data, foreign.findings(text, keywords)


@pytest.mark.parametrize(
    "path", OUTPUTS, ids=lambda p: f"{p.parts[-3] if '.github' in p.parts else p.parent.name}/{p.name}"
)
def test_every_output_reads_the_same_through_both_parsers(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify's lifters and its check for foreign constructs read the files through libyaml where
    it agrees with YAML 1.2: the data and the findings are the same through both parsers."""
    text = path.read_text(encoding="utf-8")
    assert source._fast_path(text), path  # ciforge's outputs are plain ASCII
    assert _plain(text, True, monkeypatch) == _plain(text, False, monkeypatch)


@pytest.mark.parametrize("text", FOREIGN)
def test_foreign_constructs_are_found_the_same_through_both_parsers(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _plain(text, True, monkeypatch) == _plain(text, False, monkeypatch)
