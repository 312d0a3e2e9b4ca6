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
LEG_VARIABLE: Final = "BUILD_LEG"


class Event(enum.Enum):
    """The abstract events of the execution plan (semantics.md section 15)."""

    PUSH_BRANCH = "push_branch"
    PUSH_TAG = "push_tag"
    CHANGE_REQUEST = "change_request"
    MANUAL = "manual"


ALL_EVENTS: Final = frozenset(Event)
Env = tuple[tuple[str, str], ...]


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
    variables: Env


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


Step = Checkout | SetupGo | Run


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
    """Go module and build caches. Non-semantic: never compared for equivalence."""

    key_files: tuple[str, ...] = ("go.mod", "go.sum")


@attrs.frozen(kw_only=True)
class CoverageReport:
    """Where the coverage numbers are shown: a job summary on GitHub, the ``coverage:`` regex and
    a Cobertura report on GitLab. Reporting only; the gate itself is a :class:`Run` block."""

    text: str  # output of go tool cover -func
    cobertura: str
    regex: str


@attrs.frozen(kw_only=True)
class Gate:
    """A check whose failure fails the job (recorded for the execution plan)."""

    kind: str
    block: str
    detail: Env = ()


@attrs.frozen(kw_only=True)
class Job:
    """One logical job; a matrix job has ``legs``."""

    id: str
    name: str
    stage: str
    needs: tuple[str, ...] = ()
    events: frozenset[Event] = ALL_EVENTS
    go: str | None = None
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


@attrs.frozen(kw_only=True)
class Pipeline:
    """The whole compiled pipeline."""

    name: str
    manifest: str  # the manifest path as named in the output header
    triggers: Triggers
    env: Env
    jobs: tuple[Job, ...]
    stages: tuple[str, ...]

    def job(self, job_id: str) -> Job:
        """The job with this id."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)
