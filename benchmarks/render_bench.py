#!/usr/bin/env python3
"""Cold-process benchmark of ``ciforge render``.

Every measurement is a fresh ``<this interpreter> -m ciforge render -m MANIFEST --out TMPDIR``
subprocess, so each figure includes interpreter start-up, imports, YAML load, schema validation,
lowering, emission and the atomic file writes: what a user or a CI job actually waits for.

Cases
  baseline   ``python -c pass`` and ``python -c "import ciforge.cli"``
  (a)        the bundled example, examples/go-service/ciforge.yml
  (b)        a generated manifest with every section the schema accepts and a 250-leg build matrix
  (c)        a series of generated manifests with growing matrices (default 1 … 800 legs), with a
             least-squares fit (ms per leg, R²) so linear growth can be judged

Per case: median and min wall time, median CPU time (user+sys of the child), and peak memory
(the child's max RSS from os.wait4). It never asserts on timings; the PASS/MISS against the
targets is informational.

Usage: .venv/bin/python benchmarks/render_bench.py [--runs 15] [--json out.json]
POSIX only (os.wait4).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import itertools
import json
import marshal
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "go-service" / "ciforge.yml"

# The targets of issue 18 (README, Performance): medians of cold processes, peak RSS of any case.
TARGET_WALL_MS = 120.0  # cold render of the example
TARGET_CHECK_MS = 60.0  # render --check of the example on an unchanged tree
TARGET_VERIFY_RATIO = 2.0  # verify of the example, in cold renders of it
TARGET_LEGS_MS = 500.0  # cold render of a 2,000-leg manifest
TARGET_RSS_MIB = 60.0  # peak RSS, every ciforge case
DEFAULT_SIZES = (1, 10, 50, 100, 200, 400, 800, 2000)
LARGE_LEGS = 250
GO_RELEASE = "1.23.9"  # of the generated manifests
MAX_LEGS = 2000  # ciforge/lower.py: hard cap

# --------------------------------------------------------------------------------------------
# Running one cold process
# --------------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    maxrss_mib: float


def _maxrss_mib(ru_maxrss: int) -> float:
    # Linux reports KiB, macOS bytes
    return ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru_maxrss / 1024


# Why children are not simply started from this process: on Linux, exec() records the *old* address
# space's high-water RSS in the new program's maxrss. subprocess uses vfork (3.10+), where the old
# address space is this benchmark's, so every child would report at least the benchmark's own peak RSS
# (measured: `python -c pass` 10.7 MiB instead of its real 8.5). Forcing fork() only lowers that floor
# to this process's current private RSS (~13 MiB after its imports: still above `python -c pass`).
# So a tiny spawner (python -S -I, builtin modules only) forks, execs and reaps every child with
# os.wait4 and reports wall time and rusage. The floor it leaves is measured (a `true` child) and
# printed; it is far below every Python child.
_SPAWNER = r"""
import os, sys, time, marshal
rd, wr = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = rd.read(4)
    if len(head) < 4:
        break
    argv, cwd, errpath = marshal.loads(rd.read(int.from_bytes(head, "little")))
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(os.open(errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    out = marshal.dumps((wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status)))
    wr.write(len(out).to_bytes(4, "little") + out)
    wr.flush()
"""


def _force_fork() -> None:
    """A no-op ``preexec_fn``: its presence makes subprocess use fork()+exec instead of vfork."""


class Runner:
    """Runs one cold child process; returns its wall time, CPU time (user+sys) and peak RSS.

    ``spawner`` (default): through the small spawner process above. ``popen``: Popen from this
    process with fork forced, reaped by os.wait4 on the Popen pid (simpler, but peak RSS figures
    at or below the printed floor are then meaningless).
    """

    def __init__(self, mode: str, env: dict[str, str], scratch: Path) -> None:
        self.mode, self.env, self.errpath = mode, env, scratch / "child-stderr.txt"
        self.spawner: subprocess.Popen[bytes] | None = None
        if mode == "spawner":
            self.spawner = subprocess.Popen(
                [sys.executable, "-S", "-I", "-c", _SPAWNER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )

    def close(self) -> None:
        if self.spawner is not None:
            assert self.spawner.stdin is not None
            self.spawner.stdin.close()
            self.spawner.wait()
            self.spawner = None

    def run(self, argv: Sequence[str]) -> Sample:
        if self.spawner is not None:
            assert self.spawner.stdin is not None
            assert self.spawner.stdout is not None
            msg = marshal.dumps((list(argv), str(REPO), str(self.errpath)))
            self.spawner.stdin.write(len(msg).to_bytes(4, "little") + msg)
            self.spawner.stdin.flush()
            head = self.spawner.stdout.read(4)
            if len(head) < 4:
                raise RuntimeError("the spawner process died")
            wall, cpu, maxrss, code = marshal.loads(self.spawner.stdout.read(int.from_bytes(head, "little")))
        else:
            with self.errpath.open("wb") as err:
                start = time.perf_counter()
                proc = subprocess.Popen(
                    list(argv),
                    cwd=REPO,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    preexec_fn=_force_fork,  # noqa: PLW1509 - on purpose: fork, not vfork
                )
                _, status, usage = os.wait4(proc.pid, 0)
                wall = time.perf_counter() - start
                proc.returncode = code = os.waitstatus_to_exitcode(status)
                cpu, maxrss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        if code != 0:
            stderr = self.errpath.read_text(errors="replace")
            raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{stderr}")
        return Sample(wall, cpu, _maxrss_mib(maxrss))


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    group: str  # baseline | example | tree | large | series
    argv: list[str]
    legs: int | None = None
    manifest: Path | None = None
    out_root: Path | None = None  # render cases: a fresh output directory per run under here
    samples: list[Sample] = field(default_factory=list)
    output_bytes: int | None = None
    shards: int | None = None

    def command(self, run_dir: Path | None) -> list[str]:
        return [*self.argv, "--out", str(run_dir)] if run_dir is not None else self.argv

    def summary(self) -> dict[str, Any]:
        walls = [s.wall_s * 1000 for s in self.samples]
        cpus = [s.cpu_s * 1000 for s in self.samples]
        rss = [s.maxrss_mib for s in self.samples]
        return {
            "name": self.name,
            "group": self.group,
            "legs": self.legs,
            "shards": self.shards,
            "manifest": str(self.manifest) if self.manifest else None,
            "runs": len(self.samples),
            "wall_ms_median": statistics.median(walls),
            "wall_ms_min": min(walls),
            "wall_ms_max": max(walls),
            "wall_ms_stdev": statistics.stdev(walls) if len(walls) > 1 else 0.0,
            "cpu_ms_median": statistics.median(cpus),
            "maxrss_mib_peak": max(rss),
            "maxrss_mib_median": statistics.median(rss),
            "output_bytes": self.output_bytes,
            "wall_ms_samples": [round(w, 3) for w in walls],
        }


def _render_argv(manifest: Path) -> list[str]:
    return [sys.executable, "-m", "ciforge", "render", "-m", str(manifest)]


# --------------------------------------------------------------------------------------------
# Manifest generation
# --------------------------------------------------------------------------------------------


@dataclass
class Ctx:
    """What a section builder may use."""

    legs: int
    schema: dict[str, Any]

    def enum(self, name: str) -> list[str]:
        return list(self.schema["$defs"][name]["enum"])


BASE_GOOS = ("linux", "darwin", "windows")
BASE_GOARCH = ("amd64", "arm64")


def plan_matrix(n: int, ports: Sequence[str]) -> dict[str, Any]:
    """A ``build.matrix`` that expands to exactly ``n`` legs under GitHub's semantics, every leg a
    real port of the benchmark's Go release (ciforge refuses any other).

    The product linux, darwin, windows x amd64, arm64 (six legs) is trimmed by ``{goos, goarch}``
    excludes below six legs. Above six, each extra leg is an ``include`` of another port (a goos
    outside the product matches no original leg, so it adds one) with a ``tags`` value that keeps
    leg keys unique. One include that only *extends* existing legs (``tags: netgo`` on linux)
    exercises the include path without changing the count.
    """
    if not 1 <= n <= MAX_LEGS:
        raise ValueError(f"legs must be in 1..{MAX_LEGS}")
    pairs = [(o, r) for o in BASE_GOOS for r in BASE_GOARCH]
    exclude = [{"goos": o, "goarch": r} for o, r in reversed(pairs[n:])]  # trim from the far end
    others = sorted(p for p in ports if p.split("/")[0] not in BASE_GOOS)
    include: list[dict[str, Any]] = []
    for i in range(max(0, n - len(pairs))):
        goos, goarch = others[i % len(others)].split("/")
        include.append({"goos": goos, "goarch": goarch, "tags": f"bench{i // len(others)}"})
    include.append({"goos": "linux", "tags": "netgo"})
    matrix: dict[str, Any] = {"goos": list(BASE_GOOS), "goarch": list(BASE_GOARCH), "cgo": [False]}
    if exclude:
        matrix["exclude"] = exclude
    matrix["include"] = include
    return matrix


# One builder per top-level section, in manifest order. A builder is used only while `ciforge schema`
# lists its key, so the generator can run ahead of (or behind) the format: to benchmark a new section,
# add a builder here; schema sections without a builder are reported as "not generated". CORE sections
# must validate; if ciforge rejects the manifest with the others, they are left out (and reported).
SectionBuilder = Callable[[Ctx], Any]
CORE = ("version", "name", "go", "triggers", "lint", "test", "build")
SECTIONS: dict[str, SectionBuilder] = {
    "version": lambda ctx: 1,
    "name": lambda ctx: f"bench-{ctx.legs}-legs",
    "go": lambda ctx: {
        "version": GO_RELEASE,
        "packages": "./...",
        "proxy": "https://proxy.golang.org,direct",
        "sumdb": "sum.golang.org",
        "private": ["git.example.com/*", "github.com/example-private/*"],
    },
    "triggers": lambda ctx: {
        "branches": ["main", "release/**"],
        "pull-requests": True,
        "tags": ["v*"],
        "manual": True,
    },
    "lint": lambda ctx: {"vet": True, "golangci-lint": "v2.3.1"},
    "test": lambda ctx: {
        "race": True,
        "covermode": "atomic",
        "coverage": {"threshold": 80, "exclude": ["**/mocks/**", "**/*_gen.go"]},
    },
    "build": lambda ctx: {
        "main": "./cmd/server",
        "binary": "server",
        "ldflags": "-s -w",
        "matrix": plan_matrix(ctx.legs, sorted(_ports(GO_RELEASE))),
    },
    # supply chain (every key set, mirroring examples/go-service/ciforge.yml)
    "image": lambda ctx: {
        "repository": "ghcr.io/acme/bench-api",
        "dockerfile": "Dockerfile",
        "context": ".",
        "platforms": ["linux/amd64", "linux/arm64"],
        "cache": True,
        "push": ["tags", "branches"],
    },
    "sbom": lambda ctx: {"format": "spdx-json"},
    "scan": lambda ctx: {"severity": ["CRITICAL", "HIGH"], "ignore-unfixed": True},
    "sign": lambda ctx: {"keyless": True, "verify": True, "gitlab-url": "https://gitlab.com"},
    "release": lambda ctx: {"on-tags": True},
}


def _ports(release: str) -> frozenset[str]:
    """The release's ports (GOOS/GOARCH), from ciforge's Go release table."""
    sys.path.insert(0, str(REPO))
    from ciforge import goreleases  # noqa: PLC0415 - the benchmark runs from a checkout

    found = goreleases.ports(release)
    if found is None:
        raise RuntimeError(f"ciforge's release table has no ports of Go {release}")
    return found.first_class | found.secondary


def build_manifest(legs: int, schema: dict[str, Any], leave_out: Sequence[str] = ()) -> dict[str, Any]:
    """The manifest for ``legs`` legs: every section that has a builder and that the schema lists."""
    accepted = schema.get("properties", {})
    ctx = Ctx(legs=legs, schema=schema)
    return {name: build(ctx) for name, build in SECTIONS.items() if name in accepted and name not in leave_out}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a double-quoted YAML string: never re-typed


def to_yaml(data: Any, indent: int = 0) -> str:
    """Block-style YAML like a hand-written manifest (scalar lists and matrix entries in flow style)."""
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.append(to_yaml(value, indent + 2))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{key}:")
            for item in value:
                body = ", ".join(f"{k}: {_scalar(v)}" for k, v in item.items())
                lines.append(f"{pad}  - {{{body}}}")
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: [{', '.join(_scalar(v) for v in value)}]")
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> dict[str, float]:
    """Least squares y = intercept + slope·x, with R²."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx if sxx else 0.0
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1 - ss_res / ss_tot if ss_tot else 1.0
    return {"slope": slope, "intercept": intercept, "r2": r2}


# a leg's entry: a block mapping (GitLab's parallel:matrix) or one flow-style line (GitHub's include)
_LEG_LINE = re.compile(r"^\s*- \{?BUILD_LEG: ", re.MULTILINE)
_BUILD_JOB_GITLAB = re.compile(r"^build(?:-\d+)?:\s*$", re.MULTILINE)


def inspect_output(run_dir: Path) -> tuple[int, dict[str, int], int]:
    """Total bytes written, legs per output file, and GitLab build jobs (shards)."""
    total, legs, shards = 0, {}, 0
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        total += len(text.encode("utf-8"))
        legs[str(path.relative_to(run_dir))] = len(_LEG_LINE.findall(text))
        if path.name == ".gitlab-ci.yml":
            shards = len(_BUILD_JOB_GITLAB.findall(text))
    return total, legs, shards


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def _child_env(pycache_prefix: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caches allowed, as for an installed CLI
    for var in ("PYTHONPROFILEIMPORTTIME", "PYTHONTRACEMALLOC", "PYTHONDEVMODE", "PYTHONSTARTUP"):
        env.pop(var, None)
    if pycache_prefix is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache_prefix)
    else:
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Cold-process benchmark of `ciforge render`.")
    p.add_argument("--runs", type=int, default=15, help="measured runs per case (default 15)")
    p.add_argument("--warmups", type=int, default=2, help="uncounted warm-up runs per case (default 2)")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    p.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=list(DEFAULT_SIZES),
        help="matrix sizes for the growth series, comma-separated (default 1,10,50,100,200,400,800,2000)",
    )
    p.add_argument("--large-legs", type=int, default=LARGE_LEGS, help="legs of the large manifest (default 250)")
    p.add_argument(
        "--pycache-prefix",
        default=str(Path(tempfile.gettempdir()) / "ciforge-bench-pycache"),
        help="PYTHONPYCACHEPREFIX for the children, so bytecode caches are used without writing into the "
        "source tree; 'none' uses the ordinary __pycache__ directories (default: %(default)s)",
    )
    p.add_argument(
        "--spawn",
        choices=("spawner", "popen"),
        default="spawner",
        help="how children are started: through a tiny fork/exec helper (default; exact peak RSS) or by "
        "Popen from this process (peak RSS floored by this process's own RSS)",
    )
    p.add_argument("--keep", action="store_true", help="keep the generated manifests (path printed)")
    args = p.parse_args(argv)
    if args.runs < 1 or args.warmups < 0:
        p.error("--runs must be >= 1 and --warmups >= 0")
    for n in [*args.sizes, args.large_legs]:
        if not 1 <= n <= MAX_LEGS:
            p.error(f"matrix sizes must be in 1..{MAX_LEGS}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    pycache = None if args.pycache_prefix == "none" else Path(args.pycache_prefix)
    env = _child_env(pycache)
    meta: dict[str, Any] = {
        "tool": "benchmarks/render_bench.py",
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "runs": args.runs,
        "warmups": args.warmups,
        "warmup_done": args.warmups > 0,
        "order": "interleaved round-robin over the cases",
        "pythondontwritebytecode": "unset",
        "pycache_prefix": str(pycache) if pycache else None,
        "bytecode_cache_warm_before_warmups": bool(pycache and pycache.is_dir() and any(pycache.rglob("*.pyc"))),
        "spawn": args.spawn,
    }
    work = Path(tempfile.mkdtemp(prefix="ciforge-bench-"))
    # the children's validation cache (ciforge/cache.py): this run's own, filled by the warm-ups
    env["CIFORGE_CACHE_DIR"] = str(work / "validation-cache")
    env.pop("CIFORGE_NO_CACHE", None)
    runner = Runner(args.spawn, env, work)
    try:
        meta["ciforge"] = _ciforge(env, "--version").decode().strip()
        # The schema ciforge accepts today decides which sections the generator may use.
        meta["source_digest_before"] = source_digest()
        cases, meta["generator"] = _make_cases(args, json.loads(_ciforge(env, "schema")), env, work)
        true = shutil.which("true")  # the RSS floor the spawning method leaves: a trivial child's figure
        meta["maxrss_floor_mib"] = max(runner.run([true]).maxrss_mib for _ in range(3)) if true else None
        meta["loadavg_before"] = os.getloadavg()
        _print_header(meta)
        print(f"running {len(cases)} cases x {args.warmups + args.runs} runs …", file=sys.stderr, flush=True)
        _measure(cases, runner, runs=args.runs, warmups=args.warmups)
        meta["loadavg_after"] = os.getloadavg()
        meta["source_digest_after"] = source_digest()
    finally:
        runner.close()
        if args.keep:
            print(f"kept generated manifests and outputs in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    results = {c.name: c.summary() for c in cases}
    _print_table(cases, results, meta["maxrss_floor_mib"])
    series = [results[c.name] for c in cases if c.group == "series"]
    growth = _growth(series)
    if growth:
        _print_growth(series, growth)
    targets = _targets(results)
    print(
        f"\nnotes: {args.warmups} warm-up run(s) per case, not counted. Peak RSS = the child's ru_maxrss from "
        f"os.wait4 ({args.spawn}); measurement floor {meta['maxrss_floor_mib'] or 0:.1f} MiB (a `true` child). "
        f"Load average {meta['loadavg_before'][0]:.2f} → {meta['loadavg_after'][0]:.2f}."
    )
    busy = max(meta["loadavg_before"][0], meta["loadavg_after"][0])
    if busy > 0.5 * (os.cpu_count() or 1):
        print(
            f"WARNING: the machine was busy (1-min load up to {busy:.1f} on {os.cpu_count()} CPUs): medians are "
            "inflated by other work; the min and cpu columns are more trustworthy. Run again on a quiet machine."
        )
    if meta["source_digest_before"] != meta["source_digest_after"]:
        print("WARNING: ciforge's sources changed while the benchmark ran; the figures mix versions. Run again.")
    if args.json:
        payload = {**meta, "cases": list(results.values()), "growth": growth, "targets": targets}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


def _ciforge(env: dict[str, str], *args: str) -> bytes:
    return subprocess.run(
        [sys.executable, "-m", "ciforge", *args], cwd=REPO, env=env, check=True, capture_output=True
    ).stdout


def _make_cases(
    args: argparse.Namespace, schema: dict[str, Any], env: dict[str, str], work: Path
) -> tuple[list[Case], dict[str, Any]]:
    """The cases, in run order; writes the generated manifests and checks each with `ciforge validate`."""
    cases: list[Case] = [
        Case("python -c pass", "baseline", [sys.executable, "-c", "pass"]),
        Case("python -c 'import ciforge.cli'", "baseline", [sys.executable, "-c", "import ciforge.cli"]),
        Case("(a) example", "example", _render_argv(EXAMPLE), manifest=EXAMPLE),
        # the validation cache off (`env` adds one exec, about a millisecond)
        Case(
            "(a) example, no cache",
            "example",
            [shutil.which("env") or "env", "CIFORGE_NO_CACHE=1", *_render_argv(EXAMPLE)],
            manifest=EXAMPLE,
        ),
        *_tree_cases(env, work),
    ]
    accepted = list(schema.get("properties", {}))
    notes: dict[str, Any] = {
        "sections_generated": [],
        "builders_not_in_schema": [name for name in SECTIONS if name not in accepted],
        "schema_sections_not_generated": [name for name in accepted if name not in SECTIONS],
        "left_out_rejected": [],
        "rejection": None,
    }
    (work / "manifests").mkdir()
    for group, sizes in (("large", [args.large_legs]), ("series", args.sizes)):
        for legs in sizes:
            path = work / "manifests" / f"{group}-{legs}.yml"
            data = build_manifest(legs, schema, notes["left_out_rejected"])
            path.write_text(f"# generated by benchmarks/render_bench.py: {legs} legs\n{to_yaml(data)}\n")
            problem = _validate(env, path)
            if problem and not notes["left_out_rejected"]:  # retry once with the core sections only
                notes["left_out_rejected"] = [name for name in data if name not in CORE]
                notes["rejection"] = problem
                data = build_manifest(legs, schema, notes["left_out_rejected"])
                path.write_text(f"# generated by benchmarks/render_bench.py: {legs} legs\n{to_yaml(data)}\n")
                problem = _validate(env, path)
            if problem:
                raise RuntimeError(f"ciforge validate rejects the generated {path.name}:\n{problem}")
            notes["sections_generated"] = list(data)
            label = f"(b) large, {legs} legs" if group == "large" else f"(c) {legs} legs"
            cases.append(Case(label, group, _render_argv(path), legs=legs, manifest=path))
    for i, case in enumerate(cases):
        if case.manifest is not None:
            case.out_root = work / "out" / f"case{i}"
            case.out_root.mkdir(parents=True)
    return cases, notes


def _tree_cases(env: dict[str, str], work: Path) -> list[Case]:
    """`render --check` and `verify` of the example on a copy of its directory, rendered once
    (nothing changes between runs), and a peer: check-jsonschema on the rendered workflow."""
    tree = work / "tree"
    shutil.copytree(EXAMPLE.parent, tree, ignore=shutil.ignore_patterns(".github", ".gitlab-ci.yml"))
    _ciforge(env, "render", "-m", str(tree / "ciforge.yml"))
    ciforge = [sys.executable, "-m", "ciforge"]
    cases = [
        Case("(d) render --check", "tree", [*ciforge, "render", "-m", str(tree / "ciforge.yml"), "--check"]),
        Case("(e) verify", "tree", [*ciforge, "verify", "-m", str(tree / "ciforge.yml")]),
    ]
    peer = REPO / ".oracles" / "venv" / "bin" / "check-jsonschema"
    if peer.is_file():
        workflow = tree / ".github" / "workflows" / "ciforge.yml"
        argv = [str(peer), "--builtin-schema", "vendor.github-workflows", str(workflow)]
        cases.append(Case("peer: check-jsonschema, workflow", "tree", argv))
    return cases


def _validate(env: dict[str, str], manifest: Path) -> str | None:
    """None if `ciforge validate` accepts the manifest, else its diagnostics."""
    proc = subprocess.run(
        [sys.executable, "-m", "ciforge", "validate", "-m", str(manifest)],
        cwd=REPO,
        env=env,
        capture_output=True,
        check=False,
    )
    return None if proc.returncode == 0 else proc.stderr.decode(errors="replace").strip()


def source_digest() -> str | None:
    """A digest of ciforge's sources, to notice edits made while the benchmark runs."""
    root = REPO / "ciforge"
    if not root.is_dir():
        return None
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _measure(cases: Sequence[Case], runner: Runner, *, runs: int, warmups: int) -> None:
    """Warm-up rounds, then measured rounds; each round runs every case once (round-robin)."""
    counter = 0
    for round_no in range(warmups + runs):
        for case in cases:
            run_dir = None
            if case.out_root is not None:
                counter += 1
                run_dir = case.out_root / f"run{counter}"  # a fresh, absent output directory every run
            sample = runner.run(case.command(run_dir))
            if run_dir is not None:
                if case.output_bytes is None:  # first run of the case: check what it rendered
                    case.output_bytes, legs, case.shards = inspect_output(run_dir)
                    if case.legs is not None and set(legs.values()) != {case.legs}:
                        raise RuntimeError(f"{case.name}: expected {case.legs} legs per file, rendered {legs}")
                shutil.rmtree(run_dir)
            if round_no >= warmups:
                case.samples.append(sample)


def _growth(series: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if len(series) < 2:
        return {}
    xs = [float(r["legs"]) for r in series]
    fit = linear_fit(xs, [r["wall_ms_median"] for r in series])
    growth: dict[str, Any] = {
        "wall_ms": fit,
        "wall_ms_min": linear_fit(xs, [r["wall_ms_min"] for r in series]),
        "cpu_ms": linear_fit(xs, [r["cpu_ms_median"] for r in series]),
        "output_bytes": linear_fit(xs, [float(r["output_bytes"]) for r in series]),
        "maxrss_mib": linear_fit(xs, [r["maxrss_mib_peak"] for r in series]),
        "marginal_ms_per_leg": [
            {"from": a["legs"], "to": b["legs"], "ms_per_leg": (b["wall_ms_median"] - a["wall_ms_median"]) / (b["legs"] - a["legs"])}
            for a, b in itertools.pairwise(series)
        ],
        "residual_ms": {r["legs"]: r["wall_ms_median"] - (fit["intercept"] + fit["slope"] * r["legs"]) for r in series},
    }  # fmt: skip
    by_legs = {r["legs"]: r["wall_ms_median"] for r in series}
    if 100 in by_legs and 800 in by_legs:
        growth["ratio_800_100"] = by_legs[800] / by_legs[100]
        growth["ratio_800_100_if_linear"] = (fit["intercept"] + 800 * fit["slope"]) / (
            fit["intercept"] + 100 * fit["slope"]
        )
        if 1 in by_legs and by_legs[100] - by_legs[1] > 1.0:  # the part above the 1-leg render: 8x if linear
            growth["ratio_800_100_above_1_leg"] = (by_legs[800] - by_legs[1]) / (by_legs[100] - by_legs[1])
    return growth


def _targets(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each figure next to its target (informational, never a failure)."""
    render = results["(a) example"]["wall_ms_median"]
    rows: list[tuple[str, str, float, float, str]] = [  # key, what, measured, target, unit
        ("render_ms", "cold render of the example, median", render, TARGET_WALL_MS, "ms"),
        ("check_ms", "render --check, unchanged tree, median", results["(d) render --check"]["wall_ms_median"],
         TARGET_CHECK_MS, "ms"),
        ("verify_ratio", "verify / render, medians", results["(e) verify"]["wall_ms_median"] / render,
         TARGET_VERIFY_RATIO, "x"),
    ]  # fmt: skip
    legs = [r for r in results.values() if r["group"] == "series" and r["legs"] == MAX_LEGS]
    if legs:
        rows.append(("legs_ms", f"cold render of {MAX_LEGS} legs, median", legs[0]["wall_ms_median"],
                     TARGET_LEGS_MS, "ms"))  # fmt: skip
    ours = [r for r in results.values() if r["group"] != "baseline" and not r["name"].startswith("peer")]
    rss = max(r["maxrss_mib_peak"] for r in ours)
    rows.append(("maxrss_mib", "peak RSS, every ciforge case", rss, TARGET_RSS_MIB, "MiB"))
    print("\nTargets (informational, never a failure):")
    targets = {}
    for key, what, measured, target, unit in rows:
        ok = measured <= target
        targets[key] = {"target": target, "measured": measured, "pass": ok}
        print(f"  {what:42} {measured:8.1f} {unit:3} target ≤ {target:6.1f} {unit:3} {'PASS' if ok else 'MISS'}")
    floor = results["python -c pass"]["wall_ms_median"]
    print(f"  (in the same run: python -c pass {floor:.1f} ms", end="")
    peer = results.get("peer: check-jsonschema, workflow")
    print(f", check-jsonschema on one workflow {peer['wall_ms_median']:.1f} ms)" if peer else ")")
    return targets


def _print_header(meta: dict[str, Any]) -> None:
    print(f"{meta['ciforge']} · Python {meta['python']} ({meta['executable']})")
    print(
        f"{meta['platform']} · {meta['cpus']} CPUs · load {meta['loadavg_before'][0]:.2f} · "
        f"{meta['warmups']} warm-up + {meta['runs']} measured runs per case, interleaved round-robin"
    )
    cache = f"PYTHONPYCACHEPREFIX={meta['pycache_prefix']}" if meta["pycache_prefix"] else "in-tree __pycache__"
    state = "already warm" if meta["bytecode_cache_warm_before_warmups"] else "empty"
    print(
        f"bytecode cache: {cache} (PYTHONDONTWRITEBYTECODE unset; {state} before this run, "
        f"{'warm after the warm-up runs' if meta['warmup_done'] else 'no warm-up run'})"
    )
    gen = meta["generator"]
    print(f"generated manifests (b, c) have sections: {', '.join(gen['sections_generated'])}")
    for key, text in (
        ("builders_not_in_schema", "generator sections not in `ciforge schema`, left out"),
        ("schema_sections_not_generated", "schema sections the generator has no builder for"),
        ("left_out_rejected", "left out because `ciforge validate` rejected them"),
    ):
        if gen[key]:
            print(f"  {text}: {', '.join(gen[key])}")
    if gen["rejection"]:
        print("  " + gen["rejection"].replace("\n", "\n  "))


def _print_table(cases: Sequence[Case], results: dict[str, dict[str, Any]], floor: float | None) -> None:
    head = (
        f"{'case':34} {'legs':>5} {'jobs':>4} {'median ms':>10} {'min ms':>8} {'cpu ms':>8} "
        f"{'peak MiB':>9} {'out bytes':>10}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    group = None
    for case in cases:
        r = results[case.name]
        if group is not None and case.group != group:
            print()
        group = case.group
        legs = "" if r["legs"] is None else str(r["legs"])
        shards = "" if r["shards"] is None else str(r["shards"])
        out = "" if r["output_bytes"] is None else f"{r['output_bytes']:,}"
        at_floor = "!" if floor is not None and r["maxrss_mib_peak"] <= floor + 0.5 else " "
        print(
            f"{case.name:34} {legs:>5} {shards:>4} {r['wall_ms_median']:10.1f} {r['wall_ms_min']:8.1f} "
            f"{r['cpu_ms_median']:8.1f} {r['maxrss_mib_peak']:8.1f}{at_floor} {out:>10}"
        )
    print("(cpu: child user+sys, median; jobs: GitLab build jobs, over 200 legs ciforge shards the build job;")
    print(" out bytes: both rendered files; ! = peak RSS at the measurement floor)")


def _print_growth(series: Sequence[dict[str, Any]], growth: dict[str, Any]) -> None:
    fit, cpu, out, rss = growth["wall_ms"], growth["cpu_ms"], growth["output_bytes"], growth["maxrss_mib"]
    print("\nGrowth series (c): least-squares linear fit over the medians")
    print(f"  wall  : {fit['slope']:.4f} ms/leg, intercept {fit['intercept']:.1f} ms, R² {fit['r2']:.4f}")
    low = growth["wall_ms_min"]
    print(
        f"  min wall: {low['slope']:.4f} ms/leg, R² {low['r2']:.4f};  cpu: {cpu['slope']:.4f} ms/leg, "
        f"R² {cpu['r2']:.4f}  (less sensitive to other load on the machine)"
    )
    print(f"  output: {out['slope']:.1f} bytes/leg, intercept {out['intercept']:.0f} B, R² {out['r2']:.5f}")
    print(
        f"  RSS   : {rss['slope'] * 1000:.2f} MiB/1000 legs, intercept {rss['intercept']:.1f} MiB, R² {rss['r2']:.4f}"
    )
    marginal = ", ".join(f"{m['from']}→{m['to']}: {m['ms_per_leg']:.3f}" for m in growth["marginal_ms_per_leg"])
    print(f"  marginal cost between consecutive sizes (ms/leg): {marginal}")
    print("  residuals of the fit (ms): " + ", ".join(f"{k}: {v:+.1f}" for k, v in growth["residual_ms"].items()))
    if "ratio_800_100" in growth:
        above = growth.get("ratio_800_100_above_1_leg")
        print(
            f"  time(800)/time(100) = {growth['ratio_800_100']:.2f} (the linear fit predicts "
            f"{growth['ratio_800_100_if_linear']:.2f})"
            + (f"; time above the 1-leg render: 800 vs 100 legs = {above:.1f}x (linear: 8x)" if above else "")
        )


if __name__ == "__main__":
    sys.exit(main())
