"""Which Dockerfile, if any, builds this module's binary (for ``ciforge init``).

A Dockerfile is looked for at the module root and in the usual places (``build/``, ``docker/``,
``dockerfiles/``, ``deploy/``, ``packaging/docker/alpine/``, ``cmd/<name>/``, ...: any directory
up to four levels down). It plausibly builds the module when it has a ``golang`` builder stage,
runs ``go build``/``go install``, or copies or runs the binary; a Go image whose command runs
tests is a test image, not the product.
Instruction syntax: https://docs.docker.com/reference/dockerfile/
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path
from typing import Final

import attrs

NAME: Final = re.compile(r"^(?:(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?|[\w.-]+\.[Dd]ockerfile)$")
MAX_DEPTH: Final = 4
SKIP_DIRS: Final = frozenset({"vendor", "testdata", "node_modules"})
_INSTRUCTION: Final = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$", re.DOTALL)
_GO_BUILD: Final = re.compile(r"\bgo\s+(?:build|install)\b")
_TEST_RUN: Final = re.compile(r"\b(?:go\s+test|make\s+test|rspec|minitest|pytest|test_\w+\.rb|bats)\b|/test/")


@attrs.frozen
class Verdict:
    """A Dockerfile (``./relative`` path) and whether it plausibly builds the module, with why."""

    path: str
    builds: bool
    reason: str


def find(root: Path) -> list[str]:
    """Dockerfiles under the module root, shallowest first (the root's own first)."""
    found = []
    for current, dirs, files in os.walk(root):
        here = Path(current)
        depth = len(here.relative_to(root).parts)
        if here != root and (here / "go.mod").is_file():
            dirs[:] = []
            continue
        dirs[:] = [] if depth >= MAX_DEPTH else [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
        found += [(here / f).relative_to(root).as_posix() for f in files if NAME.match(f)]
    return sorted(found, key=lambda p: (p.count("/"), not p.startswith("Dockerfile"), p))


def instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, KEYWORD, arguments) with comments dropped and continuation lines joined."""
    out: list[tuple[int, str, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        match = _INSTRUCTION.match(pending + line)
        pending = ""
        if match:
            out.append((start, match[1].upper(), match[2].strip()))
    return out


def _words(arguments: str) -> list[str]:
    """Exec form (a JSON array) or shell form, as words."""
    if arguments.startswith("["):
        try:
            value = json.loads(arguments)
        except ValueError:
            return arguments.split()
        return [str(v) for v in value] if isinstance(value, list) else []
    try:
        return shlex.split(arguments)
    except ValueError:
        return arguments.split()


def _base(word: str) -> str:
    return word.rstrip("/").split("/")[-1]


def judge(text: str, binary: str) -> tuple[bool, str]:
    """Whether the Dockerfile plausibly builds ``binary``, and the line that shows it."""
    golang_stage, tests = 0, 0
    for line, keyword, arguments in instructions(text):
        words = [w for w in _words(arguments) if not w.startswith("--")]
        if keyword == "FROM" and words and _base(words[0]).split(":")[0].split("@")[0] == "golang":
            golang_stage = golang_stage or line
        elif keyword == "RUN" and _GO_BUILD.search(arguments):
            return True, f"it runs go build at line {line}"
        elif keyword in ("COPY", "ADD") and binary in {_base(w) for w in words[:-1]}:
            return True, f"it copies the {binary} binary at line {line}"
        elif keyword in ("ENTRYPOINT", "CMD") and words:
            if _base(words[0]) == binary:
                return True, f"it runs the {binary} binary at line {line}"
            if _TEST_RUN.search(" ".join(words)):
                tests = line
    if golang_stage and not tests:
        return True, f"it has a golang build stage at line {golang_stage}"
    if tests:
        return False, f"its command at line {tests} runs tests: a test image, not an image of {binary}"
    return False, f"it has no golang stage, no go build, and neither copies nor runs {binary}"


def choose(root: Path, binary: str) -> tuple[Verdict | None, list[Verdict]]:
    """The first Dockerfile that plausibly builds ``binary`` (or None), and every verdict."""
    verdicts = []
    for rel in find(root):
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        builds, reason = judge(text, binary)
        verdicts.append(Verdict(path=rel, builds=builds, reason=reason))
    chosen = next((v for v in verdicts if v.builds), None)
    return chosen, verdicts
