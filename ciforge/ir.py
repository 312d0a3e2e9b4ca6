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

Platform = Literal["github", "gitlab"]
BOTH: Final[frozenset[Platform]] = frozenset(("github", "gitlab"))
LEG_TOKEN: Final = "{leg}"
LEG_VARIABLE: Final = "BUILD_LEG"  # the leg key variable of the build matrix
TEST_LEG_VARIABLE: Final = "TEST_LEG"  # ... and of the test matrix over Go versions
# SetupGo.version / Job.go when each leg has its own Go: GO_VERSION from the leg.
MATRIX_GO: Final = "{matrix.GO_VERSION}"


class Event(enum.Enum):
    """The abstract events of the execution plan (docs/equivalence.md, "The claim")."""

    PUSH_BRANCH = "push_branch"
    PUSH_TAG = "push_tag"
    CHANGE_REQUEST = "change_request"
    MANUAL = "manual"


ALL_EVENTS: Final = frozenset(Event)


class Runtime(enum.Enum):
    """Where a job runs: the tools it needs. Each target maps this to a runner setup (GitHub) or
    a pinned image (GitLab)."""

    GO = "go"  # the Go toolchain
    SHELL = "shell"  # a POSIX shell with curl and coreutils, no toolchain
    DOCKER = "docker"  # docker with buildx (GitLab: docker:cli + docker:dind service)
    SYFT = "syft"
    TRIVY = "trivy"
    COSIGN = "cosign"


@attrs.frozen
class PlatformValue:
    """An environment value each platform spells its own way (a github context property or a GitLab
    predefined variable: https://docs.gitlab.com/ci/variables/predefined_variables/), e.g. the
    registry, the commit SHA, or the signing identity. ``arg`` carries a manifest setting."""

    name: str
    arg: str = ""


EnvValue = str | PlatformValue
Env = tuple[tuple[str, EnvValue], ...]


@attrs.frozen(kw_only=True)
class Triggers:
    """Which events create a pipeline at all (GitHub ``on:`` / GitLab ``workflow:rules``)."""

    branches: tuple[str, ...]
    tags: tuple[str, ...]
    change_requests: bool
    manual: bool


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
    """A bash block with fresh-shell semantics. ``platforms`` limits platform-only blocks,
    each of which is a named exception in docs/equivalence.md."""

    id: str
    name: str
    script: str
    platforms: frozenset[Platform] = BOTH
    always: bool = False  # also after a failed step (reports)


def only_on(platform: Platform, *, id: str, name: str, script: str) -> Run:
    """A platform-only block: a reporting sink or a platform API call, each listed as a named
    exception in docs/equivalence.md."""
    return Run(id=id, name=name, script=script, platforms=frozenset({platform}))


@attrs.frozen(kw_only=True)
class SetupTool:
    """Install a pinned CLI on GitHub (setup action); GitLab jobs use the tool's pinned image."""

    tool: str  # syft | trivy | cosign | buildx
    version: str


@attrs.frozen(kw_only=True)
class BuildImage:
    """A BuildKit build of ``context`` with ``dockerfile`` (a contract-level builtin: the GitHub
    action and the GitLab buildx command line implement the same contract). Reads IMAGE from
    ``image.env``; when ``push``, pushes by digest only (no tag: the promote job adds the tags
    after verification) and creates ``outputs.env`` with IMAGE_DIGEST."""

    context: str
    dockerfile: str
    platforms: tuple[str, ...]
    push: bool
    cache: bool


Step = Checkout | SetupGo | SetupTool | BuildImage | Run


@attrs.frozen(kw_only=True)
class Artifact:
    """Files a job keeps for later jobs and for people."""

    name: str
    paths: tuple[str, ...]
    when: Literal["on_success", "always"] = "on_success"
    retention_days: int = 30


@attrs.frozen(kw_only=True)
class ArtifactInput:
    """Artifacts a job downloads; ``producer`` is always one of its direct ``needs``."""

    producer: str
    name: str
    all_legs: bool = False


@attrs.frozen(kw_only=True)
class GoCache:
    """Go module and build caches, scoped to the ref that wrote them (never restored on a tag
    ref, never shared between protected and unprotected refs; docs/equivalence.md, caches)."""

    key_files: tuple[str, ...] = ("go.mod", "go.sum")


@attrs.frozen(kw_only=True)
class CoverageReport:
    """Where the coverage numbers are shown: a job summary on GitHub, the ``coverage:`` regex and
    a Cobertura report on GitLab. Reporting only; the gate itself is a :class:`Run` block."""

    cobertura: str
    regex: str


@attrs.frozen(kw_only=True)
class OutputInput:
    """Job outputs a job reads (as environment variables) from one of its direct needs."""

    producer: str
    names: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Gate:
    """A check whose failure fails the job (recorded for the execution plan)."""

    kind: str
    block: str
    detail: Env = ()


@attrs.frozen(kw_only=True)
class Runner:
    """Where a job runs: its platform (GOOS/GOARCH of the runner), and per target the runner the
    manifest names instead of the documented hosted one (empty: the hosted one, which each
    target spells itself)."""

    platform: str = "linux/amd64"
    github: tuple[str, ...] = ()
    gitlab_tags: tuple[str, ...] = ()


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
    stage: str
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
    permissions: tuple[str, ...] = ("contents:read",)
    timeout_minutes: int = 30
    cache: GoCache | None = None
    coverage: CoverageReport | None = None
    gates: tuple[Gate, ...] = ()
    interruptible: bool = True
    # The deployment environment whose protected secrets and variables the job may read
    # (GitHub environment:, GitLab environment:). None: no environment.
    environment: str | None = None
    # Job outputs: each a KEY=VALUE line the job's blocks append to outputs.env.
    outputs: tuple[str, ...] = ()
    inputs: tuple[OutputInput, ...] = ()
    oidc: bool = False  # needs an OIDC token for Sigstore (GitHub id-token: write; GitLab id_tokens)
    reports: tuple[tuple[str, str], ...] = ()  # platform-native report artifacts: (kind, path)
    runner: Runner = Runner()
    module: ModuleScope | None = None


@attrs.frozen(kw_only=True)
class Pipeline:
    """The whole compiled pipeline."""

    name: str
    manifest: str  # the manifest path as named in the output header
    triggers: Triggers
    env: Env
    jobs: tuple[Job, ...]
    stages: tuple[str, ...]
    tools: tuple[tuple[str, str], ...] = ()  # pinned tool versions, by tool name

    def job(self, job_id: str) -> Job:
        """The job with this id."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)
