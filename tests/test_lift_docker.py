"""The lifters' readings of the Docker steps, word by word: build-push-action's inputs and
docker/login-action on GitHub, the buildx, binfmt and docker login lines on GitLab. Each case is a
hand edit that `verify` must read as the command it is (docs/equivalence.md)."""

from __future__ import annotations

from typing import Any

import pytest

from ciforge.targets.github import lift_docker as github
from ciforge.targets.gitlab import lift_docker as gitlab


def _id(value: object) -> str | None:
    """A text parameter as a test id that pytest can select again by node id (mutmut does):
    brackets, backslashes and line breaks in an id break ``file::test[id]``."""
    return value.translate(str.maketrans("[]\\\n", "()~/")) if isinstance(value, str) else None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("VERSION=${{ env.BUILD_ARG_VERSION }}", "VERSION=$BUILD_ARG_VERSION"),
        ("  VERSION = ${{env.BUILD_ARG_VERSION}}  ", "VERSION=$BUILD_ARG_VERSION"),
        # only the first = separates the name; the value may hold more
        ("VERSION=a=${{ env.BUILD_ARG_VERSION }}", "VERSION"),
        ("VERSION=1.2.3", "VERSION"),
        # a variable that is not a user's build argument is recorded by the name only
        ("REVISION=${{ env.GITHUB_SHA }}", "REVISION"),
    ],
    ids=_id,
)
def test_github_build_arg(line: str, expected: str) -> None:
    assert github.build_arg(line) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${{ env.IMAGE }}", "$IMAGE"),
        (" ${{env.IMAGE}} ", "$IMAGE"),
        (" ghcr.io/o/app ", "ghcr.io/o/app"),
        ("${{ env.IMAGE }}:latest", "${{ env.IMAGE }}:latest"),
    ],
    ids=_id,
)
def test_github_env_word(value: str, expected: str) -> None:
    assert github.env_word(value) == expected


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        ("type=image,name=${{ env.IMAGE }},push-by-digest=true,push=true", "$IMAGE"),
        ("type=image,push=true,name=ghcr.io/o/app", "ghcr.io/o/app"),
        # a quoted CSV field holds several names; only the first = splits a field
        ('type=image,"name=ghcr.io/o/a,ghcr.io/o/b",push=true', "ghcr.io/o/a,ghcr.io/o/b"),
        ("type=image,name=a=b,push=true", "a=b"),
        # the first line with a name is the output; none names nothing
        ("type=image,push=true\ntype=image,name=second", "second"),
        ("type=image,push=true", ""),
        ("", ""),
    ],
    ids=_id,
)
def test_github_pushed_names(outputs: str, expected: str) -> None:
    assert github.pushed_names(outputs) == expected


@pytest.mark.parametrize(
    ("with_", "expected"),
    [
        ({}, ["docker.io"]),  # login-action's default registry is Docker Hub
        ({"registry": "ghcr.io"}, ["ghcr.io"]),
        ({"registry": "${{ env.REGISTRY }}"}, ["$REGISTRY"]),
    ],
    ids=_id,
)
def test_github_login(with_: dict[str, Any], expected: list[str]) -> None:
    acc: dict[str, Any] = {}
    github.login(with_, acc)
    assert acc == {"logins": expected}


def test_github_logins_accumulate_in_order() -> None:
    acc: dict[str, Any] = {}
    github.login({"registry": "ghcr.io"}, acc)
    github.login({}, acc)
    assert acc["logins"] == ["ghcr.io", "docker.io"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("VERSION=$BUILD_ARG_VERSION", "VERSION=$BUILD_ARG_VERSION"),
        ("VERSION=${BUILD_ARG_VERSION}", "VERSION=$BUILD_ARG_VERSION"),
        ("VERSION=a=$BUILD_ARG_VERSION", "VERSION"),
        ("VERSION=1.2.3", "VERSION"),
        ("REVISION=$CI_COMMIT_SHA", "REVISION"),
    ],
    ids=_id,
)
def test_gitlab_build_arg(word: str, expected: str) -> None:
    assert gitlab.build_arg(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$IMAGE", "$IMAGE"),
        ("${IMAGE}", "$IMAGE"),
        ('"$IMAGE"', "$IMAGE"),
        ("'${IMAGE}'", "$IMAGE"),
        ("registry.example", "registry.example"),
        # quotes come off only in pairs around the word
        ('"$IMAGE', '"$IMAGE'),
        ("\"$IMAGE'", "\"$IMAGE'"),
        ('"', '"'),
        ('""', ""),
        ("XregX", "XregX"),
    ],
    ids=_id,
)
def test_gitlab_variable_word(word: str, expected: str) -> None:
    assert gitlab.variable_word(word) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("docker buildx build --output type=image,push=true,name=reg/app .", "reg/app"),
        ("docker buildx build --output=type=image,name=$IMAGE,push=true .", "$IMAGE"),
        ('docker buildx build --output "name=reg/app,type=image,push=true" .', "reg/app"),
        ('docker buildx build --output "type=image,push=true,name=reg/app" .', "reg/app"),
        ('docker buildx build --output "type=image,\\"name=reg/a,reg/b\\",push=true" .', "reg/a,reg/b"),
        ("docker buildx build --output type=image,name=a=b .", "a=b"),
        ("docker buildx build --output type=image,push=true .", ""),
        ("docker buildx build --push .", ""),
    ],
    ids=_id,
)
def test_gitlab_pushed_names(line: str, expected: str) -> None:
    assert gitlab.pushed_names(line) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        # ciforge's own form: the server first, then the options
        ('printf \'%s\' "$P" | docker login "$CI_REGISTRY" -u "$U" --password-stdin', "$CI_REGISTRY"),
        # the options first: the server is the first word that is not an option or its value
        ('printf \'%s\' "$P" | docker login -u "$U" --password-stdin "$CI_REGISTRY"', "$CI_REGISTRY"),
        ("docker login --username u --password p registry.example", "registry.example"),
        ("docker login -p p -u u registry.example && echo in", "registry.example"),
        ("docker login --username=u registry.example", "registry.example"),
        # without a server, Docker Hub; a pipe or a list ends the command
        ('docker login -u "$U" --password-stdin < token', "docker.io"),
        ("docker login -u u -p p; echo registry.example", "docker.io"),
        ("docker login", "docker.io"),
        # several logins in order, one per line or per command
        ("docker login a.example\ndocker login b.example", "a.example,b.example"),
        ("docker login a.example && docker login b.example", "a.example,b.example"),
        # a comment logs in nowhere, wherever it starts
        ("echo hi # docker login x.example", ""),
        ("# docker login x.example", ""),
        ("docker login a.example # then docker login b.example # note", "a.example"),
        # only the logins before the build count
        (
            "docker login a.example\ndocker buildx build --push .\ndocker login b.example\ndocker buildx build .",
            "a.example",
        ),
        ("docker buildx build --push .\ndocker login after.example", ""),
    ],
    ids=_id,
)
def test_gitlab_logins(block: str, expected: str) -> None:
    assert gitlab.logins(block) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "docker run --privileged --rm docker.io/tonistiigi/binfmt:qemu-v9 --install arm64,arm",
            "builtin emulation image=docker.io/tonistiigi/binfmt:qemu-v9 architectures=arm64,arm",
        ),
        # without --install the image installs nothing
        (
            "set -eu\ndocker run --privileged --rm tonistiigi/binfmt\n",
            "builtin emulation image=tonistiigi/binfmt architectures=",
        ),
    ],
    ids=_id,
)
def test_gitlab_binfmt(block: str, expected: str) -> None:
    assert gitlab.binfmt(block) == expected


@pytest.mark.parametrize(
    "block",
    [
        "docker run --rm tonistiigi/binfmt --install arm64",  # not privileged: registers nothing
        "docker run --privileged --rm tonistiigi/binfmt --install arm64 && echo",
        "docker run --privileged --rm alpine",
    ],
    ids=_id,
)
def test_gitlab_binfmt_reads_only_the_whole_line(block: str) -> None:
    assert gitlab.binfmt(block) is None
