"""Lower the manifest model to the IR: defaults, the expanded matrix, scripts and the job graph.

Semantic checks that the schema cannot express happen here and are reported as diagnostics
with the JSON path of the offending setting (the compiler adds line and column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import attrs

from ciforge import (
    dockerfile_gen,
    goreleases,
    goversion,
    ir,
    lower_build,
    lower_codescan,
    lower_modules,
    pins,
    reading,
    runners,
    scripts,
)
from ciforge.diagnostics import Diagnostic, DiagnosticCode, JsonPath
from ciforge.globs import bracket_problem
from ciforge.lower_build import NEEDS_LIMIT, BuildLowering
from ciforge.lower_jobs import CustomJobs
from ciforge.lower_lint import LintLowering
from ciforge.lower_paths import path_filter
from ciforge.lower_schedule import Schedules
from ciforge.lower_setup import apt_skipped, with_setup
from ciforge.lower_smoke import SmokeLowering
from ciforge.lower_supply import SupplyChain
from ciforge.lower_test import TestLowering
from ciforge.model import Manifest

TOOLS: Final = ("buildx", "syft", "trivy", "cosign")


Stage = Literal["lint", "test", "build"]
UNRESOLVED: Final = "0.0"  # the Go release when go.version(-file) could not be resolved (an error says why)
# the most needs a shipping job has besides the checks and builds: the SBOM, the scan and the
# smoke test (and one collector per build job, added where it is used)
SHIP_RESERVE: Final = 3


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
        self.ship_needs: tuple[str, ...] = ()  # what every job that publishes, signs or releases needs
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

    def ships(self) -> bool:
        """Whether a job publishes: an image push or a release."""
        m = self.m
        return bool(m.image is not None and m.image.push) or (m.release is not None and m.release.on_tags)

    def custom_jobs_need_builds(self) -> bool:
        """Whether a job of the project's needs a build job (it then waits for the checks too)."""
        return any(need == "build" or need.startswith("build-") for job in self.m.jobs.values() for need in job.needs)

    def go_cache(self) -> ir.GoCache | None:
        """The Go cache, or none when release branches are triggered: they publish too, and no
        expression tells them apart from other branches for every glob (zizmor cache-poisoning)."""
        if any(glob.startswith("release") for glob in self.m.triggers.branches):
            return None
        return ir.GoCache()

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
        building = BuildLowering(self, self.m.build) if self.m.build is not None else None
        # the builds start with the checks; what ships waits for both (docs/cost.md, the job graph)
        builds = building.jobs(go) if building is not None else []
        checks = list(jobs)
        # code scanning: nothing waits for it (its events need not include what ships)
        jobs += lower_codescan.jobs(self, go)
        jobs += builds
        if self.ships() or self.custom_jobs_need_builds():
            # collected builds are waited for through their collectors (lower_supply.collectors)
            shipped_builds = builds if self.ships() and not self.collect_builds else []
            self.ship_needs, gathered = gather([*checks, *shipped_builds], reserve=SHIP_RESERVE + len(builds))
            if self.ships() and self.collect_builds:
                self.ship_needs += tuple(f"collect-{b.id}" for b in builds)
            jobs += gathered
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
            ship_needs=self.ship_needs,
            builds=tuple(b.id for b in builds),
            legs=tuple(leg for b in builds for leg in b.legs),
            binaries=lower_build.binaries(self.m.build, self.m.name) if self.m.build is not None else (),
            collect=self.collect_builds,
            archives=tuple(building.archive_names.items()) if building is not None else (),
        )
        smoke = SmokeLowering(self, self.m.smoke).job(builds) if self.m.smoke is not None else None
        shipped = supply.jobs()
        if smoke is not None:
            jobs.append(smoke)
            # the release assets wait for the smoke test: nothing unproven is released
            shipped = [attrs.evolve(j, needs=(*j.needs, smoke.id)) if j.id == "release-assets" else j for j in shipped]
        jobs += shipped
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


def gather(needed: list[ir.Job], *, reserve: int) -> tuple[tuple[str, ...], list[ir.Job]]:
    """The needs of a job that must wait for every job in ``needed``, and the gathering jobs
    that make them fit: GitLab refuses a job that needs more than NEEDS_LIMIT jobs, each matrix
    leg counted (https://docs.gitlab.com/ci/yaml/#needs). ``reserve``: room kept for the other
    needs of the jobs that wait. Over the limit, ``checks-N`` jobs each need at most NEEDS_LIMIT
    of them, and the waiting jobs need those (gathered again while they are too many)."""
    # one gathering job is the fewest needs there can be: a reserve that leaves no room for it
    # would gather forever (build.jobs is capped so that the lowering never asks for that)
    if reserve >= NEEDS_LIMIT:
        raise ValueError(f"gather: a reserve of {reserve} leaves no room within {NEEDS_LIMIT} needs")
    gathering: list[ir.Job] = []
    while _instances(needed) + reserve > NEEDS_LIMIT:
        groups: list[list[ir.Job]] = [[]]
        for job in needed:
            if _instances([*groups[-1], job]) > NEEDS_LIMIT:
                groups.append([])
            groups[-1].append(job)
        needed = [_gathering(len(gathering) + n, group) for n, group in enumerate(groups, start=1)]
        gathering += needed
    return tuple(j.id for j in needed), gathering


def _instances(jobs: list[ir.Job]) -> int:
    """How many jobs GitLab counts in a ``needs`` of these: each matrix leg is one."""
    return sum(j.instances for j in jobs)


def _gathering(number: int, group: list[ir.Job]) -> ir.Job:
    """A job that passes when every job of ``group`` has."""
    return ir.Job(
        id=f"checks-{number}",
        name=f"Checks {number}",
        stage=max((j.stage for j in group), key=ir.STAGES.index),
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
