"""GitLab's spelling of each platform value (:class:`ciforge.ir.PlatformValue`): predefined and
project variables. https://docs.gitlab.com/ci/variables/predefined_variables/"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ciforge import ir


def _same_registry(host: str) -> bool:
    return host in ("", "registry.gitlab.com")


def _registry_user(arg: str) -> str:
    host, secret = ir.registry_credential("USER", arg)
    return "$CI_REGISTRY_USER" if _same_registry(host) else "$" + secret


def _registry_password(arg: str) -> str:
    host, secret = ir.registry_credential("PASSWORD", arg)
    return "$CI_REGISTRY_PASSWORD" if _same_registry(host) else "$" + secret


PLATFORM_VALUES: Final[Mapping[str, Callable[[str], str | None]]] = {
    "registry": lambda _: "$CI_REGISTRY",
    "registry_user": _registry_user,
    "registry_password": _registry_password,
    "image_repository": lambda _: "$CI_REGISTRY_IMAGE",
    "ref_name": lambda _: "$CI_COMMIT_REF_NAME",
    "commit_sha": lambda _: "$CI_COMMIT_SHA",
    # unset outside merge request pipelines, as CI_COMMIT_TAG is off tags: a variable that names
    # an unset one is empty (docs/release.md)
    "change_head": lambda _: "$CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "tag_name": lambda _: "$CI_COMMIT_TAG",
    "default_branch": lambda _: "$CI_DEFAULT_BRANCH",
    # the merge request's merge base with its target branch; unset outside merge request
    # pipelines (docs/modules.md)
    "change_base": lambda _: "$CI_MERGE_REQUEST_DIFF_BASE_SHA",
    # both set by the job's first block, from its ID token: see signing_identity
    "signing_identity": lambda _: None,
    "signing_issuer": lambda _: None,
    "server_url": lambda _: "$CI_SERVER_URL",
    "project_path": lambda _: "$CI_PROJECT_PATH",
    "run_url": lambda _: "$CI_PIPELINE_URL",
    "secret": lambda name: "$" + name,
    "variable": lambda name: "$" + name,
    # A service is reached by its alias; the ports that containers of the Docker-in-Docker service
    # publish, on that service's host, docker.
    # https://docs.gitlab.com/ci/services/#accessing-the-services
    "service_host": lambda name: name,
    "docker_publish_host": lambda _: "docker",
}


def env_value(name: str, value: ir.EnvValue) -> str | None:
    """A literal stays literal; a platform value becomes its GitLab variable (None: not set,
    e.g. a project variable that already has this name and would only refer to itself)."""
    if isinstance(value, str):
        return value
    resolved = PLATFORM_VALUES[value.name](value.arg)
    return None if resolved == "$" + name else resolved
