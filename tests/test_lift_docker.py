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


QEMU = "docker/setup-qemu-action"
BUILD_PUSH = "docker/build-push-action"
BUILD = {"context": ".", "file": "Dockerfile", "platforms": "linux/amd64"}
PLAIN = "builtin image-build context=. file=Dockerfile platforms=linux/amd64"


def _docker_action(action: str, with_: dict[str, Any], logins: tuple[str, ...] = ()) -> dict[str, Any]:
    acc: dict[str, Any] = {"commands": [], "caches": [], **({"logins": list(logins)} if logins else {})}
    github.docker_action(action, with_, acc)
    return {"commands": acc["commands"], "caches": acc["caches"]}


@pytest.mark.parametrize(
    ("with_", "command"),
    [
        # setup-qemu-action's defaults, also for an empty input (src/context.ts: `|| default`)
        ({}, "builtin emulation image=docker.io/tonistiigi/binfmt:latest architectures=all"),
        (
            {"image": "", "platforms": ""},
            "builtin emulation image=docker.io/tonistiigi/binfmt:latest architectures=all",
        ),
        (
            {"image": "tonistiigi/binfmt:qemu-v9", "platforms": "arm64, riscv64"},
            "builtin emulation image=tonistiigi/binfmt:qemu-v9 architectures=arm64,riscv64",
        ),
        # platforms is a list input: by lines as well as by commas
        (
            {"platforms": "arm64\nriscv64,arm\n"},
            "builtin emulation image=docker.io/tonistiigi/binfmt:latest architectures=arm64,riscv64,arm",
        ),
    ],
    ids=_id,
)
def test_github_emulation(with_: dict[str, Any], command: str) -> None:
    assert _docker_action(QEMU, with_) == {"commands": [command], "caches": ["binfmt:shared"]}


@pytest.mark.parametrize(
    ("value", "cached"),
    [(True, True), ("true", True), ("True", True), (False, False), ("false", False), ("FALSE", False)],
)
def test_github_emulation_cache_image_is_a_boolean_input(value: object, cached: bool) -> None:
    """getBooleanInput: a quoted "false" is false too, as the action reads it."""
    assert _docker_action(QEMU, {"cache-image": value})["caches"] == (["binfmt:shared"] if cached else [])


@pytest.mark.parametrize(
    ("with_", "pushes"),
    [
        ({}, False),
        ({"push": True}, True),
        ({"push": "true"}, True),
        ({"push": "TRUE"}, True),
        ({"push": False}, False),
        ({"push": "False"}, False),
        ({"outputs": "type=image,push=true"}, True),
        ({"outputs": "type=image,push=false"}, False),
    ],
    ids=_id,
)
def test_github_image_build_push_is_a_boolean_input_or_the_output(with_: dict[str, Any], pushes: bool) -> None:
    [command] = _docker_action(BUILD_PUSH, {**BUILD, **with_})["commands"]
    assert command.startswith(f"{PLAIN} push={str(pushes).lower()} cache=false tags=false")


def test_github_image_build_without_a_push_records_no_names_or_logins() -> None:
    with_ = {**BUILD, "outputs": "type=image,name=ghcr.io/o/app"}
    result = _docker_action(BUILD_PUSH, with_, logins=("ghcr.io",))
    assert result == {"commands": [f"{PLAIN} push=false cache=false tags=false"], "caches": []}


@pytest.mark.parametrize(
    ("logins", "suffix"),
    [((), " names=ghcr.io/o/app"), (("ghcr.io", "docker.io"), " names=ghcr.io/o/app logins=ghcr.io,docker.io")],
)
def test_github_image_build_that_pushes_records_its_names_and_logins(logins: tuple[str, ...], suffix: str) -> None:
    with_ = {**BUILD, "push": True, "outputs": "type=image,name=ghcr.io/o/app"}
    [command] = _docker_action(BUILD_PUSH, with_, logins=logins)["commands"]
    assert command == f"{PLAIN} push=true cache=false tags=false{suffix}"


@pytest.mark.parametrize(("tags", "recorded"), [("ghcr.io/o/app:1", True), ("", False), (None, False)])
def test_github_image_build_tags(tags: str | None, recorded: bool) -> None:
    [command] = _docker_action(BUILD_PUSH, {**BUILD, "tags": tags})["commands"]
    assert command == f"{PLAIN} push=false cache=false tags={str(recorded).lower()}"


@pytest.mark.parametrize(
    ("cache_from", "cache"),
    [("type=gha", "image"), (" type=gha\n", "image"), ("type=registry,ref=ghcr.io/o/app:cache", "image:shared")],
    ids=_id,
)
def test_github_image_build_cache(cache_from: str, cache: str) -> None:
    """type=gha is scoped by ref; any other cache is shared between refs."""
    result = _docker_action(BUILD_PUSH, {**BUILD, "cache-from": cache_from})
    assert result == {"commands": [f"{PLAIN} push=false cache=true tags=false"], "caches": [cache]}


def test_github_image_build_args() -> None:
    with_ = {**BUILD, "build-args": "VERSION=${{ env.BUILD_ARG_VERSION }}\n\n  REVISION=${{ github.sha }}\n"}
    [command] = _docker_action(BUILD_PUSH, with_)["commands"]
    assert command == f"{PLAIN} push=false cache=false tags=false build-args=VERSION=$BUILD_ARG_VERSION,REVISION"


GITLAB_PLAIN = "docker buildx build --file Dockerfile --platform linux/amd64"


@pytest.mark.parametrize(
    ("block", "command"),
    [
        # without a push, neither the output's name nor the logins are part of the contract
        (
            f"docker login registry.example\n{GITLAB_PLAIN} --output type=image,name=registry.example/app .",
            f"{PLAIN} push=false cache=false tags=false",
        ),
        (
            f"docker login registry.example\n{GITLAB_PLAIN} --output type=image,name=registry.example/app,push=true .",
            f"{PLAIN} push=true cache=false tags=false names=registry.example/app logins=registry.example",
        ),
        # the shell's quote removal, wherever the quotes stand
        (
            f'{GITLAB_PLAIN} --build-arg VERSION="$BUILD_ARG_VERSION" --build-arg REVISION .',
            f"{PLAIN} push=false cache=false tags=false build-args=VERSION=$BUILD_ARG_VERSION,REVISION",
        ),
        (
            "docker buildx build --file 'build/Dockerfile' --platform \"linux/amd64\" '.'",
            "builtin image-build context=. file=build/Dockerfile platforms=linux/amd64 push=false cache=false tags=false",
        ),
        # a continued line is one command
        (
            "docker buildx build \\\n  --file Dockerfile \\\n  --platform linux/amd64 \\\n  .",
            f"{PLAIN} push=false cache=false tags=false",
        ),
    ],
    ids=_id,
)
def test_gitlab_buildx_command(block: str, command: str) -> None:
    assert gitlab.buildx(block) == (command, None)


@pytest.mark.parametrize(
    ("block", "cache"),
    [
        (
            'XCACHE="type=registry,ref=$CI_REGISTRY_IMAGE/cache:$CI_COMMIT_REF_PROTECTED"\n'
            + GITLAB_PLAIN
            + ' --cache-from "$XCACHE" .',
            "image",
        ),
        (
            'XCACHE="type=registry,ref=$CI_REGISTRY_IMAGE/cache:$CI_COMMIT_REF_PROTECTED"\n'
            + GITLAB_PLAIN
            + " --cache-from ${XCACHE} .",
            "image",
        ),
        (
            'XCACHE="type=registry,ref=$CI_REGISTRY_IMAGE/cache"\n' + GITLAB_PLAIN + ' --cache-from "$XCACHE" .',
            "image:shared",
        ),
        # a variable the block never assigns is read as written
        (GITLAB_PLAIN + ' --cache-from "$XCACHE" .', "image:shared"),
        (GITLAB_PLAIN + " --cache-from type=registry,ref=x:$CI_COMMIT_REF_PROTECTED .", "image"),
    ],
    ids=_id,
)
def test_gitlab_buildx_cache(block: str, cache: str) -> None:
    """A cache split by ref protection is scoped ("image"); any other is shared."""
    command, restored = gitlab.buildx(block)
    assert (command, restored) == (f"{PLAIN} push=false cache=true tags=false", cache)
