"""The GitLab lifter's reading of the image jobs' blocks: the binfmt run and the buildx command
line as the emulation and image-build contracts (ciforge.plan.model)."""

from __future__ import annotations

import re
import shlex

from ciforge.plan.model import build_arg_word, emulation_command, image_build_command


def build_arg(word: str) -> str:
    """One NAME=value of a --build-arg, as the plan records it: a value that is exactly one
    $NAME or ${NAME} names that variable."""
    name, _, value = word.partition("=")
    variable = re.fullmatch(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))", value)
    return build_arg_word(name, (variable[1] or variable[2]) if variable else "")


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
    words = shlex.split(line, posix=False)
    words = [w[1:-1] if len(w) > 1 and w[0] == w[-1] == '"' else w for w in words]
    cache_from = words[words.index("--cache-from") + 1] if "--cache-from" in words else None
    if cache_from is not None and cache_from.startswith("$"):  # a variable set earlier in the block
        name = re.escape(cache_from.strip("${}"))
        assigned = re.search(rf'^{name}="([^"]*)"$', block, re.MULTILINE)
        cache_from = assigned[1] if assigned else cache_from
    command = image_build_command(
        context=words[-1],
        dockerfile=words[words.index("--file") + 1],
        platforms=words[words.index("--platform") + 1],
        push="--push" in words or any("push=true" in w for w in words),
        cache=cache_from is not None,
        tags=any(w in ("--tag", "-t", "$@") or w.startswith("--tag=") for w in words),
        labels=",".join(build_arg(words[i + 1]) for i, w in enumerate(words[:-1]) if w == "--build-arg"),
    )
    if cache_from is None:
        return command, None
    return command, "image" if "CI_COMMIT_REF_PROTECTED" in cache_from else "image:shared"
