"""Lower ``build:``: the expanded cross-build matrix (with its variant variables: GOARM, GOAMD64,
...), the binaries every leg builds, and the release placeholders of ``ldflags``
(docs/release.md)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import attrs

from ciforge import goreleases, ir, lower_archives, matrix, scripts, scripts_build
from ciforge.diagnostics import JsonPath
from ciforge.model import Binary, Build, MatrixEntry

if TYPE_CHECKING:
    from ciforge.lower import Lowering

# Matrix legs per job: GitHub allows 256, GitLab's parallel:matrix 200; ciforge splits a larger
# matrix into shards of at most this many legs, the same shards on both platforms.
SHARD_SIZE: Final = 200
# GitLab refuses a pipeline in which one job needs more than 50 jobs, each matrix instance counted
# (https://docs.gitlab.com/ci/yaml/#needs). When something ships (an image push or a release) over
# more legs than that, builds are split into jobs of at most 50 legs, which gathering jobs wait for
# (docs/cost.md); with a release, one collector job per shard gathers its binaries (from 50 legs
# on, as the release also needs the SBOM job).
NEEDS_LIMIT: Final = 50
MAX_LEGS: Final = 2000
# A batch's timeout: 20 minutes per leg, at most 6 hours, the longest a job runs on GitHub's
# hosted runners (https://docs.github.com/en/actions/reference/limits).
MAX_TIMEOUT: Final = 360
DIMENSIONS: Final = ("goos", "goarch", "cgo")


@attrs.frozen
class Variant:
    """A per-architecture variant variable of the go command
    (https://pkg.go.dev/cmd/go#hdr-Environment_variables): its matrix key, the variable, the
    GOARCH values it applies to, and the Go release that introduced it (None: every release
    ciforge knows)."""

    key: str
    variable: str
    goarch: tuple[str, ...]
    since: str | None = None


VARIANTS: Final = (
    Variant("goarm", "GOARM", ("arm",)),
    Variant("goamd64", "GOAMD64", ("amd64",), "1.18"),
    Variant("go386", "GO386", ("386",)),
    Variant("goarm64", "GOARM64", ("arm64",), "1.23"),
    Variant("goriscv64", "GORISCV64", ("riscv64",), "1.23"),
    Variant("gomips", "GOMIPS", ("mips", "mipsle")),
    Variant("gomips64", "GOMIPS64", ("mips64", "mips64le")),
)
# Values newer than their variable: GOARM's floating-point suffix (https://go.dev/doc/go1.22#arm)
# and the rva23u64 profile (https://go.dev/doc/go1.25#riscv).
_VALUE_SINCE: Final = (("goarm", ",", "1.22"), ("goriscv64", "rva23u64", "1.25"))
INCLUDE_KEYS: Final = (*DIMENSIONS, "tags", "cc", *(v.key for v in VARIANTS))
_PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")

# Linker flags that choose a program for the linker to run (go tool link: -extld, -extar), and
# options of the external linker that do the same or load code (-B, -fuse-ld, --ld-path,
# -wrapper, -specs, -plugin, @file). The C compiler is chosen with a matrix include's `cc`.
_PROGRAM_FLAGS: Final = ("extld", "extar")
_EXTLD_PROGRAM_OPTIONS: Final = ("-B", "-fuse-ld", "--ld-path", "-wrapper", "-specs", "--specs", "-plugin", "@")


def unsafe_link_flags(ldflags: str) -> list[str]:
    """Why ``ldflags`` could make the linker run an arbitrary program (empty when it cannot)."""
    problems: list[str] = []
    words = ldflags.split()
    for i, word in enumerate(words):
        name, _, value = word.lstrip("-").partition("=")
        if not word.startswith("-"):
            continue
        if name in _PROGRAM_FLAGS:
            problems.append(
                f"-{name} makes the linker run another program; choose the C compiler with a matrix "
                "include's cc instead"
            )
        elif name == "extldflags":
            value = value if "=" in word else (words[i + 1] if i + 1 < len(words) else "")
            options = value.split(",") if value.startswith("-Wl,") else [value]
            for option in options:
                if option.startswith(_EXTLD_PROGRAM_OPTIONS) or option.lstrip("-").startswith("plugin"):
                    problems.append(f"-extldflags {option} makes the external linker run or load another program")
    return problems


# What the release placeholders are computed from, each platform's own ref values (docs/release.md).
STAMP_ENV: Final[ir.Env] = (
    ("RELEASE_REF", ir.PlatformValue("ref_name")),
    ("RELEASE_HEAD", ir.PlatformValue("change_head")),
    ("RELEASE_TAG", ir.PlatformValue("tag_name")),
)


def placeholder_problems(ldflags: str) -> list[str]:
    """Each unknown ``{name}`` of ``ldflags``, and each brace that opens or closes none."""
    known = ", ".join("{" + name + "}" for name in scripts_build.PLACEHOLDERS)
    problems = [
        f"unknown placeholder {{{name}}}; the placeholders are {known}"
        for name in _PLACEHOLDER.findall(ldflags)
        if name not in scripts_build.PLACEHOLDERS
    ]
    if re.search("[{}]", _PLACEHOLDER.sub("", ldflags)):
        problems.append(f"a brace that is not part of a placeholder ({known})")
    return problems


def placeholders_used(ldflags: str) -> bool:
    return any(name in scripts_build.PLACEHOLDERS for name in _PLACEHOLDER.findall(ldflags))


def batches(legs: list[ir.Leg], count: int) -> list[list[ir.Leg]]:
    """``legs`` in matrix order, cut into ``count`` contiguous batches whose sizes differ by at
    most one, the larger ones first (7 legs in 3 jobs: 3, 2, 2)."""
    size, larger = divmod(len(legs), count)
    out: list[list[ir.Leg]] = []
    start = 0
    for number in range(count):
        end = start + size + (1 if number < larger else 0)
        out.append(legs[start:end])
        start = end
    return out


def sequential_blocks(legs: list[ir.Leg], script: str) -> list[ir.Run]:
    """The build block once per leg, for a job whose legs run one after another: each sets its
    own leg's variables, and unsets those only other legs set, first. GitLab runs a job's blocks
    in one shell (https://docs.gitlab.com/ci/yaml/#script), so without that a leg would inherit
    the previous leg's GO_TAGS, CC or GOARM; the same text runs on GitHub (docs/cost.md, build
    layouts)."""
    names = list(dict.fromkeys(name for leg in legs for name, _ in leg.variables))
    blocks = []
    for number, leg in enumerate(legs, start=1):
        own = {name for name, _ in leg.variables}
        others = [name for name in names if name not in own]
        header = scripts.block(*([f"unset {' '.join(others)}"] if others else []), *scripts.pinned(*leg.variables))
        blocks.append(
            ir.Run(
                id=f"go-build-{number}",
                name=f"go build {leg.key}",
                script=header + script.removeprefix(scripts.PRELUDE),
            )
        )
    return blocks


def binaries(build: Build, name: str) -> tuple[Binary, ...]:
    """The binaries every leg builds: ``binaries``, or one from ``main`` and ``binary``."""
    if build.binaries is not None:
        return build.binaries
    return (Binary(main=build.main, binary=build.binary or name),)


def entry_dict(entry: MatrixEntry) -> dict[str, object]:
    """The keys an include or exclude entry sets."""
    return {k: v for k, v in attrs.asdict(entry).items() if v is not None}


def _since(key: str, value: str) -> str | None:
    """The Go release that introduced this variant value (None: every release)."""
    newest = next(v.since for v in VARIANTS if v.key == key)
    for variant_key, marker, release in _VALUE_SINCE:
        if variant_key == key and marker in value:
            newest = release
    return newest


def _variant_token(value: str) -> str:
    """A variant value as a part of the leg key: GOARM 7 is v7 (Docker's linux/arm/v7),
    ``v8.2,lse`` is v8.2-lse."""
    token = value.replace(",", "-")
    return token if token[0].isalpha() else "v" + token


class BuildLowering:
    """The build jobs of one lowering run; problems go to the run's diagnostics."""

    def __init__(self, low: Lowering, build: Build) -> None:
        self.low = low
        self.build = build
        self.archive_names: dict[str, str] = {}  # leg key -> archive name, with {version}

    def jobs(self, go: str) -> list[ir.Job]:
        build = self.build
        for problem in unsafe_link_flags(build.ldflags):
            self.low.error("unsafe-flag", problem, ("build", "ldflags"))
        for problem in placeholder_problems(build.ldflags):
            self.low.error("placeholder", problem, ("build", "ldflags"))
        self._check_binaries()
        legs = self.legs(go)
        count = self._job_count(len(legs))
        release = self.low.m.release is not None and self.low.m.release.on_tags
        # release-assets also needs the sbom job: gather from 50 legs (jobs, when batched) on
        self.low.collect_builds = release and (len(legs) if count is None else count) >= NEEDS_LIMIT
        # what ships needs every leg, through gathering jobs that each need one shard
        size = NEEDS_LIMIT if self.low.ships() and len(legs) >= NEEDS_LIMIT else SHARD_SIZE
        archives = self.low.m.release.archives if self.low.m.release is not None else None
        archive = None
        if archives is not None and lower_archives.packed(archives):
            self.archive_names = lower_archives.archive_names(
                archives, legs, self.low.m.name, self.low.error, self.low.warn
            )
            legs = [
                attrs.evolve(
                    leg, variables=(*leg.variables, (lower_archives.ARCHIVE_VARIABLE, self.archive_names[leg.key]))
                )
                for leg in legs
            ]
            archive = lower_archives.contents(archives, binaries(build, self.low.m.name))
        if count is None:
            shards = [legs[i : i + size] for i in range(0, len(legs), size)] or [[]]
        else:
            shards = batches(legs, count)
        stamp = placeholders_used(build.ldflags) or archive is not None
        script = scripts_build.go_build(
            binaries=" ".join(f"{b.binary}={b.main}" for b in binaries(build, self.low.m.name)),
            ldflags=build.ldflags,
            stamp=stamp,
            buildvcs=build.buildvcs,
            archive=archive,
        )
        env: ir.Env = STAMP_ENV if stamp else ()
        jobs = []
        for number, shard in enumerate(shards, start=1):
            suffix = f"-{number}" if len(shards) > 1 else ""
            # collected builds carry their shard in the artifact name, so a collector can select them
            artifact = f"build{suffix}-{ir.LEG_TOKEN}" if self.low.collect_builds else f"build-{ir.LEG_TOKEN}"
            blocks = (
                [ir.Run(id="go-build", name="go build", script=script)]
                if count is None
                else sequential_blocks(shard, script)
            )
            jobs.append(
                ir.Job(
                    id=f"build{suffix}",
                    name=f"Build{suffix}",
                    stage="build",
                    go=go,
                    env=env,
                    legs=tuple(shard),
                    steps=(ir.Checkout(), ir.SetupGo(version=go), *blocks),
                    produces=(ir.Artifact(name=artifact, paths=(f"dist/build-{ir.LEG_TOKEN}/",)),),
                    # one cache per job: per leg in a matrix, shared by a batch's legs
                    cache=self.low.go_cache(),
                    timeout_minutes=20 if count is None else min(MAX_TIMEOUT, 20 * len(shard)),
                    gates=tuple(ir.Gate(kind="exit_code", block=block.id) for block in blocks),
                    sequential=count is not None,
                )
            )
        return jobs

    def _job_count(self, legs: int) -> int | None:
        """How many jobs the legs are spread over one after another (build.jobs), or None for a
        job per leg (a matrix): per-leg, or N at least the number of legs."""
        layout = self.build.jobs
        if layout == "per-leg":
            return None
        if layout == "single":
            return 1
        count = int(layout)
        if count >= legs > 0:
            self.low.warn(
                "range",
                f"build.jobs is {count} and the matrix has {legs} leg{'s' if legs != 1 else ''}: each leg is a job "
                "of its own, as with per-leg",
                ("build", "jobs"),
            )
            return None
        return count

    def _check_binaries(self) -> None:
        build = self.build
        if build.binaries is None:
            return
        if build.main != "." or build.binary is not None:
            key = "binary" if build.binary is not None else "main"
            self.low.error(
                "conflict", "build.binaries replaces build.main and build.binary: set one or the other", ("build", key)
            )
        seen: set[str] = set()
        for i, item in enumerate(build.binaries):
            if item.binary in seen:
                self.low.error(
                    "conflict",
                    f"two binaries are named {item.binary}: every leg writes them to the same directory",
                    ("build", "binaries", i, "binary"),
                )
            seen.add(item.binary)

    def legs(self, go: str) -> list[ir.Leg]:
        mx = self.build.matrix
        self._check_entries(mx.exclude, "exclude", allowed=DIMENSIONS)
        self._check_entries(mx.include, "include", allowed=INCLUDE_KEYS)
        combos = matrix.expand(
            [("goos", mx.goos), ("goarch", mx.goarch), ("cgo", mx.cgo)],
            exclude=[entry_dict(e) for e in mx.exclude],
            include=[entry_dict(e) for e in mx.include],
        )
        if not combos:
            self.low.error("matrix-empty", "the exclude entries remove every build leg", ("build", "matrix"))
        if len(combos) > MAX_LEGS:
            self.low.error(
                "matrix-limit",
                f"the build matrix expands to {len(combos)} legs; ciforge splits matrices into jobs of "
                f"{SHARD_SIZE} but refuses more than {MAX_LEGS} legs in all",
                ("build", "matrix"),
            )
        self._check_ports(combos, go)
        self._check_variants(combos, go)
        used: set[str] = set()
        # a key missing from a leg takes its default: linux, amd64, cgo off (the rule)
        return [self._leg(combo, used) for combo in combos]

    def _check_ports(self, combos: list[dict[str, object]], go: str) -> None:
        """Every leg's GOOS/GOARCH must be a port of the Go release (``go tool dist list``), else the
        leg renders and fails at run time; the error points at the include entry or the goarch value
        that made the leg."""
        if go == self.low.unresolved:
            return
        ports = goreleases.ports(go)
        if ports is None:
            self.low.warn(
                "go-ports",
                f"build legs are not checked against Go {go}'s ports: ciforge's Go release table lists ports "
                f"from Go {min(goreleases.table()['ports'], key=goreleases.key)} on",
                ("build", "matrix"),
            )
            return
        mx = self.build.matrix
        reported: set[str] = set()
        for combo in combos:
            port = f"{combo.get('goos', 'linux')}/{combo.get('goarch', 'amd64')}"
            if port in ports or port in reported:
                continue
            reported.add(port)
            path: JsonPath = ("build", "matrix")
            for i, entry in enumerate(mx.include):
                if f"{entry.goos or 'linux'}/{entry.goarch or 'amd64'}" == port:
                    path = ("build", "matrix", "include", i)
                    break
            else:
                goarch = port.split("/")[1]
                if goarch in mx.goarch:
                    path = ("build", "matrix", "goarch", mx.goarch.index(goarch))
            self.low.error(
                "go-ports",
                f"Go {go} cannot build {port}: it is not one of its ports (go tool dist list); "
                "drop it or add an exclude entry",
                path,
            )

    def _check_variants(self, combos: list[dict[str, object]], go: str) -> None:
        """A variant variable applies to its GOARCH only, and to the Go releases that have it; the
        error points at the include entry that set it, once per entry and key."""
        reported: set[tuple[int, str]] = set()
        for combo in combos:
            goarch = str(combo.get("goarch", "amd64"))
            for variant in VARIANTS:
                value = combo.get(variant.key)
                if not isinstance(value, str):
                    continue
                entry = self._include_setting(variant.key, value)
                path: JsonPath = ("build", "matrix", "include", entry, variant.key)
                since = _since(variant.key, value)
                if goarch not in variant.goarch and (entry, variant.key) not in reported:
                    reported.add((entry, variant.key))
                    self.low.error(
                        "matrix-key",
                        f"{variant.key} applies to goarch {' or '.join(variant.goarch)} legs only, and sets "
                        f"{variant.variable} on a goarch {goarch} leg here",
                        path,
                    )
                elif (
                    since is not None
                    and go != self.low.unresolved
                    and goreleases.key(go) < goreleases.key(since)
                    and (entry, variant.key) not in reported
                ):
                    reported.add((entry, variant.key))
                    self.low.error(
                        "matrix-key",
                        f"{variant.variable}={value} needs Go {since} or newer; this build uses Go {go}",
                        path,
                    )

    def _include_setting(self, key: str, value: str) -> int:
        """The first include entry that sets ``key`` to ``value``."""
        return next(i for i, e in enumerate(self.build.matrix.include) if entry_dict(e).get(key) == value)

    def _check_entries(self, entries: tuple[MatrixEntry, ...], where: str, allowed: tuple[str, ...]) -> None:
        for i, entry in enumerate(entries):
            for key, value in entry_dict(entry).items():
                if key not in allowed and value is not None:
                    self.low.error(
                        "matrix-key",
                        f"{where} entries may only use {', '.join(allowed)}; {key!r} is not a matrix "
                        "dimension, so this entry could never match",
                        ("build", "matrix", where, i, key),
                    )

    def _leg(self, combo: dict[str, object], used: set[str]) -> ir.Leg:
        goos = str(combo.get("goos", "linux"))
        goarch = str(combo.get("goarch", "amd64"))
        cgo = bool(combo.get("cgo", False))
        variants = [(v.variable, str(combo[v.key])) for v in VARIANTS if isinstance(combo.get(v.key), str)]
        parts = [goos, goarch, *(_variant_token(value) for _, value in variants)] + (["cgo"] if cgo else [])
        tags = combo.get("tags")
        if isinstance(tags, str):
            parts += tags.split(",")
        key = "-".join(parts)
        n = 2
        while key in used:
            key = "-".join(parts) + f"-{n}"
            n += 1
        used.add(key)
        variables: list[tuple[str, str]] = [
            (ir.LEG_VARIABLE, key),
            ("GOOS", goos),
            ("GOARCH", goarch),
            *variants,
            ("CGO_ENABLED", "1" if cgo else "0"),
        ]
        if isinstance(combo.get("cc"), str):
            variables.append(("CC", str(combo["cc"])))
        joined = self.low.build_tags("build", tags if isinstance(tags, str) else None)
        if joined:
            variables.append(("GO_TAGS", joined))
        return ir.Leg(key=key, variables=tuple(variables))
