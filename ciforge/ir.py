"""The platform-neutral IR: what the pipeline does, before any platform spells it.

Lowering (:mod:`ciforge.lower`) builds a :class:`Pipeline`; each target module turns it into
YAML-shaped data. The IR is already concrete: matrices are expanded into :class:`Leg` values,
scripts are final bash text, and every dependency is an explicit ``needs`` edge.

Templates: artifact names and paths may contain ``{leg}``, which each target replaces with its
own spelling of the current matrix leg's key (``${{ matrix.BUILD_LEG }}`` / ``$BUILD_LEG``).
"""

from __future__ import annotations

import enum
from typing import Final, Literal

import attrs

# The steps, re-exported (ir.Run, ir.Step, ...): an alias that does not rename is how mypy --strict
# reads a re-export.
# ruff: noqa: PLC0414
from ciforge.ir_steps import (
    BUILD_ARG_PREFIX as BUILD_ARG_PREFIX,
    LABEL_ARGS as LABEL_ARGS,
    PLATFORM_REPORTS as PLATFORM_REPORTS,
    UNLESS_DEFAULT as UNLESS_DEFAULT,
    AttestProvenance as AttestProvenance,
    BuildImage as BuildImage,
    Checkout as Checkout,
    CodeScanReport as CodeScanReport,
    CoverageReport as CoverageReport,
    NativeSast as NativeSast,
    NewCodeReport as NewCodeReport,
    PublishRelease as PublishRelease,
    Run as Run,
    ScanReport as ScanReport,
    SetupEmulation as SetupEmulation,
    SetupGo as SetupGo,
    SetupTool as SetupTool,
    Step as Step,
    TestReport as TestReport,
    build_arg_variable as build_arg_variable,
)

LEG_TOKEN: Final = "{leg}"
LEG_VARIABLE: Final = "BUILD_LEG"  # the leg key variable of the build matrix
TEST_LEG_VARIABLE: Final = "TEST_LEG"  # ... and of the test matrix over Go versions
# SetupGo.version / Job.go when each leg has its own Go: GO_VERSION from the leg.
MATRIX_GO: Final = "{matrix.GO_VERSION}"
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
