"""What ``ciforge init`` reads from a Go module's tree: go.mod, and its main packages.

Main packages are found the way the go command would build them: a directory with another
``go.mod`` is a different module and is not entered; ``vendor``, ``testdata`` and directories
starting with ``.`` or ``_`` are skipped (https://pkg.go.dev/cmd/go#hdr-Package_lists_and_patterns);
files starting with ``.`` or ``_``, test files and files whose build constraint can never hold
(``//go:build ignore``) do not count (https://pkg.go.dev/cmd/go#hdr-Build_constraints); the
package clause is read after any comments and may carry an import comment
(``package main // import "miniflux.app/v2"``).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import attrs

from ciforge import gomodules

_MAJOR: Final = re.compile(r"^v[0-9]+$")
_HEADER_TOKEN: Final = re.compile(r"\s+|//[^\n]*|/\*.*?\*/|package\s+([A-Za-z_][A-Za-z0-9_]*)", re.DOTALL)
_CONSTRAINT_TOKEN: Final = re.compile(r"\s*(&&|\|\||!|\(|\)|[A-Za-z0-9_.]+)")
SKIP_DIRS: Final = frozenset({"vendor", "testdata", "node_modules"})
# Directories whose main packages are development helpers, not the product.
HELPER_DIRS: Final = frozenset(
    {"tools", "hack", "scripts", "examples", "example", "docs", "doc", "test", "tests"}
    | {"testing", "e2e", "integration", "benchmarks", "bench", "fuzz", "contrib", "internal/tools"}
)
_HELPER_NAME: Final = re.compile(r"(^|[-_])(gen|generate|generator|codegen|docgen|gendocs|mock|mocks)([-_]|$)")
MAX_CONSTRAINT_TAGS: Final = 12


class LayoutError(Exception):
    """The directory is not a Go module ciforge can read; the message says why."""


@attrs.frozen
class GoMod:
    """The module directive and the Go version of a go.mod."""

    path: str
    go: str
    toolchain: str | None


def read_gomod(root: Path) -> GoMod:
    """The module's go.mod, or a LayoutError that says what is missing."""
    gomod = root / "go.mod"
    try:
        text = gomod.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayoutError(
            f"{gomod}: cannot read go.mod ({exc.strerror or exc}); run ciforge init in a Go module"
        ) from exc
    directives = gomodules.go_directives(text)
    if directives.module is None or directives.go is None:
        raise LayoutError(f"{gomod}: needs a module and a go directive")
    return GoMod(path=directives.module, go=directives.go, toolchain=directives.toolchain)


def module_name(module_path: str) -> tuple[str, str]:
    """A short name for a module path, and why: the last element without a major-version suffix
    (``github.com/go-chi/chi/v5`` -> ``chi``, ``gopkg.in/yaml.v3`` -> ``yaml``); a module that is
    only a domain takes the domain's first label (``miniflux.app/v2`` -> ``miniflux``)."""
    parts = [p for p in module_path.strip("/").split("/") if p]
    why = f"the last element of the module path {module_path}"
    if len(parts) > 1 and _MAJOR.match(parts[-1]):
        why = f"the module path {module_path} without its major-version suffix /{parts[-1]}"
        parts = parts[:-1]
    last = re.sub(r"\.v[0-9]+$", "", parts[-1]) if parts else "app"
    if len(parts) == 1 and "." in last:
        last = last.split(".")[0]
        why += " (the first label of its domain)"
    return last, why


def is_major_suffix(element: str) -> bool:
    """``v2``, ``v14``: a module path's major-version element, never a name."""
    return bool(_MAJOR.match(element))


Tags = dict[str, bool]
Term = Callable[[Tags], bool]


class _ConstraintParser:
    """``//go:build`` expressions: ``||`` below ``&&`` below ``!``, parentheses, tags."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def take(self) -> str:
        self.at += 1
        return self.tokens[self.at - 1]

    def either(self) -> Term:
        terms = [self.both()]
        while self.peek() == "||":
            self.take()
            terms.append(self.both())
        return lambda tags: any(t(tags) for t in terms)

    def both(self) -> Term:
        terms = [self.unary()]
        while self.peek() == "&&":
            self.take()
            terms.append(self.unary())
        return lambda tags: all(t(tags) for t in terms)

    def unary(self) -> Term:
        token = self.take() if self.peek() else ""
        if token == "!":
            inner = self.unary()
            return lambda tags: not inner(tags)
        if token == "(":
            inner = self.either()
            if self.peek() != ")":
                raise ValueError("unbalanced parentheses")
            self.take()
            return inner
        if not token or token in ("&&", "||", ")"):
            raise ValueError(f"unexpected {token or 'end'}")
        return lambda tags: tags.get(token, False)


def _constraint(expression: str) -> bool:
    """Whether a ``//go:build`` expression can hold on some platform with ``ignore`` unset."""
    tokens = _CONSTRAINT_TOKEN.findall(expression)
    tags = sorted({t for t in tokens if t not in ("&&", "||", "!", "(", ")", "ignore")})
    if len(tags) > MAX_CONSTRAINT_TAGS:
        return True
    parser = _ConstraintParser(tokens)
    try:
        term = parser.either()
    except (ValueError, IndexError):
        return True  # the go command reports a malformed constraint; do not guess here
    if parser.peek():
        return True
    return any(
        term(dict(zip(tags, values, strict=True))) for values in itertools.product((False, True), repeat=len(tags))
    )


def _plus_build(lines: list[str]) -> str:
    """Old-style ``// +build`` lines as one ``//go:build`` expression (lines AND, spaces OR,
    commas AND)."""
    terms = ["(" + " || ".join("(" + " && ".join(o.split(",")) + ")" for o in line.split()) + ")" for line in lines]
    return " && ".join(terms)


def package_clause(text: str) -> tuple[str | None, bool]:
    """The package name of a Go file and whether its build constraint can hold."""
    position, build = 0, ""
    plus: list[str] = []
    while position < len(text):
        match = _HEADER_TOKEN.match(text, position)
        if match is None:
            return None, True
        if match[1] is not None:
            expression = build or (_plus_build(plus) if plus else "")
            return match[1], (not expression) or _constraint(expression)
        token = match[0]
        if token.startswith("//go:build"):
            build = token[len("//go:build") :].strip()
        elif token.startswith("// +build"):
            plus.append(token[len("// +build") :].strip())
        position = match.end()
    return None, True


def _is_main_dir(directory: Path, files: list[str]) -> bool:
    for name in sorted(files):
        if not name.endswith(".go") or name.endswith("_test.go") or name.startswith((".", "_")):
            continue
        try:
            text = (directory / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        package, buildable = package_clause(text)
        if package == "main" and buildable:
            return True
    return False


def _package_dirs(root: Path) -> Iterator[tuple[Path, list[str]]]:
    """The module's directories and their files, in tree order, the way the go command walks them:
    not into another module, ``vendor``, ``testdata`` or names starting with ``.`` or ``_``."""
    for current, dirs, files in os.walk(root):
        here = Path(current)
        if here != root and (here / "go.mod").is_file():
            dirs[:] = []  # another module
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")) and d not in SKIP_DIRS)
        yield here, files


def main_packages(root: Path) -> list[str]:
    """The module's main package directories, as ``.`` or ``./relative/path``, in tree order."""
    found = []
    for here, files in _package_dirs(root):
        if _is_main_dir(here, files):
            rel = here.relative_to(root).as_posix()
            found.append("." if rel == "." else f"./{rel}")
    return found


_GENERATE: Final = re.compile(rb"^//go:generate ", re.MULTILINE)


def first_generate_directive(root: Path) -> str | None:
    """The first Go file of the module (tree order) with a ``//go:generate`` line, as a relative path."""
    for here, files in _package_dirs(root):
        for name in sorted(f for f in files if f.endswith(".go")):
            try:
                with (here / name).open("rb") as handle:
                    head = handle.read(1 << 16)
            except OSError:
                continue
            if _GENERATE.search(head):
                return (here / name).relative_to(root).as_posix()
    return None


# Tags the toolchain sets itself: operating systems, architectures, compilers, cgo, unix, race and
# the like (go1.N and goexperiment.* have a dot, which _CUSTOM_TAG refuses).
# https://pkg.go.dev/cmd/go#hdr-Build_constraints
TOOLCHAIN_TAGS: Final = frozenset(
    {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl"}
    | {"netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos", "unix"}
    | {"386", "amd64", "amd64p32", "arm", "arm64", "arm64be", "armbe", "loong64", "mips", "mips64", "mips64le"}
    | {"mipsle", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"}
    | {"cgo", "gc", "gccgo", "race", "msan", "asan", "ignore", "boringcrypto", "purego", "netgo", "osusergo"}
    | {"timetzdata", "faketime", "tools"}
)
_CUSTOM_TAG: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_BUILD_LINE: Final = re.compile(rb"^//go:build (.+)$", re.MULTILINE)


def _custom_tag(tag: str) -> bool:
    return bool(_CUSTOM_TAG.match(tag)) and tag not in TOOLCHAIN_TAGS


def gating_tags(expression: str) -> list[str]:
    """The project's own tags a ``//go:build`` expression needs: none when the file builds
    without any of them on some platform; else each tag that alone makes it build."""
    tokens = _CONSTRAINT_TOKEN.findall(expression)
    names = sorted({t for t in tokens if t not in ("&&", "||", "!", "(", ")")})
    custom = [t for t in names if _custom_tag(t)]
    platform = [t for t in names if not _custom_tag(t)]
    if not custom or len(names) > MAX_CONSTRAINT_TAGS:
        return []
    parser = _ConstraintParser(tokens)
    try:
        term = parser.either()
    except (ValueError, IndexError):
        return []
    if parser.peek():
        return []

    def holds(on: str | None) -> bool:
        return any(
            term({**dict(zip(platform, values, strict=True)), **{c: c == on for c in custom}})
            for values in itertools.product((False, True), repeat=len(platform))
        )

    return [] if holds(None) else [c for c in custom if holds(c)]


def test_build_tags(root: Path) -> list[tuple[str, int, str]]:
    """The project's own build tags that its test files need (``//go:build integration``): each
    tag, how many ``_test.go`` files need it and the first of them (tree order); most files first."""
    found: dict[str, list[str]] = {}
    for here, files in _package_dirs(root):
        for name in sorted(f for f in files if f.endswith("_test.go") and not f.startswith((".", "_"))):
            try:
                with (here / name).open("rb") as handle:
                    line = _BUILD_LINE.search(handle.read(1 << 12))
            except OSError:
                continue
            if line is not None:
                rel = (here / name).relative_to(root).as_posix()
                for tag in gating_tags(line[1].decode("utf-8", "replace")):
                    found.setdefault(tag, []).append(rel)
    return sorted(((tag, len(paths), paths[0]) for tag, paths in found.items()), key=lambda e: (-e[1], e[0]))


def is_helper(main: str) -> bool:
    """A development helper (code generators, tools, examples, tests), not the product."""
    parts = main.removeprefix("./").split("/")
    if main == ".":
        return False
    pairs = {"/".join(parts[i : i + 2]) for i in range(len(parts) - 1)}
    return bool(HELPER_DIRS & (set(parts[:-1]) | pairs | {parts[-1]})) or bool(_HELPER_NAME.search(parts[-1]))


def rank(mains: list[str], names: tuple[str, ...]) -> list[str]:
    """Candidates best first: ``cmd/<name>`` (the module's or repository's name), the module root,
    other ``cmd/*``, everything else shallow first, development helpers last."""

    def key(main: str) -> tuple[int, int, str]:
        helper = is_helper(main)
        if main in {f"./cmd/{n}" for n in names}:  # named after the module: the product
            tier = 0
        elif main == ".":
            tier = 1
        elif not helper and main.startswith("./cmd/"):
            tier = 2
        else:
            tier = 4 if helper else 3
        return tier, main.count("/"), main

    return sorted(mains, key=key)
