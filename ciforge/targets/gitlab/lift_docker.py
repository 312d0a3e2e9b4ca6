"""The GitLab lifter's reading of the image jobs' blocks: the binfmt run and the buildx command
line as the emulation and image-build contracts (ciforge.plan.model)."""

from __future__ import annotations

import csv
import re
import shlex
from typing import Final

from ciforge.plan.model import build_arg_word, emulation_command, image_build_command

_VARIABLE: Final = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def build_arg(word: str) -> str:
    """One NAME=value of a --build-arg, as the plan records it: a value that is exactly one
    $NAME or ${NAME} names that variable."""
    name, _, value = word.partition("=")
    variable = _VARIABLE.fullmatch(value)
    return build_arg_word(name, (variable[1] or variable[2]) if variable else "")


def variable_word(word: str) -> str:
    """A value as the image-build contract records it: exactly one $NAME or ${NAME} is $NAME,
    anything else itself (its shell quotes removed)."""
    word = word[1:-1] if len(word) > 1 and word[0] == word[-1] and word[0] in "\"'" else word
    variable = _VARIABLE.fullmatch(word)
    return f"${variable[1] or variable[2]}" if variable else word


def pushed_names(line: str) -> str:
    """The name attribute of the --output image exporter (one CSV line of key=value fields:
    https://docs.docker.com/build/exporters/image-registry/), as the contract records it; the
    argument is double-quoted or a plain word, a CSV quote inside written \\"."""
    output = re.search(r'--output(?:=|\s+)("(?:[^"\\]|\\.)*"|\S+)', line)
    if output is None:
        return ""
    value = output[1][1:-1].replace('\\"', '"') if output[1].startswith('"') else output[1]
    for field in next(csv.reader([value]), []):
        key, _, name = field.partition("=")
        if key == "name":
            return variable_word(name)
    return ""


# docker login's options that take a value (https://docs.docker.com/reference/cli/docker/login/)
_LOGIN_VALUE_OPTIONS: Final = frozenset({"-u", "--username", "-p", "--password"})


def logins(block: str) -> str:
    """The registries the block logs in to before its build, in order."""
    words = []
    for line in block.split("docker buildx build ", 1)[0].splitlines():
        command = line.split(" #", 1)[0].strip()  # a comment logs in nowhere
        for login in re.finditer(r"\bdocker login\b", "" if command.startswith("#") else command):
            # its arguments end where the shell's command does (a pipe, a list, a redirection)
            words.append(login_server(re.split(r"[|;&<>]", command[login.end() :], maxsplit=1)[0].split()))
    return ",".join(words)


def login_server(arguments: list[str]) -> str:
    """The server of ``docker login [OPTIONS] [SERVER]``: the first word that is neither an option
    nor an option's value; without one, Docker Hub (docker login's default:
    https://docs.docker.com/reference/cli/docker/login/)."""
    value_follows = False
    for word in arguments:
        if value_follows:
            value_follows = False
        elif word in _LOGIN_VALUE_OPTIONS:
            value_follows = True
        elif not word.startswith("-"):
            return variable_word(word)
    return "docker.io"


def binfmt(block: str) -> str | None:
    """The emulation contract of a block that runs the binfmt image to install emulators (the
    image's default, without --install, installs none: https://github.com/tonistiigi/binfmt)."""
    run = re.search(
        r"^docker run --privileged --rm (\S*tonistiigi/binfmt\S*)(?: --install (\S+))?$", block, re.MULTILINE
    )
    return emulation_command(image=run[1], architectures=run[2] or "") if run else None


def buildx(block: str) -> tuple[str, str | None]:
    """The build contract, and the image cache it restores ("image" when split by ref
    protection, "image:shared" when not, None without one)."""
    joined = re.sub(r"\\\n[ \t]*", " ", block)  # the shell's line continuation
    line = next(line for line in joined.splitlines() if line.startswith("docker buildx build "))
    # the words as the shell passes them: quotes removed wherever they stand (--build-arg
    # NAME="$VALUE" is NAME=$VALUE), escapes resolved
    words = shlex.split(line)
    cache_from = words[words.index("--cache-from") + 1] if "--cache-from" in words else None
    if cache_from is not None and cache_from.startswith("$"):  # a variable set earlier in the block
        name = re.escape(cache_from.strip("${}"))
        assigned = re.search(rf'^{name}="([^"]*)"$', block, re.MULTILINE)
        cache_from = assigned[1] if assigned else cache_from
    push = "--push" in words or any("push=true" in w for w in words)
    command = image_build_command(
        context=words[-1],
        dockerfile=words[words.index("--file") + 1],
        platforms=words[words.index("--platform") + 1],
        push=push,
        cache=cache_from is not None,
        tags=any(w in ("--tag", "-t", "$@") or w.startswith("--tag=") for w in words),
        labels=",".join(build_arg(words[i + 1]) for i, w in enumerate(words[:-1]) if w == "--build-arg"),
        names=pushed_names(line) if push else "",
        logins=logins(joined) if push else "",
    )
    if cache_from is None:
        return command, None
    return command, "image" if "CI_COMMIT_REF_PROTECTED" in cache_from else "image:shared"
