"""GitLab CI spellings of the supply-chain builtins: job images per runtime, the buildx command
line that implements BuildImage, platform values, id_tokens and native reports. Used only by
:mod:`ciforge.targets.gitlab`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ciforge import ir
from ciforge.scripts import block, quoted
from ciforge.yamldata import Yaml

DOCKER_VERSION: Final = "28.2.2"
# Debian with curl, ca-certificates and coreutils: the official image the golang image builds on.
SHELL_IMAGE: Final = "buildpack-deps:bookworm-curl"


def _same_registry(host: str) -> bool:
    return host in ("", "registry.gitlab.com")


# https://docs.gitlab.com/ci/variables/predefined_variables/
PLATFORM_VALUES: Final[Mapping[str, Callable[[str], str | None]]] = {
    "registry": lambda _: "$CI_REGISTRY",
    "registry_user": lambda host: "$CI_REGISTRY_USER" if _same_registry(host) else "$REGISTRY_USER",
    "registry_password": lambda host: "$CI_REGISTRY_PASSWORD" if _same_registry(host) else "$REGISTRY_PASSWORD",
    "image_repository": lambda _: "$CI_REGISTRY_IMAGE",
    "ref_name": lambda _: "$CI_COMMIT_REF_NAME",
    "commit_sha": lambda _: "$CI_COMMIT_SHA",
    # the merge request's merge base with its target branch; unset outside merge request
    # pipelines (docs/modules.md)
    "change_base": lambda _: "$CI_MERGE_REQUEST_DIFF_BASE_SHA",
    # both set by the job's first block, from its ID token: see signing_identity
    "signing_identity": lambda _: None,
    "signing_issuer": lambda _: None,
    "secret": lambda name: "$" + name,
    "variable": lambda name: "$" + name,
}


def env_value(name: str, value: ir.EnvValue) -> str | None:
    """A literal stays literal; a platform value becomes its GitLab variable (None: not set,
    e.g. a project variable that already has this name and would only refer to itself)."""
    if isinstance(value, str):
        return value
    resolved = PLATFORM_VALUES[value.name](value.arg)
    return None if resolved == "$" + name else resolved


def _issuer(job: ir.Job) -> str | None:
    for _, value in job.env:
        if isinstance(value, ir.PlatformValue) and value.name == "signing_issuer":
            return value.arg
    return None


def signing_identity(job: ir.Job) -> str | None:
    """The block that sets CERT_ISSUER and CERT_IDENTITY in a job that verifies a keyless
    signature. The identity comes from the claims of the job's ID token, which GitLab signs:
    a pipeline variable overrides CI_PROJECT_PATH or CI_COMMIT_TAG, but cannot change a claim
    (https://docs.gitlab.com/ci/variables/#cicd-variable-precedence). Fulcio's SAN for GitLab is
    https://{ci_config_ref_uri}, i.e. <instance>/<group>/<project>//.gitlab-ci.yml@refs/heads/<branch>
    (note the double slash), or @refs/tags/<tag>. https://docs.gitlab.com/ci/yaml/signing_examples/
    and https://docs.gitlab.com/ci/secrets/id_token_authentication/ (the claims)."""
    issuer = _issuer(job)
    if issuer is None:
        return None
    return block(
        "# the signing identity, from the job's ID token (its claims, not overridable variables)",
        IDENTITY_TOKEN_SOURCE,
        "claims=\"$(printf '%s' \"$token\" | cut -d. -f2 | tr '_-' '/+')\"",
        'while [ $(( ${#claims} % 4 )) -ne 0 ]; do claims="${claims}="; done',
        'claims="$(printf \'%s\' "$claims" | base64 -d)"',
        'claim() { printf \'%s\' "$claims" | sed -n "s/.*\\"$1\\":\\"\\([^\\"]*\\)\\".*/\\1/p"; }',
        'project_path="$(claim project_path)"',
        'ref="$(claim ref)"',
        'case "$(claim ref_type)" in',
        "  branch) kind=heads ;;",
        "  tag) kind=tags ;;",
        '  *) echo "signing identity: the ID token names no branch or tag" >&2; exit 1 ;;',
        "esac",
        'if [ -z "$project_path" ] || [ -z "$ref" ]; then',
        '  echo "signing identity: the ID token has no project_path or ref claim" >&2',
        "  exit 1",
        "fi",
        f"export CERT_ISSUER={quoted(issuer)}",
        'export CERT_IDENTITY="${CERT_ISSUER}/${project_path}//.gitlab-ci.yml@refs/${kind}/${ref}"',
        'echo "signing identity: $CERT_IDENTITY"',
    )


# A signing job reads its Sigstore token; a job that only verifies gets a token of its own
# audience, good for nothing but its claims.
IDENTITY_TOKEN_SOURCE: Final = 'token="${SIGSTORE_ID_TOKEN:-${IDENTITY_ID_TOKEN:-}}"'


def _tool_image(name: str) -> Yaml:
    # The tools' official images, whose entrypoint is the tool itself, so it is reset to a shell.
    return {"name": name, "entrypoint": [""]}


def image(job: ir.Job, tools: Mapping[str, str]) -> Yaml:
    """The pinned image each runtime runs in. The syft and cosign images are their debug
    variants, which carry a busybox shell."""
    if job.runtime == ir.Runtime.GO:
        # GitLab expands matrix variables in image names.
        return "golang:$GO_VERSION" if job.go == ir.MATRIX_GO else f"golang:{job.go}"
    if job.runtime == ir.Runtime.SHELL:
        return SHELL_IMAGE
    if job.runtime == ir.Runtime.DOCKER:
        return f"docker:{DOCKER_VERSION}-cli"
    if job.runtime == ir.Runtime.SYFT:
        return _tool_image(f"anchore/syft:{tools['syft']}-debug")
    if job.runtime == ir.Runtime.TRIVY:
        return _tool_image(f"aquasec/trivy:{tools['trivy'].removeprefix('v')}")
    return _tool_image(f"ghcr.io/sigstore/cosign/cosign:{tools['cosign']}-dev")


def services(job: ir.Job) -> Yaml:
    """Docker-in-Docker for the image build. https://docs.gitlab.com/ci/docker/using_docker_build/"""
    return [f"docker:{DOCKER_VERSION}-dind"] if job.runtime == ir.Runtime.DOCKER else None


DIND_VARIABLES: Final = (
    ("DOCKER_HOST", "tcp://docker:2376"),
    ("DOCKER_TLS_CERTDIR", "/certs"),
    ("DOCKER_TLS_VERIFY", "1"),
    ("DOCKER_CERT_PATH", "/certs/client"),
)


def install_buildx(buildx: str) -> str:
    """buildx at the pinned release, copied from its official binary image (the docker jobs'
    counterpart of docker/setup-buildx-action)."""
    return block(
        "# buildx at the pinned release, from its official binary image",
        'mkdir -p "$HOME/.docker/cli-plugins"',
        f'id="$(docker create docker/buildx-bin:{buildx.removeprefix("v")} /buildx)"',
        'docker cp "${id}:/buildx" "$HOME/.docker/cli-plugins/docker-buildx"',
        'docker rm "$id" > /dev/null',
        "docker buildx version",
    )


# The BuildKit registry cache is split by ref protection: protected refs (the default branch,
# protected release tags) only ever read what protected refs wrote.
# https://docs.gitlab.com/ci/variables/predefined_variables/ (CI_COMMIT_REF_PROTECTED)
CACHE_REF: Final = "${IMAGE}:buildcache-${CI_COMMIT_REF_PROTECTED:-false}"


def build_image_script(step: ir.BuildImage) -> str:
    """The buildx command line that implements the BuildImage contract (same inputs as GitHub's
    docker/build-push-action: working-tree context, no attestations, push by digest only;
    registry cache). Only a pushing build logs in."""
    lines = [
        "# shellcheck source=/dev/null",
        ". ./image.env",
    ]
    if step.push:
        lines.append(
            'printf \'%s\' "$REGISTRY_PASSWORD" | docker login "$REGISTRY" -u "$REGISTRY_USER" --password-stdin'
        )
    lines.append("docker buildx create --use --driver docker-container --name ciforge > /dev/null")
    if step.cache:
        lines.append(f'cache="type=registry,ref={CACHE_REF}"')
    flags = [
        f"--platform {','.join(step.platforms)}",
        f"--file {step.dockerfile}",
        "--provenance=false --sbom=false",
        "--metadata-file image-metadata.json",
    ]
    if step.cache:
        flags.append('--cache-from "$cache"')
        if step.push:
            flags.append('--cache-to "${cache},mode=max"')
    flags.append(
        '--output "type=image,name=${IMAGE},push-by-digest=true,name-canonical=true,push=true"'
        if step.push
        else "--output type=cacheonly"
    )
    lines.append("docker buildx build " + " ".join(flags) + f" {step.context}")
    if step.push:
        lines += [
            'digest="$(sed -n \'s/.*"containerimage.digest": *"\\(sha256:[0-9a-f]*\\)".*/\\1/p\' image-metadata.json'
            ' | head -n 1)"',
            "# outputs.env is created here, fresh: a committed outputs.env never reaches the dotenv report",
            'echo "IMAGE_DIGEST=${digest}" > outputs.env',
        ]
    return block(*lines)


def environment(job: ir.Job) -> Yaml:
    """The deployment environment: its protected variables reach only this job. Jobs that only
    prepare a release (publish by digest, SBOM, scan, sign, verify, assets) do not count as
    deployments; promote (the tags) and release do.
    https://docs.gitlab.com/ci/yaml/#environmentaction"""
    if job.environment is None:
        return None
    if job.id in ("promote", "release"):
        return {"name": job.environment}
    return {"name": job.environment, "action": "prepare"}


def id_tokens(job: ir.Job) -> Yaml:
    """Signing jobs get an OIDC token for Sigstore; a job that only verifies a keyless signature
    gets one with an audience no service accepts, read only for the signing identity.
    https://docs.gitlab.com/ci/yaml/#id_tokens"""
    if job.oidc:
        return {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    if _issuer(job) is not None:
        return {"IDENTITY_ID_TOKEN": {"aud": "ciforge-signing-identity"}}
    return None
