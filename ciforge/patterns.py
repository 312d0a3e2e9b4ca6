"""Pattern errors that state the rule: what is allowed, in words, why when it is not obvious, and
the first offending character.

Every ``pattern`` in the schema has an entry here (a test checks it): the words, and completions
that can follow a still-valid prefix. The first offending character is where the value stops
being the beginning of any valid value: the longest prefix that some completion turns into a
match. A value that is a valid beginning but stops too early is reported at its end.
"""

from __future__ import annotations

import re
from typing import Final

import attrs


@attrs.frozen
class Rule:
    """The words for a pattern and the completions used to find the offending character."""

    allowed: str
    completions: tuple[str, ...] = ("", "a")


def _suffixes(*words: str) -> tuple[str, ...]:
    """Every ending of the literal words: what can complete a prefix of one of them."""
    return tuple(word[i:] for word in words for i in range(len(word) + 1))


_PATH_CHARS: Final = "letters, digits, '.', '_', '-' and '/'"
_GO_RELEASE: Final = Rule(
    "a Go release: 1, a dot and the minor number, optionally a dot and the patch (1.23, 1.23.4)",
    ("", "0", ".0", "0.0", "1.0"),
)
_DIRECTORY: Final = Rule(
    "a directory of the repository written from its root: '.' or './' followed by names of letters, digits, "
    "'.', '_' and '-' separated by '/' (./cmd/api)",
    ("", ".", "/", "a", "/a"),
)
_ENV_SECRET: Final = Rule(
    "env: followed by the name of a CI variable in capitals, digits and '_' (env:COSIGN_PRIVATE_KEY)",
    ("", "A", ":A", "v:A", "nv:A", "env:A"),
)
_GLOB: Final = Rule(f"{_PATH_CHARS}, with '*' for one path segment and '**' for any depth")

RULES: Final[dict[str, Rule]] = {
    "^[A-Za-z0-9][A-Za-z0-9.+-]*$": Rule(
        "an SPDX licence identifier: a letter or digit, then letters, digits, '.', '+' and '-' (AGPL-3.0, SSPL-1.0)"
    ),
    "^/[A-Za-z0-9._~/-]*$": Rule(
        "an HTTP path: '/' then letters, digits, '.', '_', '~', '-' and '/' (/healthz)", ("", "/")
    ),
    "^[A-Za-z0-9_][A-Za-z0-9._/-]*$": Rule(
        f"a path of the repository: {_PATH_CHARS}, starting with a letter, digit or '_' (LICENSE, share/man/)"
    ),
    "^[A-Za-z0-9._+{}-]+$": Rule(
        "an archive name: letters, digits, '.', '_', '+', '-' and placeholders in braces ({name}_{version}_{os}_{arch})"
    ),
    "^[a-z0-9]+(/[a-z0-9.,]+)?$": Rule(
        "a GOOS, a GOARCH, or a GOARCH, '/' and its variant, in lower case (darwin, amd64, arm/7, amd64/v3)"
    ),
    "^[A-Za-z0-9._+-]+$": Rule("a spelling of letters, digits, '.', '_', '+' and '-' (macOS, x86_64, 32-bit)"),
    "^v(8\\.[0-9]|9\\.[0-5])(,lse)?(,crypto)?$": Rule(
        "an arm64 architecture version v8.0 to v8.9 or v9.0 to v9.5, optionally followed by ,lse and then ,crypto "
        "(v8.2,lse)",
        _suffixes("v8.0,lse,crypto", "v8.0,crypto"),
    ),
    "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$": Rule(
        "a letter or digit, then letters, digits, '.', '_' and '-', at most 63 characters in all"
    ),
    "^1\\.[0-9]+(\\.[0-9]+)?$": _GO_RELEASE,
    "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$": Rule(
        "a runner label or tag: a letter or digit, then letters, digits, '.', '_' and '-', at most 128 characters"
    ),
    "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$": Rule(
        "a deployment environment name: a letter or digit, then letters, digits, '_', '.' and '-', at most 63 "
        "characters in all"
    ),
    "^[A-Za-z0-9._/][A-Za-z0-9._/-]*$": Rule(
        f"a package pattern: {_PATH_CHARS}, not starting with '-' (go would read it as a flag); no spaces, quotes "
        "or shell characters",
        ("", "a"),
    ),
    "^!?(?:(?:[A-Za-z0-9._/-]|\\\\[*?+\\[\\]!\\\\]|\\[[A-Za-z0-9-]+\\])[?+]?|\\*)+$": Rule(
        "a GitHub filter pattern: an optional leading '!', then letters, digits, '.', '_', '-' and '/', with '*' "
        "(within a segment), '**' (any depth), '?' or '+' after a character, a range in brackets ([0-9]) and '\\' "
        "before a special character",
        ("", "a", "]", "a]"),
    ),
    "^(stable|oldstable|1\\.[0-9]+(\\.[0-9]+)?)$": Rule(
        "stable, oldstable, or " + _GO_RELEASE.allowed, _GO_RELEASE.completions + _suffixes("stable", "oldstable")
    ),
    "^(stable|oldstable|go\\.mod|1\\.[0-9]+(\\.[0-9]+)?)$": Rule(
        "stable, oldstable, go.mod, or " + _GO_RELEASE.allowed,
        _GO_RELEASE.completions + _suffixes("stable", "oldstable", "go.mod"),
    ),
    "^[^/].*$": Rule("a path relative to the manifest's directory (not starting with '/')"),
    "^[A-Za-z0-9._/-]+$": Rule(_PATH_CHARS + " (no spaces, quotes or shell characters)"),
    "^[A-Za-z0-9._*/-]+$": Rule(f"a module path pattern: {_PATH_CHARS}, with '*'"),
    "^v[0-9]+\\.[0-9]+\\.[0-9]+$": Rule(
        "a release tag: v, then three numbers separated by dots (v2.1.6)", ("", "0", ".0", "0.0", "0.0.0", ".0.0")
    ),
    "^[A-Za-z0-9._/*-]+$": _GLOB,
    "^\\.(/[A-Za-z0-9._-]+)*/?$": _DIRECTORY,
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": Rule("a file name: a letter or digit, then letters, digits, '.', '_' and '-'"),
    "^[^'\"`$\\\\]*$": Rule(
        "any characters except quotes (' \" `), '$' and '\\': GitLab expands $VARIABLES in job variables and "
        "GitHub does not, and quotes would be re-parsed by the shell, so the two platforms would build "
        "different binaries"
    ),
    "^[^'\"`$\\\\#\\u0000-\\u001f\\u007f]*$": Rule(
        "any characters except quotes (' \" `), '$', '\\', '#' and control characters: the value reaches "
        "docker buildx as one word on both platforms (GitHub's build-push-action reads build-args as CSV "
        "lines, where '#' starts a comment and quotes are parsed)"
    ),
    "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$": Rule(
        "a registry host (optionally :port) and a path, all in lower case: letters, digits and single '.', '_' or "
        "'-' between them, segments separated by '/' (ghcr.io/acme/api)",
        ("", "a", "/a", "a/a", "0/a", ":0/a"),
    ),
    "^[a-z0-9]+/[a-z0-9]+(/v[0-9])?$": Rule(
        "os/arch in lower case, optionally /v and a digit for the variant (linux/amd64, linux/arm/v7)",
        ("", "a", "/a", "a/a", "0", "v0", "/v0"),
    ),
    "^env:[A-Z_][A-Z0-9_]*$": _ENV_SECRET,
    "^https://[A-Za-z0-9.-]+(:[0-9]+)?$": Rule(
        "https:// and a host name, optionally :port, with no path (https://gitlab.example.com)",
        ("", "a", "0", ":0", "/a", "//a", "://a", "s://a", "ps://a", "tps://a", "ttps://a", "https://a"),
    ),
    "^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$": Rule(
        "build tags of letters, digits, '_' and '.', separated by commas without spaces (netgo,osusergo)",
        ("", "a", ",a"),
    ),
    "^[a-z0-9][a-z0-9.+-]+(=[A-Za-z0-9.+~:-]+)?$": Rule(
        "a Debian package name: a lower-case letter or digit, then lower-case letters, digits, '.', '+' and '-' "
        "(at least two characters), optionally '=' and a version of letters, digits and . + ~ : -",
        ("", "a", "=0", "a=0"),
    ),
    "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    "@sha256:[a-f0-9]{64}$": Rule(
        "an image pinned by digest: a lower-case name (registry host and path), optionally ':' and a tag, then "
        "'@sha256:' and 64 lower-case hex digits (ubuntu:24.04@sha256:<digest>; docker buildx imagetools inspect "
        "prints the digest)",
        tuple(
            prefix + suffix
            for suffix in _suffixes("@sha256:" + "0" * 64)
            for prefix in ("", "a", "0", "/a", ":0", ":a", "a/a", "0/a")
        ),
    ),
    "^[A-Z_][A-Z0-9_]*$": Rule(
        "a CI variable name: capitals, digits and '_', not starting with a digit (CODECOV_TOKEN)"
    ),
    "^[A-Za-z0-9_.]+$": Rule("one build tag: letters, digits, '_' and '.' (integration; a list item per tag)"),
    "^-[A-Za-z][A-Za-z0-9.]*(=[A-Za-z0-9._,/:+=@^-]*)?$": Rule(
        "one go test flag: '-', a letter, then letters, digits and '.', optionally '=' and a value of letters, "
        "digits and . _ , / : + = @ ^ - (no spaces, quotes or shell characters: -count=1)",
        ("", "a", "=", "a="),
    ),
    "^[A-Za-z0-9._/+-]+$": Rule(f"a compiler command: {_PATH_CHARS} and '+' (no spaces or arguments)"),
    "^[0-9*,/-]+( [0-9*,/-]+){4}$": Rule(
        "five cron fields separated by single spaces, each of digits, '*', ',', '-' and '/' (17 3 * * 1)",
        ("", *(" 0" * n for n in range(1, 5)), *("0" + " 0" * n for n in range(5))),
    ),
}


def _viable(pattern: str, prefix: str, completions: tuple[str, ...]) -> bool:
    return any(re.fullmatch(pattern.removeprefix("^").removesuffix("$"), prefix + c) for c in completions)


def first_offence(pattern: str, value: str) -> int:
    """The 0-based index of the first character that makes ``value`` unable to match (``len(value)``
    when it is a valid beginning that stops too early)."""
    completions = RULES[pattern].completions if pattern in RULES else ("",)
    for index in range(len(value)):
        if not _viable(pattern, value[: index + 1], completions):
            return index
    return len(value)


def describe(pattern: str, value: str) -> tuple[int, str]:
    """(offending index, the message's explanation)."""
    index = first_offence(pattern, value)
    rule = RULES.get(pattern)
    allowed = rule.allowed if rule else f"a value matching {pattern}"
    if index >= len(value):
        return index, f"it ends too early; allowed: {allowed}"
    char = value[index]
    shown = (
        repr(char)
        if char.isprintable() and char != " "
        else f"U+{ord(char):04X}" + (" (a space)" if char == " " else "")
    )
    return index, f"{shown} at character {index + 1} is not allowed there; allowed: {allowed}"
