"""YAML safety (issue 7): alias bombs, duplicate keys, custom tags, merge keys, deep nesting.

Bombs and very deep documents run in a child process with a hang guard (``timeout=``) and an
address-space cap (``RLIMIT_AS``), and the child measures its own peak with ``tracemalloc``;
nothing here asserts a wall-clock figure.
"""

from __future__ import annotations

import io
import json
import re
import resource
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any, Final

import pytest

from ciforge import ir
from ciforge.cli import main
from ciforge.compiler import compile_pipeline
from ciforge.diagnostics import Diagnostic
from ciforge.source import MAX_DEPTH

MANIFEST: Final = "ciforge.yml"
HEAD: Final = 'version: 1\nname: safe\ngo:\n  version: "1.23"\n'
HANG_GUARD_SECONDS: Final = 60
ADDRESS_SPACE_CAP: Final = 2 * 1024**3  # the child dies rather than take the machine down
PEAK_LIMIT: Final = 200 * 1024**2  # tracemalloc peak while compiling a hostile manifest


def compile_text(text: str, base_dir: Path = Path()) -> tuple[ir.Pipeline | None, list[Diagnostic]]:
    """Compile manifest text in-process, as ``ciforge.yml``."""
    return compile_pipeline(text.encode("utf-8"), file=MANIFEST, base_dir=base_dir, label=MANIFEST)


def errors(diagnostics: list[Diagnostic], code: str) -> list[Diagnostic]:
    """The error diagnostics with this code, each checked to carry a real position."""
    found = [d for d in diagnostics if d.code == code and d.severity == "error"]
    for d in found:
        assert d.line >= 1, d
        assert d.col >= 1, d
        assert d.file == MANIFEST
    return found


def coverage_threshold(pipeline: ir.Pipeline) -> str:
    """The test job's coverage threshold, as its gate script assigns it."""
    gate = next(s for s in pipeline.job("test").steps if isinstance(s, ir.Run) and s.id == "coverage-gate")
    found = re.findall(r"^export COVERAGE_THRESHOLD='([^']*)'$", gate.script, flags=re.MULTILINE)
    assert len(found) == 1, gate.script
    return str(found[0])


# -- guarded child process -----------------------------------------------------------------------

CHILD: Final = textwrap.dedent(
    """
    import json, resource, sys, tracemalloc
    from pathlib import Path
    from ciforge.compiler import compile_pipeline
    from ciforge.schema import _validator
    _validator()  # imports and schema compilation are not the input's doing
    raw = Path(sys.argv[1]).read_bytes()
    tracemalloc.start()
    pipeline, diagnostics = compile_pipeline(raw, file="ciforge.yml", base_dir=Path(sys.argv[1]).parent, label="ciforge.yml")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({
        "ok": pipeline is not None,
        "peak": peak,
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "diagnostics": [[d.code, d.line, d.col, d.message] for d in diagnostics],
    }))
    """
)


def _cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def run_guarded(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``python args...`` with the hang guard and the address-space cap."""
    try:
        return subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=HANG_GUARD_SECONDS,
            preexec_fn=_cap_address_space,  # setrlimit only: safe before exec
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {HANG_GUARD_SECONDS} s (hang guard)")


def compile_guarded(raw: bytes, tmp_path: Path) -> dict[str, Any]:
    """Compile in a guarded child; returns its report (ok, peak, maxrss, diagnostics)."""
    manifest = tmp_path / MANIFEST
    manifest.write_bytes(raw)
    proc = run_guarded(["-c", CHILD, str(manifest)])
    assert proc.returncode == 0, f"child failed (exit {proc.returncode}): {proc.stderr[-2000:]}"
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def render_guarded(raw: bytes, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`python -m ciforge render --format json` in a guarded child; returns the process and --out."""
    manifest = tmp_path / MANIFEST
    manifest.write_bytes(raw)
    out = tmp_path / "out"
    out.mkdir()
    proc = run_guarded(["-m", "ciforge", "render", "-m", str(manifest), "--out", str(out), "--format", "json"])
    return proc, out


# -- alias bombs -----------------------------------------------------------------------------------


def _lol_sequences(levels: int = 10, fan: int = 10) -> str:
    """Classic billion laughs inside go.private: level k is a list of `fan` aliases to level k-1."""
    lines = ["  private:", "    - &l0 [" + ", ".join(["lol"] * fan) + "]"]
    lines += [f"    - &l{k} [" + ", ".join([f"*l{k - 1}"] * fan) + "]" for k in range(1, levels)]
    return HEAD + "\n".join(lines) + "\n"


def _lol_mappings(levels: int = 10, fan: int = 10) -> str:
    """The same with mappings: level k maps `fan` keys to level k-1."""
    lines = ["build:", "  matrix:", "    include:", "      - &m0 {goos: linux, tags: lol}"]
    for k in range(1, levels):
        body = ", ".join(f"k{i}: *m{k - 1}" for i in range(fan))
        lines.append(f"      - &m{k} {{{body}}}")
    return HEAD + "\n".join(lines) + "\n"


def _lol_merges(levels: int = 10, fan: int = 10) -> str:
    """Merge keys: level k merges level k-1 `fan` times (each merge source is built again)."""
    lines = ["  private:", "    - &g0 {a: lol, b: lol}"]
    for k in range(1, levels):
        lines.append(f"    - &g{k} {{<<: [" + ", ".join([f"*g{k - 1}"] * fan) + f"], k{k}: lol}}")
    return HEAD + "\n".join(lines) + "\n"


def _long_strings(size: int = 100_000, copies: int = 1_500) -> str:
    """Few nodes, many bytes: one 100 KB string aliased 1,500 times (150 MB once expanded, far
    below the node budget). Validation messages then repr and JSON-dump the expanded list."""
    return HEAD + f'  proxy: &s "{"x" * size}"\n  private: [' + ", ".join(["*s"] * copies) + "]\n"


def _bomb_everywhere() -> str:
    """A bomb referenced from every top-level key the schema checks."""
    base = _lol_sequences()
    refs = "".join(f"{key}: *l9\n" for key in ("triggers", "lint", "test", "build", "image", "sign"))
    return base + refs


BOMBS: Final = {
    "billion-laughs-sequences": _lol_sequences(),
    "billion-laughs-mappings": _lol_mappings(),
    "billion-laughs-merge-keys": _lol_merges(),
    "long-string-aliases": _long_strings(),
    "bomb-referenced-everywhere": _bomb_everywhere(),
    "self-referencing-sequence": HEAD + "  private: &a [*a, *a]\n",
    "self-referencing-merge": HEAD + "build: &b {<<: *b, main: .}\n",
}


@pytest.mark.parametrize("text", BOMBS.values(), ids=BOMBS.keys())
def test_alias_bomb_is_refused_in_bounded_memory(text: str, tmp_path: Path) -> None:
    """An alias-expansion bomb ends in a positioned yaml-alias-bomb error, not in a hang or an
    out-of-memory: the child's traced peak stays under 200 MiB."""
    assert len(text) < 400_000  # the attack is small; its expansion is not
    report = compile_guarded(text.encode("utf-8"), tmp_path)
    assert not report["ok"]
    codes = [row[0] for row in report["diagnostics"]]
    bombs = [row for row in report["diagnostics"] if row[0] == "yaml-alias-bomb"]
    memory = f"traced peak {report['peak'] / 1024**2:.0f} MiB, max RSS {report['maxrss'] / 1024**2:.0f} MiB"
    assert bombs, f"no yaml-alias-bomb diagnostic, got {sorted(set(codes))} ({memory})"
    for _, line, col, message in bombs:
        assert line >= 1
        assert col >= 1
        assert "alias" in message or "anchor" in message
    assert report["peak"] < PEAK_LIMIT, memory


@pytest.mark.parametrize("name", ["billion-laughs-sequences", "long-string-aliases"])
def test_alias_bomb_cli_exit_2_and_nothing_written(name: str, tmp_path: Path) -> None:
    """As a real process: exit 2, a JSON diagnostic with the code, no traceback, no files."""
    proc, out = render_guarded(BOMBS[name].encode("utf-8"), tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    rows = json.loads(proc.stdout)["diagnostics"]
    assert any(r["code"] == "yaml-alias-bomb" and r["line"] >= 1 for r in rows)
    assert list(out.iterdir()) == []


def test_aliases_within_the_budget_still_work() -> None:
    """The bound is on expansion, not on aliases: a modest, legitimate reuse renders."""
    pipeline, diagnostics = compile_text(
        HEAD + '  private: &p ["git.example.com/*"]\ntest:\n  coverage:\n    exclude: *p\n'
    )
    assert pipeline is not None, diagnostics
    total = next(s for s in pipeline.job("test").steps if isinstance(s, ir.Run) and s.id == "coverage-total")
    assert "export COVERAGE_EXCLUDE='" in total.script
    assert "git\\.example\\.com" in total.script


# -- duplicate keys --------------------------------------------------------------------------------

DUPLICATES: Final = {
    # name: (manifest, [(line, col) of each repeated key])
    "top-level": (HEAD + "name: again\n", [(5, 1)]),
    "nested": ('version: 1\nname: d\ngo:\n  version: "1.23"\n  version: "1.24"\n', [(5, 3)]),
    "deeper": (HEAD + "test:\n  coverage:\n    threshold: 1\n    threshold: 2\n", [(8, 5)]),
    "block-list-of-mappings": (
        HEAD + "build:\n  matrix:\n    include:\n      - goos: linux\n        goos: darwin\n",
        [(9, 9)],
    ),
    "flow-list-of-mappings": (
        HEAD + "build: {matrix: {include: [{goos: linux}, {goos: linux, tags: a, tags: b}]}}\n",
        [(5, 66)],
    ),
    "quoted-and-plain": (HEAD + '"name": again\n', [(5, 1)]),
    "three-times": (HEAD + "lint:\n  vet: true\n  vet: false\n  vet: true\n", [(7, 3), (8, 3)]),
    "in-every-section": (
        'version: 1\nversion: 1\nname: d\ngo:\n  version: "1.23"\n  packages: ./...\n  packages: ./...\n',
        [(2, 1), (7, 3)],
    ),
}


@pytest.mark.parametrize(("text", "where"), DUPLICATES.values(), ids=DUPLICATES.keys())
def test_duplicate_keys_are_errors(text: str, where: list[tuple[int, int]]) -> None:
    """Every repeated key, at any depth and inside lists, is a yaml-duplicate-key error at the
    repeated key, naming where the key was first defined; nothing is compiled."""
    pipeline, diagnostics = compile_text(text)
    assert pipeline is None
    found = errors(diagnostics, "yaml-duplicate-key")
    assert sorted((d.line, d.col) for d in found) == where, found
    for d in found:
        assert "first defined at line" in d.message


def test_duplicate_key_cli_reports_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the CLI: exit 2, the positioned error, nothing written."""
    manifest = tmp_path / MANIFEST
    manifest.write_text(DUPLICATES["nested"][0], encoding="utf-8")
    out = tmp_path / "out"
    assert main(["render", "-m", str(manifest), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{manifest}:5:3: error: duplicate key 'version' (first defined at line 4, col 3)" in err
    assert "[yaml-duplicate-key]" in err
    assert not out.exists()


def test_merge_key_overrides_are_not_duplicates() -> None:
    """A key that overrides a merged one is not a duplicate."""
    pipeline, diagnostics = compile_text(HEAD + "test:\n  coverage:\n    <<: {threshold: 10}\n    threshold: 20\n")
    assert pipeline is not None, diagnostics
    assert coverage_threshold(pipeline) == "20"


# -- custom tags -----------------------------------------------------------------------------------

TAGGED: Final = {
    # name: (manifest, line of the tagged node)
    "local-tag": (HEAD.replace('"1.23"', "!env GO_VERSION"), 4),
    "python-object": (HEAD + "build: !!python/object:os.system {main: .}\n", 5),
    "python-object-apply": (HEAD + "build:\n  main: !!python/object/apply:os.system ['true']\n", 6),
    "python-name": (HEAD + "lint:\n  vet: !!python/name:os.system ''\n", 6),
    "python-tuple-on-sequence": (HEAD + "  private: !!python/tuple [a]\n", 5),
    "verbatim-tag": (HEAD + "build: {binary: !<tag:example.com,2000:app> x}\n", 5),
    "tag-directive": ("%TAG !e! tag:example.com,2000:\n---\n" + HEAD.replace("name: safe", "name: !e!svc safe"), 4),
    "yaml-binary": (HEAD + "build: {binary: !!binary c2FmZQ==}\n", 5),
    "yaml-set": (HEAD + "  private: !!set {a: null}\n", 5),
    "yaml-omap": (HEAD + "build: !!omap [{main: .}]\n", 5),
    "tag-on-mapping": (HEAD + "test: !custom {race: false}\n", 5),
    "tag-on-key": (HEAD + "build:\n  !!python/name:os.system main: .\n", 6),
    "local-tag-on-key": (HEAD + "!k lint: {vet: true}\n", 5),
}


@pytest.mark.parametrize(("text", "line"), TAGGED.values(), ids=TAGGED.keys())
def test_custom_tags_are_refused(text: str, line: int) -> None:
    """Any tag outside YAML's core schema (str, int, float, bool, null, map, seq, merge,
    timestamp) is a yaml-tag error at the tagged node, on values and on keys alike."""
    pipeline, diagnostics = compile_text(text)
    assert pipeline is None, "a custom tag was accepted"
    found = errors(diagnostics, "yaml-tag")
    assert [d.line for d in found] == [line], diagnostics


def test_python_tags_never_run_code(tmp_path: Path) -> None:
    """Constructor tags are refused before anything is constructed: no side effect happens."""
    sentinel = tmp_path / "pwned"
    text = HEAD + (
        f"build:\n  main: !!python/object/apply:os.system ['touch {sentinel}']\n"
        f"lint: !!python/object/apply:builtins.exec [\"open('{sentinel}', 'w')\"]\n"
    )
    manifest = tmp_path / MANIFEST
    manifest.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stderr", err)
        assert main(["render", "-m", str(manifest), "--out", str(tmp_path / "out")]) == 2
    assert not sentinel.exists()
    assert err.getvalue().count("[yaml-tag]") == 2


def test_core_schema_tags_are_accepted() -> None:
    """Explicit core tags are fine and mean what they say (``!!str`` keeps a version a string)."""
    text = 'version: !!int "1"\nname: !!str tagged\ngo: !!map\n  version: !!str 1.20\nlint: {vet: !!bool true}\n'
    pipeline, diagnostics = compile_text(text)
    assert pipeline is not None, diagnostics
    assert pipeline.job("test").go == "1.20.14"  # 1.20 (not the number 1.2), resolved to its latest patch


# -- merge keys ------------------------------------------------------------------------------------

MERGES: Final = {
    # name: (the body of test.coverage, expected threshold)
    "single": ("<<: {threshold: 10}", "10"),
    "override-after": ("<<: {threshold: 10}\nthreshold: 20", "20"),
    "override-before": ("threshold: 20\n<<: {threshold: 10}", "20"),
    "list-earlier-wins": ("<<: [{threshold: 10}, {threshold: 30}]", "10"),
    "list-fills-gaps": ("<<: [{exclude: ['**/gen/**']}, {threshold: 30}]", "30"),
    "nested-merge": ("<<: {<<: {threshold: 5}}", "5"),
}


@pytest.mark.parametrize(("coverage", "threshold"), MERGES.values(), ids=MERGES.keys())
def test_merge_keys_work(coverage: str, threshold: str) -> None:
    """``<<`` merges mappings (YAML merge-key rules: explicit keys win, earlier sources win)."""
    text = HEAD + "test:\n  coverage:\n" + textwrap.indent(coverage, "    ") + "\n"
    pipeline, diagnostics = compile_text(text)
    assert pipeline is not None, diagnostics
    assert coverage_threshold(pipeline) == threshold


def test_merge_key_with_alias() -> None:
    """The usual form: an anchored mapping merged elsewhere with an override."""
    text = HEAD + textwrap.dedent(
        """\
        build:
          matrix:
            goos: [darwin]
            include:
              - &leg {goos: linux, goarch: arm64, tags: netgo}
              - <<: *leg
                goarch: amd64
        """
    )
    pipeline, diagnostics = compile_text(text)
    assert pipeline is not None, diagnostics
    assert [leg.key for leg in pipeline.job("build").legs] == ["darwin-amd64", "linux-arm64-netgo", "linux-amd64-netgo"]


@pytest.mark.parametrize(
    ("snippet", "code"),
    [("<<: 5", "type"), ("<<: [{threshold: 1}, 5]", "type"), ("<<: {bogus: 1}", "unknown-key")],
    ids=["scalar", "scalar-in-list", "merged-unknown-key"],
)
def test_bad_merge_keys_are_positioned_errors(snippet: str, code: str) -> None:
    """Merging a non-mapping, or merging an unknown key, is a positioned error."""
    pipeline, diagnostics = compile_text(HEAD + f"test:\n  coverage:\n    {snippet}\n")
    assert pipeline is None
    assert [d.line for d in errors(diagnostics, code)] == [7], diagnostics


# -- deep nesting ----------------------------------------------------------------------------------


def _nested(kind: str, depth: int) -> str:
    """go.private nested ``depth`` levels deep, ending in a number (never a valid manifest)."""
    if kind == "flow-seq":
        return HEAD + "  private: " + "[" * depth + "1" + "]" * depth + "\n"
    if kind == "flow-map":
        return HEAD + "  private: " + "{a: " * depth + "1" + "}" * depth + "\n"
    body = "".join("    " + "  " * k + "-\n" for k in range(depth - 1)) + "    " + "  " * (depth - 1) + "- 1\n"
    return HEAD + "  private:\n" + body


@pytest.mark.parametrize("kind", ["flow-seq", "flow-map", "block-seq"])
@pytest.mark.parametrize("depth", [1, MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 100, 300])
def test_nesting_never_crashes(kind: str, depth: int) -> None:
    """Nested far or not, the result is a positioned diagnostic, never RecursionError."""
    pipeline, diagnostics = compile_text(_nested(kind, depth))
    assert pipeline is None  # go.private wants strings
    assert diagnostics
    for d in diagnostics:
        assert d.line >= 1, d
        assert d.col >= 1, d


@pytest.mark.parametrize(("kind", "levels"), [("flow-seq", 10_000), ("flow-map", 10_000), ("block-seq", 700)])
def test_deep_nesting_becomes_a_diagnostic(kind: str, levels: int, tmp_path: Path) -> None:
    """Deeply nested levels (the composer's RecursionError included) end in exit 2 with a
    positioned diagnostic and no traceback, in a real process with the hang guard. Block
    indentation grows with the square of the depth, so 700 levels (about 490 KB) stay under the
    1 MiB manifest limit and still reach the composer's recursion limit."""
    raw = _nested(kind, levels).encode("utf-8")
    assert len(raw) < 1024 * 1024
    proc, out = render_guarded(raw, tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "RecursionError" not in proc.stderr + proc.stdout
    rows = json.loads(proc.stdout)["diagnostics"]
    assert rows
    assert all(r["line"] >= 1 and r["col"] >= 1 for r in rows)
    assert {r["code"] for r in rows} & {"yaml-syntax", "yaml-alias-bomb"}
    assert list(out.iterdir()) == []


def test_ten_thousand_block_levels_are_refused_by_size(tmp_path: Path) -> None:
    """10,000 block levels are about 100 MB: refused before parsing, positioned at the file's start."""
    proc, out = render_guarded(_nested("block-seq", 10_000).encode("utf-8"), tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    [row] = json.loads(proc.stdout)["diagnostics"]
    assert (row["code"], row["line"], row["col"]) == ("limit", 1, 1)
    assert "ciforge reads at most" in row["message"]
    assert list(out.iterdir()) == []


# -- anchors ---------------------------------------------------------------------------------------


def test_redefined_anchor_is_accepted_silently() -> None:
    """YAML lets a later anchor reuse a name; an alias then means the latest definition
    (YAML 1.2.2, 3.2.2.2). ruamel's ReusedAnchorWarning must not escape: under ``-W error`` (and
    pytest here) it is an exception, otherwise a stray warning on stderr."""
    text = 'version: 1\nname: &n first\ngo:\n  version: &n "1.23"\nbuild:\n  binary: *n\n'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipeline, diagnostics = compile_text(text)
    assert [str(w.message).splitlines()[0] for w in caught] == []
    assert pipeline is not None, diagnostics
    [build] = [s for s in pipeline.job("build").steps if isinstance(s, ir.Run)]
    assert "export BINARIES='1.23=.'" in build.script


def test_redefined_anchor_cli_prints_no_warning(tmp_path: Path) -> None:
    """As a real process (default warning filters): exit 0 and nothing on stderr but the writes."""
    text = 'version: 1\nname: &n first\ngo:\n  version: &n "1.23"\nbuild:\n  binary: *n\n'
    manifest = tmp_path / MANIFEST
    manifest.write_text(text, encoding="utf-8")
    proc = run_guarded(["-m", "ciforge", "render", "-m", str(manifest), "--out", str(tmp_path / "out")])
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
