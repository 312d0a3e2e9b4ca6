#!/usr/bin/env python3
"""Regenerate ciforge/data/go-releases.json, the Go release table, from git mirrors of Go's own
repositories.

Sources (read with git only; nothing is built or run):

* github.com/golang/dl: one directory per Go release (``go1.25.3/``), added on the day the release
  is published. A release's date is the date of the commit that added its directory. The mirror's
  history starts in July 2018, so the table starts at Go 1.11.
* github.com/golang/build: ``internal/releasetargets/allports/go1.N.txt`` is the output of
  ``go tool dist list`` for Go 1.N (every port the release can build: first-class and secondary),
  and ``internal/releasetargets/releases.txt`` marks the first-class ports of each release
  ("First class port", https://go.dev/wiki/PortingPolicy). A file renamed for a newer release is
  read at the last commit before the rename, so every minor since Go 1.21 has its list.

The full golang/go repository is over the size a snapshot may have here, so its tags cannot be
read directly; golang/dl's directories name exactly the tagged releases.

Usage::

    scripts/refresh_go_releases.py --dl /path/to/golang/dl.git --build /path/to/golang/build.git

(``fetch github:golang/dl`` and ``fetch github:golang/build`` give such mirrors.) ``--check``
compares instead of writing and exits 1 when the table differs from what the sources say.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "ciforge" / "data" / "go-releases.json"
OLDEST_MINOR = 11  # golang/dl's history begins with Go 1.11
_RELEASE_DIR = re.compile(r"^go1\.(\d+)(?:\.(\d+))?$")
_ALLPORTS = re.compile(r"^internal/releasetargets/allports/go1\.(\d+)\.txt$")
_SECTION = re.compile(r"^Targets for release 1\.(\d+)$")


def git(repo: Path, *args: str) -> str:
    """Run git in a bare mirror and return its output."""
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def head(repo: Path) -> dict[str, str]:
    """The commit and its date (UTC day) that a table was read from."""
    sha, date = git(repo, "log", "-1", "--format=%H %cI").split()
    return {"commit": sha, "date": utc_day(date)}


def utc_day(iso: str) -> str:
    """An ISO commit date as its UTC calendar day."""
    from datetime import UTC, datetime  # noqa: PLC0415

    return datetime.fromisoformat(iso).astimezone(UTC).date().isoformat()


def releases(dl: Path) -> list[dict[str, str]]:
    """Every final Go release since 1.11 with its publication day, newest first."""
    out = []
    for name in git(dl, "ls-tree", "--name-only", "HEAD").split():
        match = _RELEASE_DIR.match(name)
        if match is None or int(match[1]) < OLDEST_MINOR:
            continue
        added = git(dl, "log", "--diff-filter=A", "--format=%cI", "HEAD", "--", f"{name}/main.go").split()
        version = name.removeprefix("go")
        out.append({"version": version, "date": utc_day(added[-1])})
    return sorted(out, key=lambda r: version_key(r["version"]), reverse=True)


def version_key(version: str) -> tuple[int, ...]:
    """1.25.3 -> (1, 25, 3); 1.20 (the first release before Go 1.21 had a .0) -> (1, 20, 0)."""
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def ports(build: Path) -> dict[str, dict[str, list[str]]]:
    """``go tool dist list`` per minor, split into first-class and secondary ports."""
    lists: dict[int, list[str]] = {}
    log = git(build, "log", "--format=%H", "--name-status", "HEAD", "--", "internal/releasetargets/allports")
    commit = ""
    for line in log.splitlines():
        fields = line.split("\t")
        if len(fields) == 1 and fields[0]:
            commit = fields[0]
            continue
        for path in fields[1:]:
            match = _ALLPORTS.match(path)
            if match is None or int(match[1]) in lists:
                continue
            # the newest commit that still has this release's file: a rename's parent, else here
            at = f"{commit}^" if fields[0].startswith(("R", "D")) and path == fields[1] else commit
            lists[int(match[1])] = git(build, "show", f"{at}:{path}").split()
    first = first_class(build)
    table: dict[str, dict[str, list[str]]] = {}
    for minor in sorted(lists):
        if minor not in first:
            continue
        listed = sorted(set(lists[minor]))
        table[f"1.{minor}"] = {
            "first-class": [p for p in listed if p in first[minor]],
            "secondary": [p for p in listed if p not in first[minor]],
        }
    return table


def first_class(build: Path) -> dict[int, set[str]]:
    """First-class ports per minor from releases.txt, each minor read at the newest commit that has it."""
    found: dict[int, set[str]] = {}
    for commit in git(build, "log", "--format=%H", "HEAD", "--", "internal/releasetargets/releases.txt").split():
        text = git(build, "show", f"{commit}:internal/releasetargets/releases.txt")
        minor = None
        target = ""
        sections: dict[int, set[str]] = {}
        for line in text.splitlines():
            section = _SECTION.match(line)
            if section:
                minor = int(section[1])
                sections[minor] = set()
            elif line and not line[0].isspace() and minor is not None and len(line.split()) >= 3:
                _, goos, goarch = line.split()[:3]
                target = f"{goos}/{goarch}"
            elif "First class port" in line and minor is not None:
                sections[minor].add(target)
        for minor, ports_ in sections.items():
            found.setdefault(minor, ports_)
    return found


def table(dl: Path, build: Path) -> dict[str, Any]:
    """The whole table."""
    sources = {"github.com/golang/dl": head(dl), "github.com/golang/build": head(build)}
    return {
        "$comment": "Generated by scripts/refresh_go_releases.py from the sources below; do not edit by hand.",
        "date": sources["github.com/golang/dl"]["date"],  # the release list is current as of this day
        "sources": sources,
        "releases": releases(dl),
        "ports": ports(build),
    }


def write_or_check(path: Path, data: dict[str, Any], *, check: bool) -> int:
    """Write the table as JSON, or with ``check`` compare and return 1 when it differs."""
    text = json.dumps(data, indent=1) + "\n"
    if check:
        if path.read_text(encoding="utf-8") != text:
            print(f"{path} differs from its sources; run without --check to refresh it", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dl", type=Path, required=True, help="git mirror of github.com/golang/dl")
    parser.add_argument("--build", type=Path, required=True, help="git mirror of github.com/golang/build")
    parser.add_argument("--check", action="store_true", help="exit 1 when the table is not what the sources say")
    args = parser.parse_args(argv)
    return write_or_check(TABLE, table(args.dl, args.build), check=args.check)


if __name__ == "__main__":
    sys.exit(main())
