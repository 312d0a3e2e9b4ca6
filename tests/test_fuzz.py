"""Bounded fuzzing of the loader and the CLI (issue 7, "Bad input").

Every input must end in positioned diagnostics (exit 2, nothing written) or in a valid render
(exit 0, both files written and parseable). Never a traceback, never exit 3, never a hang.

Inputs, each family its own Hypothesis test:

* random bytes, and random text over YAML's punctuation;
* random YAML documents (``st.recursive`` over mappings, lists and scalars, dumped with ruamel),
  alone and grafted into the golden manifests at a random path (wrong types, unknown keys,
  deep nesting, huge numbers such as ``1e400`` and ``10**400``);
* golden manifests (``tests/cases/*/ciforge.yml``) mutated as text: duplicated lines (duplicate
  keys), anchors and aliases, custom tags, tabs, BOMs, CR/CRLF, non-UTF-8 bytes, NULs,
  truncation, deep nesting, empty files;
* every file in ``tests/fuzz_seeds/`` and a list of pinned regressions, through both entry points.

The default run is bounded (derandomized, a few hundred examples per family, about 20-35 s on two
cores). A longer, randomized run::

    CIFORGE_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz.py

sets ``max_examples`` of every fuzz test to N (the CLI family gets N // 5, as each example
renders to disk) and turns derandomization off, so each long run explores new inputs (Hypothesis
prints a reproduction blob for any failure). To pin an input the long run found, drop it into
``tests/fuzz_seeds/``.

The number of inputs tried is counted per family and printed at the end of the module through
pytest's terminal reporter (no ``-s`` needed), and recorded as a JUnit property.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML

from ciforge import ir
from ciforge.cli import main
from ciforge.compiler import compile_pipeline, emit
from ciforge.diagnostics import CODES, Diagnostic
from ciforge.schema import schema
from tests.helpers import CASES, GITHUB, GITLAB

SEEDS_DIR: Final = Path(__file__).resolve().parent / "fuzz_seeds"
MANIFEST: Final = "ciforge.yml"
OUTPUTS: Final = (GITHUB, GITLAB)
# "ciforge.yml:12:5: error: message (at $.path) [code]"
DIAGNOSTIC_LINE: Final = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): .+ \[(?P<code>[a-z0-9-]+)\]$"
)

# Inputs tried, per family (every execution counts, shrinking included), and how they ended.
COUNTS: Counter[str] = Counter()
OUTCOMES: Counter[str] = Counter()


# -- settings ------------------------------------------------------------------------------------


def fuzz_examples(default: int, divisor: int = 1) -> int:
    """Examples per fuzz test: ``default``, or CIFORGE_FUZZ_EXAMPLES // divisor for a long run."""
    override = os.environ.get("CIFORGE_FUZZ_EXAMPLES")
    return max(int(override) // divisor, 1) if override else default


def fuzz_settings(default: int, divisor: int = 1) -> settings:
    """Bounded and derandomized by default; randomized for a long run."""
    long_run = bool(os.environ.get("CIFORGE_FUZZ_EXAMPLES"))
    chosen = settings(
        max_examples=fuzz_examples(default, divisor),
        deadline=None,
        derandomize=not long_run,
        print_blob=long_run,
        suppress_health_check=(
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ),
    )
    # the bounded run replays nothing from .hypothesis/; a long run saves what it finds there
    return chosen if long_run else settings(chosen, database=None)


# -- seeds -------------------------------------------------------------------------------------


def _seed_manifests() -> list[tuple[Path, bytes]]:
    return [(p.parent, p.read_bytes()) for p in sorted(CASES.glob("*/ciforge.yml"))]


SEEDS: Final = _seed_manifests()
# Where `go.version-file: go.mod` resolves for inputs not tied to a seed.
GO_MOD_DIR: Final = CASES / "version-file"


def _safe_yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    return yaml


def load_data(raw: bytes) -> Any:
    """A golden manifest as plain data (the seeds are well-formed)."""
    return _safe_yaml().load(raw.decode("utf-8"))


def dump_data(data: Any) -> bytes:
    """Plain data as YAML bytes."""
    stream = io.StringIO()
    _safe_yaml().dump(data, stream)
    return stream.getvalue().encode("utf-8")


SEED_DATA: Final = [(seed_dir, load_data(raw)) for seed_dir, raw in SEEDS]


def _schema_keys(node: Any, out: set[str]) -> set[str]:
    if isinstance(node, dict):
        out.update(k for k in node.get("properties", {}) if isinstance(k, str))
        for value in node.values():
            _schema_keys(value, out)
    elif isinstance(node, list):
        for value in node:
            _schema_keys(value, out)
    return out


# Every key the schema knows: random documents use them, so they get past the first checks.
MANIFEST_KEYS: Final = sorted(_schema_keys(schema(), set()))


# -- the properties ------------------------------------------------------------------------------


def check_diagnostics(diagnostics: list[Diagnostic]) -> None:
    """Every diagnostic has a known code and a real position in the manifest."""
    for d in diagnostics:
        assert d.code in CODES, d
        assert d.severity in ("error", "warning"), d
        assert d.file == MANIFEST, d
        assert d.line >= 1, d
        assert d.col >= 1, d
        assert d.message.strip(), d
        # one diagnostic, one line: no line break of any kind (NEL, U+2028...), as editors and
        # problem matchers split lines on them too
        assert len(d.message.splitlines()) == 1, d


def parse_output(text: str) -> dict[str, Any]:
    """A generated file must be one YAML mapping ending in a newline."""
    assert text.endswith("\n")
    doc = _safe_yaml().load(text)
    assert isinstance(doc, dict)
    return doc


def check_library(raw: bytes, base_dir: Path = GO_MOD_DIR, family: str = "library") -> ir.Pipeline | None:
    """``compile_pipeline`` never raises; None comes with an error, and a pipeline emits."""
    COUNTS[family] += 1
    pipeline, diagnostics = compile_pipeline(raw, file=MANIFEST, base_dir=base_dir, label=MANIFEST)
    check_diagnostics(diagnostics)
    errors = [d for d in diagnostics if d.severity == "error"]
    if pipeline is None:
        assert errors, "no pipeline and no error"
        OUTCOMES["refused"] += 1
        return None
    assert not errors, errors
    OUTCOMES["rendered"] += 1
    for text in emit(pipeline, ("github", "gitlab")).values():
        parse_output(text)
    return pipeline


@contextlib.contextmanager
def manifest_dir(raw: bytes, base_dir: Path) -> Iterator[Path]:
    """A temp dir holding the manifest and the seed's files it names (go.mod for version-file
    manifests, the Dockerfile for image manifests, every module's go.mod and the go.work for
    modules: manifests), and the image context directories (where a generated .dockerignore sits)."""
    with tempfile.TemporaryDirectory(prefix="ciforge-fuzz-") as tmp:
        root = Path(tmp)
        (root / MANIFEST).write_bytes(raw)
        modules = [p.relative_to(base_dir).as_posix() for p in sorted(base_dir.rglob("go.mod"))]
        for rel in ("go.mod", "go.work", "Dockerfile", "build/Dockerfile", *modules):
            if (base_dir / rel).is_file():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(base_dir / rel, root / rel)
        for ignore in base_dir.rglob(".dockerignore"):
            (root / ignore.parent.relative_to(base_dir)).mkdir(parents=True, exist_ok=True)
        yield root


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``ciforge.cli.main`` in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check_cli(raw: bytes, base_dir: Path = GO_MOD_DIR, fmt: str = "text", family: str = "cli") -> int:
    """``ciforge render``: exit 0 with both files, or exit 2 with diagnostics and nothing written."""
    COUNTS[family] += 1
    with manifest_dir(raw, base_dir) as root:
        out = root / "out"
        out.mkdir()
        code, stdout, stderr = run_cli(["render", "-m", str(root / MANIFEST), "--out", str(out), "--format", fmt])
        assert code in (0, 2), f"exit {code}: {stderr}"
        assert "Traceback" not in stderr + stdout
        assert "internal error" not in stderr
        OUTCOMES["exit 0" if code == 0 else "exit 2"] += 1
        if code == 2:
            assert list(out.iterdir()) == [], "a failed render wrote files"
            if fmt == "json":
                rows = json.loads(stdout)["diagnostics"]
                assert any(r["severity"] == "error" for r in rows)
                assert all(r["code"] in CODES and r["line"] >= 1 and r["col"] >= 1 for r in rows)
            elif fmt == "text":
                lines = [line for line in stderr.splitlines() if ": error: " in line or ": warning: " in line]
                assert lines, stderr
                for line in lines:
                    match = DIAGNOSTIC_LINE.match(line)
                    assert match is not None, line
                    assert match["code"] in CODES
                    assert int(match["line"]) >= 1, line
                    assert int(match["col"]) >= 1, line
            else:
                assert "::error file=" in stderr
        else:
            for rel in OUTPUTS:
                path = out / rel
                assert path.is_file(), rel
                assert path.stat().st_mode & 0o777 == 0o644
                parse_output(path.read_text(encoding="utf-8"))
            leftovers = [p for p in out.rglob("*") if p.is_file() and p.relative_to(out).as_posix() not in OUTPUTS]
            # image.dockerfile: generate also writes the Dockerfile and the context's .dockerignore
            generated = [p for p in leftovers if p.name in ("Dockerfile", ".dockerignore")]
            assert all(p.read_text(encoding="utf-8").startswith("# Generated by ciforge ") for p in generated)
            assert [p for p in leftovers if p not in generated] == []
        return code


# -- strategies ------------------------------------------------------------------------------------

HUGE_NUMBERS: Final[list[object]] = [10**400, -(10**400), 2**64, 1e308, -1e308, float("inf"), float("nan"), 0.1 + 0.2]

scalars: Final = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(HUGE_NUMBERS)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["1.23", "1.20", "linux", "amd64", "v*", "main", "on", "yes", "~", "", "${{ x }}", "$X"])
)
keys: Final = st.sampled_from(MANIFEST_KEYS) | st.text(max_size=12)
yaml_values: Final = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)

# YAML's punctuation and a few keywords, so random text reaches the parser's corners.
YAML_TOKENS: Final = [
    "\n", " ", "  ", "\t", ":", ": ", "- ", "-", "?", "? ", ",", "[", "]", "{", "}", "#", "&a", "*a", "&b", "*b", "!",
    "!!", "!!str", "!!python/object:os.system", "!local", "|", "|-", ">", "'", '"', "%YAML 1.2", "%TAG ! tag:x,2000:",
    "---", "...", "<<", "<<: *a", "@", "`", "\\", "\r", "\r\n", "\ufeff", "\x85", "\u2028", "\x00", "\x1b",
    "version", "name", "go", "build", "matrix", "include", "1", "1e400", ".inf", "~", "null", "true", "x", "é", "😀",
]  # fmt: skip
yaml_text: Final = st.lists(st.sampled_from(YAML_TOKENS) | st.text(max_size=4), max_size=60).map("".join)

SNIPPETS: Final[list[bytes]] = [
    b"<<: *a", b"&a ", b"*a", b"*undefined", b"&a [*a]", b"!!python/object/apply:os.system ['true'] ",
    b"!local ", b"!!binary aGk= ", b"!!set {a, b}", b"? [a, b]\n: c", b"\t", b"\xef\xbb\xbf", b"\xff", b"\xc3",
    b"\xed\xa0\x80", b"\x00", b"\r", b"\r\n", b"---\n", b"...\n", b"%YAML 1.1\n", b"{", b"}", b"[", b"]", b"'", b'"',
    b"#", b"|\n", b">-\n", b"- ", b": ", b"1e400", b"1" + b"0" * 400, b"-.inf", b".nan", b"0x" + b"f" * 80,
    b"0o777", b"~", b"null", b"yes", b"on", b"1.20", b"2001-12-14t21:59:43.10-05:00", b'"\\ud800"', b'"\\x00"',
    b'"\\U0010FFFF"', b"version: 1\n", b"go:\n", b"name:\n", b"bogus: 1\n", b"build: {matrix: {goos: [linux, linux]}}\n",
    b"[" * 200, b"{a: " * 70, b"\xe2\x80\xa8", b"\xc2\x85", b"x" * 3000, b"\\", b"@", b"`",
]  # fmt: skip
VALUES: Final[list[bytes]] = [
    b"1e400", b"-1e400", b"1" + b"0" * 400, b"1" + b"0" * 5000, b".inf", b".nan", b"0x" + b"f" * 80, b"~", b"",
    b"[]", b"{}", b"[a, 1, true, null]", b"{bogus: 1}", b"!!binary aGk=", b"!custom x", b"*nowhere", b"yes", b"on",
    b"1.20", b"0o17", b"017", b'"\\ud800"', b'"\\x00"', b"'a\n  b'", b"|\n  block\n", b"-1", b"true", b"12:30:00",
    b"2001-12-14", b"[" * 120 + b"]" * 120, b"{a: " * 80 + b"1" + b"}" * 80, b"&dup 1", b"x" * 5000,
]  # fmt: skip


def _lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


def mut_insert(draw: st.DrawFn, raw: bytes) -> bytes:
    pos = draw(st.integers(0, len(raw)))
    return raw[:pos] + draw(st.sampled_from(SNIPPETS)) + raw[pos:]


def mut_delete(draw: st.DrawFn, raw: bytes) -> bytes:
    start = draw(st.integers(0, len(raw)))
    return raw[:start] + raw[start + draw(st.integers(1, 40)) :]


def mut_duplicate_line(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(i, len(lines)))
    return b"\n".join([*lines[:j], lines[i], *lines[j:]])


def mut_swap_lines(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def mut_replace_value(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    with_values = [i for i, line in enumerate(lines) if b": " in line] or [0]
    i = draw(st.sampled_from(with_values))
    head = lines[i].split(b": ", 1)[0]
    lines[i] = head + b": " + draw(st.sampled_from(VALUES))
    return b"\n".join(lines)


def mut_indent(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    i = draw(st.integers(0, len(lines) - 1))
    delta = draw(st.sampled_from([-2, -1, 1, 2, 4]))
    lines[i] = b" " * delta + lines[i] if delta > 0 else lines[i][-delta:]
    return b"\n".join(lines)


def mut_tabs(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    i = draw(st.integers(0, len(lines) - 1))
    stripped = lines[i].lstrip(b" ")
    lines[i] = b"\t" * ((len(lines[i]) - len(stripped)) // 2 or 1) + stripped
    return b"\n".join(lines)


def mut_truncate(draw: st.DrawFn, raw: bytes) -> bytes:
    return raw[: draw(st.integers(0, len(raw)))]


def mut_line_endings(draw: st.DrawFn, raw: bytes) -> bytes:
    return raw.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n", b"\x85", b"\xe2\x80\xa8"])))


def mut_bom(draw: st.DrawFn, raw: bytes) -> bytes:
    bom = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"]))
    pos = draw(st.sampled_from([0, 0, len(raw) // 2]))
    return raw[:pos] + bom + raw[pos:]


def mut_encoding(draw: st.DrawFn, raw: bytes) -> bytes:
    text = raw.decode("utf-8", "surrogateescape")
    return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"])), "replace")


def mut_anchor_alias(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    with_values = [i for i, line in enumerate(lines) if line.rstrip().endswith(b":") or b": " in line] or [0]
    i, j = draw(st.sampled_from(with_values)), draw(st.sampled_from(with_values))
    name = draw(st.sampled_from([b"a", b"b"]))
    if lines[i].rstrip().endswith(b":"):
        lines[i] = lines[i].rstrip() + b" &" + name
    elif b": " in lines[i]:
        head, value = lines[i].split(b": ", 1)
        lines[i] = head + b": &" + name + b" " + value
    else:
        lines[i] = b"&" + name + b" " + lines[i]
    if j != i and b": " in lines[j]:
        head = lines[j].split(b": ", 1)[0]
        lines[j] = head + b": " + draw(st.sampled_from([b"*" + name, b"[*" + name + b", *" + name + b"]"]))
    elif j != i:
        lines.insert(j + 1, lines[j][: len(lines[j]) - len(lines[j].lstrip())] + b"  <<: *" + name)
    return b"\n".join(lines)


def mut_tag(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    with_values = [i for i, line in enumerate(lines) if b": " in line] or [0]
    i = draw(st.sampled_from(with_values))
    tag = draw(st.sampled_from([b"!!str", b"!!int", b"!!float", b"!!bool", b"!!null", b"!!map", b"!!seq", b"!x", b"!!python/tuple", b"!<tag:x,2000:y>"]))  # fmt: skip
    if draw(st.booleans()) and b": " in lines[i]:
        head, value = lines[i].split(b": ", 1)
        lines[i] = head + b": " + tag + b" " + value
    else:
        stripped = lines[i].lstrip()
        lines[i] = lines[i][: len(lines[i]) - len(stripped)] + tag + b" " + stripped
    return b"\n".join(lines)


def mut_deep(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = _lines(raw)
    with_values = [i for i, line in enumerate(lines) if b": " in line] or [0]
    i = draw(st.sampled_from(with_values))
    depth = draw(st.sampled_from([10, 63, 64, 65, 100, 400, 1200]))
    kind = draw(st.sampled_from(["seq", "map", "block"]))
    head = lines[i].split(b": ", 1)[0]
    if kind == "seq":
        lines[i] = head + b": " + b"[" * depth + b"1" + b"]" * depth
    elif kind == "map":
        lines[i] = head + b": " + b"{a: " * depth + b"1" + b"}" * depth
    else:
        lines[i] = head + b":" + b"".join(b"\n" + b" " * (len(head) + 2 + 2 * k) + b"- " for k in range(depth)) + b"1"
    return b"\n".join(lines)


def mut_empty(draw: st.DrawFn, raw: bytes) -> bytes:
    return draw(st.sampled_from([b"", b" ", b"\n", b"\xef\xbb\xbf", b"# only a comment\n", b"---\n", b"---\n...\n", b"~\n", b"[]\n", b"{}\n", b'""\n']))  # fmt: skip


Mutation = Callable[[st.DrawFn, bytes], bytes]
MUTATIONS: Final[list[Mutation]] = [
    mut_insert, mut_delete, mut_duplicate_line, mut_duplicate_line, mut_swap_lines, mut_replace_value,
    mut_replace_value, mut_indent, mut_tabs, mut_truncate, mut_line_endings, mut_bom, mut_encoding,
    mut_anchor_alias, mut_anchor_alias, mut_tag, mut_deep, mut_empty,
]  # fmt: skip


@st.composite
def mutated_manifests(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A golden manifest with one to four textual mutations."""
    seed_dir, raw = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        raw = draw(st.sampled_from(MUTATIONS))(draw, raw)
    return seed_dir, raw


def _containers(data: Any, out: list[Any]) -> list[Any]:
    if isinstance(data, dict | list):
        out.append(data)
        for value in data.values() if isinstance(data, dict) else data:
            _containers(value, out)
    return out


@st.composite
def grafted_manifests(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A golden manifest with random YAML values set, added, wrapped or removed at random paths."""
    seed_dir, seed = draw(st.sampled_from(SEED_DATA))
    data = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(_containers(data, [])))
        action = draw(st.sampled_from(["set", "set", "add", "delete", "wrap", "deep", "huge"]))
        key: Any
        if isinstance(target, dict):
            key = draw(keys) if action == "add" or not target else draw(st.sampled_from(sorted(target)))
            target.setdefault(key, None)
        else:
            key = draw(st.integers(0, len(target)))
            if key == len(target):
                target.append(None)
        if action == "delete":
            del target[key]
        elif action == "wrap":
            target[key] = draw(st.sampled_from([[target[key]], {"x": target[key]}]))
        elif action == "deep":
            value: Any = draw(scalars)
            for _ in range(draw(st.sampled_from([30, 65, 200]))):
                value = [value] if draw(st.booleans()) else {"a": value}
            target[key] = value
        elif action == "huge":
            target[key] = draw(st.sampled_from(HUGE_NUMBERS))
        else:
            target[key] = draw(yaml_values)
    return seed_dir, dump_data(data)


random_documents: Final = yaml_values.map(dump_data)
any_input: Final = st.one_of(
    st.binary(max_size=400).map(lambda raw: (GO_MOD_DIR, raw)),
    random_documents.map(lambda raw: (GO_MOD_DIR, raw)),
    grafted_manifests(),
    mutated_manifests(),
    st.sampled_from(SEEDS),
)


# -- the fuzz tests ------------------------------------------------------------------------------


@fuzz_settings(300)
@given(raw=st.binary(max_size=600))
def test_library_random_bytes(raw: bytes) -> None:
    """Random bytes: diagnostics, never an exception."""
    check_library(raw, family="random bytes")


@fuzz_settings(300)
@given(text=yaml_text)
def test_library_random_yaml_text(text: str) -> None:
    """Random text built from YAML's punctuation and keywords, as UTF-8."""
    check_library(text.encode("utf-8", "surrogatepass"), family="random YAML text")


@fuzz_settings(200)
@given(raw=random_documents)
def test_library_random_yaml_documents(raw: bytes) -> None:
    """Random well-formed YAML documents (mappings, lists, scalars, huge numbers)."""
    check_library(raw, family="random YAML documents")


@fuzz_settings(250)
@given(case=grafted_manifests())
def test_library_grafted_manifests(case: tuple[Path, bytes]) -> None:
    """Golden manifests with wrong types, unknown keys, deep nesting and huge numbers grafted in."""
    seed_dir, raw = case
    check_library(raw, seed_dir, family="grafted manifests")


@fuzz_settings(350)
@given(case=mutated_manifests())
def test_library_mutated_manifests(case: tuple[Path, bytes]) -> None:
    """Golden manifests mutated as text (duplicate keys, aliases, tags, tabs, BOMs, bad bytes...)."""
    seed_dir, raw = case
    check_library(raw, seed_dir, family="mutated manifests")


@fuzz_settings(150, divisor=5)
@given(case=any_input, fmt=st.sampled_from(["text", "text", "json", "github"]))
def test_cli_render_any_input(case: tuple[Path, bytes], fmt: str) -> None:
    """`ciforge render` on any of the inputs above: exit 0 with two parseable files, or exit 2
    with positioned diagnostics and nothing written; never exit 3, never a traceback."""
    seed_dir, raw = case
    check_cli(raw, seed_dir, fmt, family="CLI render")


# -- pinned inputs: regressions and seeds, through both entry points ----------------------------

BASE: Final = b'version: 1\nname: pinned\ngo:\n  version: "1.23"\n'
REGRESSIONS: Final[dict[str, bytes]] = {
    "empty": b"",
    "whitespace": b"  \n\n",
    "comment-only": b"# nothing here\n",
    "bom-only": b"\xef\xbb\xbf",
    "bom-manifest": b"\xef\xbb\xbf" + BASE,
    "double-bom": b"\xef\xbb\xbf\xef\xbb\xbf" + BASE,
    "utf16-manifest": BASE.decode().encode("utf-16"),
    "latin1-byte": BASE + b"build: {binary: caf\xe9}\n",
    "truncated-utf8": BASE[:-1] + b"\xc3",
    "nul-byte": BASE + b"\x00",
    "crlf": BASE.replace(b"\n", b"\r\n"),
    "cr-only": BASE.replace(b"\n", b"\r"),
    "tab-indent": b'version: 1\nname: tabs\ngo:\n\tversion: "1.23"\n',
    "two-documents": BASE + b"---\n" + BASE,
    "document-end-only": b"...\n",
    "scalar-root": b"hello\n",
    "null-root": b"~\n",
    "list-root": b"- version: 1\n",
    "go-null": b"version: 1\nname: x\ngo:\n",
    "go-int": b"version: 1\nname: x\ngo: 5\n",
    "go-bool": b"version: 1\nname: x\ngo: true\n",
    "go-float": b"version: 1\nname: x\ngo: 1.5\n",
    "go-list": b"version: 1\nname: x\ngo: [version]\n",
    "golangci-lint-int": BASE + b"lint: {golangci-lint: 5}\n",
    "float-1e400": BASE + b"test: {coverage: {threshold: 1e400}}\n",
    "int-10e400": BASE + b"test: {coverage: {threshold: 1" + b"0" * 400 + b"}}\n",
    "int-5000-digits": BASE + b"test: {coverage: {threshold: 1" + b"0" * 5000 + b"}}\n",
    "hex-huge": BASE + b"test: {coverage: {threshold: 0x" + b"f" * 500 + b"}}\n",
    "version-huge": b"version: 1" + b"0" * 400 + b'\nname: x\ngo: {version: "1.23"}\n',
    "version-float": b'version: 1.0\nname: x\ngo: {version: "1.23"}\n',
    "nan": BASE + b"test: {coverage: {threshold: .nan}}\n",
    "unquoted-go-version": b"version: 1\nname: x\ngo: {version: 1.20}\n",
    "duplicate-top": BASE + b"name: again\n",
    "duplicate-in-list": BASE + b"build: {matrix: {include: [{goos: linux, goos: darwin}]}}\n",
    "undefined-alias": BASE + b"name: *nope\n",
    "recursive-alias": BASE + b"build: &a {matrix: *a}\n",
    "recursive-merge": BASE + b"build: &a {<<: *a}\n",
    "merge-scalar": BASE + b"build: {<<: 1}\n",
    "merge-list-of-scalars": BASE + b"build: {<<: [1, 2]}\n",
    "reused-anchor": b'version: 1\nname: &n x\ngo:\n  version: &n "1.23"\n',
    "python-tag": BASE + b"build: !!python/object/apply:os.system ['true']\n",
    "tag-on-key": b'version: 1\n!!python/name:os.system name: x\ngo: {version: "1.23"}\n',
    "complex-key": BASE + b"? [a, b]\n: c\n",
    "null-key": BASE + b"~: x\n",
    "int-key": BASE + b"1: x\n",
    "surrogate-version-file": b'version: 1\nname: x\ngo: {version-file: "\\ud800"}\n',
    "surrogate-proxy": BASE + b'  proxy: "\\ud800"\n',
    "nul-escape-proxy": BASE + b'  proxy: "\\x00"\n',
    "newline-in-name": b'version: 1\nname: "x\\n"\ngo: {version: "1.23"}\n',
    "directory-version-file": b"version: 1\nname: x\ngo: {version-file: .}\n",
    "long-string": BASE + b"  proxy: " + b"x" * 100_000 + b"\n",
    "deep-flow-seq": b"x: " + b"[" * 600 + b"]" * 600 + b"\n",
    "deep-flow-map": b"x: " + b"{a: " * 2000 + b"1" + b"}" * 2000 + b"\n",
    "deep-block": b"".join(b"  " * i + b"k:\n" for i in range(400)),
    "unterminated-quote": BASE + b'name: "x\n',
    "bad-escape": BASE + b'  proxy: "\\q"\n',
    "directive-only": b"%YAML 1.2\n",
    "unknown-directive": b"%FOO bar\n---\n" + BASE,
    "control-char": BASE + b"  proxy: a\x01b\n",
    "nel-escape-in-root": b'" \\N"\n',  # found by a long run: a NEL inside a diagnostic
    "line-separator-in-name": b'version: 1\nname: "a\\Lb"\ngo: {version: "1.23"}\n',
    "c1-control-in-name": b'version: 1\nname: "a\\x9b31mb"\ngo: {version: "1.23"}\n',
}


def _seed_files() -> list[Path]:
    return sorted(p for p in SEEDS_DIR.glob("*") if p.is_file() and p.name != "README.md")


PINNED: Final = [pytest.param(raw, id=name) for name, raw in REGRESSIONS.items()] + [
    pytest.param(p.read_bytes(), id=f"seed-{p.name}") for p in _seed_files()
]


@pytest.mark.parametrize("raw", PINNED)
def test_pinned_input_library(raw: bytes) -> None:
    """Each pinned input gives diagnostics or a pipeline, never an exception or a warning."""
    check_library(raw, family="pinned")


@pytest.mark.parametrize("raw", PINNED)
def test_pinned_input_cli(raw: bytes) -> None:
    """Each pinned input renders (exit 0) or fails cleanly (exit 2, nothing written)."""
    check_cli(raw, family="pinned")


def test_every_golden_manifest_renders() -> None:
    """The unmutated seeds are valid: the fuzz starts from real manifests."""
    assert len(SEEDS) >= 5
    for seed_dir, raw in SEEDS:
        assert check_library(raw, seed_dir, family="seeds") is not None
        assert check_cli(raw, seed_dir, family="seeds") == 0


# -- validation holes found while fuzzing ----------------------------------------------------------

TRAILING_NEWLINE: Final = {
    # name: (manifest, the JSON path of the value)
    "name": (b'version: 1\nname: "svc\\n"\ngo: {version: "1.23"}\n', ("name",)),
    "branch": (BASE + b'triggers: {branches: ["main\\n"]}\n', ("triggers", "branches", 0)),
    "binary": (BASE + b'build: {binary: "srv\\n"}\n', ("build", "binary")),
    "signing-key": (
        BASE + b'image: {}\nsign: {keyless: false, key: "env:KEY\\n", public-key: "env:PUB"}\n',
        ("sign", "key"),
    ),
}


@pytest.mark.parametrize(("raw", "path"), TRAILING_NEWLINE.values(), ids=TRAILING_NEWLINE.keys())
def test_pattern_checked_strings_refuse_a_trailing_newline(raw: bytes, path: tuple[str | int, ...]) -> None:
    """JSON Schema patterns are ECMA-262, where ``$`` matches only at the very end; Python's
    ``re.search`` also matches before a final newline. So ``"env:KEY\\n"`` passed
    ``^env:[A-Z_][A-Z0-9_]*$`` and became ``${{ secrets.KEY\\n }}`` in the workflow, and a branch
    ``"main\\n"`` a GitLab regex with a newline. Such values are pattern errors."""
    pipeline, diagnostics = compile_pipeline(raw, file=MANIFEST, base_dir=GO_MOD_DIR, label=MANIFEST)
    check_diagnostics(diagnostics)
    assert pipeline is None, "a value with a trailing newline passed its pattern"
    assert [d.path for d in diagnostics if d.code == "pattern"] == [path], diagnostics


# -- hangs ---------------------------------------------------------------------------------------


def test_unique_items_check_is_not_quadratic(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long list of mappings where the schema wants unique strings (go.private) is refused
    without jsonschema's own uniqueItems check, whose ``uniq`` falls back to an O(n^2) scan for
    unhashable items (10,000 one-key mappings, ~100 KB of YAML, took minutes before the fix).
    Checked by what runs, not by how long it takes: ``uniq`` must never be called, and ciforge's
    replacement encodes each item once."""
    import jsonschema._keywords

    def quadratic_fallback(container: object) -> bool:
        raise AssertionError("jsonschema's quadratic uniqueItems fallback was used")

    monkeypatch.setattr(jsonschema._keywords, "uniq", quadratic_fallback)
    encoded = Counter[str]()
    real_dumps = json.dumps

    def counting_dumps(obj: Any, **kwargs: Any) -> str:
        text = real_dumps(obj, **kwargs)
        encoded[text] += 1
        return text

    monkeypatch.setattr(json, "dumps", counting_dumps)  # ciforge.schema encodes items with it

    def encodings_per_item(count: int) -> int:
        encoded.clear()
        items = ", ".join(f"{{a: {i}}}" for i in range(count))
        raw = f'version: 1\nname: x\ngo: {{version: "1.23", private: [{items}]}}\n'.encode()
        pipeline, diagnostics = compile_pipeline(raw, file=MANIFEST, base_dir=GO_MOD_DIR, label=MANIFEST)
        assert pipeline is None
        assert diagnostics
        assert all(d.line >= 1 for d in diagnostics)
        item_keys = [key for key in encoded if key.startswith('{"a": ')]
        assert len(item_keys) == count, "every item is encoded by ciforge's uniqueness check"
        return max(encoded[key] for key in item_keys)

    # linear: each item is encoded a fixed number of times, whatever the list's length
    assert encodings_per_item(10_000) == encodings_per_item(1_000) <= 2


# -- the count -------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _report_inputs_tried(request: pytest.FixtureRequest, record_testsuite_property: Any) -> Iterator[None]:
    """After the module: print how many inputs were tried, per family (no -s needed)."""
    yield
    total = sum(COUNTS.values())
    if not total:
        return
    families = ", ".join(f"{name}: {n}" for name, n in sorted(COUNTS.items()))
    outcomes = ", ".join(f"{name}: {n}" for name, n in sorted(OUTCOMES.items()))
    line = f"ciforge fuzz: {total} inputs tried ({families}; outcomes: {outcomes})"
    record_testsuite_property("fuzz_inputs_tried", total)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        # write past output capturing, straight to the terminal
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line("")
            reporter.write_line(line)
