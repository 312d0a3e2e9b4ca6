"""The Go modules of a repository (``modules:``), and which of them each one builds with.

Discovery (``modules: auto``): every directory with a ``go.mod``, outside ``vendor``,
``testdata`` and directories the go command ignores (names starting with ``.`` or ``_``;
https://pkg.go.dev/cmd/go#hdr-Package_lists_and_patterns). When the repository root has a
``go.work``, its ``use`` directives are the list instead (https://go.dev/ref/mod#go-work-file-use).

Dependencies between the repository's own modules decide which legs a change request runs
(docs/modules.md): module A builds with module B's code in this repository when A's go.mod
replaces B's module path with B's directory (https://go.dev/ref/mod#go-mod-file-replace), or
when a go.work uses both and A requires B (https://go.dev/ref/mod#workspaces). Without either,
A builds with a published version of B, so a change to B's directory does not change A's build.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Final

import attrs

from ciforge import reading

SKIP_DIRS: Final = frozenset({"vendor", "testdata"})
# A module directory as the manifest and the scripts spell it: "." or a relative path of plain names.
DIRECTORY: Final = re.compile(r"^(\.|[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*)$")
MAX_GOMOD_BYTES: Final = 1 << 20
_COMMENT: Final = re.compile(r"//.*$")
_RELEASE: Final = re.compile(r"\d+\.\d+(?:\.\d+)?")  # a go directive's version: 1.22 or 1.22.3


class ModuleError(Exception):
    """A module directory ciforge cannot use; the message says why."""


@attrs.frozen
class GoModule:
    """One module: its directory (``.`` or ``a/b``), module path, and what its go.mod names."""

    directory: str
    path: str
    go: str | None = None
    requires: tuple[str, ...] = ()
    # directories (relative to the repository root) that a replace directive points at
    local_replaces: tuple[str, ...] = ()


def normalize(directory: str) -> str:
    """``./a/b/`` -> ``a/b``; ``./`` and ``.`` -> ``.``."""
    norm = posixpath.normpath(directory.strip())
    return "." if norm in ("", ".") else norm


def _directives(text: str) -> list[tuple[str, list[str]]]:
    """The go.mod or go.work directives as (verb, arguments), blocks flattened."""
    out: list[tuple[str, list[str]]] = []
    block: str | None = None
    for raw in text.splitlines():
        words = _COMMENT.sub("", raw).split()
        if not words:
            continue
        if block is not None:
            if words == [")"]:
                block = None
            else:
                out.append((block, words))
        elif len(words) == 2 and words[1] == "(":
            block = words[0]
        else:
            out.append((words[0], words[1:]))
    return out


@attrs.frozen
class GoDirectives:
    """What a go.mod says about its module and its Go: the first ``module`` path (unquoted), the
    first ``go`` directive that names a release (``go 1.25.0``), and the release of the first
    ``toolchain`` directive that names one (``toolchain go1.25.3`` is 1.25.3; ``default`` is none)."""

    module: str | None
    go: str | None
    toolchain: str | None


def go_directives(text: str) -> GoDirectives:
    """The module, go and toolchain directives of a go.mod (https://go.dev/ref/mod#go-mod-file),
    read with the one directive parser that also reads requirements, replacements and go.work."""
    module = go = toolchain = None
    for verb, args in _directives(text):
        if len(args) != 1:
            continue
        if verb == "module" and module is None:
            module = args[0].strip('"')
        elif verb == "go" and go is None and _RELEASE.fullmatch(args[0]):
            go = args[0]
        elif verb == "toolchain" and toolchain is None and args[0].startswith("go") and _RELEASE.fullmatch(args[0][2:]):
            toolchain = args[0][2:]
    return GoDirectives(module=module, go=go, toolchain=toolchain)


def parse_gomod(directory: str, text: str) -> GoModule:
    """A go.mod's module path, go directive, requirements and local replacements."""
    module: str | None = None
    go: str | None = None
    requires: list[str] = []
    replaces: list[str] = []
    for verb, args in _directives(text):
        if verb == "module" and args:
            module = args[0].strip('"')
        elif verb == "go" and args:
            go = args[0]
        elif verb == "require" and args:
            requires.append(args[0].strip('"'))
        elif verb == "replace" and "=>" in args:
            target = args[args.index("=>") + 1 :]
            if target and target[0].startswith(("./", "../")):
                replaces.append(normalize(posixpath.join(directory, target[0])))
    if module is None:
        raise ModuleError(f"{posixpath.join(directory, 'go.mod')} has no module directive")
    return GoModule(directory=directory, path=module, go=go, requires=tuple(requires), local_replaces=tuple(replaces))


def workspace_uses(text: str) -> list[str]:
    """The directories a go.work uses, normalized, in order."""
    return [normalize(args[0]) for verb, args in _directives(text) if verb == "use" and args]


def discover(root: Path) -> list[str]:
    """Every module directory under ``root`` (``.`` first, then sorted), not following links."""
    found: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith((".", "_")))
        if "go.mod" in files:
            found.append(normalize(Path(current).relative_to(root).as_posix()))
    return sorted(found, key=lambda d: (d != ".", d))


def auto(root: Path) -> list[str]:
    """What ``modules: auto`` means: the go.work ``use`` list when ``root`` has a go.work (read
    inside the repository, bounded), else every module directory :func:`discover` finds."""
    try:
        work = reading.read_in_repository(root, "go.work", MAX_GOMOD_BYTES).decode("utf-8")
    except (OSError, ValueError):
        return discover(root)
    return workspace_uses(work)


def read_module(root: Path, directory: str) -> GoModule:
    """The module in ``directory`` (relative to ``root``), or a ModuleError saying why not."""
    if not DIRECTORY.match(directory) or ".." in directory.split("/"):
        raise ModuleError(f"{directory!r} is not a plain relative directory (letters, digits, . _ - and /)")
    rel = "go.mod" if directory == "." else f"{directory}/go.mod"
    try:
        text = reading.read_in_repository(root, rel, MAX_GOMOD_BYTES).decode("utf-8")
    except (OSError, ValueError) as exc:
        reason = str(exc) if isinstance(exc, reading.FileRefusedError) else "no go.mod there"
        raise ModuleError(f"cannot read {rel}: {reason}") from exc
    return parse_gomod(directory, text)


def owner(path: str, directories: tuple[str, ...]) -> str | None:
    """The module a repository file belongs to: the deepest module directory that contains it."""
    best: str | None = None
    for directory in directories:
        inside = directory in (".", path) or path.startswith(directory + "/")
        if inside and (best is None or best == "." or len(directory) > len(best)):
            best = directory
    return best


def local_dependencies(modules: list[GoModule], *, workspace: bool) -> dict[str, tuple[str, ...]]:
    """For each module directory, the other module directories whose code it builds with,
    transitively, sorted."""
    by_path = {m.path: m.directory for m in modules}
    dirs = {m.directory for m in modules}
    direct: dict[str, set[str]] = {}
    for m in modules:
        found = {d for d in m.local_replaces if d in dirs}
        if workspace:
            found |= {by_path[r] for r in m.requires if r in by_path}
        direct[m.directory] = found - {m.directory}
    out: dict[str, tuple[str, ...]] = {}
    for m in modules:
        seen: set[str] = set()
        todo = list(direct[m.directory])
        while todo:
            d = todo.pop()
            if d not in seen and d != m.directory:
                seen.add(d)
                todo += direct[d]
        out[m.directory] = tuple(sorted(seen))
    return out
