"""Gates recognised by what a block runs, for the lifters (which see only commands) and for the
blocks a manifest wrote itself (a custom job's ``run``). ciforge's own gates are typed IR nodes
(:class:`ciforge.ir.Gate`) that the planner reads directly (:mod:`ciforge.plan.from_ir`).

Recognition reads the tools' own command lines, never ciforge's messages: a ``trivy image``,
``trivy sbom`` or ``trivy fs`` whose ``--exit-code`` is not 0, a gosec run without ``-no-fail``, a
``cosign verify``, ``verify-blob`` or ``verify-attestation``, and a block that compares with
``$COVERAGE_THRESHOLD`` (or checks licences against ``$LICENSE_DENY``) and can ``exit 1``. A hand edit that keeps the words but drops
the failing exit is no gate.
"""

from __future__ import annotations

import functools
import re
import shlex
from typing import Final

from ciforge import ir
from ciforge.plan.model import Gate, assigned

_CONTINUATION: Final = re.compile(r"\\\n")
COSIGN_VERIFY: Final = frozenset({"verify", "verify-blob", "verify-attestation", "verify-blob-attestation"})


@functools.lru_cache(maxsize=4096)
def _words(command: str) -> tuple[tuple[str, ...], ...]:
    """Each line of the block as shell words (a line shlex cannot split, e.g. inside a quoted
    awk program, as whitespace-separated words). Cached: ``verify`` reads the same blocks on
    every event it lifts, and shlex is most of its time."""
    out = []
    for line in _CONTINUATION.sub(" ", command).split("\n"):
        try:
            out.append(tuple(shlex.split(line, comments=True)))
        except ValueError:
            out.append(tuple(line.split()))
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def invokes(command: str, *words: str) -> bool:
    """Whether a line of the block starts with the command ``words`` (e.g. ``gh release create``);
    the lifters use it to recognise a platform's own blocks (cached, as :func:`_words`)."""
    return any(line.split()[: len(words)] == list(words) for line in command.split("\n"))


@functools.lru_cache(maxsize=4096)
def _invocations(command: str, tool: str) -> tuple[tuple[str, ...], ...]:
    """The arguments of every invocation of ``tool`` in the block."""
    out: list[tuple[str, ...]] = []
    for words in _words(command):
        out += [words[i + 1 :] for i, word in enumerate(words) if word == tool]
    return tuple(out)


def _flag(args: tuple[str, ...], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.removeprefix(name + "=")
    return None


def _resolve(value: str, settings: dict[str, str]) -> str:
    variable = re.fullmatch(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", value)
    return settings.get(variable[1], "?") if variable else value


def coverage(min_pct: str) -> Gate:
    return Gate(kind="coverage", detail=f"min={min_pct}")


def new_code_coverage(min_pct: str) -> Gate:
    return Gate(kind="new-code-coverage", detail=f"min={min_pct}")


def vulnerabilities(severity: str, *, ignore_unfixed: bool, target: str, scanners: str) -> Gate:
    return Gate(
        kind="vulnerabilities",
        detail=f"target={target} scanners={scanners} severity={severity} unfixed={ignore_unfixed}",
    )


def licenses(deny: str, severity: str) -> Gate:
    return Gate(kind="licenses", detail=f"deny={deny} severity={severity}")


def findings(tool: str, *, severity: str, confidence: str) -> Gate:
    return Gate(kind="findings", detail=f"tool={tool} severity={severity} confidence={confidence}")


def _gosec_invocations(command: str) -> tuple[tuple[str, ...], ...]:
    """The arguments of every gosec run in the block: the binary, or ``go run`` of its module."""
    out: list[tuple[str, ...]] = []
    for words in _words(command):
        out += [
            words[i + 1 :]
            for i, word in enumerate(words)
            if word == "gosec" or word.startswith("github.com/securego/gosec/v2/cmd/gosec@")
        ]
    return tuple(out)


TRIVY_TARGETS: Final = frozenset({"image", "sbom", "fs"})


SIGNATURE: Final = Gate(kind="signature")


def recognise(command: str, env: dict[str, str]) -> Gate | None:
    """The gate one block implements, with the settings it reads (the block's own assignment
    wins over the job's environment, as in the shell), or None."""
    settings = {**env, **assigned(command)}
    if "$COVERAGE_THRESHOLD" in command.replace("${COVERAGE_THRESHOLD}", "$COVERAGE_THRESHOLD") and re.search(
        r"\bexit 1\b", command
    ):
        return coverage(settings.get("COVERAGE_THRESHOLD", "?"))
    if "$COVERAGE_NEW_CODE" in command and re.search(r"\bexit 1\b", command):
        return new_code_coverage(settings.get("COVERAGE_NEW_CODE", "?"))
    if "$LICENSE_DENY" in command and re.search(r"\bexit 1\b", command):
        return licenses(settings.get("LICENSE_DENY", "?"), settings.get("LICENSE_SEVERITY", "?"))
    for args in _invocations(command, "trivy"):
        exit_code = _flag(args, "--exit-code")
        if args[:1] and args[0] in TRIVY_TARGETS and exit_code is not None and exit_code != "0":
            severity = _resolve(_flag(args, "--severity") or "?", settings)
            # trivy's default scanner is vuln (https://trivy.dev/latest/docs/references/configuration/cli/trivy_image/)
            scanners = _resolve(_flag(args, "--scanners") or "vuln", settings)
            return vulnerabilities(
                severity, ignore_unfixed="--ignore-unfixed" in args, target=args[0], scanners=scanners
            )
    for args in _gosec_invocations(command):
        if "-no-fail" not in args:  # gosec exits 1 on a finding (https://github.com/securego/gosec#usage)
            return findings(
                "gosec",
                severity=_resolve(_flag(args, "-severity") or "low", settings),
                confidence=_resolve(_flag(args, "-confidence") or "low", settings),
            )
    if any(args[:1] and args[0] in COSIGN_VERIFY for args in _invocations(command, "cosign")):
        return SIGNATURE
    return None


def gates_of(commands: tuple[str, ...], env: dict[str, str]) -> tuple[Gate, ...]:
    """The gates of a job's commands, in block order."""
    return tuple(gate for command in commands if (gate := recognise(command, env)) is not None)


def typed(gate: ir.Gate) -> Gate | None:
    """The plan's gate for one of ciforge's own typed gates (None for a plain exit-code gate)."""
    detail = dict(gate.detail)
    if gate.kind == "coverage":
        return coverage(detail["min_pct"])
    if gate.kind == "new_code_coverage":
        return new_code_coverage(detail["min_pct"])
    if gate.kind == "vulnerabilities":
        return vulnerabilities(
            detail["severity"],
            ignore_unfixed=detail["ignore_unfixed"] == "true",
            target=detail["target"],
            scanners=detail["scanners"],
        )
    if gate.kind == "licenses":
        return licenses(detail["deny"], detail["severity"])
    if gate.kind == "signature":
        return SIGNATURE
    if gate.kind == "findings":
        return findings(detail["tool"], severity=detail["severity"], confidence=detail["confidence"])
    return None
