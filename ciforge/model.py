"""The manifest model: frozen attrs classes in the user's vocabulary.

Defaults here are the documented defaults: they mirror the schema's ``default`` keywords, and
tests/test_schema_model.py fails when keys, required keys, types, enums (the ``Literal`` types) or
defaults of the two drift apart. Field names are the manifest keys with ``-`` spelled ``_``.
"""

from __future__ import annotations

from typing import Literal

import attrs

# The schema's closed sets (its ``enum`` keywords), spelled as types; tests/test_schema_model.py
# checks each against the schema.
PresetName = Literal["go-service", "go-cli", "go-library"]
Covermode = Literal["set", "count", "atomic"]
TestPlatform = Literal["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"]
Goos = Literal[
    "aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js",
    "linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows",
]  # fmt: skip
Goarch = Literal[
    "386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le",
    "mipsle", "ppc64", "ppc64le", "riscv64", "s390x", "wasm",
]  # fmt: skip
# the variant variables of the go command (https://pkg.go.dev/cmd/go#hdr-Environment_variables)
Goarm = Literal["5", "6", "7", "5,softfloat", "6,softfloat", "7,softfloat", "5,hardfloat", "6,hardfloat", "7,hardfloat"]
Goamd64 = Literal["v1", "v2", "v3", "v4"]
Go386 = Literal["sse2", "softfloat"]
Goriscv64 = Literal["rva20u64", "rva22u64", "rva23u64"]
Gomips = Literal["hardfloat", "softfloat"]
PushOn = Literal["tags", "branches"]
ArchiveFormat = Literal["tar.gz", "zip", "binary"]
ImageTag = Literal["ref", "sha", "semver", "latest"]
SbomFormat = Literal["spdx-json", "cyclonedx-json"]
Severity = Literal["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
ImageBase = Literal["distroless", "scratch", "debian", "alpine"]
JobEvent = Literal["pr", "push", "tag", "manual", "schedule"]
PathsEvent = Literal["pr", "push"]

DEFAULT_PROXY = "https://proxy.golang.org,direct"
DEFAULT_SUMDB = "sum.golang.org"
GENERATE = "generate"  # image.dockerfile: ciforge writes the Dockerfile


@attrs.frozen(kw_only=True)
class GoSettings:
    """``go:`` — toolchain and module settings."""

    version: str | None = None
    version_file: str | None = None
    exact: bool = False
    packages: str = "./..."
    tags: tuple[str, ...] = ()
    proxy: str = DEFAULT_PROXY
    sumdb: str = DEFAULT_SUMDB
    private: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Setup:
    """``setup:`` — system packages and a script for every Go job, after the toolchain."""

    apt: tuple[str, ...] = ()
    run: str | None = None


@attrs.frozen(kw_only=True)
class Schedule:
    """One ``triggers.schedule`` entry: a UTC cron and the jobs it runs (None: the custom jobs
    whose events list ``schedule``)."""

    cron: str
    jobs: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class Triggers:
    """``triggers:`` — which events run the pipeline."""

    branches: tuple[str, ...] = ("main",)
    pull_requests: bool = True
    tags: tuple[str, ...] = ("v*",)
    manual: bool = True
    schedule: tuple[Schedule, ...] = ()
    paths: tuple[str, ...] = ()
    paths_ignore: tuple[str, ...] = ()
    paths_on: tuple[PathsEvent, ...] | None = None  # None: pr and push, those the pipeline runs on


@attrs.frozen(kw_only=True)
class Lint:
    """``lint:`` — go vet and golangci-lint. ``golangci_lint`` None means "pick for my Go"."""

    vet: bool = True
    golangci_lint: str | bool | None = None
    tidy: bool = False
    gofmt: bool = False
    generate: bool = False
    govulncheck: str | bool = False  # True: the newest release that builds with the Go
    tags: tuple[str, ...] | None = None  # None: go.tags


@attrs.frozen(kw_only=True)
class Coverage:
    """``test.coverage:`` — the coverage gate."""

    threshold: float = 80.0
    exclude: tuple[str, ...] = ()
    new_code: float | None = None  # pull/merge requests: coverage of the changed lines
    merge: bool = False  # gate once on the legs' merged profile (a test-coverage job)


@attrs.frozen(kw_only=True)
class TestMatrixEntry:
    """One ``test.matrix`` include or exclude entry; unset keys are None. ``go`` is a request
    (channel, minor, release, ``go.mod``), resolved before matching."""

    platform: TestPlatform | None = None
    go: str | None = None
    race: bool | None = None
    tags: str | None = None


@attrs.frozen(kw_only=True)
class TestMatrix:
    """``test.matrix:`` — exclude and include over the product of platforms, Go releases and race."""

    exclude: tuple[TestMatrixEntry, ...] = ()
    include: tuple[TestMatrixEntry, ...] = ()


DEFAULT_PLATFORM: TestPlatform = "linux/amd64"


@attrs.frozen(kw_only=True)
class Test:
    """``test:`` — go test with the race detector and coverage, per platform and Go release."""

    race: bool = True
    tags: tuple[str, ...] | None = None  # None: go.tags
    flags: tuple[str, ...] = ()
    coverpkg: tuple[str, ...] = ()
    covermode: Covermode = "atomic"
    report: Literal["junit"] | None = None
    coverage: Coverage = Coverage()
    go_versions: tuple[str, ...] = ()
    platforms: tuple[TestPlatform, ...] = (DEFAULT_PLATFORM,)
    matrix: TestMatrix = TestMatrix()


@attrs.frozen(kw_only=True)
class ModuleCoverage:
    """``modules[].coverage:`` — a module's own gate; an unset key takes ``test.coverage``'s."""

    threshold: float | None = None
    exclude: tuple[str, ...] | None = None
    new_code: float | None = None


@attrs.frozen(kw_only=True)
class Module:
    """One ``modules:`` item: a module directory (``.`` or ``./path``) and its settings."""

    path: str
    lint: bool = True
    test: bool = True
    coverage: ModuleCoverage = ModuleCoverage()


@attrs.frozen(kw_only=True)
class GitLabRunner:
    """``runners.<platform>.gitlab:`` — the tags of the runner."""

    tags: tuple[str, ...]


@attrs.frozen(kw_only=True)
class RunnerOverride:
    """``runners.<platform>:`` — the runner per target instead of the documented hosted one.
    ``github`` is the runs-on label list (one label is a list of one)."""

    github: tuple[str, ...] = ()
    gitlab: GitLabRunner | None = None

    def labels(self) -> dict[str, tuple[str, ...]]:
        """The runner labels per target (registry name) the manifest names."""
        return {"github": self.github, "gitlab": self.gitlab.tags if self.gitlab else ()}


@attrs.frozen(kw_only=True)
class MatrixEntry:
    """One ``include`` or ``exclude`` entry; unset keys are None."""

    goos: Goos | None = None
    goarch: Goarch | None = None
    cgo: bool | None = None
    tags: str | None = None
    cc: str | None = None
    # the per-architecture variant variables (GOARM, GOAMD64, ...), include entries only
    goarm: Goarm | None = None
    goamd64: Goamd64 | None = None
    go386: Go386 | None = None
    goarm64: str | None = None
    goriscv64: Goriscv64 | None = None
    gomips: Gomips | None = None
    gomips64: Gomips | None = None


@attrs.frozen(kw_only=True)
class Matrix:
    """``build.matrix:`` — dimensions plus include/exclude, expanded by :mod:`ciforge.matrix`."""

    goos: tuple[Goos, ...] = ("linux",)
    goarch: tuple[Goarch, ...] = ("amd64",)
    cgo: tuple[bool, ...] = (False,)
    exclude: tuple[MatrixEntry, ...] = ()
    include: tuple[MatrixEntry, ...] = ()


@attrs.frozen(kw_only=True)
class Binary:
    """One ``build.binaries`` item: a main package and its binary's name; ``release: false`` keeps
    it out of the release assets."""

    main: str
    binary: str
    release: bool = True


BuildJobs = Literal["per-leg", "single"] | int


@attrs.frozen(kw_only=True)
class Build:
    """``build:`` — the cross-build of the main package (or of ``binaries``)."""

    main: str = "."
    binary: str | None = None
    binaries: tuple[Binary, ...] | None = None  # None: one, from main and binary
    ldflags: str = "-s -w"
    buildvcs: bool = False
    tags: tuple[str, ...] | None = None  # None: go.tags
    matrix: Matrix = Matrix()
    # per-leg: a job per leg (a matrix); single: every leg in one job, one after another; N: the
    # legs in matrix order, in N jobs of contiguous legs (docs/build.md)
    jobs: BuildJobs = "per-leg"


@attrs.frozen(kw_only=True)
class Image:
    """``image:`` — the BuildKit image build."""

    # one repository, or several: the same digest is pushed to each (None: the platform's default)
    repository: str | tuple[str, ...] | None = None
    dockerfile: str = "Dockerfile"
    context: str = "."
    platforms: tuple[str, ...] = ("linux/amd64",)
    cache: bool = True
    push: tuple[PushOn, ...] = ("tags", "branches")
    base: ImageBase | None = None  # None: distroless, or debian when the image needs CGO
    ports: tuple[int, ...] = ()
    tags: tuple[ImageTag, ...] = ("ref", "sha")
    # build argument name -> value with release placeholders ({version}, ...: docs/release.md)
    build_args: dict[str, str] = attrs.field(factory=dict, hash=False)
    emulation: bool = False  # QEMU emulators for RUN steps of foreign target stages
    from_build: bool = False  # the image copies the build legs' binaries (dist/<platform>/)

    @property
    def generated(self) -> bool:
        """``dockerfile: generate``: ciforge writes the Dockerfile (:mod:`ciforge.dockerfile_gen`)."""
        return self.dockerfile == GENERATE

    @property
    def repositories(self) -> tuple[str, ...]:
        """image.repository as a list, the primary first (empty: the platform's default)."""
        if self.repository is None:
            return ()
        return (self.repository,) if isinstance(self.repository, str) else self.repository


@attrs.frozen(kw_only=True)
class Sbom:
    """``sbom:`` — Syft SBOM of the pushed image."""

    format: SbomFormat = "spdx-json"


@attrs.frozen(kw_only=True)
class LicenseGate:
    """``scan.licenses:`` — the licence gate: denied SPDX identifiers and failing classifications."""

    deny: tuple[str, ...] = ()
    severity: tuple[Severity, ...] = ()


ScanTarget = Literal["image", "sbom", "fs"]
TrivyScanner = Literal["vuln", "secret", "misconfig", "license"]


@attrs.frozen(kw_only=True)
class Scan:
    """``scan:`` — Trivy scan of the image, the SBOM or the repository, with a severity gate."""

    target: ScanTarget = "image"
    scanners: tuple[TrivyScanner, ...] = ("vuln",)
    severity: tuple[Severity, ...] = ("CRITICAL", "HIGH")
    ignore_unfixed: bool = True
    licenses: LicenseGate | None = None


CodeScanLevel = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
CodeScanEvent = Literal["pr", "push", "tag", "manual"]
SastMode = Literal["gosec", "native", False]


@attrs.frozen(kw_only=True)
class CodeScan:
    """``code-scan:`` — static analysis, secret scanning and vulnerable modules (docs/code-scan.md)."""

    sast: SastMode = "gosec"
    secrets: bool = True
    dependencies: bool = True
    severity: tuple[CodeScanLevel, ...] = ("HIGH", "CRITICAL")
    events: tuple[CodeScanEvent, ...] = ("pr", "push")


@attrs.frozen(kw_only=True)
class Sign:
    """``sign:`` — Cosign signing and the verification gate."""

    keyless: bool = True
    key: str | None = None
    public_key: str = "env:COSIGN_PUBLIC_KEY"
    verify: bool = True
    gitlab_url: str = "https://gitlab.com"
    provenance: bool = False  # SLSA provenance of the image and the checksums (docs/provenance.md)


@attrs.frozen(kw_only=True)
class Archives:
    """``release.archives:`` — one byte-reproducible archive per build leg (docs/release.md)."""

    format: ArchiveFormat = "tar.gz"
    files: tuple[str, ...] = ()
    files_from_build: tuple[str, ...] = ()
    name: str = "{name}_{version}_{os}_{arch}"
    replacements: dict[str, str] = attrs.field(factory=dict, hash=False)
    wrap: bool = False


@attrs.frozen(kw_only=True)
class Release:
    """``release:`` — releases on tags."""

    on_tags: bool = True
    archives: Archives | None = None
    # generate: the commits since the previous tag, by one script on both platforms (docs/release.md)
    notes: Literal["generate", False] = "generate"
    draft: bool = False  # GitHub: a draft release; GitLab has none (named exception release-draft)


@attrs.frozen(kw_only=True)
class CustomArtifacts:
    """``jobs.<name>.artifacts:`` — files the job keeps, and the jobs whose files it downloads."""

    paths: tuple[str, ...] = ()
    from_: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Service:
    """``jobs.<name>.services.<service>:`` — a service container beside a custom job."""

    image: str  # pinned by digest
    ports: tuple[int, ...]
    env: dict[str, str] = attrs.field(factory=dict, hash=False)
    health: str | None = None


@attrs.frozen(kw_only=True)
class CustomJob:
    """``jobs.<name>:`` — a job of the project's own: a bash script with its needs and events."""

    run: str
    needs: tuple[str, ...] = ()
    events: tuple[JobEvent, ...] | None = None  # None: every event the pipeline runs on
    go: bool = True
    container: str | None = None  # with go: false, a digest-pinned image
    services: dict[str, Service] = attrs.field(factory=dict, hash=False)
    docker: bool = False  # a Docker daemon in the job
    runner: TestPlatform = "linux/amd64"
    env: dict[str, str] = attrs.field(factory=dict, hash=False)
    secrets: tuple[str, ...] = ()
    timeout: int = 30
    allow_failure: bool = False
    when: Literal["on_success", "manual"] = "on_success"
    artifacts: CustomArtifacts = CustomArtifacts()


@attrs.frozen(kw_only=True)
class Probe:
    """One ``smoke.probes`` item: an HTTP GET on the loopback and the status it must answer."""

    path: str
    port: int
    expect: int = 200


@attrs.frozen(kw_only=True)
class Smoke:
    """``smoke:`` — start the built binary (the runner's own linux/amd64 leg) and probe it, or
    run a command whose exit status is the verdict (docs/smoke.md)."""

    run: str | None = None
    binary: str | None = None  # None: the build's first released binary
    args: tuple[str, ...] = ()
    env: dict[str, str] = attrs.field(factory=dict, hash=False)
    probes: tuple[Probe, ...] = ()
    timeout: int = 30
    image: bool = False  # also probe the pushed image by digest (docs/smoke.md)


@attrs.frozen(kw_only=True)
class Manifest:
    """A whole ``ciforge.yml``."""

    version: int
    name: str
    go: GoSettings
    preset: PresetName | None = None
    setup: Setup = Setup()
    triggers: Triggers = Triggers()
    lint: Lint = Lint()
    test: Test = Test()
    # None: the repository root is the one module; "auto": discovered when lowering
    modules: str | tuple[Module, ...] | None = None
    build: Build | None = Build()  # None: ``build: false``
    image: Image | None = None
    sbom: Sbom | None = None
    scan: Scan | None = None
    code_scan: CodeScan | None = None
    sign: Sign | None = None
    release: Release | None = None
    smoke: Smoke | None = None
    runners: dict[str, RunnerOverride] = attrs.field(factory=dict, hash=False)
    environment: str = "release"
    jobs: dict[str, CustomJob] = attrs.field(factory=dict, hash=False)
