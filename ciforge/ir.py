"""The platform-neutral IR: what the pipeline does, before any platform spells it.

Lowering (:mod:`ciforge.lower`) builds a :class:`Pipeline`; each target module turns it into
YAML-shaped data. The IR is already concrete: matrices are expanded into :class:`Leg` values,
scripts are final bash text, and every dependency is an explicit ``needs`` edge.

Templates: artifact names and paths may contain ``{leg}``, which each target replaces with its
own spelling of the current matrix leg's key (``${{ matrix.BUILD_LEG }}`` / ``$BUILD_LEG``).
"""

from __future__ import annotations

import enum
from typing import ClassVar, Final, Literal

import attrs

LEG_TOKEN: Final = "{leg}"
LEG_VARIABLE: Final = "BUILD_LEG"  # the leg key variable of the build matrix
TEST_LEG_VARIABLE: Final = "TEST_LEG"  # ... and of the test matrix over Go versions
# SetupGo.version / Job.go when each leg has its own Go: GO_VERSION from the leg.
MATRIX_GO: Final = "{matrix.GO_VERSION}"
# The build arguments of the generated Dockerfile's OCI labels, in the order both targets pass them.
LABEL_ARGS: Final = ("SOURCE", "REVISION", "VERSION")
# image.build-args: the value of build argument NAME is the image.env variable BUILD_ARG_<NAME>.
BUILD_ARG_PREFIX: Final = "BUILD_ARG_"


def build_arg_variable(name: str) -> str:
    """The image.env variable that holds the value of the user's build argument ``name``."""
    return BUILD_ARG_PREFIX + name


# Written to the IR dump only when it is not its default: a field added after the golden dumps
# were written that most pipelines leave at its default (ciforge.ir_dump).
UNLESS_DEFAULT: Final = {"dump": "unless-default"}
# The image.env variable (and image-publish output) with every repository the image is pushed to,
# comma-separated, when image.repository lists several (docs/release.md, several repositories).
IMAGE_NAMES: Final = "IMAGE_NAMES"


def registry_variables(suffix: str) -> tuple[str, str, str]:
    """The job variables of one registry a job logs in to: its host, user and password. The
    primary repository's registry has the suffix "" (REGISTRY, REGISTRY_USER, REGISTRY_PASSWORD);
    another registry's suffix is _<HOST> (REGISTRY_DOCKER_IO, ...: docs/release.md)."""
    return f"REGISTRY{suffix}", f"REGISTRY_USER{suffix}", f"REGISTRY_PASSWORD{suffix}"


def registry_credential(kind: Literal["USER", "PASSWORD"], arg: str) -> tuple[str, str]:
    """The registry host of a registry_user or registry_password value, and the CI secret that
    holds the credential on a platform whose own registry the host is not. ``arg`` is the host
    (the primary repository's registry: REGISTRY_USER, REGISTRY_PASSWORD) or ``host suffix`` for
    another registry (REGISTRY_USER_<HOST>, REGISTRY_PASSWORD_<HOST>)."""
    host, _, suffix = arg.partition(" ")
    return host, f"REGISTRY_{kind}{suffix}"


class Event(enum.Enum):
    """The abstract events of the execution plan (docs/equivalence.md, "The claim")."""

    PUSH_BRANCH = "push_branch"
    PUSH_TAG = "push_tag"
    CHANGE_REQUEST = "change_request"
    MANUAL = "manual"
    SCHEDULE = "schedule"  # one of the pipeline's schedules (Triggers.schedules); a job lists which in Job.schedules


ALL_EVENTS: Final = frozenset(Event)

# The stages, in order: a job's stage is never before the stage of a job it needs.
Stage = Literal["check", "build", "package", "verify", "sign", "release"]
STAGES: Final[tuple[Stage, ...]] = ("check", "build", "package", "verify", "sign", "release")


class Runtime(enum.Enum):
    """Where a job runs: the tools it needs. Each target maps this to a runner setup (GitHub) or
    a pinned image (GitLab)."""

    GO = "go"  # the Go toolchain
    SHELL = "shell"  # a POSIX shell with curl and coreutils, no toolchain
    GIT = "git"  # the same, with git
    DOCKER = "docker"  # docker with buildx (GitLab: docker:cli + docker:dind service)
    SYFT = "syft"
    TRIVY = "trivy"
    COSIGN = "cosign"


PlatformValueName = Literal[
    "registry",
    "registry_user",
    "registry_password",
    "image_repository",
    "ref_name",
    "commit_sha",
    "change_head",  # the pull/merge request's source branch, else empty
    "tag_name",  # the tag's name on a tag pipeline, else empty
    "default_branch",
    "change_base",
    "signing_identity",
    "signing_issuer",
    "server_url",  # the CI server (the build platform of the provenance), e.g. https://github.com
    "project_path",  # owner/repository, group/project
    "run_url",  # the page of this run (GitHub's run attempt, GitLab's pipeline)
    "secret",
    "variable",
    "service_host",  # arg: the service's name
    "docker_publish_host",
]


@attrs.frozen
class PlatformValue:
    """An environment value each platform spells its own way (a github context property or a GitLab
    predefined variable: https://docs.gitlab.com/ci/variables/predefined_variables/), e.g. the
    registry, the commit SHA, or the signing identity. ``arg`` carries a manifest setting."""

    name: PlatformValueName
    arg: str = ""


EnvValue = str | PlatformValue
Env = tuple[tuple[str, EnvValue], ...]


def env_adding(base: Env, extra: Env) -> Env:
    """``base`` and each variable of ``extra`` that it does not set yet (``base`` wins)."""
    names = {name for name, _ in base}
    return base + tuple(item for item in extra if item[0] not in names)


@attrs.frozen(kw_only=True)
class Triggers:
    """Which events create a pipeline at all (GitHub ``on:`` / GitLab ``workflow:rules``)."""

    branches: tuple[str, ...]
    tags: tuple[str, ...]
    change_requests: bool
    manual: bool
    # The UTC crons of the scheduled runs, each its own: a GitHub run tells them apart by the cron,
    # a GitLab schedule by the SCHEDULE_VARIABLE it sets to it.
    schedules: tuple[str, ...] = ()
    # The pipeline's path filter (None: every push and change request runs it).
    paths: PathFilter | None = None


# The events a path filter can apply to: tag pushes, manual and scheduled runs are never filtered
# (GitHub does not evaluate path filters for them, GitLab's rules:changes is always true there).
PATH_FILTER_EVENTS: Final = frozenset({Event.PUSH_BRANCH, Event.CHANGE_REQUEST})


@attrs.frozen(kw_only=True)
class PathFilter:
    """A pipeline-level path filter (docs/equivalence.md, path filters): on ``events`` the pipeline
    runs only when a changed file matches one of ``paths`` (any file when empty) and not one of
    ``ignore``. GitLab cannot exclude: it applies ``paths`` alone (paths-ignore-gitlab)."""

    paths: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    events: frozenset[Event] = PATH_FILTER_EVENTS

    def __attrs_post_init__(self) -> None:
        assert self.paths or self.ignore, "a path filter has patterns"
        assert self.events, "a path filter applies to an event"
        assert self.events <= PATH_FILTER_EVENTS, "pushes and change requests only"


# The pipeline-schedule variable that tells a GitLab pipeline which schedule fired (GitLab's
# pipeline source says only "schedule"); ``ciforge schedules`` prints the schedules that set it.
SCHEDULE_VARIABLE: Final = "CIFORGE_SCHEDULE"


@attrs.frozen(kw_only=True)
class Leg:
    """One concrete matrix leg: a unique key and the variables it sets."""

    key: str
    variables: tuple[tuple[str, str], ...]


@attrs.frozen(kw_only=True)
class Checkout:
    """Check out the commit under test, without persisting credentials."""


@attrs.frozen(kw_only=True)
class SetupGo:
    """Put the Go toolchain on PATH (GitHub; GitLab jobs run in a golang image instead)."""

    version: str


@attrs.frozen(kw_only=True)
class Run:
    """A bash block, the same text on every platform, that relies on no shell state another block
    leaves (:mod:`ciforge.scripts`). ``written_by``
    says whose text it is: ciforge's own blocks declare their gates in :attr:`Job.gates`; a
    block the manifest wrote (a custom job's ``run``) is read for gates by what it runs."""

    id: str
    name: str
    script: str
    written_by: Literal["ciforge", "manifest"] = "ciforge"


@attrs.frozen(kw_only=True)
class SetupTool:
    """Install a pinned CLI on GitHub (setup action); GitLab jobs use the tool's pinned image."""

    tool: str  # syft | trivy | cosign | buildx
    version: str


@attrs.frozen(kw_only=True)
class SetupEmulation:
    """QEMU user-mode emulators registered in the kernel's binfmt_misc for ``architectures``
    (image.emulation), from the pinned binfmt image on both platforms: docker/setup-qemu-action
    on GitHub, ``docker run --privileged`` of the same image on GitLab (docs/dockerfile.md)."""

    image: str
    architectures: tuple[str, ...]


@attrs.frozen(kw_only=True)
class BuildImage:
    """A BuildKit build of ``context`` with ``dockerfile`` (a contract-level builtin: the GitHub
    action and the GitLab buildx command line implement the same contract). Reads IMAGE from
    ``image.env``; when ``push``, pushes by digest only (no tag: the promote job adds the tags
    after verification) and creates ``outputs.env`` with IMAGE_DIGEST. With ``labels``, passes
    the OCI label build arguments."""

    context: str
    dockerfile: str
    platforms: tuple[str, ...]
    push: bool
    cache: bool
    # the build arguments SOURCE, REVISION and VERSION (the repository URL, the commit SHA and the
    # ref name), which the generated Dockerfile turns into its OCI labels (docs/dockerfile.md)
    labels: bool = False
    # image.build-args: the names of the user's build arguments, in the manifest's order; each
    # value is the variable BUILD_ARG_<NAME> of image.env (the image-ref block computes it). A name
    # of LABEL_ARGS replaces that label's value.
    build_args: tuple[str, ...] = ()
    # the image.env variable with the names pushed to: IMAGE (one repository) or IMAGE_NAMES
    # (several, comma-separated: one build pushes the same digest to each)
    names: str = attrs.field(default="IMAGE", metadata=UNLESS_DEFAULT)
    # when pushing, the suffix of each registry the build logs in to first (ir.registry_variables)
    registries: tuple[str, ...] = attrs.field(default=("",), metadata=UNLESS_DEFAULT)

    @property
    def label_args(self) -> tuple[str, ...]:
        """The OCI label arguments passed with their platform values: those not given by the user."""
        return tuple(name for name in LABEL_ARGS if name not in self.build_args) if self.labels else ()

    @property
    def user_args(self) -> tuple[tuple[str, str], ...]:
        """The user's build arguments, each with the image.env variable that holds its value."""
        return tuple((name, build_arg_variable(name)) for name in self.build_args)


@attrs.frozen(kw_only=True)
class CoverageReport:
    """Show the coverage numbers where the platform shows them (reporting only; the gate is a
    :class:`Run` block of its own). Reads ``coverage.txt`` (``go tool cover -func``) and
    ``coverage.filtered.out`` in the job's directory. ``threshold`` is shown beside the total.
    Each target spells it its own way: named exception ``coverage-report``."""

    threshold: str
    exception: ClassVar[str] = "coverage-report"


@attrs.frozen(kw_only=True)
class NewCodeReport:
    """Show the uncovered changed lines where the platform shows them: the new-code gate block
    wrote them to ``coverage-new-code.txt`` (:mod:`ciforge.scripts_coverage`). GitLab's Cobertura
    report already marks them in the merge request diff. Named exception ``coverage-report``."""

    exception: ClassVar[str] = "coverage-report"


@attrs.frozen(kw_only=True)
class TestReport:
    """Show the test results where the platform shows them: the go test block wrote
    ``junit.xml``, ``test-summary.md`` and ``test-failures.tsv`` in the job's directory
    (:mod:`ciforge.scripts_report`). Named exception ``test-report``."""

    exception: ClassVar[str] = "test-report"
    __test__: ClassVar[bool] = False  # not a pytest test class


@attrs.frozen(kw_only=True)
class ScanReport:
    """A full report of the scan (``target``: image, sbom or fs; Trivy's ``scanners``, comma-
    separated; every severity, never failing), in the format the platform shows and kept even
    when the job fails. Separate from the gate, which is a :class:`Run` block. Named exception
    ``scan-report``."""

    target: str = "image"
    scanners: str = "vuln"
    exception: ClassVar[str] = "scan-report"


CodeScanTool = Literal["gosec", "trivy", "govulncheck"]
SecurityReport = Literal["sast", "secret_detection", "dependency_scanning"]


@attrs.frozen(kw_only=True)
class CodeScanReport:
    """A code scan's full report (``tool`` at ``version``: every finding, never failing) in the
    view the platform has for it, kept even when the gate fails: GitHub uploads the SARIF to code
    scanning; GitLab keeps it as the security report ``report`` (``artifacts:reports``), converted
    from SARIF (:mod:`ciforge.sarif_gitlab`) or, in Trivy's image, written by Trivy's template.
    Separate from the gate, which is a :class:`Run` block (docs/code-scan.md). Named exception
    ``scan-report``."""

    tool: CodeScanTool
    version: str
    report: SecurityReport
    exception: ClassVar[str] = "scan-report"


@attrs.frozen(kw_only=True)
class NativeSast:
    """The platform's own static analysis (``code-scan.sast: native``): CodeQL on GitHub (init,
    then analyze, of github/codeql-action, for Go with autobuild); on GitLab, GitLab's SAST
    template (``include: template: Jobs/SAST.gitlab-ci.yml``), whose own analyzer jobs and rules
    the template defines. Different engines with different rules: the job that holds it is its
    platform's own, in no plan (named exception ``sast-native``, docs/code-scan.md)."""

    exception: ClassVar[str] = "sast-native"


@attrs.frozen(kw_only=True)
class PublishRelease:
    """Publish the release of the tag in RELEASE_TAG with every file in ``release/`` as an asset,
    through the platform's own release API. Named exception ``release-publish``. ``notes``: the
    release's description is release-notes.md (the release-notes job's artifact), else empty."""

    notes: bool = False
    assets: bool = True  # False: a library's release (build: false, no SBOM), notes only
    draft: bool = False  # GitHub only; GitLab stops before the Releases API (named exception release-draft)
    exception: ClassVar[str] = "release-publish"


@attrs.frozen(kw_only=True)
class AttestProvenance:
    """The platform's own record of the SLSA build provenance of ``subject``: the pushed image
    (IMAGE and IMAGE_DIGEST) or the release's ``release/SHA256SUMS`` (each asset it lists). The
    shared blocks attest and verify the same predicate type with cosign on both platforms; this
    step is the native extra: GitHub's actions/attest, GitLab's runner artifact provenance
    metadata (the release's artifacts only). Named exception ``provenance-native``."""

    subject: Literal["image", "checksums"]
    exception: ClassVar[str] = "provenance-native"


Step = (
    Checkout
    | SetupGo
    | SetupTool
    | SetupEmulation
    | BuildImage
    | Run
    | CoverageReport
    | NewCodeReport
    | TestReport
    | ScanReport
    | CodeScanReport
    | NativeSast
    | PublishRelease
    | AttestProvenance
)
# The steps each platform spells in its own way, never compared as commands (docs/equivalence.md).
PLATFORM_REPORTS: Final = (
    CoverageReport,
    NewCodeReport,
    TestReport,
    ScanReport,
    CodeScanReport,
    PublishRelease,
    AttestProvenance,
)


@attrs.frozen(kw_only=True)
class Artifact:
    """Files a job keeps for later jobs and for people."""

    name: str
    paths: tuple[str, ...]
    when: Literal["on_success", "always"] = "on_success"
    retention_days: int = 30


@attrs.frozen(kw_only=True)
class ArtifactInput:
    """Artifacts a job downloads; ``producer`` is always one of its direct ``needs``. With
    ``all_legs``, every leg's artifact, or only those of ``legs`` (leg keys) where the platform
    can fetch single legs' artifacts without changing what the job waits for (GitHub downloads
    them by name; GitLab's needs fetch every leg's: docs/dockerfile.md)."""

    producer: str
    name: str
    all_legs: bool = False
    legs: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class GoCache:
    """Go module and build caches, scoped to the ref that wrote them (never restored on a tag
    ref, never shared between protected and unprotected refs; docs/equivalence.md, caches)."""

    key_files: tuple[str, ...] = ("go.mod", "go.sum")


@attrs.frozen(kw_only=True)
class OutputInput:
    """Job outputs a job reads (as environment variables) from one of its direct needs."""

    producer: str
    names: tuple[str, ...]


GateKind = Literal["exit_code", "coverage", "new_code_coverage", "vulnerabilities", "licenses", "signature", "findings"]


@attrs.frozen(kw_only=True)
class Gate:
    """A check whose failure fails the job, implemented by the :class:`Run` block ``block``:
        ``exit_code`` (the block's commands), ``coverage`` (``min_pct``), ``vulnerabilities``
        (``severity``, ``ignore_unfixed``, ``target``, ``scanners``), ``licenses`` (``deny``,
        ``severity``), ``signature`` and ``findings`` (a code scanner's: ``tool``, ``severity``,
    ``confidence``). The execution plan reads them."""

    kind: GateKind
    block: str
    detail: tuple[tuple[str, str], ...] = ()


class Access(enum.Enum):
    """What a job does with the platform's job token. Each target grants it its own way (GitHub
    token scopes; GitLab's job token follows the user's role: docs/equivalence.md, permissions).
    The registry accesses concern the platform's own registry only; another registry is reached
    with CI secrets."""

    READ_SOURCE = "read_source"
    WRITE_RELEASES = "write_releases"
    READ_IMAGES = "read_images"
    WRITE_IMAGES = "write_images"


@attrs.frozen(kw_only=True)
class Runner:
    """Where a job runs: its platform (GOOS/GOARCH of the runner), and per target (by registry
    name) the runner labels the manifest names instead of the documented hosted runner (GitHub
    runs-on labels, GitLab tags); a target not listed uses its hosted runner."""

    platform: str = "linux/amd64"
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def labels_for(self, target: str) -> tuple[str, ...]:
        """The labels the manifest names for ``target`` (empty: its hosted runner)."""
        return dict(self.labels).get(target, ())


@attrs.frozen(kw_only=True)
class ModuleScope:
    """The Go module a job works in, when the manifest names modules: its blocks run in
    ``directory`` (GitHub ``defaults.run.working-directory``, GitLab a first ``cd``), and with
    ``affected_by`` set, a change check (its first block) skips the job's work on a change request
    that touches none of those module directories (docs/modules.md)."""

    directory: str
    affected_by: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Job:
    """One logical job; a matrix job has ``legs``."""

    id: str
    name: str
    stage: Stage
    leg_variable: str = LEG_VARIABLE
    needs: tuple[str, ...] = ()
    events: frozenset[Event] = ALL_EVENTS
    go: str | None = None
    runtime: Runtime = Runtime.GO
    env: Env = ()
    legs: tuple[Leg, ...] = ()
    steps: tuple[Step, ...] = ()
    produces: tuple[Artifact, ...] = ()
    consumes: tuple[ArtifactInput, ...] = ()
    access: frozenset[Access] = frozenset({Access.READ_SOURCE})
    timeout_minutes: int = 30
    cache: GoCache | None = None
    gates: tuple[Gate, ...] = ()
    # A newer pipeline for the same ref may cancel it: false for jobs that publish, sign or tag,
    # so they never stop halfway.
    cancellable: bool = True
    # The deployment environment whose protected secrets and variables the job may read
    # (GitHub environment:, GitLab environment:). None: no environment.
    environment: str | None = None
    # Job outputs: each a KEY=VALUE line the job's blocks append to outputs.env.
    outputs: tuple[str, ...] = ()
    inputs: tuple[OutputInput, ...] = ()
    oidc: bool = False  # needs an OIDC token for Sigstore (GitHub id-token: write; GitLab id_tokens)
    cyclonedx_sbom: str | None = None  # a CycloneDX SBOM the job writes (a platform may show it)
    runner: Runner = Runner()
    module: ModuleScope | None = None
    # A shell job's own image, pinned by digest (GitHub container:, GitLab image:). None: the
    # platform's plain shell.
    container: str | None = None
    # Its failure fails neither the pipeline nor the jobs that need it (GitHub continue-on-error,
    # GitLab allow_failure).
    allow_failure: bool = False
    # The crons (of Triggers.schedules) whose scheduled runs run this job; Event.SCHEDULE is in
    # ``events`` exactly when this is not empty.
    schedules: tuple[str, ...] = ()
    # Service containers beside the job; and whether it has a Docker daemon of its own (the
    # GitHub runner's; GitLab's docker:dind service).
    services: tuple[Service, ...] = ()
    docker: bool = False
    # It waits for a person in every run (GitLab when: manual; GitHub the MANUAL_ENVIRONMENT's
    # required reviewers).
    manual: bool = False
    # Its blocks read the change's base commit from git (the module change check, the new-code
    # gate): a full clone on both platforms.
    full_history: bool = False
    # Its legs run one after another in this one job, not as a matrix (build.jobs: single or N):
    # its blocks set each leg's variables themselves, and an artifact named with {leg} is kept
    # once per leg under that leg's name (in_sequence).
    sequential: bool = attrs.field(default=False, metadata=UNLESS_DEFAULT)

    @property
    def instances(self) -> int:
        """How many jobs it is on a platform: one per matrix leg, or one."""
        return 1 if self.sequential else max(1, len(self.legs))

    @property
    def native(self) -> bool:
        """Whether the job is its platform's own analysis (:class:`NativeSast`), in no plan."""
        return self.has(NativeSast)

    def has(self, step_type: type) -> bool:
        """Whether one of the job's steps is a ``step_type`` (e.g. a platform's report steps)."""
        return any(isinstance(step, step_type) for step in self.steps)


def in_sequence(job: Job) -> Job:
    """A job whose legs run one after another as what each platform writes and the plan
    compares: one job, no matrix, each {leg} artifact once per leg (in leg order); any other
    job unchanged."""
    if not job.sequential:
        return job
    produces: list[Artifact] = []
    for artifact in job.produces:
        if LEG_TOKEN not in artifact.name:
            produces.append(artifact)
            continue
        produces += [
            attrs.evolve(
                artifact,
                name=artifact.name.replace(LEG_TOKEN, leg.key),
                paths=tuple(p.replace(LEG_TOKEN, leg.key) for p in artifact.paths),
            )
            for leg in job.legs
        ]
    return attrs.evolve(job, legs=(), sequential=False, produces=tuple(produces))


def service_variable(name: str) -> str:
    """The prefix of a service's variables: ``redis-cache`` -> ``REDIS_CACHE`` (_HOST, _PORT)."""
    return name.upper().replace("-", "_")


@attrs.frozen(kw_only=True)
class Service:
    """A service container beside a job (a database, a queue), reached at its ports. ``health``
    is a command Docker runs inside it (GitHub only: GitLab has no health check)."""

    name: str  # the hostname on GitLab (alias) and in a container job's network
    image: str  # pinned by digest
    ports: tuple[int, ...]
    env: tuple[tuple[str, str], ...] = ()
    health: str | None = None


# The GitHub deployment environment whose required reviewers hold a manual job (docs/equivalence.md,
# manual-approval).
MANUAL_ENVIRONMENT: Final = "manual"


class UnsupportedError(ValueError):
    """A target met an IR node it cannot express (never silently dropped)."""


def unsupported(target: str, node: object) -> UnsupportedError:
    """The error a target raises for an IR node its dispatch table lacks."""
    return UnsupportedError(f"the {target} target cannot express {type(node).__name__}")


@attrs.frozen(kw_only=True)
class Pipeline:
    """The whole compiled pipeline."""

    name: str
    manifest: str  # the manifest path as named in the output header
    triggers: Triggers
    env: Env
    jobs: tuple[Job, ...]
    stages: tuple[Stage, ...]
    tools: tuple[tuple[str, str], ...] = ()  # pinned tool versions, by tool name

    def job(self, job_id: str) -> Job:
        """The job with this id."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)
