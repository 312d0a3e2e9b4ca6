"""Lower the manifest model to the IR: defaults, the expanded matrix, scripts and the job graph.

Semantic checks that the schema cannot express happen here and are reported as diagnostics
with the JSON path of the offending setting (the compiler adds line and column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from ciforge import dockerfile_gen, goreleases, goversion, ir, lower_modules, matrix, pins, reading, runners, scripts
from ciforge.diagnostics import Diagnostic, DiagnosticCode, JsonPath
from ciforge.globs import bracket_problem
from ciforge.lower_jobs import CustomJobs
from ciforge.lower_lint import LintLowering
from ciforge.lower_paths import path_filter
from ciforge.lower_schedule import Schedules
from ciforge.lower_setup import apt_skipped, with_setup
from ciforge.lower_supply import SupplyChain
from ciforge.lower_test import TestLowering
from ciforge.model import Build, Manifest, MatrixEntry

# Matrix legs per job: GitHub allows 256, GitLab's parallel:matrix 200; ciforge splits a larger
# matrix into shards of at most this many legs, the same shards on both platforms.
SHARD_SIZE: Final = 200
# GitLab refuses a pipeline in which one job needs more than 50 jobs, each matrix instance counted
# (https://docs.gitlab.com/ci/yaml/#needs). With a release over more legs than that, builds are
# split into jobs of at most 50 legs, each gathered by one collector job (from 50 legs on, as the
# release also needs the SBOM job).
NEEDS_LIMIT: Final = 50
MAX_LEGS: Final = 2000
_DIMENSIONS: Final = ("goos", "goarch", "cgo")
TOOLS: Final = ("buildx", "syft", "trivy", "cosign")


Stage = Literal["lint", "test", "build"]
UNRESOLVED: Final = "0.0"  # the Go release when go.version(-file) could not be resolved (an error says why)


class Lowering:
    """One lowering run: collects diagnostics while building the pipeline."""

    def __init__(
        self, manifest: Manifest, *, base_dir: Path, manifest_label: str, hosting: tuple[runners.Hosting, ...]
    ) -> None:
        self.m = manifest
        self.hosting = hosting  # each target's hosted runners (its package's HOSTING)
        self.base_dir = base_dir
        self.label = manifest_label
        self.diagnostics: list[Diagnostic] = []
        self.declared: goversion.Declared | None = None
        self.collect_builds = False
        self.unresolved = UNRESOLVED
        self.dockerfile: dockerfile_gen.Spec | None = None  # with image.dockerfile: generate

    def error(self, code: DiagnosticCode, message: str, path: JsonPath) -> None:
        self.diagnostics.append(Diagnostic(code=code, message=message, path=path))

    def warn(self, code: DiagnosticCode, message: str, path: JsonPath) -> None:
        self.diagnostics.append(Diagnostic(code=code, message=message, path=path, severity="warning"))

    # -- settings ---------------------------------------------------------------------------

    def go_version(self) -> str:
        """The exact Go release: ``go.version`` resolved against the release table, or the
        version file read now (:mod:`ciforge.goversion` says what each file format means)."""
        if self.m.go.version is not None:
            return self.release(self.m.go.version, ("go", "version"))
        self.declared = self._read_version_file()
        if self.declared is None:
            return UNRESOLVED
        try:
            return goversion.release(self.declared, exact=self.m.go.exact)
        except goreleases.UnknownReleaseError as exc:
            self.error("go-version", f"{self.m.go.version_file} declares {exc}", ("go", "version-file"))
            return UNRESOLVED

    def _read_version_file(self) -> goversion.Declared | None:
        rel = self.m.go.version_file or "go.mod"
        try:
            # a regular file inside the repository, of bounded size (never a FIFO or /dev/zero)
            text = reading.read_in_repository(self.base_dir, rel, reading.MAX_VERSION_FILE_BYTES).decode("utf-8")
        except (OSError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, reading.FileRefusedError) else exc.__class__.__name__
            self.error("go-version-file", f"cannot read {rel}: {reason}", ("go", "version-file"))
            return None
        try:
            return goversion.parse(rel, text)
        except goversion.VersionFileError as exc:
            self.error("go-version-file", str(exc), ("go", "version-file"))
            return None

    def release(self, request: str, path: JsonPath) -> str:
        """A version request (channel, minor, release) as an exact release, or an error at ``path``."""
        try:
            return goreleases.resolve(request)
        except goreleases.UnknownReleaseError as exc:
            self.error("go-version", str(exc), path)
            return UNRESOLVED

    def pipeline_env(self) -> ir.Env:
        go = self.m.go
        env = [("GOPROXY", go.proxy), ("GOSUMDB", go.sumdb)]
        if go.private:
            joined = ",".join(go.private)
            env += [("GOPRIVATE", joined), ("GONOSUMDB", joined)]
        # Never let the go command download another toolchain: the version is pinned above.
        env.append(("GOTOOLCHAIN", "local"))
        return tuple(env)

    def build_tags(self, stage: Stage, leg: str | None = None) -> str:
        """The -tags value of a stage's job or matrix leg: the stage's own ``tags`` when set (even
        []), else ``go.tags``, then the leg's include tags (comma-separated); each tag once."""
        if stage == "lint":
            own = self.m.lint.tags
        elif stage == "test":
            own = self.m.test.tags
        else:
            own = self.m.build.tags if self.m.build is not None else None
        tags = [*(own if own is not None else self.m.go.tags), *(leg.split(",") if leg else ())]
        return ",".join(dict.fromkeys(tags))

    def runner(self, platform: str) -> ir.Runner:
        """Where a job on ``platform`` runs: the hosted runner, or the ``runners`` entry's labels."""
        override = self.m.runners.get(platform)
        labels = override.labels() if override else {}
        return ir.Runner(platform=platform, labels=tuple((target, names) for target, names in labels.items() if names))

    def check_runner(self, platform: str, path: JsonPath) -> None:
        """An error for each target with no runner for ``platform``: no hosted runner that runs
        bash there, and none named in ``runners``."""
        override = self.m.runners.get(platform)
        for hosting in self.hosting:
            if (override and override.labels().get(hosting.target)) or platform in hosting.platforms:
                continue
            reason = hosting.missing.get(platform, "there is none")
            self.error(
                "runner",
                f"{platform} has no hosted {hosting.title} runner that runs bash: {reason}; name a self-hosted "
                f"runner with bash in runners.{platform}.{hosting.setting}",
                path,
            )

    # -- jobs -------------------------------------------------------------------------------

    def go_cache(self) -> ir.GoCache | None:
        """The Go cache, or none when release branches are triggered: they publish too, and no
        expression tells them apart from other branches for every glob (zizmor cache-poisoning)."""
        if any(glob.startswith("release") for glob in self.m.triggers.branches):
            return None
        return ir.GoCache()

    def legs(self, build: Build, go: str) -> list[ir.Leg]:
        mx = build.matrix
        self._check_entries(mx.exclude, "exclude", allowed=_DIMENSIONS)
        self._check_entries(mx.include, "include", allowed=(*_DIMENSIONS, "tags", "cc"))
        combos = matrix.expand(
            [("goos", mx.goos), ("goarch", mx.goarch), ("cgo", mx.cgo)],
            exclude=[_entry_dict(e) for e in mx.exclude],
            include=[_entry_dict(e) for e in mx.include],
        )
        if not combos:
            self.error("matrix-empty", "the exclude entries remove every build leg", ("build", "matrix"))
        if len(combos) > MAX_LEGS:
            self.error(
                "matrix-limit",
                f"the build matrix expands to {len(combos)} legs; ciforge splits matrices into jobs of "
                f"{SHARD_SIZE} but refuses more than {MAX_LEGS} legs in all",
                ("build", "matrix"),
            )
        self._check_ports(combos, go)
        legs: list[ir.Leg] = []
        used: set[str] = set()
        for combo in combos:
            # a key missing from a leg takes its default: linux, amd64, cgo off (the rule)
            legs.append(self._leg(combo, used))
        return legs

    def _check_ports(self, combos: list[dict[str, object]], go: str) -> None:
        """Every leg's GOOS/GOARCH must be a port of the Go release (``go tool dist list``), else the
        leg renders and fails at run time; the error points at the include entry or the goarch value
        that made the leg."""
        if go == UNRESOLVED or self.m.build is None:
            return
        ports = goreleases.ports(go)
        if ports is None:
            self.warn(
                "go-ports",
                f"build legs are not checked against Go {go}'s ports: ciforge's Go release table lists ports "
                f"from Go {min(goreleases.table()['ports'], key=goreleases.key)} on",
                ("build", "matrix"),
            )
            return
        mx = self.m.build.matrix
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
            self.error(
                "go-ports",
                f"Go {go} cannot build {port}: it is not one of its ports (go tool dist list); "
                "drop it or add an exclude entry",
                path,
            )

    def _check_entries(self, entries: tuple[MatrixEntry, ...], where: str, allowed: tuple[str, ...]) -> None:
        for i, entry in enumerate(entries):
            for key, value in _entry_dict(entry).items():
                if key not in allowed and value is not None:
                    self.error(
                        "matrix-key",
                        f"{where} entries may only use {', '.join(allowed)}; {key!r} is not a matrix "
                        "dimension, so this entry could never match",
                        ("build", "matrix", where, i, key),
                    )

    def _leg(self, combo: dict[str, object], used: set[str]) -> ir.Leg:
        goos = str(combo.get("goos", "linux"))
        goarch = str(combo.get("goarch", "amd64"))
        cgo = bool(combo.get("cgo", False))
        parts = [goos, goarch] + (["cgo"] if cgo else [])
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
            ("CGO_ENABLED", "1" if cgo else "0"),
        ]
        if isinstance(combo.get("cc"), str):
            variables.append(("CC", str(combo["cc"])))
        joined = self.build_tags("build", tags if isinstance(tags, str) else None)
        if joined:
            variables.append(("GO_TAGS", joined))
        return ir.Leg(key=key, variables=tuple(variables))

    def build_jobs(self, go: str, needs: tuple[str, ...]) -> list[ir.Job]:
        build = self.m.build
        assert build is not None
        for problem in unsafe_link_flags(build.ldflags):
            self.error("unsafe-flag", problem, ("build", "ldflags"))
        legs = self.legs(build, go)
        release = self.m.release is not None and self.m.release.on_tags
        # release-assets also needs the sbom job: gather from 50 legs on
        self.collect_builds = release and len(legs) >= NEEDS_LIMIT
        size = NEEDS_LIMIT if self.collect_builds else SHARD_SIZE
        shards = [legs[i : i + size] for i in range(0, len(legs), size)] or [[]]
        jobs = []
        for number, shard in enumerate(shards, start=1):
            suffix = f"-{number}" if len(shards) > 1 else ""
            # collected builds carry their shard in the artifact name, so a collector can select them
            artifact = f"build{suffix}-{ir.LEG_TOKEN}" if self.collect_builds else f"build-{ir.LEG_TOKEN}"
            jobs.append(
                ir.Job(
                    id=f"build{suffix}",
                    name=f"Build{suffix}",
                    stage="build",
                    needs=needs,
                    go=go,
                    env=(
                        ("BINARY", build.binary or self.m.name),
                        ("LDFLAGS", build.ldflags),
                        ("MAIN_PACKAGE", build.main),
                    ),
                    legs=tuple(shard),
                    steps=(
                        ir.Checkout(),
                        ir.SetupGo(version=go),
                        ir.Run(id="go-build", name="go build", script=scripts.go_build()),
                    ),
                    produces=(ir.Artifact(name=artifact, paths=(f"dist/build-{ir.LEG_TOKEN}/",)),),
                    cache=self.go_cache(),
                    timeout_minutes=20,
                    gates=(ir.Gate(kind="exit_code", block="go-build"),),
                )
            )
        return jobs

    def check_jobs(self, go: str) -> list[ir.Job]:
        """Lint and test: of the root, or of each module the manifest names (``modules:``)."""
        lint = LintLowering(self).job(go)
        testing = TestLowering(self, go)
        legs = testing.legs()
        modules = lower_modules.resolve(self, go)
        if modules is None:
            return [*([lint] if lint is not None else []), *testing.jobs(legs)]
        directories = tuple(m.directory for m in modules)
        jobs: list[ir.Job] = []
        for module in modules:
            own = [lint] if module.lint and lint is not None else []
            if module.test:
                own += testing.jobs(legs, coverage=module.coverage)
            jobs += [
                lower_modules.scoped(job, module, all_modules=directories, manifest=Path(self.label).name)
                for job in own
            ]
        if modules and not jobs:
            self.error("modules", "no module is linted or tested: each has lint: false and test: false", ("modules",))
        return jobs

    def run(self) -> ir.Pipeline:
        go = self.go_version()
        jobs = self.check_jobs(go)
        gathered = gather_checks(jobs)
        checks = tuple(j.id for j in gathered) if gathered else tuple(j.id for j in jobs)
        jobs += gathered
        builds = self.build_jobs(go, needs=checks) if self.m.build is not None else []
        jobs += builds
        if self.m.image is not None and self.m.image.generated:
            legs = [leg for b in builds for leg in b.legs]
            self.dockerfile, problems = dockerfile_gen.spec(
                self.m, go, legs, stage_tags=self.build_tags("build"), label=self.label
            )
            self.diagnostics += problems
        elif self.m.image is not None:
            self.diagnostics += dockerfile_gen.unused_keys(self.m.image)
        supply = SupplyChain(
            self.m,
            go=go,
            checks=checks,
            builds=tuple(b.id for b in builds),
            legs=tuple(leg.key for b in builds for leg in b.legs),
            binary=(self.m.build.binary or self.m.name) if self.m.build is not None else "",
            collect=self.collect_builds,
        )
        jobs += supply.jobs()
        self.diagnostics += supply.diagnostics
        jobs += CustomJobs(self, go, jobs, ir.STAGES).jobs()
        jobs = [with_setup(self.m.setup, job) for job in jobs]
        if skipped := apt_skipped(self.m.setup, jobs):
            self.warn(
                "setup",
                f"setup.apt installs Debian packages on the Linux jobs only; the {', '.join(skipped)} test jobs "
                "run without them",
                ("setup", "apt"),
            )
        jobs = Schedules(self, jobs).apply()
        _check_graph(jobs)
        t = self.m.triggers
        triggers = ir.Triggers(
            branches=t.branches,
            tags=t.tags,
            change_requests=t.pull_requests,
            manual=t.manual,
            schedules=tuple(entry.cron for entry in t.schedule),
            paths=path_filter(self),
        )
        for key, patterns in (("branches", t.branches), ("tags", t.tags)):
            for index, pattern in enumerate(patterns):
                problem = bracket_problem(pattern)
                if problem is not None:
                    self.error("glob", f"{pattern!r}: {problem}", ("triggers", key, index))
        if not (t.branches or t.tags or t.pull_requests or t.manual or t.schedule):
            self.error("schema", "no trigger is enabled, so the pipeline would never run", ("triggers",))
        return ir.Pipeline(
            name=self.m.name,
            manifest=self.label,
            triggers=triggers,
            env=self.pipeline_env(),
            jobs=tuple(jobs),
            stages=tuple(stage for stage in ir.STAGES if any(j.stage == stage for j in jobs)),
            tools=tuple((name, pins.tool_version(name)) for name in TOOLS),
        )


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


def _entry_dict(entry: MatrixEntry) -> dict[str, object]:
    return {
        k: v
        for k, v in (
            ("goos", entry.goos),
            ("goarch", entry.goarch),
            ("cgo", entry.cgo),
            ("tags", entry.tags),
            ("cc", entry.cc),
        )
        if v is not None
    }


def gather_checks(checks: list[ir.Job]) -> list[ir.Job]:
    """Jobs that each need at most NEEDS_LIMIT concrete check jobs (every leg counts), for the
    builds to need instead of more checks than GitLab allows one job to need (many modules or
    test platforms). None when the checks fit."""
    if sum(max(1, len(j.legs)) for j in checks) <= NEEDS_LIMIT:
        return []
    groups: list[list[ir.Job]] = [[]]
    for job in checks:
        size = max(1, len(job.legs))
        if sum(max(1, len(j.legs)) for j in groups[-1]) + size > NEEDS_LIMIT:
            groups.append([])
        groups[-1].append(job)
    return [
        ir.Job(
            id=f"checks-{n}",
            name=f"Checks {n}",
            stage="check",
            needs=tuple(j.id for j in group),
            runtime=ir.Runtime.SHELL,
            steps=(
                ir.Run(
                    id="checks",
                    name="Checks passed",
                    script=scripts.block(f"echo {scripts.quoted('passed: ' + ' '.join(j.id for j in group))}"),
                ),
            ),
            timeout_minutes=5,
            gates=(ir.Gate(kind="exit_code", block="checks"),),
        )
        for n, group in enumerate(groups, start=1)
    ]


def _check_graph(jobs: list[ir.Job]) -> None:
    """Invariants both emitters rely on; a failure here is a ciforge bug, not a user error."""
    by_id = {j.id: j for j in jobs}
    for job in jobs:
        assert (job.runtime == ir.Runtime.GO) == (job.go is not None), f"{job.id}: go version iff Go runtime"
        assert (ir.Event.SCHEDULE in job.events) == bool(job.schedules), f"{job.id}: on a schedule iff it has one"
        for need in job.needs:
            assert need in by_id, f"{job.id} needs unknown job {need}"
            assert job.events <= by_id[need].events, f"{job.id} runs on events where {need} does not"
            assert set(job.schedules) <= set(by_id[need].schedules), f"{job.id} runs on schedules {need} does not"
            assert ir.STAGES.index(by_id[need].stage) <= ir.STAGES.index(job.stage), f"{job.id} needs a later stage"
        for producer in [c.producer for c in job.consumes] + [i.producer for i in job.inputs]:
            assert producer in job.needs, f"{job.id} reads from {producer} without needing it"


def lower(
    manifest: Manifest, *, base_dir: Path, manifest_label: str, hosting: tuple[runners.Hosting, ...]
) -> tuple[ir.Pipeline, list[Diagnostic], dockerfile_gen.Spec | None]:
    """Lower a manifest; the pipeline is only usable when no diagnostic is an error. ``hosting``:
    the hosted runners of every target the manifest must fit. The third item: the generated
    Dockerfile's settings, with ``image.dockerfile: generate``."""
    lowering = Lowering(manifest, base_dir=base_dir, manifest_label=manifest_label, hosting=hosting)
    pipeline = lowering.run()
    return pipeline, lowering.diagnostics, lowering.dockerfile
