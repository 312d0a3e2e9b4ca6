"""GitHub's spelling of each platform value (:class:`ciforge.ir.PlatformValue`): expressions over
the github, secrets and vars contexts.
https://docs.github.com/en/actions/reference/workflows-and-actions/contexts"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ciforge import ir


def own_registry(host: str) -> bool:
    """Whether ``host`` (empty: the platform's default) is GitHub's own registry, which the job
    token (GITHUB_TOKEN, with the packages scope) reaches."""
    return host in ("", "ghcr.io")


def _registry_user(arg: str) -> str:
    host, secret = ir.registry_credential("USER", arg)
    return "${{ github.actor }}" if own_registry(host) else "${{ secrets." + secret + " }}"


def _registry_password(arg: str) -> str:
    host, secret = ir.registry_credential("PASSWORD", arg)
    return "${{ secrets.GITHUB_TOKEN }}" if own_registry(host) else "${{ secrets." + secret + " }}"


# https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#github-context
PLATFORM_VALUES: Final[Mapping[str, Callable[[str], str | None]]] = {
    "registry": lambda _: "ghcr.io",
    "registry_user": _registry_user,
    "registry_password": _registry_password,
    # GHCR repositories must be lower case; the image-ref block lower-cases this value.
    "image_repository": lambda _: "ghcr.io/${{ github.repository }}",
    "ref_name": lambda _: "${{ github.ref_name }}",
    "commit_sha": lambda _: "${{ github.sha }}",
    # the pull request's head branch; empty for every other event
    "change_head": lambda _: "${{ github.head_ref }}",
    "default_branch": lambda _: "${{ github.event.repository.default_branch }}",
    "tag_name": lambda _: "${{ github.ref_type == 'tag' && github.ref_name || '' }}",
    # the pull request's base commit; empty for every other event (docs/modules.md)
    "change_base": lambda _: "${{ github.event.pull_request.base.sha }}",
    # Fulcio's SAN for GitHub is {server_url}/{job_workflow_ref}; for a workflow that is not
    # reusable, job_workflow_ref equals github.workflow_ref:
    # .../.github/workflows/ciforge.yml@refs/heads/main (or @refs/tags/v1.2.3).
    "signing_identity": lambda _: "${{ github.server_url }}/${{ github.workflow_ref }}",
    "signing_issuer": lambda _: "https://token.actions.githubusercontent.com",
    "server_url": lambda _: "${{ github.server_url }}",
    "project_path": lambda _: "${{ github.repository }}",
    "run_url": lambda _: (
        "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}"
        "/attempts/${{ github.run_attempt }}"
    ),
    "secret": lambda name: "${{ secrets." + name + " }}",
    "variable": lambda name: "${{ vars." + name + " }}",
    # A job on the runner reaches its service containers, and the ports its own containers
    # publish, on the runner's loopback (the service's ports are published there, emitter.services).
    # https://docs.github.com/en/actions/tutorials/use-containerized-services/use-docker-service-containers
    "service_host": lambda _: "127.0.0.1",
    "docker_publish_host": lambda _: "127.0.0.1",
}


def env_value(value: ir.EnvValue) -> str | None:
    """A literal stays literal; a platform value becomes its GitHub expression."""
    if isinstance(value, str):
        return value
    return PLATFORM_VALUES[value.name](value.arg)
