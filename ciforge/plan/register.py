"""The non-equivalence register: everything the two platforms deliberately do not share, each a
named exception that the comparison applies explicitly (docs/equivalence.md lists them, and
tests/test_equivalence.py has a test for each).

The lifters and the IR planner use this module; the emitters never do.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import attrs

from ciforge import ir

if TYPE_CHECKING:
    from ciforge.plan.model import PathFilter


@attrs.frozen
class NamedException:
    """One named exception."""

    id: str
    title: str
    why: str


REGISTER: Final = {
    e.id: e
    for e in (
        NamedException(
            "coverage-report",
            "Coverage reporting sinks",
            "GitHub shows the coverage table in the job summary; GitLab records it with the coverage: "
            "regex and a Cobertura report. The new-code gate's uncovered changed lines become warning "
            "annotations on GitHub; on GitLab the Cobertura report marks them in the merge request diff. The "
            "gates themselves are shared blocks (docs/coverage.md).",
        ),
        NamedException(
            "test-report",
            "Test result sinks",
            "GitLab reads the JUnit file as a test report (the merge request widget and the Tests tab); "
            "GitHub shows the summary table in the job summary and each failed test as an error annotation. "
            "The go test block that writes the files is one shared block.",
        ),
        NamedException(
            "scan-report",
            "Vulnerability report formats",
            "GitHub uploads SARIF to code scanning, GitLab keeps a container-scanning report (for the "
            "image, the SBOM and the repository alike: Trivy's GitLab template). Both come from a "
            "separate Trivy invocation over the same target and scanners that never fails; the gates "
            "(severity, licences) are shared blocks. The code-scan jobs' reports too: the same gosec or "
            "Trivy command line writes SARIF, which GitHub uploads to code scanning and GitLab converts "
            "into its sast or secret_detection report (ciforge.sarif_gitlab; in Trivy's image, Trivy's "
            "template writes the same fields); their gates are shared blocks (docs/code-scan.md).",
        ),
        NamedException(
            "sast-native",
            "Each platform's own static analysis",
            "With code-scan.sast: native, GitHub runs CodeQL (github/codeql-action init and analyze, pinned to the commit of upload-sarif) and GitLab includes its SAST template (Jobs/SAST.gitlab-ci.yml), whose analyzer jobs (semgrep-sast for Go), rules and images the template defines. Same intent, not the same findings: different engines with different rules, no shared gate (CodeQL's alerts and GitLab's report do not fail the pipeline by themselves). The job is in no plan: the lifters recognise CodeQL's job (checkout, Go, init, analyze and nothing else) and the template's include with its sast job set to a stage. Use sast: gosec where equal gates matter (docs/code-scan.md).",
        ),
        NamedException(
            "release-publish",
            "Release publishing API",
            "GitHub creates the release with gh; GitLab uploads assets to the generic package registry "
            "and calls the Releases API. The assets are built by one shared block, and so are the notes "
            "(release-notes.md: gh's --notes-file, the Releases API's description).",
        ),
        NamedException(
            "release-draft",
            "Draft releases",
            "GitHub creates a draft release (gh release create --draft) for a maintainer to publish. "
            "GitLab has no draft releases: with release.draft, its release job uploads the assets to the "
            "package registry and stops before the Releases API call, which it prints.",
        ),
        NamedException(
            "provenance-native",
            "Each platform's own record of the provenance",
            "With sign.provenance, one shared block writes the SLSA provenance v1 predicate and cosign attests "
            "it (the image's digest in the sign job, SHA256SUMS in release-assets); the verify gates are shared "
            "blocks too. Natively, GitHub also runs actions/attest, which stores GitHub's own provenance of the "
            "image and of each release asset in the repository's attestations (gh attestation verify); GitLab's "
            "runner writes provenance metadata beside the release job's artifacts "
            "(RUNNER_GENERATE_ARTIFACTS_METADATA). GitLab has no native record of the image's provenance: the "
            "cosign attestation in the registry is the one both platforms share.",
        ),
        NamedException(
            "output-plumbing",
            "How job outputs travel",
            "GitHub copies outputs.env into $GITHUB_ENV/$GITHUB_OUTPUT and needs.*.outputs; GitLab "
            "passes it as a dotenv report. The values are the same lines of outputs.env.",
        ),
        NamedException(
            "image-build-contract",
            "The image build is a contract",
            "GitHub runs docker/build-push-action, GitLab the buildx command line; the plan compares "
            "their inputs (context, Dockerfile, platforms, push, cache, and the build arguments: a "
            "generated Dockerfile's label arguments by name, image.build-args by the image.env variable "
            "that holds each value; when pushing, the names it pushes to and the registries it logs "
            "in to first: docker/login-action steps on GitHub, docker login lines of the block on "
            "GitLab), not their code. image.emulation is a contract too: "
            "docker/setup-qemu-action on GitHub, a docker run of the same binfmt image on GitLab, "
            "compared as the image and the architectures it installs.",
        ),
        NamedException(
            "artifact-archive",
            "One artifact archive per GitLab job",
            "A GitHub job uploads each artifact under its own name; a GitLab job keeps one archive, which "
            "every job that needs it downloads whole. A job keeping several artifacts (build.jobs: single "
            "or N, whose batch keeps build-<leg> for each of its legs) keeps them on GitLab as one archive "
            "named after the job, with all their paths. The plan compares a GitLab job's archive with the "
            "job's artifacts taken together (the name of the job, their paths in order, when); on GitHub "
            "each artifact by its name.",
        ),
        NamedException(
            "checkout",
            "Checkout",
            "GitHub jobs check out explicitly with actions/checkout; GitLab clones implicitly unless "
            "GIT_STRATEGY is none. The plan compares whether each job has the source at all.",
        ),
        NamedException(
            "caches",
            "Caches: the mechanism differs, the scope does not",
            "setup-go's cache on GitHub, cache: with project-local GOMODCACHE/GOCACHE on GitLab; "
            "type=gha for images on GitHub, a registry cache on GitLab. The plan compares which caches "
            "each job restores on each event and whether they are scoped per ref and protection.",
        ),
        NamedException(
            "tool-install",
            "How pinned tools are installed",
            "GitHub installs buildx with docker/setup-buildx-action; GitLab's docker jobs copy the binary "
            "from the pinned docker/buildx-bin image in a block of their own. GitHub sets up Go with "
            "actions/setup-go; GitLab runs Go jobs in the golang image, or, on a runner without Docker "
            "(macOS, Windows), downloads the release archive in a block of its own. Both are compared as "
            "the tool version, not as commands.",
        ),
        NamedException(
            "runners",
            "Runners are spelled per platform",
            "The same platform is a runs-on label on GitHub (ubuntu-24.04-arm) and runner tags on GitLab "
            "(saas-linux-small-arm64; a VM image for hosted macOS). The plan compares the platform each job "
            "runs on, read from the documented hosted labels and tags; for a label or tag the register does "
            "not know (a self-hosted runner), from the TEST_PLATFORM the job declares.",
        ),
        NamedException(
            "windows-gitlab",
            "Windows tests need a self-hosted GitLab runner with bash",
            "GitLab's hosted Windows runners run PowerShell "
            "(https://docs.gitlab.com/ci/runners/hosted_runners/windows/), GitHub's run bash from Git for "
            "Windows. ciforge keeps one bash script for both: a windows test platform needs "
            "runners.<platform>.gitlab.tags naming a self-hosted runner whose shell is bash, else the "
            "manifest gets a positioned error; it never writes PowerShell.",
        ),
        NamedException(
            "platform-env",
            "Platform-only environment",
            "GitLab's Docker-in-Docker variables and cache directories, GitHub's GH_TOKEN for gh, and GitLab's "
            "GIT_DEPTH (the clone depth, which GitHub sets as the checkout's fetch-depth).",
        ),
        NamedException(
            "settings-variables",
            "CI settings variables",
            "A GitLab project variable is injected into every job under its own name, so GitLab needs no "
            "X: $X line where GitHub writes X: ${{ secrets.X }}.",
        ),
        NamedException(
            "unset-is-empty",
            "Unset equals empty",
            "A matrix key absent from a leg is an empty string on GitHub and unset on GitLab; scripts "
            "read such keys as ${KEY:-}.",
        ),
        NamedException(
            "registry-credentials",
            "Registry credentials",
            "Each platform logs in to its own registry with its own job token (github.actor/GITHUB_TOKEN, "
            "CI_REGISTRY_USER/CI_REGISTRY_PASSWORD), or with CI secrets for another registry "
            "(REGISTRY_USER/REGISTRY_PASSWORD for the primary repository's, REGISTRY_USER_<HOST>/"
            "REGISTRY_PASSWORD_<HOST> for another registry of several repositories; docs/release.md).",
        ),
        NamedException(
            "signing-identity",
            "Signing identity and issuer are parameters",
            "The certificate identity and OIDC issuer are each platform's own strings "
            "(https://docs.github.com/en/actions/reference/security/oidc, "
            "https://docs.gitlab.com/ci/yaml/signing_examples/); their exact values are tested per platform in tests/test_supply_chain.py. "
            "GitHub reads them from the github context; GitLab derives the identity in a block of its "
            "own from the claims of the job's ID token, which GitLab signs, because a pipeline variable "
            "can override the predefined variables (https://docs.gitlab.com/ci/variables/#cicd-variable-precedence).",
        ),
        NamedException(
            "pipeline-variables",
            "GitLab pipeline variables override job variables",
            "A pipeline variable (Run pipeline, the API, a trigger, a schedule, a push option) takes "
            "precedence over every variable in .gitlab-ci.yml and over predefined variables "
            "(https://docs.gitlab.com/ci/variables/#cicd-variable-precedence); GitHub's "
            "workflow_dispatch without inputs has no counterpart. ciforge writes every gate setting as "
            "an assignment in the gate's own script and takes the keyless identity from the ID token, "
            "so no pipeline variable changes a gate. What stays overridable on GitLab: the predefined "
            "variables that rules read (which jobs a pipeline has), and a cosign key or public key held "
            "in a CI/CD variable. Remedy: set the project's minimum role to use pipeline variables to "
            "'No one allowed' (https://docs.gitlab.com/ci/variables/#restrict-pipeline-variables).",
        ),
        NamedException(
            "permissions",
            "Token permissions",
            "GitHub scopes GITHUB_TOKEN per job in YAML; GitLab's job token follows the user's role and "
            "cannot be narrowed in YAML (https://docs.github.com/en/actions/reference/workflows-and-actions"
            "/workflow-syntax#permissions, https://docs.gitlab.com/ci/jobs/ci_job_token/).",
        ),
        NamedException(
            "change-request-revision",
            "A pull request tests the merge, a merge request the source branch",
            "A GitHub pull_request run checks out refs/pull/N/merge, the merge of the head into the base "
            "(https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows"
            "#pull_request); a GitLab merge request pipeline runs on the source branch's head, unless "
            "merged results pipelines are enabled in the project "
            "(https://docs.gitlab.com/ci/pipelines/merged_results_pipelines/). The plans are the same; "
            "the commit they run on is not.",
        ),
        NamedException(
            "change-request-conflicts",
            "A conflicting pull request runs on GitLab only",
            "GitHub starts no pull_request run while the pull request has merge conflicts (there is no "
            "merge commit); GitLab still runs the merge request pipeline, on the source branch "
            "(https://docs.gitlab.com/ci/pipelines/merge_request_pipelines/).",
        ),
        NamedException(
            "skip-marker-variants",
            "GitLab's own skip markers are wider",
            "Both outputs skip pushes and pull/merge requests for exactly GitHub's markers ([skip ci], "
            "[ci skip], [no ci], [skip actions], [actions skip], a skip-checks: true trailer); GitLab "
            "also skips, before any rule and with no way to turn it off, for [ci-skip], [skip_ci] and "
            "the like in any capitalization, e.g. [SKIP CI] "
            "(https://docs.gitlab.com/ci/pipelines/#skip-a-pipeline), which GitHub does not document.",
        ),
        NamedException(
            "schedule-definition",
            "GitLab schedules live outside the pipeline file",
            "GitHub reads each cron from on.schedule in the workflow; GitLab creates scheduled pipelines from "
            "schedules kept in the project (https://docs.gitlab.com/ci/pipelines/schedules/), which `ciforge "
            "schedules` prints as glab and REST API calls, each setting CIFORGE_SCHEDULE to its cron, the only way "
            "a GitLab pipeline can tell which schedule fired. The plans assume the schedules exist as printed; a "
            "schedule made without that variable (or with another cron) creates no pipeline, and GitLab's jobs see "
            "the variable, GitHub's do not.",
        ),
        NamedException(
            "schedule-time-zone",
            "Schedules run in UTC",
            "GitHub reads every cron in UTC "
            "(https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule); "
            "a GitLab schedule has its own cron_timezone, which `ciforge schedules` sets to UTC. A schedule "
            "edited in GitLab to another time zone fires at another hour than GitHub's.",
        ),
        NamedException(
            "schedule-branch",
            "GitHub schedules run on the default branch, GitLab schedules on the ref they name",
            "GitHub runs a scheduled workflow on the latest commit of the default branch, from that branch's "
            "workflow file; a GitLab schedule names its ref, which `ciforge schedules` sets to the default "
            "branch (--ref to choose). The plans model a scheduled run on the default branch.",
        ),
        NamedException(
            "schedule-timing",
            "When a scheduled run starts is the platform's",
            "GitHub may delay a scheduled run under load or drop it, runs none more often than every 5 minutes, "
            "and disables schedules in a public repository after 60 days without activity "
            "(https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule); "
            "GitLab starts a schedule when its schedule worker next runs (instance-wide settings) and "
            "deactivates a schedule whose owner can no longer run it "
            "(https://docs.gitlab.com/ci/pipelines/schedules/). ciforge makes the cron the same text on both "
            "and compares what a scheduled run runs, not when it starts.",
        ),
        NamedException(
            "service-host",
            "Where a job reaches its services",
            "A GitHub job on the runner reaches a service container at 127.0.0.1 on the port published there "
            "(https://docs.github.com/en/actions/tutorials/use-containerized-services/use-docker-service-containers); "
            "a GitLab job, and a GitHub container job, by the service's name "
            "(https://docs.gitlab.com/ci/services/#accessing-the-services). ciforge sets <NAME>_HOST to each "
            "platform's value and <NAME>_PORT to the same port; the plans read the host as the service's name. "
            "The same holds for DOCKER_PUBLISH_HOST, where a docker: true job reaches the ports its containers "
            "publish (the runner on GitHub, the docker:dind service on GitLab).",
        ),
        NamedException(
            "service-health",
            "A service's health check runs on GitHub only",
            "GitHub starts a job's steps once each service's Docker health check passes (the health command, "
            "written as docker options); GitLab has no health check for services and waits only a limited time "
            "for the ports the image exposes (https://docs.gitlab.com/ci/services/#how-the-health-check-of-services-works). "
            "Both run the same block first that waits until every port of every service accepts connections; "
            "the health command is compared in GitHub's security posture.",
        ),
        NamedException(
            "service-variables",
            "GitLab services also see the job's variables",
            "A GitLab service container receives the variables the pipeline file defines for the job as well "
            "as its own services:variables, but no project or group CI/CD variable, so no secret "
            "(https://docs.gitlab.com/ci/services/#passing-cicd-variables-to-services); a GitHub service gets "
            "only its own env. Services reach each other by name on GitLab only with the runner feature flag "
            "FF_NETWORK_PER_BUILD, which ciforge sets on every job with services "
            "(https://docs.gitlab.com/runner/configuration/feature-flags/); GitHub puts a job's services on one "
            "network of their own.",
        ),
        NamedException(
            "docker-daemon",
            "The Docker daemon of a docker: true job",
            "GitHub's hosted Linux runners have Docker and Compose installed "
            "(https://github.com/actions/runner-images); a GitLab job gets the docker:dind service over TLS, as "
            "the image jobs do (https://docs.gitlab.com/ci/docker/using_docker_build/), and the docker CLI and "
            "docker-compose from Debian's packages of its image, installed in a block of its own "
            "(tool-install). The daemon's and the CLI's versions differ between the platforms, and on GitLab "
            "the containers' published ports are on the service's host, docker (service-host).",
        ),
        NamedException(
            "manual-approval",
            "What holds a manual job",
            "GitLab adds a when: manual job to each pipeline it is part of and holds it, the pipeline and the "
            "jobs that need it until someone with the right to run it plays it "
            "(https://docs.gitlab.com/ci/jobs/job_control/#create-a-job-that-must-be-run-manually); GitHub has no "
            "manual job, so the job runs in the deployment environment `manual`, whose required reviewers hold "
            "it and its dependents until one approves "
            "(https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments#required-reviewers). "
            "GitHub creates that environment without reviewers when a run first names it, and then runs the job "
            "at once: add the reviewers in the repository's settings. Required reviewers need a public repository "
            "or GitHub Enterprise for a private one; a job not approved within 30 days fails on GitHub "
            "(https://docs.github.com/en/actions/how-tos/deploy/configure-and-manage-deployments/review-deployments), "
            "GitLab documents no such limit for a manual job. The plans compare which jobs are "
            "manual.",
        ),
        NamedException(
            "paths-ignore-gitlab",
            "GitLab cannot exclude paths: it may run where GitHub skips",
            "GitHub applies paths-ignore (alone, or as ! negations after paths: GitHub refuses both keys on one "
            "event) (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax"
            "#onpushpull_requestpull_request_targetpathspaths-ignore); GitLab's rules:changes only lists patterns "
            "one of which must match, with no negation (https://docs.gitlab.com/ci/yaml/#ruleschanges). GitLab keeps "
            "paths alone, or no changes condition when only paths-ignore is given, so it runs at least whenever "
            "GitHub does: a change touching only ignored files runs on GitLab, not on GitHub.",
        ),
        NamedException(
            "paths-new-branch",
            "A new branch's first push: GitLab always runs",
            "GitLab's rules:changes is always true for the first push of a new branch in a branch pipeline "
            "(there is no previous push to compare with; ciforge sets no compare_to, which would never match "
            "pushes to the compared branch itself) (https://docs.gitlab.com/ci/yaml/#ruleschanges, "
            "https://docs.gitlab.com/ci/jobs/job_troubleshooting/#jobs-or-pipelines-run-unexpectedly-when-using-changes); GitHub "
            "documents a two-dot diff against the parent of the ancestor of the deepest commit pushed "
            "(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax"
            "#onpushpull_requestpull_request_targetpathspaths-ignore), so it may skip a first push GitLab runs. The plans model pushes to "
            "existing branches.",
        ),
        NamedException(
            "paths-diff-limits",
            "GitHub's changed-file list has limits",
            "GitHub compares at most 300 changed files: when no matching file is among the first 300 the workflow "
            "does not run (it may skip where GitLab runs); when a push has more than 1,000 commits or the diff "
            "times out, the workflow always runs (https://docs.github.com/en/actions/reference/workflows-and-actions"
            "/workflow-syntax#onpushpull_requestpull_request_targetpathspaths-ignore). GitLab's rules:changes documentation states no such limit.",
        ),
        NamedException(
            "path-glob-dialect",
            "Path patterns: the subset both glob dialects read alike",
            "GitHub reads paths as its filter patterns "
            "(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet), "
            "GitLab as Ruby File.fnmatch with FNM_PATHNAME, FNM_DOTMATCH and FNM_EXTGLOB. ciforge accepts only "
            "what both read alike (literal letters, digits and . _ - /, *, **/ as a whole segment, [a-z0-9] "
            "lists) and refuses the rest with a positioned error (** elsewhere, ?, +, braces, escapes, !). "
            "What stays: GitLab's * and **/ match names starting with a dot (FNM_DOTMATCH); GitHub's cheat sheet "
            "does not say whether its * and ** do (ciforge's reference matcher of it assumes they do).",
        ),
        NamedException(
            "scheduling",
            "Scheduling and cancellation",
            "Concurrency groups, interruptible, stages as display groups, fail-fast: not part of a run's "
            "outcome (see What is not claimed).",
        ),
    )
}

# service-host: a GitHub job on the runner reaches its services (and the ports its own
# containers publish) on loopback; GitLab, and a GitHub container job, by the service's name.
LOOPBACK: Final = "127.0.0.1"
DOCKER_PUBLISH_HOST: Final = "DOCKER_PUBLISH_HOST"
DOCKER_PUBLISH_TOKEN: Final = "@docker-publish-host"


def service_hosts(env: dict[str, str], services: list[str], host: str) -> dict[str, str]:
    """The service-host exception: ``<NAME>_HOST`` spelt ``host`` (how the platform reaches a
    service) reads as the service's name."""
    out = dict(env)
    for service in services:
        name = ir.service_variable(service) + "_HOST"
        if out.get(name) == host:
            out[name] = service
    return out


def docker_publish_host(env: dict[str, str], host: str) -> dict[str, str]:
    """The service-host exception for DOCKER_PUBLISH_HOST: the platform's spelling ``host`` reads
    as its token."""
    return {**env, DOCKER_PUBLISH_HOST: DOCKER_PUBLISH_TOKEN} if env.get(DOCKER_PUBLISH_HOST) == host else env


# Environment: names that only one platform sets, and names whose values are parameters.
PLATFORM_ENV: Final = frozenset(
    {"DOCKER_HOST", "DOCKER_TLS_CERTDIR", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "GOMODCACHE", "GOCACHE", "GH_TOKEN"}
    | {"GIT_DEPTH", "FF_NETWORK_PER_BUILD", "RUNNER_GENERATE_ARTIFACTS_METADATA"}
)
# registry-credentials: where they come from differs per platform (and may be implicit on GitLab).
CREDENTIAL_ENV: Final = frozenset({"REGISTRY_USER", "REGISTRY_PASSWORD"})
# and those of the other registries of several repositories (ir.registry_variables)
CREDENTIAL_PREFIXES: Final = ("REGISTRY_USER_", "REGISTRY_PASSWORD_")
# Gate settings and identities that ciforge never writes as job variables (they are assigned in
# the scripts, or derived from the ID token): from a GitLab variable, a pipeline variable can
# override them (pipeline-variables).
OVERRIDABLE_SETTINGS: Final = frozenset(
    {
        "COVERAGE_THRESHOLD",
        "COVERAGE_NEW_CODE",
        "COVERAGE_EXCLUDE",
        "SCAN_SEVERITY",
        "RELEASE_LEGS",
        "CERT_IDENTITY",
        "CERT_ISSUER",
    }
)
OVERRIDABLE: Final = "@pipeline-variable"
PARAMETER_ENV: Final = {
    "CERT_IDENTITY": "@signing-identity",
    "CERT_ISSUER": "@signing-issuer",
}
SETTING: Final = re.compile(r"^@setting\((?P<name>[A-Z_][A-Z0-9_]*)\)$")


def normalize_env(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Apply the env exceptions: platform-only names, parameters, settings variables, empties."""
    out = []
    for name, raw in env.items():
        # GitHub's own registry, whether written as a literal or as the platform value
        value = "@REGISTRY" if name == "REGISTRY" and raw == "ghcr.io" else raw
        if name in PLATFORM_ENV or name in CREDENTIAL_ENV or name.startswith(CREDENTIAL_PREFIXES):
            continue  # platform-env, registry-credentials
        if name in PARAMETER_ENV and not value.startswith(OVERRIDABLE):
            out.append((name, PARAMETER_ENV[name]))  # signing-identity
            continue
        if value == "":
            continue  # unset-is-empty
        setting = SETTING.match(value)
        if setting and setting["name"] == name:
            continue  # settings-variables
        out.append((name, value))
    return tuple(sorted(out))


def path_filters_agree(left: PathFilter | None, right: PathFilter | None) -> bool:
    """Whether two path filters of one event mean the same, as sets of patterns (None: no
    filter). Where one side's ``ignore`` is None, the platform cannot exclude and only the
    ``paths`` are compared (paths-ignore-gitlab)."""
    left_paths, left_ignore = (left.paths, left.ignore) if left is not None else ((), ())
    right_paths, right_ignore = (right.paths, right.ignore) if right is not None else ((), ())
    if set(left_paths) != set(right_paths):
        return False
    return left_ignore is None or right_ignore is None or set(left_ignore) == set(right_ignore)


def runner_platform(labels: list[str], hosted: dict[str, str], declared: str | None) -> str:
    """The platform a job runs on (the runners exception): a documented hosted label's (or tag's)
    platform, from the lifter's own table ``hosted``; for labels it does not know (self-hosted),
    the platform the job declares in TEST_PLATFORM."""
    known = {hosted[label] for label in labels if label in hosted}
    if len(known) == 1 and len(labels) == 1:
        return known.pop()
    return declared if declared is not None else "@self-hosted(" + ",".join(labels) + ")"
