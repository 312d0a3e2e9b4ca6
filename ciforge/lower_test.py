"""Lower ``test:``: the test matrix over platforms, Go releases and race (plus tags from include
entries), expanded once with :mod:`ciforge.matrix`, as one test job per platform whose legs are
that platform's legs. Each leg has its own coverage gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from ciforge import goreleases, goversion, ir, matrix, runners, scripts, scripts_coverage, scripts_report
from ciforge.diagnostics import JsonPath
from ciforge.globs import coverage_exclude_regex
from ciforge.model import DEFAULT_PLATFORM, Coverage, TestMatrixEntry

if TYPE_CHECKING:
    from ciforge.lower import Lowering

_DIMENSIONS: Final = ("platform", "go", "race")


@attrs.frozen
class TestLeg:
    """One expanded leg of the test matrix."""

    platform: str
    go: str
    race: bool
    tags: str | None


# go test flags the manifest may not pass in test.flags, and why.
# https://pkg.go.dev/cmd/go#hdr-Testing_flags
FORBIDDEN_TEST_FLAGS: Final = {
    "race": "use test.race (or a test.matrix leg's race)",
    "tags": "use the build tags settings (test.matrix include tags)",
    "o": "the test binary is not kept",
    "c": "-c compiles the test binary instead of running the tests",
    "exec": "-exec runs the tests through another program",
    "toolexec": "-toolexec runs the build tools through another program",
    "n": "-n prints the commands without running the tests",
    "C": "use modules: to test another directory",
    "args": "-args would pass the package pattern to the test binary",
}
FORBIDDEN_TEST_FLAG_PREFIXES: Final = (("cover", "use test.covermode, test.coverpkg and test.coverage"),)


class TestLowering:
    """The test jobs of one lowering run; problems go to the run's diagnostics."""

    def __init__(self, low: Lowering, go: str) -> None:
        self.low = low
        self.m = low.m
        self.go = go

    # -- Go releases --------------------------------------------------------------------------

    def resolve(self, request: str, path: JsonPath) -> str | None:
        """A version request as an exact release; ``go.mod`` is the version file's declared
        minimum. None (with an error at ``path``) when it cannot be resolved."""
        if request != "go.mod":
            version = self.low.release(request, path)
        elif self.low.declared is None or self.low.declared.minimum is None:
            self.low.error(
                "conflict",
                "go.mod names the go directive of a go.mod version-file; set go.version-file: go.mod",
                path,
            )
            return None
        else:
            version = self.low.release(goversion.as_declared(self.low.declared.minimum), path)
        return None if version == self.low.unresolved else version

    def go_versions(self) -> list[str]:
        """``test.go-versions`` as exact releases, in order, without repeats (else just ``go``)."""
        out: list[str] = []
        for i, request in enumerate(self.m.test.go_versions):
            path: JsonPath = ("test", "go-versions", i)
            version = self.resolve(request, path)
            if version is None:
                continue
            if version in out:
                self.low.error(
                    "unique", f"{request} resolves to Go {version}, which an earlier item already runs", path
                )
            out.append(version)
        return out or [self.go]

    # -- the matrix ---------------------------------------------------------------------------

    def _entries(self, where: str, entries: tuple[TestMatrixEntry, ...]) -> list[dict[str, object]]:
        allowed = (*_DIMENSIONS, "tags") if where == "include" else _DIMENSIONS
        out: list[dict[str, object]] = []
        for i, entry in enumerate(entries):
            path: JsonPath = ("test", "matrix", where, i)
            values: dict[str, object] = {}
            for key in ("platform", "go", "race", "tags"):
                value = getattr(entry, key)
                if value is None:
                    continue
                if key not in allowed:
                    self.low.error(
                        "matrix-key",
                        f"{where} entries may only use {', '.join(allowed)}; {key!r} is not a dimension of the "
                        "test matrix, so this entry could never match",
                        (*path, key),
                    )
                    continue
                if key == "go":
                    value = self.resolve(str(value), (*path, "go"))
                    if value is None:
                        continue
                values[key] = value
            out.append(values)
        return out

    def legs(self) -> list[TestLeg]:
        """The expanded legs; problems with them are reported at the setting that made them."""
        test = self.m.test
        mx = test.matrix
        combos = matrix.expand(
            [("platform", test.platforms), ("go", self.go_versions()), ("race", [test.race])],
            exclude=self._entries("exclude", mx.exclude),
            include=self._entries("include", mx.include),
        )
        if not combos:
            self.low.error("matrix-empty", "the exclude entries remove every test leg", ("test", "matrix"))
        for i, entry in enumerate(mx.include):
            if entry.race and entry.platform is not None and entry.platform not in runners.RACE_PLATFORMS:
                self.low.error(
                    "race",
                    f"Go's race detector does not run on {entry.platform} "
                    "(https://go.dev/doc/articles/race_detector#Requirements); set race: false",
                    ("test", "matrix", "include", i, "race"),
                )
        first = test.platforms[0] if test.platforms else DEFAULT_PLATFORM
        legs = []
        for combo in combos:
            platform = str(combo.get("platform", first))
            tags = combo.get("tags")
            legs.append(
                TestLeg(
                    platform=platform,
                    go=str(combo.get("go", self.go)),
                    # where Go's race detector does not run, -race is off (documented default)
                    race=bool(combo.get("race", test.race)) and platform in runners.RACE_PLATFORMS,
                    tags=str(tags) if isinstance(tags, str) else None,
                )
            )
        self.check_flags()
        if test.covermode != "atomic" and any(leg.race for leg in legs):
            self.low.error(
                "conflict", f"go test -race requires covermode atomic, not {test.covermode!r}", ("test", "covermode")
            )
        self._check(legs)
        return legs

    def _platform_path(self, platform: str) -> JsonPath:
        platforms = self.m.test.platforms
        if platform in platforms:
            return ("test", "platforms", platforms.index(platform))
        for i, entry in enumerate(self.m.test.matrix.include):
            if entry.platform == platform:
                return ("test", "matrix", "include", i, "platform")
        return ("test", "platforms")

    def check_flags(self) -> None:
        """test.flags: none that ciforge sets itself or that would run or write something else."""
        for index, flag in enumerate(self.m.test.flags):
            name = flag.partition("=")[0].lstrip("-")
            reason = FORBIDDEN_TEST_FLAGS.get(name) or next(
                (why for prefix, why in FORBIDDEN_TEST_FLAG_PREFIXES if name.startswith(prefix)), None
            )
            if reason is not None:
                self.low.error("test-flags", f"test.flags: {flag} is not allowed: {reason}", ("test", "flags", index))

    def _check(self, legs: list[TestLeg]) -> None:
        """Each platform is a port of its legs' Go releases and has a runner on both targets."""
        seen: set[tuple[str, str]] = set()
        for leg in legs:
            ports = goreleases.ports(leg.go)
            if ports is not None and leg.platform not in ports and (leg.platform, leg.go) not in seen:
                seen.add((leg.platform, leg.go))
                self.low.error(
                    "go-ports",
                    f"Go {leg.go} cannot run tests on {leg.platform}: it is not one of its ports (go tool dist list)",
                    self._platform_path(leg.platform),
                )
        used = list(dict.fromkeys(leg.platform for leg in legs))
        for platform in used:
            self.low.check_runner(platform, self._platform_path(platform))
        used += [job.runner for job in self.m.jobs.values()]
        for platform in self.m.runners:
            if platform not in used:
                self.low.warn(
                    "runner",
                    f"runners.{platform} is not used: no test leg or job runs on {platform}",
                    ("runners", platform),
                )

    # -- jobs ---------------------------------------------------------------------------------

    def jobs(self, legs: list[TestLeg], *, coverage: Coverage | None = None) -> list[ir.Job]:
        """One test job per platform, in the order the platforms first appear; a platform whose
        legs differ in -race gets a second job for the legs without it (``-norace``), because the
        flag is written into the job's block, where no pipeline variable can change it. The
        coverage gate is ``coverage`` (default: test.coverage); merged, a last job gates the legs together."""
        gate = coverage or self.m.test.coverage
        groups: dict[tuple[str, bool], list[TestLeg]] = {}
        for leg in legs:
            groups.setdefault((leg.platform, leg.race), []).append(leg)
        platforms = list(dict.fromkeys(leg.platform for leg in legs))
        mixed = {platform for platform in platforms if (platform, True) in groups and (platform, False) in groups}
        declared = self.m.test.platforms != (DEFAULT_PLATFORM,) or bool(self.m.runners)
        out = []
        for platform in platforms:
            for race in (True, False):
                if (platform, race) not in groups:
                    continue
                suffix = (f"-{runners.slug(platform)}" if len(platforms) > 1 else "") + (
                    "-norace" if platform in mixed and not race else ""
                )
                group = groups[platform, race]
                out.append(self._job(platform, race, group, suffix=suffix, declared=declared, gate=gate))
        return [*out, self.merged(out, gate)] if gate.merge else out

    def _job(
        self,
        platform: str,
        race: bool,
        group: list[TestLeg],
        *,
        suffix: str,
        declared: bool,
        gate: Coverage,
    ) -> ir.Job:
        test = self.m.test
        threshold = f"{gate.threshold:g}"
        # The gate's settings are in its scripts, not job variables (scripts.pinned).
        env: list[tuple[str, ir.EnvValue]] = [("GO_PACKAGES", self.m.go.packages)]
        if declared:  # the platform the job claims, for a self-hosted runner's plan (docs/equivalence.md, runners)
            env.append(("TEST_PLATFORM", platform))
        if race:
            env.append(("CGO_ENABLED", "1"))  # -race needs cgo
        leg_tagged = any(leg.tags is not None for leg in group)
        matrixed = bool(test.go_versions) or len(group) > 1 or leg_tagged
        tagged = leg_tagged or bool(self.low.build_tags("test"))
        if not matrixed and (tags := self.low.build_tags("test", group[0].tags)):
            env.append(("GO_TAGS", tags))
        exclude = coverage_exclude_regex(gate.exclude) if gate.exclude else ""
        # merged: this leg reports its own figure; the test-coverage job gates the merged profile
        new_code = None if gate.new_code is None or gate.merge else f"{gate.new_code:g}"
        if new_code is not None:
            env.append(("CHANGE_BASE", ir.PlatformValue("change_base")))  # empty outside a change request
        legs = _unique(tuple(_leg(leg, self.low.build_tags("test", leg.tags)) for leg in group)) if matrixed else ()
        go = ir.MATRIX_GO if legs else group[0].go
        command = scripts.go_test_command(
            race=race, covermode=test.covermode, tags=tagged, flags=test.flags, coverpkg=test.coverpkg
        )
        reported = test.report == "junit"
        profile = scripts_coverage.PROFILE_DIRECTORY + suffix
        steps: tuple[ir.Step, ...] = (
            ir.Checkout(),
            ir.SetupGo(version=go),
            ir.Run(
                id="go-test",
                name="go test",
                script=scripts_report.go_test_reported(command) if reported else scripts.block(command),
            ),
            *((ir.TestReport(),) if reported else ()),
            ir.Run(id="coverage-total", name="Total coverage", script=scripts.coverage_total(exclude=exclude)),
            ir.CoverageReport(threshold=threshold),
            *(
                (
                    ir.Run(
                        id="coverage-profile",
                        name="Keep the profile for the merged gate",
                        script=scripts_coverage.keep_profile(
                            profile + (f"-${{{ir.TEST_LEG_VARIABLE}}}" if legs else "")
                        ),
                    ),
                )
                if gate.merge
                else (ir.Run(id="coverage-gate", name="Coverage gate", script=scripts.coverage_gate(threshold)),)
            ),
            *new_code_steps(new_code),
        )
        return ir.Job(
            id=f"test{suffix}",
            name="Test" + (f" ({suffix.removeprefix('-')})" if suffix else ""),
            stage="check",
            leg_variable=ir.TEST_LEG_VARIABLE,
            go=go,
            env=tuple(env),
            legs=legs,
            steps=steps,
            cache=self.low.go_cache(),
            produces=(
                ir.Artifact(
                    name=f"coverage{suffix}" + (f"-{ir.LEG_TOKEN}" if legs else ""),
                    paths=(
                        "coverage.out",
                        "coverage.filtered.out",
                        "coverage.txt",
                        *(scripts_report.REPORT_FILES if reported else ()),
                        *((scripts_coverage.UNCOVERED_FILE,) if new_code is not None else ()),
                        *((profile + (f"-{ir.LEG_TOKEN}" if legs else "") + "/",) if gate.merge else ()),
                    ),
                    when="always",
                ),
            ),
            gates=(
                ir.Gate(kind="exit_code", block="go-test"),
                *coverage_gates(threshold, new_code, merged=gate.merge),
            ),
            full_history=new_code is not None,
            runner=self.low.runner(platform),
        )

    def merged(self, tests: list[ir.Job], gate: Coverage) -> ir.Job:
        """The job that merges the profiles of every leg of ``tests`` and gates them once
        (test.coverage.merge): the total, and the new-code gate on a change request."""
        threshold = f"{gate.threshold:g}"
        new_code = None if gate.new_code is None else f"{gate.new_code:g}"
        exclude = coverage_exclude_regex(gate.exclude) if gate.exclude else ""
        return ir.Job(
            id="test-coverage",
            name="Coverage (merged)",
            stage="check",
            go=self.go,
            env=(("CHANGE_BASE", ir.PlatformValue("change_base")),) if new_code is not None else (),
            needs=tuple(job.id for job in tests),
            consumes=tuple(
                ir.ArtifactInput(producer=job.id, name=job.produces[0].name, all_legs=bool(job.legs)) for job in tests
            ),
            steps=(
                ir.Checkout(),
                ir.SetupGo(version=self.go),
                ir.Run(id="coverage-merge", name="Merge the legs' profiles", script=scripts_coverage.coverage_merge()),
                ir.Run(id="coverage-total", name="Total coverage", script=scripts.coverage_total(exclude=exclude)),
                ir.CoverageReport(threshold=threshold),
                ir.Run(id="coverage-gate", name="Coverage gate", script=scripts.coverage_gate(threshold)),
                *new_code_steps(new_code),
            ),
            cache=self.low.go_cache(),
            produces=(
                ir.Artifact(
                    name="coverage-merged",
                    paths=(
                        "coverage.out",
                        "coverage.filtered.out",
                        "coverage.txt",
                        *((scripts_coverage.UNCOVERED_FILE,) if new_code is not None else ()),
                    ),
                    when="always",
                ),
            ),
            gates=(ir.Gate(kind="exit_code", block="coverage-merge"), *coverage_gates(threshold, new_code)),
            full_history=new_code is not None,
        )


def coverage_gates(threshold: str, new_code: str | None, *, merged: bool = False) -> tuple[ir.Gate, ...]:
    """The coverage gates a job applies: none on a leg whose profile is merged and gated elsewhere."""
    if merged:
        return ()
    return (
        ir.Gate(kind="coverage", block="coverage-gate", detail=(("min_pct", threshold),)),
        *(
            (ir.Gate(kind="new_code_coverage", block="coverage-new-code", detail=(("min_pct", new_code),)),)
            if new_code is not None
            else ()
        ),
    )


def new_code_steps(threshold: str | None) -> tuple[ir.Step, ...]:
    """The new-code gate and its report, after the total's gate (none without ``new-code``)."""
    if threshold is None:
        return ()
    return (
        ir.Run(
            id="coverage-new-code", name="New-code coverage gate", script=scripts_coverage.coverage_new_code(threshold)
        ),
        ir.NewCodeReport(),
    )


def _leg(leg: TestLeg, tags: str) -> ir.Leg:
    """A test leg, keyed by its Go release and its own include tags; ``tags``: all its build tags."""
    parts = [f"go{leg.go}", *(leg.tags.split(",") if leg.tags is not None else [])]
    variables: list[tuple[str, str]] = [(ir.TEST_LEG_VARIABLE, "-".join(parts)), ("GO_VERSION", leg.go)]
    if tags:
        variables.append(("GO_TAGS", tags))
    return ir.Leg(key="-".join(parts), variables=tuple(variables))


def _unique(legs: tuple[ir.Leg, ...]) -> tuple[ir.Leg, ...]:
    """Leg keys made unique with -2, -3, ... (two include entries may make the same key)."""
    used: set[str] = set()
    out = []
    for leg in legs:
        key, n = leg.key, 2
        while key in used:
            key = f"{leg.key}-{n}"
            n += 1
        used.add(key)
        variables = tuple((name, key if name == ir.TEST_LEG_VARIABLE else value) for name, value in leg.variables)
        out.append(ir.Leg(key=key, variables=variables))
    return tuple(out)
