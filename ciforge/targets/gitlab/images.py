"""The pinned image each job runs in, per runtime, and the Docker-in-Docker service of the image
build."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ciforge import ir
from ciforge.yamldata import Yaml

DOCKER_VERSION: Final = "28.2.2"
# Debian with curl, ca-certificates and coreutils: the official image the golang image builds on.
SHELL_IMAGE: Final = "buildpack-deps:bookworm-curl"
# buildpack-deps' scm variant adds git (and other version control tools) to the curl variant.
# https://github.com/docker-library/buildpack-deps
GIT_IMAGE: Final = "buildpack-deps:bookworm-scm"


def _tool_image(name: str) -> Yaml:
    # The tools' official images, whose entrypoint is the tool itself, so it is reset to a shell.
    return {"name": name, "entrypoint": [""]}


def image(job: ir.Job, tools: Mapping[str, str]) -> Yaml:
    """The pinned image each runtime runs in. The syft and cosign images are their debug
    variants, which carry a busybox shell. A custom job's own container wins."""
    if job.container is not None:
        return job.container
    if job.runtime == ir.Runtime.GO:
        # GitLab expands matrix variables in image names.
        return "golang:$GO_VERSION" if job.go == ir.MATRIX_GO else f"golang:{job.go}"
    if job.runtime == ir.Runtime.SHELL:
        return SHELL_IMAGE
    if job.runtime == ir.Runtime.GIT:
        return GIT_IMAGE
    if job.runtime == ir.Runtime.DOCKER:
        return f"docker:{DOCKER_VERSION}-cli"
    if job.runtime == ir.Runtime.SYFT:
        return _tool_image(f"anchore/syft:{tools['syft']}-debug")
    if job.runtime == ir.Runtime.TRIVY:
        return _tool_image(f"aquasec/trivy:{tools['trivy'].removeprefix('v')}")
    return _tool_image(f"ghcr.io/sigstore/cosign/cosign:{tools['cosign']}-dev")


def dind(job: ir.Job) -> bool:
    """Whether the job has a Docker daemon: the image build, and a custom job with docker: true."""
    return job.runtime == ir.Runtime.DOCKER or job.docker


def services(job: ir.Job) -> Yaml:
    """Docker-in-Docker for the image build and for a custom job with docker: true
    (https://docs.gitlab.com/ci/docker/using_docker_build/), and a custom job's service
    containers, each reached by its alias (https://docs.gitlab.com/ci/services/)."""
    out: list[Yaml] = [f"docker:{DOCKER_VERSION}-dind"] if dind(job) else []
    for s in job.services:
        out.append({"name": s.image, "alias": s.name, **({"variables": dict(s.env)} if s.env else {})})
    return out or None


# Debian's docker.io package carries the docker CLI; the golang and buildpack-deps images are
# Debian. GitLab starts the job while the docker:dind service may still be starting, so the
# block waits for the daemon.
INSTALL_DOCKER_CLI: Final = (
    "export DEBIAN_FRONTEND=noninteractive",
    "apt-get update -qq",
    "apt-get install -y -qq --no-install-recommends docker.io docker-compose > /dev/null",
    "for _ in $(seq 1 30); do docker info > /dev/null 2>&1 && break; sleep 2; done",
    "docker info > /dev/null",
)


DIND_VARIABLES: Final = (
    ("DOCKER_HOST", "tcp://docker:2376"),
    ("DOCKER_TLS_CERTDIR", "/certs"),
    ("DOCKER_TLS_VERIFY", "1"),
    ("DOCKER_CERT_PATH", "/certs/client"),
)
