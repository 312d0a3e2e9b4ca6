"""The IR's steps: what a job does, one step after another, before any platform spells it
(re-exported by :mod:`ciforge.ir`, where the jobs and the pipeline are). Each step type is
dispatched by every target's emitter table (tests/test_architecture.py); the platform reports
(:data:`PLATFORM_REPORTS`) are the steps each platform spells in its own way."""

from __future__ import annotations

from typing import ClassVar, Final, Literal

import attrs

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
